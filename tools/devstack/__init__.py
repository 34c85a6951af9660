"""The local stack for tests and the demo: the operator's CRD and RBAC installed into a
cluster, the SageMaker emulator and the operator as real processes."""
