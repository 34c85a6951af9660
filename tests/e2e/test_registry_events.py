"""End to end: an EventBridge 'Model Package State Change' event delivered to SQS makes the
operator act on an approval in seconds instead of at the next registry poll."""

from __future__ import annotations

import time
from pathlib import Path

import boto3
import pytest

from devstack.operator_process import FAKE_AWS_ENVIRONMENT, OperatorProcess
from support.e2e_stack import Stack

pytestmark = pytest.mark.e2e


def test_approval_event_triggers_the_update_before_the_poll(stack: Stack, tmp_path: Path) -> None:
    sqs = boto3.client(
        "sqs",
        endpoint_url=stack.emulator.url,
        region_name=FAKE_AWS_ENVIRONMENT["AWS_REGION"],
        aws_access_key_id=FAKE_AWS_ENVIRONMENT["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=FAKE_AWS_ENVIRONMENT["AWS_SECRET_ACCESS_KEY"],
    )
    queue_url = sqs.create_queue(QueueName="model-registry-events")["QueueUrl"]
    stack.emulator.request("PUT", "events", {"queueUrl": queue_url})
    # Restart this test's operator with a five-minute poll and the event queue.
    stack.operator.stop()
    previous = stack.operator
    stack.operator = OperatorProcess(
        kubeconfig=previous.kubeconfig,
        aws_endpoint_url=previous.aws_endpoint_url,
        log_file=tmp_path / "operator-events.log",
        namespaces=previous.namespaces,
        settings={
            **previous.settings,
            "registry_poll_seconds": "300",
            "registry_events_queue_url": queue_url,
        },
    ).start()

    stack.registry.register("fraud-detector", approval="Approved")
    stack.apply("fraud")
    stack.wait_serving("fraud", version=1)
    second = stack.registry.register("fraud-detector")
    stack.emulator.reset_calls()
    approved_at = time.monotonic()
    stack.registry.approve(second)
    stack.wait_condition("fraud", "Reconciling", reason="EndpointUpdating", timeout=30)
    reacted_in = time.monotonic() - approved_at
    assert reacted_in < 20, f"took {reacted_in:.1f}s; the poll interval is 300s"
    stack.wait_serving("fraud", version=2)
    assert stack.emulator.call_count("UpdateEndpoint") == 1
