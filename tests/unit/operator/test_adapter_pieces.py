"""Status writer, registry-event parsing and settings: the adapter's pure parts."""

from __future__ import annotations

import json
from typing import Any

import pytest

from model_deployment_operator.cli import build_parser, settings_from
from model_deployment_operator.domain.registry_events import group_from_event
from model_deployment_operator.domain.status import DeploymentStatus, EndpointView
from model_deployment_operator.kopf_adapter.status_writer import merge_patch, status_changes


def test_status_writer_sends_only_what_changed() -> None:
    status = DeploymentStatus(
        observed_generation=3,
        endpoint=EndpointView(name="ep", status="InService", failure_reason="boom"),
    )
    current = status.to_kubernetes()
    assert status_changes(current, status) == {}
    newer = DeploymentStatus(
        observed_generation=4, endpoint=EndpointView(name="ep", status="InService")
    )
    # Nested objects are merged by a merge-patch: a vanished field must be sent as null.
    assert status_changes(current, newer) == {
        "observedGeneration": 4,
        "endpoint": {"failureReason": None},
    }
    # A block the new status no longer has is cleared.
    assert status_changes({**current, "autoscaling": {"minCapacity": 1}}, status) == {
        "autoscaling": None
    }


def test_merge_patch_applied_gives_the_desired_document() -> None:
    current = {"a": {"b": 1, "c": [1, 2]}, "d": "x"}
    desired = {"a": {"c": [3]}, "e": {"f": True}}
    patch = merge_patch(current, desired)
    assert _apply_merge_patch(current, patch) == desired


def _apply_merge_patch(target: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """RFC 7386's algorithm, to check the patch against the standard's semantics."""
    result = dict(target)
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict):
            base = result.get(key)
            result[key] = _apply_merge_patch(base if isinstance(base, dict) else {}, value)
        else:
            result[key] = value
    return result


def _event(detail_type: str, group: str) -> str:
    return json.dumps(
        {
            "version": "0",
            "detail-type": detail_type,
            "source": "aws.sagemaker",
            "detail": {"ModelPackageGroupName": group, "ModelApprovalStatus": "Approved"},
        }
    )


def test_registry_event_parsing() -> None:
    assert group_from_event(_event("SageMaker Model Package State Change", "fraud")) == "fraud"
    assert group_from_event(_event("SageMaker Endpoint State Change", "fraud")) is None
    wrapped = json.dumps(
        {"Type": "Notification", "Message": _event("SageMaker Model Package State Change", "g")}
    )
    assert group_from_event(wrapped) == "g"
    assert group_from_event("not json") is None


def test_flags_override_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MDO_REGISTRY_POLL_SECONDS", "30")
    monkeypatch.setenv("MDO_NAMESPACES", "team-a,team-b")
    args = build_parser().parse_args(["run", "--registry-poll-seconds", "45"])
    settings = settings_from(args)
    assert settings.registry_poll_seconds == 45
    assert settings.namespaces == ("team-a", "team-b")
    everywhere = settings_from(build_parser().parse_args(["run", "--all-namespaces"]))
    assert everywhere.namespaces == ()
    one = settings_from(build_parser().parse_args(["run", "-n", "ml-prod"]))
    assert one.namespaces == ("ml-prod",)


def test_invalid_settings_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MDO_REGISTRY_POLL_SECONDS", "1")
    with pytest.raises(ValueError, match="registry_poll_seconds"):
        settings_from(build_parser().parse_args(["run"]))
