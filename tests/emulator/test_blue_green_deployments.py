"""UpdateEndpoint with a BlueGreenUpdatePolicy: the new fleet is launched, then traffic
shifts to it all at once, as a canary or linearly, with bakes between the steps watched
by CloudWatch alarms that roll it back (developer guide, "Deployment guardrails";
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
    status,
    wait_status,
)

pytestmark = pytest.mark.emulator

ALARM = "ep-invocation-errors"


def two_versions(emulator: Emulator, count: int, instance_type: str = "ml.m5.large") -> None:
    """Endpoint `ep` InService on config v1 (model v1, registry version 1) with `count`
    instances; config v2 (model v2, version 2) with as many, for the update."""
    instant(emulator)
    for version in (1, 2):
        package = register(emulator, "fraud")
        model_and_config(emulator, f"v{version}", package, count=count, instance_type=instance_type)
    endpoint_on(emulator, "ep", "v1")


def blue_green(
    kind: str, *, wait: int = 0, termination: int = 0, size: dict[str, Any] | None = None
) -> dict[str, Any]:
    routing: dict[str, Any] = {"Type": kind, "WaitIntervalInSeconds": wait}
    if size is not None:
        routing["CanarySize" if kind == "CANARY" else "LinearStepSize"] = size
    return {
        "BlueGreenUpdatePolicy": {
            "TrafficRoutingConfiguration": routing,
            "TerminationWaitInSeconds": termination,
        }
    }


def described(emulator: Emulator) -> dict[str, Any]:
    value: dict[str, Any] = emulator.sagemaker.describe_endpoint(EndpointName="ep")
    return value


def pending_variant(endpoint: dict[str, Any]) -> dict[str, Any]:
    [variant] = endpoint["PendingDeploymentSummary"]["ProductionVariants"]
    value: dict[str, Any] = variant
    return value


def pending_status(endpoint: dict[str, Any]) -> tuple[str, str] | None:
    summary = endpoint.get("PendingDeploymentSummary")
    if summary is None:
        return None
    [status_entry] = summary["ProductionVariants"][0]["VariantStatus"]
    return status_entry["Status"], status_entry["StatusMessage"]


def wait_pending(emulator: Emulator, wanted: str, containing: str = "") -> dict[str, Any]:
    """DescribeEndpoint once the pending variant's status is `wanted` (and its message
    contains `containing`)."""

    def probe() -> dict[str, Any] | None:
        endpoint = described(emulator)
        current = pending_status(endpoint)
        if current is not None and current[0] == wanted and containing in current[1]:
            return endpoint
        return None

    return eventually(probe, f"pending variant {wanted} {containing}")


def answers(emulator: Emulator, times: int) -> list[dict[str, Any]]:
    return [
        json.loads(emulator.runtime.invoke_endpoint(EndpointName="ep", Body=b"{}")["Body"].read())
        for _ in range(times)
    ]


def versions(emulator: Emulator, times: int) -> list[int]:
    return sorted(answer["modelPackageVersion"] for answer in answers(emulator, times))


def alarm(emulator: Emulator) -> None:
    emulator.cloudwatch.put_metric_alarm(
        AlarmName=ALARM,
        Namespace="AWS/SageMaker",
        MetricName="Invocation5XXErrors",
        Dimensions=[
            {"Name": "EndpointName", "Value": "ep"},
            {"Name": "VariantName", "Value": "AllTraffic"},
        ],
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )


def test_a_canary_takes_its_share_of_traffic_then_the_rest_shifts(emulator: Emulator) -> None:
    """Developer guide, "Canary Traffic Shifting": once SageMaker provisions the green
    fleet it routes a portion of the traffic to the canary, bakes, then shifts the rest
    and bakes again (TerminationWaitInSeconds) before terminating the blue fleet.
    TrafficRoutingConfig API reference: CANARY shifts "in two steps". "Endpoint deployment
    state change" (developer guide, EventBridge): VariantStatus Creating "Launching X
    instance(s).", ActivatingTraffic "Activating traffic on canary capacity of X
    instance(s).", Baking "Baking for X seconds (TerminationWaitInSeconds) with traffic
    enabled on full capacity of Y instance(s).", and the canary baking with
    CurrentInstanceCount 1 of DesiredInstanceCount 3. The old fleet keeps its instances,
    so the canary answers 1 request in 4 (1 of 4 instances with traffic)."""
    two_versions(emulator, count=3)
    emulator.control.set_durations(updatingSeconds=0.5, trafficShiftSeconds=0.5)
    deployment = blue_green(
        "CANARY", wait=2, termination=1, size={"Type": "INSTANCE_COUNT", "Value": 1}
    )
    emulator.sagemaker.update_endpoint(
        EndpointName="ep", EndpointConfigName="v2", DeploymentConfig=deployment
    )
    launching = described(emulator)
    assert launching["EndpointStatus"] == "Updating"
    assert launching["EndpointConfigName"] == "v1"
    assert pending_status(launching) == ("Creating", "Launching 3 instance(s).")
    assert versions(emulator, 2) == [1, 1]
    activating = wait_pending(emulator, "ActivatingTraffic")
    assert pending_status(activating) == (
        "ActivatingTraffic",
        "Activating traffic on canary capacity of 1 instance(s).",
    )
    baking = wait_pending(emulator, "Baking", "canary")
    assert pending_status(baking) == (
        "Baking",
        "Baking for 2 seconds (WaitIntervalInSeconds) with traffic enabled on canary "
        "capacity of 1 instance(s).",
    )
    canary = pending_variant(baking)
    assert (canary["CurrentInstanceCount"], canary["DesiredInstanceCount"]) == (1, 3)
    assert isinstance(canary["VariantStatus"][0]["StartTime"], type(baking["CreationTime"]))
    assert baking["ProductionVariants"][0]["CurrentInstanceCount"] == 3
    served = answers(emulator, 4)
    assert sorted(a["modelPackageVersion"] for a in served) == [1, 1, 1, 2]
    assert {(a["fleet"], a["endpointConfigName"], a["modelName"]) for a in served} == {
        ("old", "v1", "v1"),
        ("new", "v2", "v2"),
    }
    final = wait_pending(emulator, "Baking", "TerminationWaitInSeconds")
    assert pending_status(final) == (
        "Baking",
        "Baking for 1 seconds (TerminationWaitInSeconds) with traffic enabled on full "
        "capacity of 3 instance(s).",
    )
    assert (final["EndpointStatus"], final["EndpointConfigName"]) == ("Updating", "v1")
    assert versions(emulator, 3) == [2, 2, 2]
    wait_status(emulator, "ep", "InService")
    after = described(emulator)
    assert after["EndpointConfigName"] == "v2"
    assert "PendingDeploymentSummary" not in after
    assert "VariantStatus" not in after["ProductionVariants"][0]
    assert after["LastDeploymentConfig"] == deployment
    assert [a.get("fleet") for a in answers(emulator, 2)] == [None, None]


def test_linear_steps_move_equal_shares_of_the_fleet(emulator: Emulator) -> None:
    """Developer guide, "Linear Traffic Shifting": each step turns on a portion of the
    green fleet (LinearStepSize, here CAPACITY_PERCENT 50 of 4 instances) and
    "deactivates the same size portion of the blue fleet", with a bake after each step;
    CapacitySize API reference (CAPACITY_PERCENT). The blue fleet keeps running until the
    end (both fleets are billed, "Blue/Green Deployments")."""
    two_versions(emulator, count=4)
    emulator.control.set_durations(updatingSeconds=0.3, trafficShiftSeconds=0)
    step = {"Type": "CAPACITY_PERCENT", "Value": 50}
    emulator.sagemaker.update_endpoint(
        EndpointName="ep",
        EndpointConfigName="v2",
        DeploymentConfig=blue_green("LINEAR", wait=2, size=step),
    )
    baking = wait_pending(emulator, "Baking")
    assert pending_status(baking) == (
        "Baking",
        "Baking for 2 seconds (WaitIntervalInSeconds) with traffic enabled on capacity of "
        "2 instance(s).",
    )
    assert pending_variant(baking)["CurrentInstanceCount"] == 2
    assert baking["ProductionVariants"][0]["CurrentInstanceCount"] == 4
    assert versions(emulator, 4) == [1, 1, 2, 2]
    wait_status(emulator, "ep", "InService")
    assert described(emulator)["EndpointConfigName"] == "v2"
    assert versions(emulator, 2) == [2, 2]


def test_all_at_once_bakes_on_full_capacity_before_the_old_fleet_goes(
    emulator: Emulator,
) -> None:
    """Developer guide, "All At Once Traffic Shifting": SageMaker routes 100% of the
    traffic to the green fleet, then the baking period (TerminationWaitInSeconds) runs
    before the blue fleet is terminated; the endpoint stays Updating on its old config
    meanwhile (UpdateEndpoint API reference; DescribeEndpoint's EndpointConfigName)."""
    two_versions(emulator, count=2)
    emulator.control.set_durations(updatingSeconds=0.3, trafficShiftSeconds=0)
    emulator.sagemaker.update_endpoint(
        EndpointName="ep",
        EndpointConfigName="v2",
        DeploymentConfig=blue_green("ALL_AT_ONCE", termination=2),
    )
    baking = wait_pending(emulator, "Baking")
    assert pending_status(baking) == (
        "Baking",
        "Baking for 2 seconds (TerminationWaitInSeconds) with traffic enabled on full "
        "capacity of 2 instance(s).",
    )
    assert (baking["EndpointStatus"], baking["EndpointConfigName"]) == ("Updating", "v1")
    assert versions(emulator, 2) == [2, 2]
    wait_status(emulator, "ep", "InService")
    assert described(emulator)["EndpointConfigName"] == "v2"


def test_an_alarm_during_the_bake_rolls_traffic_back_to_the_old_fleet(
    emulator: Emulator,
) -> None:
    """Developer guide, "Canary Traffic Shifting" and "Auto-Rollback Configuration and
    Monitoring": if an AutoRollbackConfiguration alarm trips during the baking period,
    SageMaker rolls back and all traffic returns to the blue fleet. The alarm is set
    through CloudWatch SetAlarmState on the emulator's port (moto). Statuses during the
    rollback are not documented (reference §2, open question 4): the emulator shows
    RollingBack while the green fleet is terminated, then InService on the OLD config with
    FailureReason naming the alarm (the emulator's wording), like any failed update (§1);
    nothing may change the endpoint meanwhile ("Cannot update in-progress endpoint")."""
    two_versions(emulator, count=2)
    alarm(emulator)
    emulator.control.set_durations(updatingSeconds=0.5, trafficShiftSeconds=0)
    deployment = {
        **blue_green("CANARY", wait=30, size={"Type": "CAPACITY_PERCENT", "Value": 50}),
        "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": ALARM}]},
    }
    emulator.sagemaker.update_endpoint(
        EndpointName="ep", EndpointConfigName="v2", DeploymentConfig=deployment
    )
    wait_pending(emulator, "Baking", "canary capacity of 1 instance(s)")
    assert versions(emulator, 3) == [1, 1, 2]
    emulator.cloudwatch.set_alarm_state(
        AlarmName=ALARM, StateValue="ALARM", StateReason="5XX errors on the canary"
    )
    rolling_back = described(emulator)
    assert rolling_back["EndpointStatus"] == "RollingBack"
    assert pending_status(rolling_back) == ("Deleting", "Terminating 2 instance(s).")
    assert {(a["fleet"], a["modelPackageVersion"]) for a in answers(emulator, 4)} == {("old", 1)}
    with pytest.raises(ClientError) as busy:
        emulator.sagemaker.update_endpoint(EndpointName="ep", EndpointConfigName="v2")
    assert "Cannot update in-progress endpoint" in error_of(busy)[1]
    wait_status(emulator, "ep", "InService")
    after = described(emulator)
    assert after["EndpointConfigName"] == "v1"
    assert "PendingDeploymentSummary" not in after
    assert after["FailureReason"] == (
        f"CloudWatch alarm {ALARM} went into ALARM during the deployment of endpoint "
        "configuration v2 (AutoRollbackConfiguration); the endpoint was rolled back to "
        "endpoint configuration v1."
    )
    assert after["LastDeploymentConfig"] == deployment
    assert versions(emulator, 2) == [1, 1]


def test_inf1_endpoints_fall_back_to_all_at_once_without_baking(emulator: Emulator) -> None:
    """Developer guide, deployment guardrails "Exclusions" (reference §2): endpoints on
    Inf1 instances cannot use guardrails and fall back to blue/green all at once with no
    baking; the DeploymentConfig is still recorded as LastDeploymentConfig."""
    two_versions(emulator, count=2, instance_type="ml.inf1.xlarge")
    emulator.control.set_durations(updatingSeconds=0.3, trafficShiftSeconds=0)
    deployment = blue_green(
        "CANARY", wait=600, termination=600, size={"Type": "INSTANCE_COUNT", "Value": 1}
    )
    emulator.sagemaker.update_endpoint(
        EndpointName="ep", EndpointConfigName="v2", DeploymentConfig=deployment
    )
    wait_status(emulator, "ep", "InService", timeout=5)
    after = described(emulator)
    assert after["EndpointConfigName"] == "v2"
    assert after["LastDeploymentConfig"] == deployment


@pytest.mark.parametrize(
    ("deployment", "wording"),
    [
        (blue_green("CANARY", wait=60), "Type CANARY needs CanarySize"),
        (blue_green("LINEAR", wait=60), "Type LINEAR needs LinearStepSize"),
        (
            {
                "BlueGreenUpdatePolicy": {
                    **blue_green("ALL_AT_ONCE", wait=300, termination=300)["BlueGreenUpdatePolicy"],
                    "MaximumExecutionTimeoutInSeconds": 600,
                }
            },
            "must be larger than the total waiting time",
        ),
        (
            {
                "RollingUpdatePolicy": {
                    "MaximumBatchSize": {"Type": "INSTANCE_COUNT", "Value": 1},
                    "WaitIntervalInSeconds": 900,
                    "MaximumExecutionTimeoutInSeconds": 600,
                }
            },
            "must be larger than the total waiting time",
        ),
    ],
)
def test_policies_that_cannot_run_are_refused(
    emulator: Emulator, deployment: dict[str, Any], wording: str
) -> None:
    """TrafficRoutingConfig API reference (CANARY "in two steps. The first step is the
    canary", LINEAR "in n steps of a configurable size"), BlueGreenUpdatePolicy API
    reference (MaximumExecutionTimeoutInSeconds "should be larger than the total waiting
    time specified in TerminationWaitInSeconds and WaitIntervalInSeconds"). AWS's words
    are not documented: ValidationException in the emulator's, at UpdateEndpoint and at
    CreateEndpoint (which records the config for RetainDeploymentConfig)."""
    two_versions(emulator, count=2)
    with pytest.raises(ClientError) as refused:
        emulator.sagemaker.update_endpoint(
            EndpointName="ep", EndpointConfigName="v2", DeploymentConfig=deployment
        )
    assert error_of(refused)[0] == "ValidationException"
    assert wording in error_of(refused)[1]
    assert status(emulator, "ep") == "InService"
    with pytest.raises(ClientError) as at_create:
        emulator.sagemaker.create_endpoint(
            EndpointName="other", EndpointConfigName="v2", DeploymentConfig=deployment
        )
    assert wording in error_of(at_create)[1]
