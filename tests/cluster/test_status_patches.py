"""The scheduler's status writes (kube/status_patches.py) against the real API server, as
the operator's ServiceAccount: a merge patch of the status subresource that answers with the
stored object, removes what is sent as null, and tells a deleted object apart."""

from __future__ import annotations

from pathlib import Path

import kubernetes.config
import pytest

from devcluster import Kubectl
from devstack.install import OPERATOR_NAMESPACE, OPERATOR_SERVICE_ACCOUNT, install
from model_deployment_operator.domain.naming import DeploymentRef
from model_deployment_operator.kube.status_patches import KubernetesStatusPatches
from support.cluster_fixtures import KubeconfigFactory, apply_model_deployment

pytestmark = pytest.mark.cluster


@pytest.fixture(scope="module")
def operator_kubeconfig(kubectl: Kubectl, kubeconfig_factory: KubeconfigFactory) -> Path:
    install(kubectl)
    return kubeconfig_factory.service_account(OPERATOR_NAMESPACE, OPERATOR_SERVICE_ACCOUNT)


def test_patches_the_status_and_answers_with_the_stored_object(
    kubectl: Kubectl, operator_kubeconfig: Path, namespace: str
) -> None:
    created = apply_model_deployment(kubectl, namespace)
    ref = DeploymentRef(namespace, "fraud", created["metadata"]["uid"])
    statuses = KubernetesStatusPatches(
        lambda: kubernetes.config.new_client_from_config(config_file=str(operator_kubeconfig))
    )
    stored = statuses.patch_status(
        ref, {"observedGeneration": 1, "endpoint": {"name": "ep", "status": "Creating"}}
    )
    assert stored is not None
    assert stored["status"]["endpoint"] == {"name": "ep", "status": "Creating"}
    assert int(stored["metadata"]["resourceVersion"]) > int(created["metadata"]["resourceVersion"])
    stored = statuses.patch_status(ref, {"endpoint": {"status": None}})
    assert stored is not None
    assert stored["status"] == {"observedGeneration": 1, "endpoint": {"name": "ep"}}
    assert stored["spec"] == created["spec"], "the status subresource leaves the spec alone"
    read = kubectl.json("get", "mdep", "fraud", "-n", namespace)
    assert read["status"] == stored["status"]


def test_a_deleted_object_gets_nothing(
    kubectl: Kubectl, operator_kubeconfig: Path, namespace: str
) -> None:
    old = apply_model_deployment(kubectl, namespace)
    statuses = KubernetesStatusPatches(
        lambda: kubernetes.config.new_client_from_config(config_file=str(operator_kubeconfig))
    )
    kubectl("delete", "mdep", "fraud", "-n", namespace)
    ref = DeploymentRef(namespace, "fraud", old["metadata"]["uid"])
    assert statuses.patch_status(ref, {"observedGeneration": 1}) is None
