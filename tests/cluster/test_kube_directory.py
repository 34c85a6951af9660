"""The operator's direct reads of the API server (kube/directory.py), against the real one:
namespace annotations with their cache, and whether a claimed owner still exists."""

from __future__ import annotations

from pathlib import Path

import kubernetes.client
import kubernetes.config
import pytest

from devcluster import Cluster, Kubectl
from devstack.install import install_crd
from model_deployment_operator.domain.errors import ClusterReadError
from model_deployment_operator.domain.naming import DeploymentRef
from model_deployment_operator.domain.ownership import OwnerPresence
from model_deployment_operator.kube.directory import KubernetesDirectory
from support.cluster_fixtures import KubeconfigFactory, apply_model_deployment

pytestmark = pytest.mark.cluster

ANNOTATION = "sagemaker.mlops.dev/aws-role-arn"


class FakeClock:
    """A fake clock: the cache's expiry is time-based and a test cannot wait a minute."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def directory_for(kubeconfig: Path, clock: FakeClock | None = None) -> KubernetesDirectory:
    client = kubernetes.config.new_client_from_config(config_file=str(kubeconfig))
    return KubernetesDirectory(client, namespace_ttl_seconds=60, monotonic=clock or FakeClock())


@pytest.fixture(scope="module")
def crd(kubectl: Kubectl) -> None:
    install_crd(kubectl)


def test_namespace_annotation_is_read_and_cached(
    kubectl: Kubectl, kube_cluster: Cluster, namespace: str
) -> None:
    clock = FakeClock()
    directory = directory_for(kube_cluster.admin_kubeconfig, clock)
    assert directory.namespace_annotation(namespace, ANNOTATION) is None
    kubectl("annotate", "namespace", namespace, f"{ANNOTATION}=arn:aws:iam::1:role/a")
    # Still the cached answer until the TTL passes.
    assert directory.namespace_annotation(namespace, ANNOTATION) is None
    clock.now = 61
    assert directory.namespace_annotation(namespace, ANNOTATION) == "arn:aws:iam::1:role/a"
    assert directory.namespace_annotation("no-such-namespace-x", ANNOTATION) is None


def test_a_forbidden_namespace_read_is_reported_as_such(
    kubeconfig_factory: KubeconfigFactory, namespace: str
) -> None:
    directory = directory_for(kubeconfig_factory("nobody-in-particular"))
    with pytest.raises(ClusterReadError) as refused:
        directory.namespace_annotation(namespace, ANNOTATION)
    assert refused.value.forbidden
    assert "403" in refused.value.detail


def test_owner_presence(
    kubectl: Kubectl,
    kube_cluster: Cluster,
    kubeconfig_factory: KubeconfigFactory,
    crd: None,
    namespace: str,
) -> None:
    uid = apply_model_deployment(kubectl, namespace)["metadata"]["uid"]
    admin = directory_for(kube_cluster.admin_kubeconfig)

    assert admin.owner_presence(DeploymentRef(namespace, "fraud", uid)) == (
        OwnerPresence.LIVE,
        "",
    )
    # Same name, another uid: the owner the tags name was deleted and replaced.
    presence, detail = admin.owner_presence(DeploymentRef(namespace, "fraud", "old-uid"))
    assert presence is OwnerPresence.GONE
    assert uid in detail
    assert admin.owner_presence(DeploymentRef(namespace, "gone", uid))[0] is OwnerPresence.GONE
    # Without permission the answer is unknown, never "gone".
    nobody = directory_for(kubeconfig_factory("nobody-in-particular"))
    presence, detail = nobody.owner_presence(DeploymentRef(namespace, "fraud", uid))
    assert presence is OwnerPresence.UNKNOWN
    assert "403" in detail
    kubectl("delete", "mdep", "fraud", "-n", namespace)
    assert admin.owner_presence(DeploymentRef(namespace, "fraud", uid))[0] is OwnerPresence.GONE


def test_an_unreachable_api_server_is_unknown_not_gone() -> None:
    configuration = kubernetes.client.Configuration()
    configuration.host = "https://127.0.0.1:9"  # nothing listens on the discard port
    directory = KubernetesDirectory(kubernetes.client.ApiClient(configuration))
    presence, _ = directory.owner_presence(DeploymentRef("ns", "n", "u"))
    assert presence is OwnerPresence.UNKNOWN
    with pytest.raises(ClusterReadError) as unreachable:
        directory.namespace_annotation("ns", ANNOTATION)
    assert not unreachable.value.forbidden


def test_no_cluster_configuration_yet_is_a_transient_answer_not_a_crash() -> None:
    """The operator starts before it can reach a cluster (kopf waits for it); its directory
    must answer "unavailable", not stop the process."""

    def no_configuration() -> object:
        raise kubernetes.config.ConfigException("Invalid kube-config file.")

    directory = KubernetesDirectory(no_configuration)
    with pytest.raises(ClusterReadError) as unavailable:
        directory.namespace_annotation("ns", ANNOTATION)
    assert not unavailable.value.forbidden
    assert "Invalid kube-config" in unavailable.value.detail
    assert directory.owner_presence(DeploymentRef("ns", "n", "u"))[0] is OwnerPresence.UNKNOWN
