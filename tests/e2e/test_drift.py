"""End to end: someone changes the endpoint behind the operator's back.

The operator notices an endpoint's change from its ListEndpoints snapshot (a new
LastModifiedTime, or no longer listed), so a hand-made UpdateEndpoint or DeleteEndpoint is
undone within endpoint_list_seconds plus a poll (docs/endpoint-observation.md), and
status.history says what was found.
"""

from __future__ import annotations

from typing import Any

import pytest

from devstack.registry import invoke
from support.e2e_stack import GROUP, Stack, wait_for

# A listing every 5 s, beside the e2e operator's 5 s poll.
pytestmark = [pytest.mark.e2e, pytest.mark.operator_settings(endpoint_list_seconds="5")]

HAND_MADE = "hand-made-config"


def latest_entry(stack: Stack, name: str, trigger: str) -> dict[str, Any] | None:
    """The newest history entry, once it is a finished deployment with this trigger."""
    history = stack.history(name)
    if history and history[0]["trigger"] == trigger and history[0]["outcome"] == "Succeeded":
        return history[0]
    return None


def test_endpoint_moved_to_another_config_is_moved_back(stack: Stack) -> None:
    stack.registry.register(GROUP, approval="Approved")
    stack.apply("fraud")
    stack.wait_serving("fraud", version=1)
    endpoint = stack.endpoint_name("fraud")
    status = stack.get("fraud")["status"]
    target_config = status["endpoint"]["endpointConfigName"]
    # Someone scales the endpoint by hand the SageMaker way: a config of their own for the
    # operator's model, with more and bigger instances.
    stack.sagemaker.create_endpoint_config(
        EndpointConfigName=HAND_MADE,
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": status["target"]["modelName"],
                "InstanceType": "ml.m5.xlarge",
                "InitialInstanceCount": 2,
            }
        ],
    )
    stack.emulator.reset_calls()
    stack.sagemaker.update_endpoint(EndpointName=endpoint, EndpointConfigName=HAND_MADE)

    entry = wait_for(
        lambda: latest_entry(stack, "fraud", "DriftCorrection"),
        timeout=60,
        what="a succeeded DriftCorrection in the history",
    )
    assert entry["version"] == 1
    assert entry["endpointConfigName"] == target_config
    assert f"moved to config {HAND_MADE} outside the operator" in entry["message"]
    described = stack.sagemaker.describe_endpoint(EndpointName=endpoint)
    assert (described["EndpointStatus"], described["EndpointConfigName"]) == (
        "InService",
        target_config,
    )
    assert described["ProductionVariants"][0]["DesiredInstanceCount"] == 1
    stack.wait_condition("fraud", "Ready", reason="Deployed")
    assert invoke(stack.runtime, endpoint)["endpointConfigName"] == target_config
    # The hand-made move and the operator's move back; nothing else changed the endpoint.
    assert stack.emulator.call_count("UpdateEndpoint") == 2
    assert stack.emulator.call_count("CreateEndpoint") == 0
    # The history keeps the first deployment under the correction.
    assert [(h["version"], h["trigger"]) for h in stack.history("fraud")] == [
        (1, "DriftCorrection"),
        (1, "InitialDeployment"),
    ]
    assert ("Warning", "CorrectingDrift") in stack.events("fraud")
    # Not the operator's config, so it is not the operator's to delete.
    assert HAND_MADE in stack.endpoint_configs()


def test_endpoint_deleted_outside_the_operator_is_created_again(stack: Stack) -> None:
    stack.registry.register(GROUP, approval="Approved")
    stack.apply("fraud")
    stack.wait_serving("fraud", version=1)
    endpoint = stack.endpoint_name("fraud")
    config = stack.get("fraud")["status"]["endpoint"]["endpointConfigName"]
    stack.emulator.reset_calls()
    stack.sagemaker.delete_endpoint(EndpointName=endpoint)

    entry = wait_for(
        lambda: latest_entry(stack, "fraud", "Recreate"),
        timeout=60,
        what="a succeeded Recreate in the history",
    )
    assert entry["version"] == 1
    assert entry["endpointConfigName"] == config
    assert "disappeared outside the operator" in entry["message"]
    answer = stack.wait_serving("fraud", version=1)
    assert answer["endpointConfigName"] == config
    assert stack.emulator.call_count("CreateEndpoint") == 1
    # Created again from the model and config it kept: no duplicates.
    assert stack.endpoint_configs() == [config]
    assert len(stack.models()) == 1
    assert [(h["version"], h["trigger"]) for h in stack.history("fraud")] == [
        (1, "Recreate"),
        (1, "InitialDeployment"),
    ]
    assert ("Warning", "RecreatingEndpoint") in stack.events("fraud")
