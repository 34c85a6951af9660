"""UpdateEndpoint with a RollingUpdatePolicy: instances are replaced batch by batch, an
alarm rolls the deployment back batch by batch, and a failed rollback leaves the
endpoint UpdateRollbackFailed (developer guide, "Use rolling deployments";
docs/emulator.md, "Deployment guardrails")."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from support.emulator_fixtures import Emulator, eventually
from support.emulator_scenario import (
    endpoint_on,
    error_of,
    instant,
    model_and_config,
    register,
    wait_status,
)

pytestmark = pytest.mark.emulator

ALARM = "ep-latency"


def four_instances_two_versions(emulator: Emulator) -> None:
    """Endpoint `ep` InService on config v1 (model v1, registry version 1) with 4
    instances; config v2 (model v2, version 2) with 4 instances, for the update."""
    instant(emulator)
    for version in (1, 2):
        model_and_config(emulator, f"v{version}", register(emulator, "fraud"), count=4)
    endpoint_on(emulator, "ep", "v1")


def rolling(batch: dict[str, Any], wait: int, **policy: Any) -> dict[str, Any]:
    return {
        "RollingUpdatePolicy": {"MaximumBatchSize": batch, "WaitIntervalInSeconds": wait, **policy}
    }


def described(emulator: Emulator) -> dict[str, Any]:
    value: dict[str, Any] = emulator.sagemaker.describe_endpoint(EndpointName="ep")
    return value


def statuses(variant: dict[str, Any]) -> list[tuple[str, str]]:
    return [(s["Status"], s["StatusMessage"]) for s in variant.get("VariantStatus", [])]


def pending(endpoint: dict[str, Any]) -> dict[str, Any]:
    value: dict[str, Any] = endpoint["PendingDeploymentSummary"]["ProductionVariants"][0]
    return value


def live(endpoint: dict[str, Any]) -> dict[str, Any]:
    value: dict[str, Any] = endpoint["ProductionVariants"][0]
    return value


def wait_for(emulator: Emulator, what: str, check: Any) -> dict[str, Any]:
    """DescribeEndpoint once `check(endpoint)` holds."""

    def probe() -> dict[str, Any] | None:
        endpoint = described(emulator)
        try:
            return endpoint if check(endpoint) else None
        except (KeyError, IndexError):
            return None

    return eventually(probe, what)


def versions(emulator: Emulator, times: int) -> list[int]:
    return sorted(
        json.loads(emulator.runtime.invoke_endpoint(EndpointName="ep", Body=b"{}")["Body"].read())[
            "modelPackageVersion"
        ]
        for _ in range(times)
    )


def test_instances_are_replaced_batch_by_batch(emulator: Emulator) -> None:
    """Developer guide, "Use rolling deployments", and RollingUpdatePolicy API reference:
    each batch (MaximumBatchSize, here 2 of 4 instances) is provisioned, takes traffic,
    and as many old instances are terminated; a baking period (WaitIntervalInSeconds)
    follows each batch. Invocations meanwhile are answered by old and new instances in
    proportion. VariantStatus messages follow AWS's samples ("Launching X instance(s).",
    "Terminating X instance(s).", developer guide "Endpoint deployment state change")."""
    four_instances_two_versions(emulator)
    emulator.control.set_durations(updatingSeconds=0.5, trafficShiftSeconds=0.5)
    deployment = rolling({"Type": "INSTANCE_COUNT", "Value": 2}, wait=1)
    emulator.sagemaker.update_endpoint(
        EndpointName="ep", EndpointConfigName="v2", DeploymentConfig=deployment
    )
    first = described(emulator)
    assert statuses(pending(first)) == [("Creating", "Launching 2 instance(s).")]
    assert live(first)["CurrentInstanceCount"] == 4
    assert versions(emulator, 2) == [1, 1]
    activating = wait_for(
        emulator,
        "the first batch to activate",
        lambda e: statuses(pending(e))[0][0] == "ActivatingTraffic",
    )
    assert statuses(pending(activating)) == [
        ("ActivatingTraffic", "Activating traffic on capacity of 2 instance(s).")
    ]
    assert statuses(live(activating)) == [("Deleting", "Terminating 2 instance(s).")]
    baking = wait_for(
        emulator, "the first batch to bake", lambda e: statuses(pending(e))[0][0] == "Baking"
    )
    assert statuses(pending(baking)) == [
        (
            "Baking",
            "Baking for 1 seconds (WaitIntervalInSeconds) with traffic enabled on capacity "
            "of 2 instance(s).",
        )
    ]
    assert (pending(baking)["CurrentInstanceCount"], live(baking)["CurrentInstanceCount"]) == (
        2,
        2,
    )
    assert versions(emulator, 4) == [1, 1, 2, 2]
    second = wait_for(
        emulator,
        "the second batch to launch",
        lambda e: statuses(pending(e))[0][0] == "Creating" and pending(e)["CurrentInstanceCount"],
    )
    assert statuses(pending(second)) == [("Creating", "Launching 2 instance(s).")]
    wait_status(emulator, "ep", "InService")
    after = described(emulator)
    assert after["EndpointConfigName"] == "v2"
    assert live(after)["CurrentInstanceCount"] == 4
    assert after["LastDeploymentConfig"] == deployment
    assert versions(emulator, 4) == [2, 2, 2, 2]


def test_an_alarm_rolls_the_deployment_back_batch_by_batch(emulator: Emulator) -> None:
    """RollingUpdatePolicy API reference: RollbackMaximumBatchSize is the "batch size for
    rollback to the old endpoint fleet. Each rolling step to provision capacity and turn
    on traffic on the old endpoint fleet, and terminate capacity on the new endpoint
    fleet"; batches as CAPACITY_PERCENT (CapacitySize). AutoRollbackConfig API reference:
    "If any alarms are tripped during a deployment, SageMaker rolls back the deployment."
    The endpoint is RollingBack meanwhile and ends InService on the old config with
    FailureReason (the emulator's choices, reference §2 open question 4)."""
    four_instances_two_versions(emulator)
    emulator.cloudwatch.put_metric_alarm(
        AlarmName=ALARM,
        Namespace="AWS/SageMaker",
        MetricName="ModelLatency",
        Dimensions=[{"Name": "EndpointName", "Value": "ep"}],
        Statistic="Average",
        Period=60,
        EvaluationPeriods=1,
        Threshold=100000,
        ComparisonOperator="GreaterThanThreshold",
    )
    emulator.control.set_durations(updatingSeconds=0.5, trafficShiftSeconds=0)
    deployment = rolling(
        {"Type": "CAPACITY_PERCENT", "Value": 25},
        wait=2,
        RollbackMaximumBatchSize={"Type": "INSTANCE_COUNT", "Value": 1},
    )
    deployment["AutoRollbackConfiguration"] = {"Alarms": [{"AlarmName": ALARM}]}
    emulator.sagemaker.update_endpoint(
        EndpointName="ep", EndpointConfigName="v2", DeploymentConfig=deployment
    )
    wait_for(emulator, "two batches", lambda e: pending(e).get("CurrentInstanceCount") == 2)
    emulator.cloudwatch.set_alarm_state(
        AlarmName=ALARM, StateValue="ALARM", StateReason="latency of the new instances"
    )
    rolling_back = described(emulator)
    assert rolling_back["EndpointStatus"] == "RollingBack"
    assert statuses(pending(rolling_back)) == [("Deleting", "Terminating 1 instance(s).")]
    assert statuses(live(rolling_back)) == [("Creating", "Launching 1 instance(s).")]
    assert versions(emulator, 4) == [1, 1, 2, 2]
    one_left = wait_for(
        emulator, "one batch rolled back", lambda e: pending(e).get("CurrentInstanceCount") == 1
    )
    assert one_left["EndpointStatus"] == "RollingBack"
    assert live(one_left)["CurrentInstanceCount"] == 3
    assert versions(emulator, 4) == [1, 1, 1, 2]
    wait_status(emulator, "ep", "InService")
    after = described(emulator)
    assert after["EndpointConfigName"] == "v1"
    assert live(after)["CurrentInstanceCount"] == 4
    assert ALARM in after["FailureReason"]
    assert versions(emulator, 4) == [1, 1, 1, 1]


def test_a_failed_rollback_leaves_the_endpoint_update_rollback_failed(
    emulator: Emulator,
) -> None:
    """DescribeEndpoint API reference, EndpointStatus UpdateRollbackFailed: "Both the
    rolling deployment and auto-rollback failed. Your endpoint is in service with a mix of
    the old and new endpoint configurations." Both failures are injected through the
    control API (faults/endpoint-update with afterBatches, faults/endpoint-rollback). AWS's
    remedy is on a page the reference could not retrieve; the emulator's choice: a new
    UpdateEndpoint is accepted and replaces both fleets, UpdateEndpointWeightsAndCapacities
    is refused."""
    four_instances_two_versions(emulator)
    emulator.control.set_durations(updatingSeconds=0.5, trafficShiftSeconds=0)
    control = emulator.control
    control.request(
        "POST",
        "faults/endpoint-update",
        {"endpointName": "ep", "failureReason": "Health check failed.", "afterBatches": 1},
    )
    faults = control.request(
        "POST",
        "faults/endpoint-rollback",
        {"endpointName": "ep", "failureReason": "Old instances did not start."},
    )
    assert faults["endpointRollback"] == [
        {"endpointName": "ep", "failureReason": "Old instances did not start.", "afterBatches": 0}
    ]
    emulator.sagemaker.update_endpoint(
        EndpointName="ep",
        EndpointConfigName="v2",
        DeploymentConfig=rolling({"Type": "INSTANCE_COUNT", "Value": 2}, wait=0),
    )
    wait_status(emulator, "ep", "UpdateRollbackFailed")
    stuck = described(emulator)
    assert stuck["EndpointConfigName"] == "v1"
    assert "PendingDeploymentSummary" not in stuck
    assert stuck["FailureReason"] == (
        "Health check failed; the rollback to endpoint configuration v1 failed: Old instances "
        "did not start. 2 instance(s) run endpoint configuration v2 and 2 run v1."
    )
    assert live(stuck)["CurrentInstanceCount"] == 4
    assert versions(emulator, 4) == [1, 1, 2, 2]
    listed = emulator.sagemaker.list_endpoints(StatusEquals="UpdateRollbackFailed")["Endpoints"]
    assert [e["EndpointName"] for e in listed] == ["ep"]
    with pytest.raises(ClientError) as refused:
        emulator.sagemaker.update_endpoint_weights_and_capacities(
            EndpointName="ep",
            DesiredWeightsAndCapacities=[{"VariantName": "AllTraffic", "DesiredInstanceCount": 2}],
        )
    assert "UpdateRollbackFailed" in error_of(refused)[1]
    emulator.sagemaker.update_endpoint(EndpointName="ep", EndpointConfigName="v2")
    assert described(emulator)["EndpointStatus"] == "Updating"
    wait_status(emulator, "ep", "InService")
    after = described(emulator)
    assert after["EndpointConfigName"] == "v2"
    assert "FailureReason" not in after
    assert versions(emulator, 4) == [2, 2, 2, 2]
