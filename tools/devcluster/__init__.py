"""Local Kubernetes control plane (etcd + kube-apiserver) built from source, for tests and demos."""
