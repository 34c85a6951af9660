// Wrapper module for argo-lua: runs an Argo CD health or resource-action script the way
// Argo CD does, so the tests exercise manifests/argocd with Argo CD's interpreter and library
// set rather than a stand-in. gopher-lua and gopher-json are the versions Argo CD v3.5.1's
// go.mod pins (check them there when bumping).
module mdo.invalid/argoluabin

go 1.26.0

require (
	github.com/yuin/gopher-lua v1.1.2
	layeh.com/gopher-json v0.0.0-20190114024228-97fed8db8427
)
