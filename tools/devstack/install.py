"""Install what the operator needs into a cluster, and mint the operator's own identity.

The operator runs under the ServiceAccount's RBAC from manifests/rbac.yaml, never as an
admin: a client certificate whose user name is the ServiceAccount's makes the API server
apply exactly the bindings a pod with that ServiceAccount would get.
"""

from __future__ import annotations

from pathlib import Path

from devcluster.kubectl import Kubectl

REPO_ROOT = Path(__file__).resolve().parents[2]
CRD_DIRECTORY = REPO_ROOT / "crds"
CRD_NAMES = ("modeldeployments.sagemaker.mlops.dev", "modelendpoints.sagemaker.mlops.dev")
OPERATOR_NAMESPACE = "mdo-system"
OPERATOR_SERVICE_ACCOUNT = "model-deployment-operator"
OPERATOR_USER = f"system:serviceaccount:{OPERATOR_NAMESPACE}:{OPERATOR_SERVICE_ACCOUNT}"
OPERATOR_GROUPS = ("system:serviceaccounts", f"system:serviceaccounts:{OPERATOR_NAMESPACE}")
RBAC_MANIFESTS = ("namespace.yaml", "serviceaccount.yaml", "rbac.yaml")


def install_crd(admin: Kubectl) -> None:
    admin("apply", "--server-side", "--force-conflicts", "-f", str(CRD_DIRECTORY))
    for name in CRD_NAMES:
        admin("wait", "--for=condition=Established", f"crd/{name}", "--timeout=60s")


def install_rbac(admin: Kubectl) -> None:
    for name in RBAC_MANIFESTS:
        admin(
            "apply", "--server-side", "--force-conflicts", "-f", str(REPO_ROOT / "manifests" / name)
        )


def install(admin: Kubectl) -> None:
    install_crd(admin)
    install_rbac(admin)
