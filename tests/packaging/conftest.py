"""Fixtures for the packaging tests: the pinned helm and the installed CRD."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from devcluster import Cluster, Kubectl

ROOT = Path(__file__).resolve().parents[2]
CRDS = ROOT / "crds"
CRD_NAME = "modeldeployments.sagemaker.mlops.dev"

Helm = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="session")
def helm(kube_cluster: Cluster, tmp_path_factory: pytest.TempPathFactory) -> Helm:
    """The pinned helm, talking to the test cluster, with its caches in a temp dir."""
    home = tmp_path_factory.mktemp("helm-home")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("HELM_")},
        "KUBECONFIG": str(kube_cluster.admin_kubeconfig),
        "HELM_CACHE_HOME": str(home / "cache"),
        "HELM_CONFIG_HOME": str(home / "config"),
        "HELM_DATA_HOME": str(home / "data"),
    }

    def run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [str(kube_cluster.helm_path), *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )
        if check and result.returncode != 0:
            pytest.fail(f"helm {' '.join(args)} failed:\n{result.stderr}")
        return result

    return run


@pytest.fixture(scope="session")
def crd_installed(kubectl: Kubectl) -> str:
    """The ModelDeployment CRD from crds/, installed server-side (left in place: other tests
    in the session may use it, and the local server goes away with the session)."""
    kubectl("apply", "--server-side", "--force-conflicts", "-f", str(CRDS / f"{CRD_NAME}.yaml"))
    kubectl("wait", "--for=condition=Established", f"crd/{CRD_NAME}", "--timeout=60s")
    return CRD_NAME
