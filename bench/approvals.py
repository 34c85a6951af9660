"""Approval -> every deployment of the group Ready on the new version.

A sample is one group: its next version is registered (pending) beforehand, approved at a
random moment, and the sample is the time from the approval call until the last of the
group's deployments reports that version with Ready=True. Its `update_sent` is the
operator's share of that: until the last of the group's endpoints was sent UpdateEndpoint
(as the emulator recorded the call), before SageMaker's own update time. Approvals of
several groups are spread over `spread_seconds`, so they land at random phases of the
operator's polls, as approvals do in life (and the run takes one spread, not one poll
interval per sample).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from bench.deployment_watch import DeploymentWatch
from bench.scenario import Scenario

from devstack.registry import ModelRegistry


@dataclass(frozen=True)
class GroupSample:
    group: str
    version: int
    deployments: int
    seconds: float | None  # None: not all of them within the limit
    approved_epoch: float = 0.0
    update_sent: float | None = None


def with_updates_sent(
    samples: Sequence[GroupSample],
    calls: Sequence[Mapping[str, Any]],
    endpoints_of: Callable[[str], set[str]],
) -> list[GroupSample]:
    """Each sample with the seconds from its approval until every endpoint of the group had
    been sent UpdateEndpoint (None: one never was), from the emulator's call records."""
    updates = [c for c in calls if c["action"] == "UpdateEndpoint"]
    timed = []
    for sample in samples:
        endpoints = endpoints_of(sample.group)
        first_update: dict[str, float] = {}
        for call in updates:
            endpoint, at = call["resource"], call["at"]
            if at >= sample.approved_epoch and endpoint in endpoints:
                first_update[endpoint] = min(at, first_update.get(endpoint, at))
        sent = (
            max(first_update.values()) - sample.approved_epoch
            if endpoints and set(first_update) == endpoints
            else None
        )
        timed.append(replace(sample, update_sent=sent))
    return timed


def approval_latencies(
    registry: ModelRegistry,
    watch: DeploymentWatch,
    scenario: Scenario,
    group_indexes: Sequence[int],
    *,
    spread_seconds: float,
    limit_seconds: float,
    label: str,
    progress: Callable[[str], None],
    seed: int = 7,
) -> list[GroupSample]:
    phases = random.Random(seed)  # noqa: S311 - sampling, not security
    pending = {g: registry.register(scenario.group(g)) for g in group_indexes}
    schedule = sorted((phases.uniform(0, spread_seconds), g) for g in group_indexes)
    started = time.monotonic()
    approved_at: dict[int, float] = {}
    approved_epoch: dict[int, float] = {}
    finished: dict[int, float | None] = {}

    def collect() -> None:
        for g, moment in approved_at.items():
            if g in finished:
                continue
            names = scenario.names_in(g)
            ready = [watch.ready_on(name, pending[g].version) for name in names]
            if all(r is not None for r in ready):
                seconds = max(r for r in ready if r is not None) - moment
                finished[g] = seconds
                progress(
                    f"{label}: {scenario.group(g)} v{pending[g].version} Ready on all "
                    f"{len(names)} deployments {seconds:.1f}s after the approval"
                )
            elif time.monotonic() - moment > limit_seconds:
                finished[g] = None
                progress(
                    f"{label}: {scenario.group(g)} v{pending[g].version}: only "
                    f"{sum(r is not None for r in ready)}/{len(names)} Ready after "
                    f"{limit_seconds:.0f}s"
                )

    for offset, g in schedule:
        while time.monotonic() - started < offset:
            collect()
            time.sleep(min(0.2, max(0.0, offset - (time.monotonic() - started))))
        approved_at[g] = time.monotonic()
        approved_epoch[g] = time.time()
        registry.approve(pending[g])
    while len(finished) < len(group_indexes):
        collect()
        time.sleep(0.2)
    return [
        GroupSample(
            scenario.group(g),
            pending[g].version,
            len(scenario.names_in(g)),
            finished[g],
            approved_epoch[g],
        )
        for g in group_indexes
    ]
