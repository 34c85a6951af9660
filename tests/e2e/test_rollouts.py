"""End to end: rollouts of a dedicated endpoint under SageMaker's deployment guardrails
(spec.rollout): a canary the status follows while it bakes, a rollback an alarm causes, and
the version rejected in the registry for it (onFailedRollout RejectVersion).

Bakes last a few seconds; the emulator runs the guardrails against its clock and reads the
alarms from its CloudWatch (docs/emulator.md, "Deployment guardrails")."""

from __future__ import annotations

import time
from typing import Any

import pytest

from support.canary_rollouts import (
    ALARM,
    canary,
    reconciling_message,
    trip_the_alarm_during_the_canary,
)
from support.e2e_stack import GROUP, Stack, wait_for

pytestmark = pytest.mark.e2e


def serving_v1_then_v2(stack: Stack, rollout: dict[str, Any]) -> None:
    stack.registry.register(GROUP, approval="Approved")
    stack.apply("fraud", endpoint={"initialInstanceCount": 2}, rollout=rollout)
    stack.wait_serving("fraud", version=1)
    stack.registry.register(GROUP, approval="Approved")


def test_a_canary_shows_in_the_status_while_it_bakes_then_completes(stack: Stack) -> None:
    serving_v1_then_v2(stack, canary(wait_seconds=6))
    message = reconciling_message(stack, "Canary: 1 of 2 instances")
    assert "blue/green, canary of 1 instance, watching alarm fraud-5xx" in message
    assert "take traffic, baking," in message
    assert "left" in message
    rollout = stack.get("fraud")["status"]["rollout"]
    assert (rollout["step"], rollout["phase"]) == ("Canary", "Baking")
    assert (rollout["instancesWithTraffic"], rollout["desiredInstances"]) == (1, 2)
    assert rollout["bakeEndsAt"].endswith("Z")
    stack.wait_serving("fraud", version=2, timeout=60)
    assert "rollout" not in stack.get("fraud")["status"]
    newest = stack.history("fraud")[0]
    assert (newest["version"], newest["outcome"]) == (2, "Succeeded")
    described = stack.sagemaker.describe_endpoint(EndpointName=stack.endpoint_name("fraud"))
    routing = described["LastDeploymentConfig"]["BlueGreenUpdatePolicy"]
    assert routing["TrafficRoutingConfiguration"]["Type"] == "CANARY"


def test_an_alarm_rolls_the_canary_back_and_the_version_is_not_retried(stack: Stack) -> None:
    serving_v1_then_v2(stack, canary(wait_seconds=60))
    trip_the_alarm_during_the_canary(stack)
    stalled = stack.wait_condition("fraud", "Stalled", reason="RolloutRolledBack", timeout=60)
    assert f"CloudWatch alarm {ALARM} went into ALARM" in stalled["message"]
    assert "version 2" in stalled["message"]
    newest = stack.history("fraud")[0]
    assert (newest["version"], newest["outcome"]) == (2, "Failed")
    assert ALARM in newest["message"]
    assert ("Warning", "RolloutRolledBack") in stack.events("fraud")
    assert ("Warning", "DeploymentFailed") in stack.events("fraud")
    # Still serving version 1, and the update is not tried again.
    updates = stack.emulator.call_count("UpdateEndpoint")
    time.sleep(6)
    assert stack.emulator.call_count("UpdateEndpoint") == updates == 1
    assert stack.conditions("fraud")["Stalled"]["reason"] == "RolloutRolledBack"
    approval = stack.sagemaker.describe_model_package(ModelPackageName=newest["modelPackageArn"])
    assert approval["ModelApprovalStatus"] == "Approved"


def test_reject_version_marks_the_rolled_back_version_rejected(stack: Stack) -> None:
    serving_v1_then_v2(stack, canary(wait_seconds=60, onFailedRollout="RejectVersion"))
    trip_the_alarm_during_the_canary(stack)

    def rejected() -> dict[str, Any] | None:
        versions = stack.sagemaker.list_model_packages(
            ModelPackageGroupName=GROUP, ModelApprovalStatus="Rejected"
        )["ModelPackageSummaryList"]
        return dict(versions[0]) if versions else None

    package = wait_for(rejected, timeout=60, what="version 2 Rejected in the registry")
    described = stack.sagemaker.describe_model_package(ModelPackageName=package["ModelPackageArn"])
    assert described["ModelPackageVersion"] == 2
    description = described["ApprovalDescription"]
    assert f"ModelDeployment {stack.namespace}/fraud" in description
    assert stack.endpoint_name("fraud") in description
    assert f"CloudWatch alarm {ALARM}" in description
    # The latest approved version is the one still live: Ready again, nothing redeployed.
    stack.wait_serving("fraud", version=1)
    assert stack.emulator.call_count("UpdateEndpoint") == 1
    # Rejected once; the other UpdateModelPackage calls are version 1's serving record.
    updates = [
        c["resource"] for c in stack.emulator.callers() if c["action"] == "UpdateModelPackage"
    ]
    assert updates.count(package["ModelPackageArn"]) == 1
    assert stack.events("fraud").count(("Warning", "VersionRejected")) == 1
    assert stack.history("fraud")[0]["outcome"] == "Failed"


def test_update_rollback_failed_is_stalled_with_its_own_reason(stack: Stack) -> None:
    rolling = {
        "strategy": "Rolling",
        "rolling": {
            "maximumBatchSize": {"type": "INSTANCE_COUNT", "value": 1},
            "waitIntervalSeconds": 1,
        },
    }
    serving_v1_then_v2(stack, rolling)
    endpoint = stack.endpoint_name("fraud")
    # The first batch bakes, then the update fails and its rollback fails too.
    stack.emulator.request(
        "POST",
        "faults/endpoint-update",
        {"endpointName": endpoint, "failureReason": "Health checks failed.", "afterBatches": 1},
    )
    stack.emulator.request(
        "POST",
        "faults/endpoint-rollback",
        {"endpointName": endpoint, "failureReason": "Could not launch instances."},
    )
    stalled = stack.wait_condition("fraud", "Stalled", reason="UpdateRollbackFailed", timeout=60)
    assert "Could not launch instances." in stalled["message"]
    newest = stack.history("fraud")[0]
    assert (newest["version"], newest["outcome"]) == (2, "Failed")
    assert ("Warning", "UpdateRollbackFailed") in stack.events("fraud")
    assert stack.emulator.call_count("UpdateEndpoint") == 1
