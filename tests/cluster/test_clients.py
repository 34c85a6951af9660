"""The pinned clients work against the server: kubectl with the admin kubeconfig, and helm."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from devcluster import Cluster, Kubectl, KubectlError
from devcluster.toolchain import SPECS

pytestmark = pytest.mark.cluster

PINNED_KUBERNETES = SPECS["kube-apiserver"].version()
PINNED_HELM = SPECS["helm"].version()


def test_kubectl_is_the_pinned_version(kubectl: Kubectl) -> None:
    versions = json.loads(kubectl("version", "-o", "json"))
    assert versions["clientVersion"]["gitVersion"] == PINNED_KUBERNETES


def test_local_server_is_the_pinned_version_on_loopback(
    kube_cluster: Cluster, kubectl: Kubectl
) -> None:
    if not kube_cluster.is_local:
        pytest.skip("USE_EXISTING_CLUSTER=true: the server's version is not ours to pin")
    server = json.loads(kubectl("version", "-o", "json"))["serverVersion"]
    assert server["gitVersion"] == PINNED_KUBERNETES
    assert (server["major"], server["minor"]) == tuple(PINNED_KUBERNETES[1:].split(".")[:2])
    assert kube_cluster.server_url.startswith("https://127.0.0.1:")


def test_kubectl_round_trip_with_server_side_apply(kubectl: Kubectl, namespace: str) -> None:
    manifest = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "settings", "namespace": namespace},
        "data": {"level": "debug"},
    }
    kubectl.run(
        "apply", "--server-side", "--field-manager=tests", "-f", "-", input=json.dumps(manifest)
    )
    manifest["data"] = {"level": "info"}
    kubectl.run(
        "apply", "--server-side", "--field-manager=tests", "-f", "-", input=json.dumps(manifest)
    )

    stored = kubectl.json("get", "configmap", "settings", "-n", namespace, "--show-managed-fields")
    assert stored["data"] == {"level": "info"}
    assert [m["manager"] for m in stored["metadata"]["managedFields"]] == ["tests"]

    # A second manager changing the same field conflicts, as server-side apply should.
    manifest["data"] = {"level": "warn"}
    with pytest.raises(KubectlError, match="conflict"):
        kubectl.run(
            "apply", "--server-side", "--field-manager=other", "-f", "-", input=json.dumps(manifest)
        )

    kubectl("delete", "configmap", "settings", "-n", namespace)
    with pytest.raises(KubectlError, match="NotFound"):
        kubectl("get", "configmap", "settings", "-n", namespace)


def test_kubectl_failure_carries_stderr(kubectl: Kubectl) -> None:
    with pytest.raises(KubectlError) as failure:
        kubectl("get", "configmap", "does-not-exist", "-n", "default")
    assert failure.value.returncode == 1
    assert 'configmaps "does-not-exist" not found' in failure.value.stderr


def test_kubectl_times_out_instead_of_hanging(kubectl: Kubectl, namespace: str) -> None:
    with pytest.raises(KubectlError, match="timed out"):
        kubectl("get", "configmaps", "-n", namespace, "--watch", timeout=1.0)


def test_helm_installs_and_uninstalls_a_chart(
    kube_cluster: Cluster, namespace: str, kubectl: Kubectl, tmp_path: Path
) -> None:
    chart = tmp_path / "demo"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: demo\nversion: 0.1.0\n")
    (chart / "templates" / "cm.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cm\n"
        "data:\n  kube: {{ .Capabilities.KubeVersion.Version | quote }}\n"
    )

    def helm(*args: str) -> str:
        return subprocess.run(
            [str(kube_cluster.helm_path), f"--kubeconfig={kube_cluster.admin_kubeconfig}", *args],
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        ).stdout

    assert f'Version:"{PINNED_HELM}"' in helm("version")
    helm("install", "rel", str(chart), "-n", namespace, "--wait", "--timeout=60s")
    installed = kubectl.json("get", "configmap", "rel-cm", "-n", namespace)
    # helm reads the server's version during install (not its built-in default).
    server = json.loads(kubectl("version", "-o", "json"))["serverVersion"]["gitVersion"]
    assert installed["data"]["kube"] == server
    assert "rel" in helm("list", "-n", namespace, "-q").split()

    helm("uninstall", "rel", "-n", namespace, "--wait")
    with pytest.raises(KubectlError, match="NotFound"):
        kubectl("get", "configmap", "rel-cm", "-n", namespace)
