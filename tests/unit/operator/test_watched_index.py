"""The index of what the watch last delivered, which the scheduler's reconciles act on."""

from __future__ import annotations

from typing import Any

import pytest

from model_deployment_operator.kopf_adapter.watched import WatchedObjects, is_older


def body(resource_version: str, *, uid: str = "uid-1", **status: Any) -> dict[str, Any]:
    return {
        "apiVersion": "sagemaker.mlops.dev/v1alpha1",
        "kind": "ModelDeployment",
        "metadata": {
            "name": "fraud",
            "namespace": "ml",
            "uid": uid,
            "generation": 2,
            "resourceVersion": resource_version,
            "labels": {"team": "fraud"},
            "finalizers": ["sagemaker.mlops.dev/finalizer"],
            "managedFields": [{"manager": "kubectl", "fieldsV1": {"f:spec": {}}}],
        },
        "spec": {"modelPackageGroupName": "fraud"},
        "status": dict(status),
    }


def test_keeps_what_a_reconcile_needs_and_copies_it() -> None:
    watched = WatchedObjects()
    delivered = body("10", observedGeneration=1)
    kept = watched.seen(delivered, gone=False)
    assert kept is not None
    assert "managedFields" not in kept.meta, "large, and of no use to a reconcile"
    assert kept.finalizers == ("sagemaker.mlops.dev/finalizer",)
    assert (kept.kind, kept.uid, kept.generation, kept.resource_version) == (
        "ModelDeployment",
        "uid-1",
        2,
        "10",
    )
    delivered["spec"]["modelPackageGroupName"] = "changed by kopf"
    assert kept.spec == {"modelPackageGroupName": "fraud"}
    assert watched.latest("uid-1") == kept


def test_a_patch_response_is_newer_than_the_watch_events_it_overtook() -> None:
    watched = WatchedObjects()
    watched.seen(body("10"), gone=False)
    assert watched.refreshed(body("12", observedGeneration=2)) is not None
    assert watched.seen(body("11"), gone=False) is None, "older than the patch response"
    assert watched.seen(body("12", observedGeneration=2), gone=False) is None
    latest = watched.latest("uid-1")
    assert latest is not None
    assert (latest.resource_version, latest.status) == ("12", {"observedGeneration": 2})
    assert watched.seen(body("13"), gone=False) is not None


def test_an_object_that_left_the_watch_is_not_brought_back_by_a_patch_response() -> None:
    """Relabelled out of the selector: DELETED carries the object as it was before."""
    watched = WatchedObjects()
    watched.seen(body("10"), gone=False)
    watched.seen(body("10"), gone=True)
    assert watched.latest("uid-1") is None
    assert watched.refreshed(body("14")) is None
    assert watched.latest("uid-1") is None
    # Relabelled back: the watch delivers it again.
    assert watched.seen(body("15"), gone=False) is not None
    assert len(watched) == 1


@pytest.mark.parametrize(
    ("candidate", "held", "older"),
    [
        ("9", "10", True),  # numerically, not as text
        ("10", "10", True),
        ("11", "10", False),
        ("100", "99", False),
        ("opaque-b", "opaque-a", False),  # not integers: the later arrival wins
        ("", "10", False),
    ],
)
def test_resource_versions_compare_as_integers_when_both_are(
    candidate: str, held: str, older: bool
) -> None:
    assert is_older(candidate, held) is older
