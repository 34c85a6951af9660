"""Fixtures for tests of the CRDs (ModelDeployment, ModelEndpoint) in a real API server."""

from __future__ import annotations

from pathlib import Path

import pytest

from devcluster import Kubectl
from devstack.install import install_crd

CRDS = Path(__file__).resolve().parents[2] / "crds"
MODEL_ENDPOINT_CRD = "modelendpoints.sagemaker.mlops.dev"


@pytest.fixture(scope="session")
def modeldeployment_crd(kubectl: Kubectl) -> None:
    install_crd(kubectl)


@pytest.fixture(scope="session")
def modelendpoint_crd(kubectl: Kubectl) -> None:
    path = CRDS / f"{MODEL_ENDPOINT_CRD}.yaml"
    kubectl("apply", "--server-side", "--force-conflicts", "-f", str(path))
    kubectl("wait", "--for=condition=Established", f"crd/{MODEL_ENDPOINT_CRD}", "--timeout=60s")
