"""End to end: the ModelDeployments of one model package group share its registry reads.

Seven ModelDeployments deploy from one group: six LatestApproved, one Pinned. The emulator's
call log shows the group listed about once per registry poll interval (not once per
deployment and poll), an approval delivered as a registry event moving all six on one
listing, and the pinned deployment listing nothing. Without events, the poll that finds an
approval moves the whole group at once.
"""

from __future__ import annotations

import time
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from devstack.operator_process import OperatorProcess
from support.e2e_stack import GROUP, Stack, wait_for

pytestmark = pytest.mark.e2e

POLL_SECONDS = 8.0
WINDOW_POLLS = 5
LATEST = tuple(f"fraud-{n}" for n in range(1, 7))
PINNED = "fraud-pinned"


@pytest.fixture
def sharing_stack(stack: Stack, tmp_path: Path) -> Stack:
    """The test's operator restarted with a short poll (jittered, as in production) and the
    registry event queue."""
    queue_url = stack.sqs.create_queue(QueueName="model-registry-events")["QueueUrl"]
    stack.emulator.request("PUT", "events", {"queueUrl": queue_url})
    previous = stack.operator
    previous.stop()
    stack.operator = OperatorProcess(
        kubeconfig=previous.kubeconfig,
        aws_endpoint_url=previous.aws_endpoint_url,
        log_file=tmp_path / "operator-sharing.log",
        namespaces=previous.namespaces,
        settings={
            **previous.settings,
            "registry_poll_seconds": str(POLL_SECONDS),
            "jitter_fraction": "0.1",
            "registry_events_queue_url": queue_url,
        },
    ).start()
    return stack


def forget_calls(stack: Stack) -> None:
    """Start the emulator's call log afresh."""
    stack.emulator.request("DELETE", "callers")


def calls_of(stack: Stack, action: str, resource: str | None = None) -> list[dict[str, Any]]:
    return [
        call
        for call in stack.emulator.callers()
        if call["action"] == action and (resource is None or call["resource"] == resource)
    ]


def test_one_group_is_read_once_per_poll_and_once_per_event_for_all_its_deployments(
    sharing_stack: Stack,
) -> None:
    stack = sharing_stack
    stack.registry.register(GROUP, approval="Approved")

    # A pinned deployment reads its version without listing the group.
    stack.apply(PINNED, approval={"policy": "Pinned", "pinnedVersion": 1})
    stack.wait_serving(PINNED, version=1)
    assert calls_of(stack, "ListModelPackages") == []

    for name in LATEST:
        stack.apply(name)
    for name in LATEST:
        stack.wait_serving(name, version=1)

    # Settled (the serving records written after a deployment, a poll later): seven
    # deployments poll the group every 8 s; it is listed about once per poll.
    time.sleep(POLL_SECONDS)
    forget_calls(stack)
    time.sleep(WINDOW_POLLS * POLL_SECONDS)
    listings = [c["at"] for c in calls_of(stack, "ListModelPackages", GROUP)]
    listed = len(listings)
    apart = [round(b - a, 1) for a, b in pairwise(listings)]
    assert WINDOW_POLLS - 2 <= listed <= WINDOW_POLLS + 1, (
        f"{listed} listings of {GROUP} in {WINDOW_POLLS} polls of {len(LATEST) + 1} "
        f"deployments, {apart} s apart; one per poll expected"
    )
    # The pinned deployment's version came from that listing or one shared description.
    described = len(calls_of(stack, "DescribeModelPackage"))
    assert described <= WINDOW_POLLS + 1, f"version 1 described {described} times"

    # Approve a new version just after a periodic listing, so the next poll is most of an
    # interval away: what happens before it is the event's doing.
    second = stack.registry.register(GROUP)
    forget_calls(stack)
    (periodic, *_) = wait_for(
        lambda: calls_of(stack, "ListModelPackages", GROUP),
        timeout=2 * POLL_SECONDS,
        what="a periodic listing",
        interval=0.1,
    )
    stack.registry.approve(second)
    approval = calls_of(stack, "UpdateModelPackage")[0]
    for name in LATEST:
        stack.wait_serving(name, version=2)
    assert stack.get(PINNED)["status"]["modelPackage"]["version"] == 1

    # No poll lists the group again before this; a read nobody shared yet lasts 80% of it.
    soon = periodic["at"] + 0.8 * POLL_SECONDS
    after_event = [
        c for c in calls_of(stack, "ListModelPackages", GROUP) if approval["at"] < c["at"] < soon
    ]
    updated = {c["resource"] for c in calls_of(stack, "UpdateEndpoint") if c["at"] < soon}
    assert updated == {stack.endpoint_name(name) for name in LATEST}
    assert len(after_event) == 1, after_event


@pytest.mark.operator_settings(registry_poll_seconds=str(POLL_SECONDS), jitter_fraction="0.1")
def test_an_approval_one_poll_finds_moves_the_whole_group_at_once(stack: Stack) -> None:
    """Without registry events: the deployment whose poll lists the approved version wakes
    the others, so all update together instead of each at its own next poll."""
    stack.registry.register(GROUP, approval="Approved")
    for name in LATEST:
        stack.apply(name)
    for name in LATEST:
        stack.wait_serving(name, version=1)
    second = stack.registry.register(GROUP)
    time.sleep(POLL_SECONDS)
    forget_calls(stack)
    stack.registry.approve(second)
    approval = calls_of(stack, "UpdateModelPackage")[0]

    def all_updated() -> list[dict[str, Any]] | None:
        found = calls_of(stack, "UpdateEndpoint")
        return found if len(found) == len(LATEST) else None

    updates = wait_for(
        all_updated, timeout=4 * POLL_SECONDS, what="every deployment's UpdateEndpoint"
    )
    found_by = next(
        c for c in calls_of(stack, "ListModelPackages", GROUP) if c["at"] > approval["at"]
    )
    last_update = max(c["at"] for c in updates)
    # Each at its own next poll, six updates would spread over most of an interval.
    assert last_update - found_by["at"] < 3.0, f"{last_update - found_by['at']:.1f}s"
    # The read before the approval is reused for up to one interval, and the first poll
    # after that comes within another (docs/registry-reads.md "How fresh").
    assert last_update - approval["at"] < 2 * POLL_SECONDS + 3.0
