"""Fixtures for tests of the ModelDeployment CRD in a real API server."""

from __future__ import annotations

import pytest

from devcluster import Kubectl
from devstack.install import install_crd


@pytest.fixture(scope="session")
def modeldeployment_crd(kubectl: Kubectl) -> None:
    install_crd(kubectl)
