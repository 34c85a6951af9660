"""MaximumExecutionTimeoutInSeconds: a deployment that has not completed in time rolls
back. Its minimum is 600 seconds (service model, enforced by botocore too), too long to
wait for against the emulator process, so these tests drive the endpoint's state machine
in-process with explicit clock values (the emulator's time is lazy: an endpoint is
settled at the moment it is read)."""

from __future__ import annotations

from typing import Any

import pytest

from sagemaker_emulator.deployment import Deployment
from sagemaker_emulator.fleets import NewFleet
from sagemaker_emulator.guardrails import FleetSize, Timings, plan_update
from sagemaker_emulator.lifecycle import Endpoint, EndpointFeatures, LiveVariant

pytestmark = pytest.mark.emulator

START = 1_700_000_000.0
UPDATING = 60.0  # updatingSeconds: launching a fleet or a batch


def variant(count: int) -> LiveVariant:
    return LiveVariant(
        name="AllTraffic",
        served=None,
        instance_type="ml.m5.large",
        serverless=None,
        desired_count=count,
        current_count=None,
        desired_weight=1.0,
        current_weight=1.0,
    )


def endpoint_updating(deployment_config: dict[str, Any]) -> Endpoint:
    """An endpoint InService on v1 (4 instances), then updating to v2 at START."""
    endpoint = Endpoint(
        name="ep",
        arn="arn:aws:sagemaker:us-east-1:123456789012:endpoint/ep",
        sequence=1,
        config_name="v1",
        variants=[variant(4)],
        now=START - 10,
        completes_at=START - 5,
        deployment_config=None,
        failure_reason=None,
        features=EndpointFeatures(),
    )
    endpoint.settle(START)
    plan = plan_update(
        deployment_config, [FleetSize("AllTraffic", 4, 4)], Timings(UPDATING, 0), START
    )
    deployment = Deployment(plan, old_config="v1", new_config="v2")
    endpoint.start_update(
        now=START,
        new_fleet=NewFleet(deployment, "v2", (variant(4),)),
        deployment_config=deployment_config,
        features=EndpointFeatures(),
    )
    return endpoint


ROLLING = {
    "RollingUpdatePolicy": {
        "MaximumBatchSize": {"Type": "INSTANCE_COUNT", "Value": 1},
        "WaitIntervalInSeconds": 300,
        "MaximumExecutionTimeoutInSeconds": 600,
    }
}
LINEAR = {
    "BlueGreenUpdatePolicy": {
        "TrafficRoutingConfiguration": {
            "Type": "LINEAR",
            "LinearStepSize": {"Type": "INSTANCE_COUNT", "Value": 1},
            "WaitIntervalInSeconds": 200,
        },
        "MaximumExecutionTimeoutInSeconds": 600,
    }
}


@pytest.mark.parametrize(
    ("deployment_config", "terminating"),
    [(ROLLING, "Terminating 2 instance(s)."), (LINEAR, "Terminating 4 instance(s).")],
    ids=["rolling", "blue-green-linear"],
)
def test_a_deployment_that_runs_out_of_time_rolls_back(
    deployment_config: dict[str, Any], terminating: str
) -> None:
    """RollingUpdatePolicy API reference, MaximumExecutionTimeoutInSeconds: "The time limit
    for the total deployment. Exceeding this limit causes a timeout"; BlueGreenUpdatePolicy
    API reference: "Maximum execution timeout for the deployment". Here 4 batches or steps
    would take longer than 600 seconds: at 600 seconds the deployment rolls back
    (RollingBack for one step of updatingSeconds), then the endpoint is InService on the
    old config with FailureReason naming the timeout (the emulator's wording)."""
    endpoint = endpoint_updating(deployment_config)
    endpoint.settle(START + 599)
    assert endpoint.status == "Updating"
    endpoint.settle(START + 600)
    assert endpoint.status == "RollingBack"
    rolling_back = endpoint.describe(START + 630)
    [pending] = rolling_back["PendingDeploymentSummary"]["ProductionVariants"]
    assert [(s["Status"], s["StatusMessage"]) for s in pending["VariantStatus"]] == [
        ("Deleting", terminating)
    ]
    endpoint.settle(START + 600 + UPDATING)
    after = endpoint.describe(START + 600 + UPDATING)
    assert (after["EndpointStatus"], after["EndpointConfigName"]) == ("InService", "v1")
    assert after["FailureReason"] == (
        "The deployment of endpoint configuration v2 did not complete within "
        "MaximumExecutionTimeoutInSeconds (600 seconds); the endpoint was rolled back to "
        "endpoint configuration v1."
    )
    assert after["LastModifiedTime"] == START + 600 + UPDATING
    assert "PendingDeploymentSummary" not in after


def test_a_deployment_that_fits_its_timeout_completes() -> None:
    """The same limit, met: 1 batch of 4 instances (MaximumBatchSize 100%) takes
    updatingSeconds plus one 300-second bake, well within 600 seconds."""
    config = {
        "RollingUpdatePolicy": {
            **ROLLING["RollingUpdatePolicy"],
            "MaximumBatchSize": {"Type": "CAPACITY_PERCENT", "Value": 100},
        }
    }
    endpoint = endpoint_updating(config)
    endpoint.settle(START + UPDATING + 300)
    after = endpoint.describe(START + UPDATING + 300)
    assert (after["EndpointStatus"], after["EndpointConfigName"]) == ("InService", "v2")
    assert "FailureReason" not in after
