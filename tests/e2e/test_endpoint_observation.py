"""End to end: endpoints observed in bulk (docs/endpoint-observation.md).

Settled ModelDeployments cost one ListEndpoints (a page per 100 endpoints) per
endpoint_list_seconds between them, not a DescribeEndpoint each per poll; an endpoint
changed or deleted behind the operator's back is still corrected, within
endpoint_list_seconds plus a poll; and with endpoint state-change events on the registry
events queue, a deployment (or a ModelEndpoint) waits for its endpoint's event instead of
describing it every busy poll while it is Creating.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from devstack.operator_process import OperatorProcess
from support.e2e_stack import GROUP, Stack, wait_for
from support.shared_endpoints import apply_model_endpoint, model_endpoint_ready
from support.shared_endpoints import endpoint_name as shared_endpoint_name

pytestmark = pytest.mark.e2e

NAMES = ("fraud-a", "fraud-b", "fraud-c", "fraud-d")
LIST_SECONDS = 4
POLL_SECONDS = 5  # registry_poll_seconds of the e2e operator (tests/e2e/conftest.py)


def endpoint_calls(stack: Stack, action: str) -> list[str]:
    """The endpoints named by each call of `action` since the callers log was cleared."""
    return [
        str(call.get("resource"))
        for call in stack.emulator.callers()
        if call["service"] == "sagemaker" and call["action"] == action
    ]


def clear_calls(stack: Stack) -> None:
    stack.emulator.reset_calls()
    stack.emulator.request("DELETE", "callers")


def settled_deployments(stack: Stack) -> list[str]:
    stack.registry.register(GROUP, approval="Approved")
    for name in NAMES:
        stack.apply(name)
    for name in NAMES:
        stack.wait_serving(name, version=1)
    # Past the first listings and the collection of leftovers that follow a deployment.
    time.sleep(POLL_SECONDS + LIST_SECONDS)
    return [stack.endpoint_name(name) for name in NAMES]


@pytest.mark.operator_settings(endpoint_list_seconds=str(LIST_SECONDS))
def test_settled_deployments_list_endpoints_instead_of_describing_them(stack: Stack) -> None:
    endpoints = settled_deployments(stack)
    clear_calls(stack)
    quiet = 3 * POLL_SECONDS + 1
    time.sleep(quiet)
    lists = stack.emulator.call_count("ListEndpoints")
    # Every deployment was reconciled about three times (the group they share was read at
    # each poll, once for all of them); one listing served them all.
    assert 2 <= lists <= quiet / LIST_SECONDS + 1, lists
    assert endpoint_calls(stack, "DescribeEndpoint") == []
    assert stack.emulator.call_count("ListModelPackages") >= 2

    # Behind the operator's back: one endpoint deleted. Only it is described, and created
    # again within a listing and a poll.
    clear_calls(stack)
    deleted_at = time.monotonic()
    stack.sagemaker.delete_endpoint(EndpointName=endpoints[1])
    stack.wait_condition(NAMES[1], "Reconciling", reason="EndpointCreating", timeout=30)
    noticed_in = time.monotonic() - deleted_at
    assert noticed_in <= LIST_SECONDS + POLL_SECONDS + 3, noticed_in
    stack.wait_serving(NAMES[1], version=1)
    described = set(endpoint_calls(stack, "DescribeEndpoint"))
    assert described == {endpoints[1]}
    assert [h["trigger"] for h in stack.history(NAMES[1])][:1] == ["Recreate"]


@pytest.mark.operator_settings(endpoint_list_seconds=str(LIST_SECONDS))
def test_an_endpoint_moved_to_another_config_is_moved_back(stack: Stack) -> None:
    settled_deployments(stack)
    name = NAMES[2]
    endpoint = stack.endpoint_name(name)
    status = stack.get(name)["status"]
    target_config = status["endpoint"]["endpointConfigName"]
    stack.sagemaker.create_endpoint_config(
        EndpointConfigName="hand-made",
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": status["target"]["modelName"],
                "InstanceType": "ml.m5.xlarge",
                "InitialInstanceCount": 2,
            }
        ],
    )
    clear_calls(stack)
    stack.sagemaker.update_endpoint(EndpointName=endpoint, EndpointConfigName="hand-made")

    def corrected() -> dict[str, Any] | None:
        history = stack.history(name)
        entry = history[0] if history else None
        if entry and entry["trigger"] == "DriftCorrection" and entry["outcome"] == "Succeeded":
            return entry
        return None

    wait_for(corrected, timeout=LIST_SECONDS + POLL_SECONDS + 30, what="the drift corrected")
    described = stack.sagemaker.describe_endpoint(EndpointName=endpoint)
    assert described["EndpointConfigName"] == target_config
    assert set(endpoint_calls(stack, "DescribeEndpoint")) == {endpoint}


@pytest.fixture
def with_endpoint_events(stack: Stack, tmp_path: Path) -> Stack:
    """The operator restarted with the events queue, whose rule also forwards endpoint
    state changes (MDO_ENDPOINT_EVENTS), a 30 s safety poll and a 1 s busy poll; the
    emulator takes 6 s to create an endpoint."""
    queue_url = stack.sqs.create_queue(QueueName="model-events")["QueueUrl"]
    stack.emulator.request("PUT", "events", {"queueUrl": queue_url})
    stack.emulator.set_durations(creatingSeconds=6)
    stack.operator.stop()
    previous = stack.operator
    stack.operator = OperatorProcess(
        kubeconfig=previous.kubeconfig,
        aws_endpoint_url=previous.aws_endpoint_url,
        log_file=tmp_path / "operator-endpoint-events.log",
        namespaces=previous.namespaces,
        settings={
            **previous.settings,
            "registry_poll_seconds": "30",
            "busy_poll_seconds": "1",
            "registry_events_queue_url": queue_url,
            "endpoint_events": "true",
        },
    ).start()
    return stack


def test_with_endpoint_events_a_creating_endpoint_is_not_polled(
    with_endpoint_events: Stack,
) -> None:
    stack = with_endpoint_events
    stack.registry.register(GROUP, approval="Approved")
    clear_calls(stack)
    applied_at = time.monotonic()
    stack.apply("fraud")
    stack.wait_condition("fraud", "Reconciling", reason="EndpointCreating", timeout=30)
    stack.wait_serving("fraud", version=1, timeout=30)
    ready_in = time.monotonic() - applied_at
    # Created in 6 s; the event, not the 30 s safety poll, brought the operator back.
    assert ready_in < 6 + 8, ready_in
    endpoint = stack.endpoint_name("fraud")
    described = endpoint_calls(stack, "DescribeEndpoint")
    # Before creating it, once it was Creating, and once its IN_SERVICE event arrived (a
    # duplicate event may add one): with the 1 s busy poll it would be about six more.
    assert described.count(endpoint) <= 4, described


def test_with_endpoint_events_a_creating_model_endpoint_is_not_polled(
    with_endpoint_events: Stack,
) -> None:
    stack = with_endpoint_events
    clear_calls(stack)
    applied_at = time.monotonic()
    apply_model_endpoint(stack, "shared", mode="InferenceComponents", instanceType="ml.g5.xlarge")
    model_endpoint_ready(stack, "shared", timeout=30)
    ready_in = time.monotonic() - applied_at
    assert ready_in < 6 + 8, ready_in
    endpoint = shared_endpoint_name(stack, "shared")
    described = endpoint_calls(stack, "DescribeEndpoint")
    assert described.count(endpoint) <= 4, described
