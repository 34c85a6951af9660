// Wrapper module for argo-lua: runs an Argo CD health check, resource action or action
// discovery script the way Argo CD does, so the tests exercise manifests/argocd with Argo CD's
// interpreter, library set and patch computation rather than stand-ins. gopher-lua,
// gopher-json and evanphx/json-patch are the versions Argo CD v3.5.1's go.mod pins (check
// them there when bumping; the go.sum lines equal Argo CD's).
module mdo.invalid/argoluabin

go 1.26.0

require (
	github.com/evanphx/json-patch v5.9.11+incompatible
	github.com/yuin/gopher-lua v1.1.2
	layeh.com/gopher-json v0.0.0-20190114024228-97fed8db8427
)
