"""Local Kubernetes control plane (etcd + kube-apiserver) built from source, for tests and demos.

    from devcluster import ControlPlane
    with ControlPlane() as plane:          # builds the pinned tools on first use
        plane.admin_kubeconfig             # O=system:masters
        plane.kubeconfig_for("alice", ["team-a"])

Command line: `python -m devcluster --help`. Not shipped in the operator's wheel.
"""

from devcluster.cluster import Cluster, attach, open_cluster, use_existing_cluster
from devcluster.control_plane import ControlPlane
from devcluster.errors import ControlPlaneError, DevclusterError, ToolchainError
from devcluster.existing_cluster import ExistingCluster
from devcluster.kubectl import Kubectl, KubectlError
from devcluster.pki import service_account_identity
from devcluster.toolchain import ALL_TOOLS, Toolchain, resolve_toolchain

__all__ = [
    "ALL_TOOLS",
    "Cluster",
    "ControlPlane",
    "ControlPlaneError",
    "DevclusterError",
    "ExistingCluster",
    "Kubectl",
    "KubectlError",
    "Toolchain",
    "ToolchainError",
    "attach",
    "open_cluster",
    "resolve_toolchain",
    "service_account_identity",
    "use_existing_cluster",
]
