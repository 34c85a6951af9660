"""Fixtures shared by the cluster tests."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from cluster.widgets import CRD_NAME, WIDGET_CRD, wait_until_served
from devcluster import Kubectl


@pytest.fixture(scope="session")
def widget_crd(kubectl: Kubectl) -> Iterator[str]:
    """The Widget CRD, installed once per session; yields the resource name for kubectl."""
    kubectl.apply(json.dumps(WIDGET_CRD))
    kubectl("wait", "--for=condition=Established", f"crd/{CRD_NAME}", "--timeout=60s")
    wait_until_served(kubectl, CRD_NAME)
    try:
        yield CRD_NAME
    finally:
        kubectl("delete", "crd", CRD_NAME, "--ignore-not-found", "--wait=false")
