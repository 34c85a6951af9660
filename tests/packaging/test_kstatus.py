"""What Flux, kpt and Config Sync make of a ModelDeployment, judged by their own code.

They decide "is it done?" with kstatus (sigs.k8s.io/cli-utils, `status.Compute`). The
pinned kstatus is built into a small command (tools/go/kstatus) and fed:
- the statuses the operator itself derives (build_conditions for every kind of verdict,
  current or older generation, deletion, no status, the CRD's placeholder), asserting what
  docs/gitops.md promises; and
- objects as the real API server returns them: a freshly applied sample must be InProgress
  (only the CRD's status default makes it so: kstatus calls an object without status
  Current), then Current or Failed once a status is written the way the operator writes it.

Marked `cluster`: the tool comes from the devcluster toolchain (a Go build), like the API
server, and `make test-unit` runs without Go.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from devcluster import Kubectl, Toolchain
from model_deployment_operator.domain.reasons import Reason
from model_deployment_operator.domain.reporting import build_conditions
from model_deployment_operator.domain.status import DeploymentStatus
from model_deployment_operator.domain.verdict import (
    Verdict,
    VerdictKind,
    blocked,
    converged,
    progressing,
)
from model_deployment_operator.kopf_adapter.status_writer import status_changes

pytestmark = pytest.mark.cluster

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "manifests" / "samples" / "fraud-detector.yaml"
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)

# The `kstatus` fixture: objects (or raw JSON text) -> one {"status", "message"} per object.
Judge = Callable[[Sequence[Mapping[str, Any]] | str], list[dict[str, str]]]


@pytest.fixture(scope="module")
def kstatus(kube_toolchain: Toolchain) -> Judge:
    binary = kube_toolchain.kstatus

    def judge(objects: Sequence[Mapping[str, Any]] | str) -> list[dict[str, str]]:
        text = objects if isinstance(objects, str) else json.dumps(list(objects))
        proc = subprocess.run(
            [str(binary)], input=text, capture_output=True, text=True, timeout=30, check=False
        )
        results = [json.loads(line) for line in proc.stdout.splitlines()]
        if proc.returncode not in (0, 1) or not results:
            pytest.fail(f"kstatus exited {proc.returncode}: {proc.stderr}")
        return results

    return judge


def _object(
    status: Mapping[str, Any] | None, *, generation: int = 1, deleting: bool = False
) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": "fraud-detector", "namespace": "ml-prod"}
    metadata["generation"] = generation
    if deleting:
        metadata["deletionTimestamp"] = "2026-11-20T11:00:00Z"
        metadata["finalizers"] = ["sagemaker.mlops.dev/finalizer"]
    obj: dict[str, Any] = {
        "apiVersion": "sagemaker.mlops.dev/v1alpha1",
        "kind": "ModelDeployment",
        "metadata": metadata,
        "spec": {"modelPackageGroupName": "fraud-detector"},
    }
    if status is not None:
        obj["status"] = dict(status)
    return obj


def _status(verdict: Verdict, observed: int) -> dict[str, Any]:
    """The status the operator writes for this verdict, as JSON."""
    return DeploymentStatus(
        observed_generation=observed, conditions=build_conditions(verdict, observed, (), NOW)
    ).to_kubernetes()


VERDICTS = {
    VerdictKind.CONVERGED: converged(Reason.DEPLOYED, "Endpoint e is InService with version 2"),
    VerdictKind.PROGRESSING: progressing(Reason.ENDPOINT_CREATING, "Endpoint e is Creating"),
    VerdictKind.UNAVAILABLE: Verdict(
        VerdictKind.UNAVAILABLE, Reason.SAGEMAKER_UNAVAILABLE, "SageMaker did not answer"
    ),
    VerdictKind.BLOCKED: blocked(Reason.NO_APPROVED_VERSION, "Group g has no Approved version"),
}
# docs/gitops.md, "Flux and kstatus": Ready -> Current, Reconciling -> InProgress,
# Stalled -> Failed.
EXPECTED = {
    VerdictKind.CONVERGED: ("Current", "Resource is Ready"),
    VerdictKind.PROGRESSING: ("InProgress", "Endpoint e is Creating"),
    VerdictKind.UNAVAILABLE: ("InProgress", "SageMaker did not answer"),
    VerdictKind.BLOCKED: ("Failed", "Group g has no Approved version"),
}


def _case(obj: dict[str, Any], status: str, message: str, case_id: str) -> Any:
    return pytest.param(obj, {"status": status, "message": message}, id=case_id)


TABLE = [
    *[
        _case(_object(_status(VERDICTS[kind], 3), generation=3), *EXPECTED[kind], str(kind))
        for kind in VerdictKind
    ],
    # A status about an older spec is never final, whatever it says.
    *[
        _case(
            _object(_status(VERDICTS[kind], 7), generation=8),
            "InProgress",
            "ModelDeployment generation is 8, but latest observed generation is 7",
            f"{kind}-older-generation",
        )
        for kind in VerdictKind
    ],
    *[
        _case(
            _object(_status(VERDICTS[kind], 3), generation=3, deleting=True),
            "Terminating",
            "Resource scheduled for deletion",
            f"{kind}-deleting",
        )
        for kind in VerdictKind
    ],
    # The CRD's placeholder: what the API server returns before the operator's first write.
    _case(
        _object({"observedGeneration": 0}),
        "InProgress",
        "ModelDeployment generation is 1, but latest observed generation is 0",
        "unreported-placeholder",
    ),
    # kstatus' own rule for an object without status (the reason the CRD has the default).
    _case(_object(None), "Current", "Resource is current", "no-status-at-all"),
]


@pytest.mark.parametrize(("obj", "expected"), TABLE)
def test_kstatus_judges_operator_statuses(
    kstatus: Judge, obj: dict[str, Any], expected: dict[str, str]
) -> None:
    assert kstatus([obj]) == [expected]


def test_kstatus_reads_a_list_and_reports_unjudgeable_objects(kstatus: Judge) -> None:
    # One line per object in order, a List's items expanded; an object kstatus cannot read
    # (a string observedGeneration) gets an error line and the command exits 1.
    broken = _object({"observedGeneration": "seven"})
    good = _object(_status(VERDICTS[VerdictKind.CONVERGED], 1))
    listing = json.dumps({"apiVersion": "v1", "kind": "List", "items": [good, broken, good]})
    results = kstatus(listing)
    assert [r.get("status") for r in results] == ["Current", None, "Current"]
    assert "observedGeneration" in results[1]["error"]


# ------------------------------------------------------------------ against the API server


def _get(kubectl: Kubectl, namespace: str) -> dict[str, Any]:
    obj: dict[str, Any] = kubectl.json("get", "mdep", "fraud-detector", "-n", namespace)
    return obj


def _write_status(kubectl: Kubectl, namespace: str, verdict: Verdict) -> None:
    """Write status as the operator does: a merge-patch of the changes, computed from the
    stored status, on the status subresource."""
    current = _get(kubectl, namespace)
    generation = current["metadata"]["generation"]
    new = DeploymentStatus(
        observed_generation=generation,
        conditions=build_conditions(verdict, generation, (), NOW),
    )
    patch = status_changes(current.get("status", {}), new)
    kubectl(
        "patch", "mdep", "fraud-detector", "-n", namespace, "--subresource=status",
        "--type=merge", "-p", json.dumps({"status": patch}),
    )  # fmt: skip


def test_a_new_modeldeployment_is_in_progress_until_the_operator_reports(
    kstatus: Judge, kubectl: Kubectl, crd_installed: str, namespace: str
) -> None:
    manifest = yaml.safe_load(SAMPLE.read_text())
    manifest["metadata"]["namespace"] = namespace
    kubectl.apply(manifest)

    fresh = _get(kubectl, namespace)
    # The API server fills in the CRD's default: nothing has written status yet.
    assert fresh.get("status") == {"observedGeneration": 0}
    assert kstatus([fresh]) == [
        {
            "status": "InProgress",
            "message": "ModelDeployment generation is 1, but latest observed generation is 0",
        }
    ]

    _write_status(kubectl, namespace, VERDICTS[VerdictKind.PROGRESSING])
    assert kstatus([_get(kubectl, namespace)]) == [
        {"status": "InProgress", "message": "Endpoint e is Creating"}
    ]

    _write_status(kubectl, namespace, VERDICTS[VerdictKind.CONVERGED])
    # Fed as `kubectl get -o json` prints a listing, the way a pipeline would.
    listing = kubectl("get", "mdep", "-n", namespace, "-o", "json")
    assert kstatus(listing) == [{"status": "Current", "message": "Resource is Ready"}]

    manifest["spec"]["endpoint"]["initialInstanceCount"] = 2
    kubectl.apply(manifest)
    assert kstatus([_get(kubectl, namespace)])[0]["status"] == "InProgress"

    _write_status(kubectl, namespace, VERDICTS[VerdictKind.BLOCKED])
    assert kstatus([_get(kubectl, namespace)]) == [
        {"status": "Failed", "message": "Group g has no Approved version"}
    ]


def test_a_modeldeployment_being_deleted_is_terminating(
    kstatus: Judge, kubectl: Kubectl, crd_installed: str, namespace: str
) -> None:
    manifest = yaml.safe_load(SAMPLE.read_text())
    manifest["metadata"]["namespace"] = namespace
    # The operator's finalizer keeps the object while it deletes SageMaker resources.
    manifest["metadata"]["finalizers"] = ["sagemaker.mlops.dev/finalizer"]
    kubectl.apply(manifest)
    _write_status(kubectl, namespace, VERDICTS[VerdictKind.CONVERGED])
    kubectl("delete", "mdep", "fraud-detector", "-n", namespace, "--wait=false")
    try:
        assert kstatus([_get(kubectl, namespace)]) == [
            {"status": "Terminating", "message": "Resource scheduled for deletion"}
        ]
    finally:
        kubectl(
            "patch", "mdep", "fraud-detector", "-n", namespace,
            "--type=merge", "-p", '{"metadata":{"finalizers":null}}',
        )  # fmt: skip
