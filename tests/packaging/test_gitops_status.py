"""What docs/gitops.md promises about `kubectl wait`, checked with the pinned kubectl.

`kubectl wait --for=condition=Ready` must not be satisfied by a Ready=True that describes an
older generation, and must be satisfied once the operator reports on the current one. The
status is written the way the operator writes it (build_conditions, status subresource).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from devcluster import Kubectl, KubectlError
from model_deployment_operator.domain.reasons import Reason
from model_deployment_operator.domain.reporting import build_conditions
from model_deployment_operator.domain.status import DeploymentStatus
from model_deployment_operator.domain.verdict import converged

pytestmark = pytest.mark.cluster

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "manifests" / "samples" / "fraud-detector.yaml"


def _write_ready_status(kubectl: Kubectl, namespace: str, generation: int) -> None:
    verdict = converged(Reason.DEPLOYED, "Endpoint is InService")
    now = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    status = DeploymentStatus(
        observed_generation=generation,
        conditions=build_conditions(verdict, generation, (), now),
    )
    kubectl(
        "patch", "mdep", "fraud-detector", "-n", namespace, "--subresource=status",
        "--type=merge", "-p", json.dumps({"status": status.to_kubernetes()}),
    )  # fmt: skip


def _wait_ready(kubectl: Kubectl, namespace: str, timeout: str) -> None:
    kubectl(
        "wait", "mdep/fraud-detector", "-n", namespace,
        "--for=condition=Ready", f"--timeout={timeout}",
    )  # fmt: skip


def test_kubectl_wait_ignores_ready_from_an_older_generation(
    kubectl: Kubectl, crd_installed: str, namespace: str
) -> None:
    manifest = yaml.safe_load(SAMPLE.read_text())
    manifest["metadata"]["namespace"] = namespace
    kubectl.apply(manifest)
    _write_ready_status(kubectl, namespace, generation=1)
    _wait_ready(kubectl, namespace, "10s")

    manifest["spec"]["endpoint"]["initialInstanceCount"] = 2
    kubectl.apply(manifest)
    stored = kubectl.json("get", "mdep", "fraud-detector", "-n", namespace)
    assert stored["metadata"]["generation"] == 2
    with pytest.raises(KubectlError, match="timed out"):
        _wait_ready(kubectl, namespace, "3s")

    _write_ready_status(kubectl, namespace, generation=2)
    _wait_ready(kubectl, namespace, "10s")
