"""Deployment guardrails: how an UpdateEndpoint moves traffic from the old fleet to the new
one over time, planned once when the update starts (developer guide, "Deployment
guardrails": "Blue/Green Deployments", "All At Once / Canary / Linear Traffic Shifting",
"Use rolling deployments"; DeploymentConfig, BlueGreenUpdatePolicy, TrafficRoutingConfig,
RollingUpdatePolicy and CapacitySize API references).

A plan is a timeline of phases, all known at the start, so the endpoint's state at any
moment is computed from the clock (time stays lazy, as for every endpoint transition):

    blue/green   Provisioning the whole new fleet (updatingSeconds), then per traffic step
                 ActivatingTraffic (trafficShiftSeconds) and Baking: WaitIntervalInSeconds
                 between steps, TerminationWaitInSeconds after the last one
    rolling      per batch: Provisioning the batch (updatingSeconds), ActivatingTraffic
                 (trafficShiftSeconds; as many old instances are terminated) and Baking
                 (WaitIntervalInSeconds)

ALL_AT_ONCE has one step, CANARY two (the canary, then the rest; the old fleet stays
active during the canary), LINEAR and rolling one per LinearStepSize or MaximumBatchSize
of the new fleet. An update without a policy is blue/green ALL_AT_ONCE with no bake
("If no update policy is specified, SageMaker uses a blue/green deployment strategy with
all at once traffic shifting by default", DeploymentConfig API reference). What happens
while the plan runs (alarms, failures, rollback) is in deployment.py.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from sagemaker_emulator.errors import validation_error

Json = dict[str, Any]

WAIT_INTERVAL: Final = "WaitIntervalInSeconds"
TERMINATION_WAIT: Final = "TerminationWaitInSeconds"


class Strategy(StrEnum):
    BLUE_GREEN = "blue/green"
    ROLLING = "rolling"


class PhaseKind(StrEnum):
    PROVISIONING = "provisioning"
    ACTIVATING = "activating"
    BAKING = "baking"


@dataclass(frozen=True)
class FleetSize:
    """One variant before and after the update. Serverless variants count as one
    instance: their capacity cannot be split, so any step moves all of it."""

    name: str
    old: int
    new: int
    serverless: bool = False


@dataclass(frozen=True)
class Timings:
    provisioning: float  # updatingSeconds: launching new instances (a fleet or a batch)
    traffic_shift: float  # trafficShiftSeconds: turning traffic on for a step


@dataclass(frozen=True)
class VariantSteps:
    """How one variant's new instances take traffic, step by step."""

    name: str
    old: int
    new: int
    first: int  # new instances the first step turns on (canary, linear step or batch)
    size: int  # new instances each later step turns on
    keeps_old: bool  # a canary leaves the whole old fleet active until the last step
    rollback_batch: int | None  # rolling: instances restored per rollback step; None: all
    serverless: bool = False

    @property
    def steps(self) -> int:
        if self.first >= self.new:
            return 1
        return 1 + math.ceil((self.new - self.first) / max(self.size, 1))

    def new_active(self, step: int) -> int:
        """New instances with traffic once ``step`` steps have been activated."""
        if step <= 0:
            return 0
        if step >= self.steps:
            return self.new
        return min(self.new, self.first + (step - 1) * self.size)

    def old_active(self, step: int) -> int:
        """Old instances with traffic once ``step`` steps have been activated: linear and
        rolling steps deactivate as many old instances as they activate new ones."""
        if step <= 0:
            return self.old
        if step >= self.steps:
            return 0
        if self.keeps_old:
            return self.old
        return max(0, self.old - self.new_active(step))


@dataclass(frozen=True)
class Phase:
    kind: PhaseKind
    step: int  # the traffic step (rolling: the batch) it belongs to, from 1
    start: float
    end: float
    wait: str | None = None  # the parameter a bake waits for

    @property
    def seconds(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class Plan:
    strategy: Strategy
    traffic: str  # ALL_AT_ONCE, CANARY, LINEAR or ROLLING
    variants: tuple[VariantSteps, ...]
    phases: tuple[Phase, ...]
    started_at: float
    alarms: tuple[str, ...]
    timeout: float | None  # MaximumExecutionTimeoutInSeconds
    rollback_step_seconds: float

    @property
    def steps(self) -> int:
        return max((v.steps for v in self.variants), default=1)

    @property
    def completes_at(self) -> float:
        return self.phases[-1].end if self.phases else self.started_at

    @property
    def traffic_starts_at(self) -> float:
        """When the first step starts turning traffic on: alarms are watched from then on."""
        return next(p.start for p in self.phases if p.kind is PhaseKind.ACTIVATING)

    def variant(self, name: str) -> VariantSteps | None:
        return next((v for v in self.variants if v.name == name), None)

    def phase_at(self, now: float) -> Phase | None:
        """The phase running at ``now`` (phases of no length never run)."""
        return next((p for p in self.phases if p.start <= now < p.end), None)

    def steps_active(self, now: float) -> int:
        """Traffic steps turned on by ``now``: a step's traffic is on once its
        ActivatingTraffic phase has ended."""
        return sum(1 for p in self.phases if p.kind is PhaseKind.ACTIVATING and p.end <= now)

    def step_ends_at(self, step: int) -> float:
        """When the bake of ``step`` ends (clamped to the last step)."""
        last = min(max(step, 1), self.steps)
        return max(p.end for p in self.phases if p.step == last)


def plan_update(
    deployment_config: Json | None,
    sizes: Sequence[FleetSize],
    timings: Timings,
    started_at: float,
    *,
    excluded: bool = False,
) -> Plan:
    """The timeline of an update. ``excluded`` endpoints (Inf1 instances, see
    guardrails_excluded) fall back to blue/green all at once with no baking."""
    config = deployment_config or {}
    rolling = config.get("RollingUpdatePolicy")
    blue_green = config.get("BlueGreenUpdatePolicy") or {}
    alarms = tuple(
        alarm["AlarmName"]
        for alarm in (config.get("AutoRollbackConfiguration") or {}).get("Alarms") or []
    )
    if excluded:
        rolling, blue_green, alarms = None, {}, ()
    if rolling is not None:
        variants = tuple(_rolling_steps(size, rolling) for size in sizes)
        wait = float(rolling["WaitIntervalInSeconds"])
        phases = _rolling_phases(max(v.steps for v in variants), timings, wait, started_at)
        return Plan(
            strategy=Strategy.ROLLING,
            traffic="ROLLING",
            variants=variants,
            phases=phases,
            started_at=started_at,
            alarms=alarms,
            timeout=_timeout(rolling),
            rollback_step_seconds=timings.provisioning,
        )
    routing = blue_green.get("TrafficRoutingConfiguration") or {"Type": "ALL_AT_ONCE"}
    traffic = routing["Type"]
    variants = tuple(_blue_green_steps(size, routing) for size in sizes)
    phases = _blue_green_phases(
        max(v.steps for v in variants),
        timings,
        wait=float(routing.get(WAIT_INTERVAL, 0)),
        termination_wait=float(blue_green.get(TERMINATION_WAIT, 0)),
        started_at=started_at,
    )
    return Plan(
        strategy=Strategy.BLUE_GREEN,
        traffic=traffic,
        variants=variants,
        phases=phases,
        started_at=started_at,
        alarms=alarms,
        timeout=_timeout(blue_green),
        rollback_step_seconds=timings.provisioning,
    )


def _timeout(policy: Json) -> float | None:
    value = policy.get("MaximumExecutionTimeoutInSeconds")
    return None if value is None else float(value)


def capacity(size: Json | None, total: int) -> int:
    """A CapacitySize in whole instances of ``total``: INSTANCE_COUNT as given,
    CAPACITY_PERCENT rounded up; at least one, at most the whole fleet."""
    if size is None or total <= 0:
        return max(total, 1)
    value = int(size["Value"])
    if size["Type"] == "CAPACITY_PERCENT":
        value = math.ceil(total * min(value, 100) / 100)
    return min(max(value, 1), total)


def _blue_green_steps(size: FleetSize, routing: Json) -> VariantSteps:
    kind = routing["Type"]
    if kind == "CANARY":
        first = capacity(routing.get("CanarySize"), size.new)
        rest = max(size.new - first, 1)
        return VariantSteps(size.name, size.old, size.new, first, rest, True, None, size.serverless)
    if kind == "LINEAR":
        step = capacity(routing.get("LinearStepSize"), size.new)
        return VariantSteps(size.name, size.old, size.new, step, step, False, None, size.serverless)
    return VariantSteps(
        size.name, size.old, size.new, size.new, size.new, False, None, size.serverless
    )


def _rolling_steps(size: FleetSize, policy: Json) -> VariantSteps:
    batch = capacity(policy["MaximumBatchSize"], size.new)
    rollback = policy.get("RollbackMaximumBatchSize")
    # RollingUpdatePolicy API reference: without RollbackMaximumBatchSize "the whole
    # capacity of the old fleet" comes back at once; it is measured against the old fleet.
    rollback_batch = capacity(rollback, size.old) if rollback is not None else None
    return VariantSteps(
        size.name, size.old, size.new, batch, batch, False, rollback_batch, size.serverless
    )


def _blue_green_phases(
    steps: int, timings: Timings, *, wait: float, termination_wait: float, started_at: float
) -> tuple[Phase, ...]:
    at = started_at
    phases = [Phase(PhaseKind.PROVISIONING, 1, at, at + timings.provisioning)]
    at += timings.provisioning
    for step in range(1, steps + 1):
        phases.append(Phase(PhaseKind.ACTIVATING, step, at, at + timings.traffic_shift))
        at += timings.traffic_shift
        last = step == steps
        bake = termination_wait if last else wait
        phases.append(
            Phase(
                PhaseKind.BAKING, step, at, at + bake, TERMINATION_WAIT if last else WAIT_INTERVAL
            )
        )
        at += bake
    return tuple(phases)


def _rolling_phases(
    steps: int, timings: Timings, wait: float, started_at: float
) -> tuple[Phase, ...]:
    at = started_at
    phases = []
    for step in range(1, steps + 1):
        for kind, seconds, name in (
            (PhaseKind.PROVISIONING, timings.provisioning, None),
            (PhaseKind.ACTIVATING, timings.traffic_shift, None),
            (PhaseKind.BAKING, wait, WAIT_INTERVAL),
        ):
            phases.append(Phase(kind, step, at, at + seconds, name))
            at += seconds
    return tuple(phases)


# ---------------------------------------------------------------------- rules


def guardrails_excluded(instance_types: Sequence[str | None]) -> bool:
    """Developer guide, deployment guardrails "Exclusions": endpoints on Inf1 instances
    cannot use guardrails and fall back to blue/green all at once with no baking.
    (Marketplace containers are excluded too; the emulator cannot tell them apart.)"""
    return any((t or "").startswith("ml.inf1.") for t in instance_types)


def check_policy(deployment_config: Json | None) -> None:
    """Refuse a DeploymentConfig whose policy cannot run. TrafficRoutingConfig API
    reference: CANARY shifts "in two steps. The first step is the canary" (CanarySize),
    LINEAR "in n steps of a configurable size" (LinearStepSize). BlueGreenUpdatePolicy
    API reference: MaximumExecutionTimeoutInSeconds "should be larger than the total
    waiting time specified in TerminationWaitInSeconds and WaitIntervalInSeconds". AWS's
    words for these refusals are not documented; these are the emulator's."""
    config = deployment_config or {}
    blue_green = config.get("BlueGreenUpdatePolicy")
    if blue_green is not None:
        routing = blue_green["TrafficRoutingConfiguration"]
        for kind, member in (("CANARY", "CanarySize"), ("LINEAR", "LinearStepSize")):
            if routing["Type"] == kind and routing.get(member) is None:
                raise validation_error(
                    f"TrafficRoutingConfiguration of Type {kind} needs {member}: the size "
                    "of each step of traffic turned on for the new fleet."
                )
        waits = int(routing.get(WAIT_INTERVAL, 0)) + int(blue_green.get(TERMINATION_WAIT, 0))
        _check_timeout(blue_green, waits, f"{TERMINATION_WAIT} plus {WAIT_INTERVAL}")
    rolling = config.get("RollingUpdatePolicy")
    if rolling is not None:
        _check_timeout(rolling, int(rolling[WAIT_INTERVAL]), WAIT_INTERVAL)


def _check_timeout(policy: Json, waits: int, what: str) -> None:
    timeout = policy.get("MaximumExecutionTimeoutInSeconds")
    if timeout is not None and timeout <= waits:
        raise validation_error(
            f"MaximumExecutionTimeoutInSeconds ({timeout}) must be larger than the total "
            f"waiting time of the deployment ({what}: {waits} seconds)."
        )
