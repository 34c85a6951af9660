"""End to end: ModelDeployments applied while no operator runs (a new cluster, an upgrade,
a standby taking over) are deployed as soon as one starts. Its first look races kopf's own
first writes to a new object; a claim refused by that race is retried within a second,
not after a busy poll (30 s here)."""

from __future__ import annotations

import time

import pytest

from support.e2e_stack import GROUP, Stack

pytestmark = pytest.mark.e2e

NAMES = ("fraud-a", "fraud-b", "fraud-c", "fraud-d", "fraud-e")


@pytest.mark.operator_settings(busy_poll_seconds="30", registry_poll_seconds="60")
def test_deployments_applied_before_the_operator_starts_are_deployed_at_once(
    stack: Stack,
) -> None:
    stack.registry.register(GROUP, approval="Approved")
    stack.operator.stop()
    for name in NAMES:
        stack.apply(name)
    started = time.monotonic()
    stack.operator.start()
    for name in NAMES:
        stack.wait_condition(name, "Reconciling", reason="EndpointCreating", timeout=60)
    creating_after = time.monotonic() - started
    # Operator start-up and one look each; a refused claim waiting for the busy poll would
    # take 30 s more.
    assert creating_after < 20, creating_after
    for name in NAMES:
        stack.wait_serving(name, version=1, timeout=60)
