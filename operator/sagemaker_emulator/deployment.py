"""An endpoint deployment in progress: the plan of guardrails.py run against the clock,
with what can stop it (developer guide, "Deployment guardrails", "Auto-Rollback
Configuration and Monitoring", "Use rolling deployments").

    forward      Updating while the plan runs; the endpoint's traffic is split between the
                 old and the new fleet as the steps turn the new one on
    rollback     an AutoRollbackConfiguration alarm in ALARM (read from CloudWatch from the
                 first traffic step on, whenever the endpoint is read or written), an
                 injected failure, or MaximumExecutionTimeoutInSeconds running out: all
                 traffic returns to the old fleet at once (blue/green; the new fleet is
                 then terminated in one step of updatingSeconds) or
                 RollbackMaximumBatchSize instances at a time (rolling; by default all at
                 once), each step updatingSeconds. Status RollingBack meanwhile, InService
                 on the old config afterwards, with FailureReason. A failure before any
                 traffic moved has nothing to roll back: InService on the old config.
    rollback     (rolling only, injected) the rollback stops: UpdateRollbackFailed, the
      failed     endpoint serving the mix of old and new instances it had reached

The wording of every FailureReason is the emulator's: AWS documents none of them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sagemaker_emulator.guardrails import PhaseKind, Plan, Strategy, VariantSteps
from sagemaker_emulator.routing import WeightedRoundRobin
from sagemaker_emulator.variant_status import (
    activating,
    baking,
    capacity,
    entry,
    launching,
    terminating,
)

Json = dict[str, Any]
# Which of a list of CloudWatch alarms is in ALARM.
AlarmCheck = Callable[[Sequence[str]], str | None]
_MAX_REASON = 1024  # DescribeEndpointOutput.FailureReason


class Outcome(StrEnum):
    COMPLETED = "completed"
    ROLLED_BACK = "rolled-back"
    ROLLBACK_FAILED = "rollback-failed"


@dataclass(frozen=True)
class Counts:
    """A variant's instances at one moment: those with traffic on each side, and the old
    fleet's instances still running (a blue/green old fleet runs until the end)."""

    old_active: int
    new_active: int
    old_running: int


@dataclass(frozen=True)
class Finished:
    outcome: Outcome
    at: float
    reason: str | None = None
    # For ROLLBACK_FAILED: the mix each variant is left serving.
    mix: tuple[tuple[str, Counts], ...] = ()


@dataclass(frozen=True)
class InjectedFailure:
    """A failure injected through the control API: the deployment (or its rollback)
    fails once ``after_batches`` steps or batches have completed."""

    reason: str
    after_batches: int = 0


@dataclass(frozen=True)
class Rollback:
    started_at: float
    reason: str  # the FailureReason once rolled back
    cause: str  # what made it roll back
    from_step: int  # traffic steps that were on when it started
    starts: tuple[tuple[str, Counts], ...]  # each variant's counts when it started
    steps: int  # rollback steps; 0 when no traffic had moved
    step_seconds: float
    fails_after: int | None = None  # rollback steps that complete before it fails
    failure_reason: str | None = None

    @property
    def ends_at(self) -> float:
        if self.fails_after is not None:
            return self.started_at + (self.fails_after + 1) * self.step_seconds
        return self.started_at + self.steps * self.step_seconds

    def steps_done(self, now: float) -> int:
        if self.step_seconds <= 0:
            done = self.steps
        else:
            done = min(self.steps, int((now - self.started_at) / self.step_seconds))
        return done if self.fails_after is None else min(done, self.fails_after)


class Deployment:
    """One update's progress. Not thread-safe: callers hold the emulator's state lock."""

    def __init__(
        self,
        plan: Plan,
        *,
        old_config: str,
        new_config: str,
        failure: InjectedFailure | None = None,
        rollback_failure: Callable[[], InjectedFailure | None] | None = None,
    ) -> None:
        self.plan = plan
        self.old_config = old_config
        self.new_config = new_config
        self._failure = failure
        # Asked when a rolling deployment starts rolling back (the control API's fault).
        self._rollback_failure = rollback_failure
        self.rollback: Rollback | None = None
        self._routers: dict[str, WeightedRoundRobin] = {}

    # ------------------------------------------------------------------ time

    def advance(self, now: float, in_alarm: AlarmCheck) -> Finished | None:
        """Apply what has happened by ``now``; the outcome once the deployment is over."""
        plan = self.plan
        if self.rollback is None:
            scheduled = self._scheduled_failure()
            if scheduled is not None and scheduled[0] <= now:
                self._start_rollback(*scheduled)
            elif now >= plan.completes_at:
                return Finished(Outcome.COMPLETED, plan.completes_at)
            elif plan.alarms and now >= plan.traffic_starts_at:
                alarm = in_alarm(plan.alarms)
                if alarm is not None:
                    cause = (
                        f"CloudWatch alarm {alarm} went into ALARM during the deployment of "
                        f"endpoint configuration {self.new_config} (AutoRollbackConfiguration)"
                    )
                    self._start_rollback(now, self._rolled_back(cause), cause)
        rollback = self.rollback
        if rollback is None or now < rollback.ends_at:
            return None
        if rollback.fails_after is not None:
            mix = tuple(
                (name, self._rollback_counts(name, rollback, now)) for name, _ in rollback.starts
            )
            return Finished(
                Outcome.ROLLBACK_FAILED, rollback.ends_at, self._rollback_failed(rollback, mix), mix
            )
        return Finished(Outcome.ROLLED_BACK, rollback.ends_at, rollback.reason[:_MAX_REASON])

    def _scheduled_failure(self) -> tuple[float, str, str] | None:
        """The earliest of an injected failure and the execution timeout, if either comes
        before the deployment would complete: (when, FailureReason, cause)."""
        plan = self.plan
        candidates = []
        if self._failure is not None:
            after = self._failure.after_batches
            at = plan.phases[0].end if after <= 0 else plan.step_ends_at(after)
            # An injected reason is reported as given.
            candidates.append((at, self._failure.reason, self._failure.reason))
        if plan.timeout is not None and plan.started_at + plan.timeout < plan.completes_at:
            cause = (
                f"The deployment of endpoint configuration {self.new_config} did not complete "
                f"within MaximumExecutionTimeoutInSeconds ({plan.timeout:g} seconds)"
            )
            candidates.append((plan.started_at + plan.timeout, self._rolled_back(cause), cause))
        return min(candidates, default=None)

    def _rolled_back(self, cause: str) -> str:
        return f"{cause}; the endpoint was rolled back to endpoint configuration {self.old_config}."

    def _start_rollback(self, at: float, reason: str, cause: str) -> None:
        plan = self.plan
        step = plan.steps_active(at)
        starts = tuple((v.name, self._forward_counts(v, step)) for v in plan.variants)
        if step == 0:
            steps = 0  # no traffic moved: nothing to roll back
        elif plan.strategy is Strategy.BLUE_GREEN:
            steps = 1  # traffic is back at once; the new fleet is terminated
        else:
            steps = max(
                math.ceil(counts.new_active / _rollback_batch(v, counts))
                for v, (_, counts) in zip(plan.variants, starts, strict=True)
            )
        fails_after = failure_reason = None
        if plan.strategy is Strategy.ROLLING and steps > 0 and self._rollback_failure is not None:
            injected = self._rollback_failure()
            if injected is not None:
                fails_after = min(max(injected.after_batches, 0), steps - 1)
                failure_reason = injected.reason
        self.rollback = Rollback(
            at,
            reason,
            cause,
            step,
            starts,
            steps,
            plan.rollback_step_seconds,
            fails_after,
            failure_reason,
        )

    def _rollback_failed(self, rollback: Rollback, mix: tuple[tuple[str, Counts], ...]) -> str:
        new = sum(c.new_active for _, c in mix)
        old = sum(c.old_active for _, c in mix)
        reason = (
            f"{rollback.cause.rstrip('.')}; the rollback to endpoint configuration "
            f"{self.old_config} failed: {rollback.failure_reason} {new} instance(s) run "
            f"endpoint configuration {self.new_config} and {old} run {self.old_config}."
        )
        return reason[:_MAX_REASON]

    # ------------------------------------------------------------------ counts

    def status(self, now: float) -> str:
        """The endpoint status while the deployment runs."""
        rollback = self.rollback
        if rollback is not None and rollback.steps > 0 and now >= rollback.started_at:
            return "RollingBack"
        return "Updating"

    def counts(self, name: str, now: float) -> Counts:
        variant = self.plan.variant(name)
        if variant is None:
            return Counts(0, 0, 0)
        rollback = self.rollback
        if rollback is not None and now >= rollback.started_at:
            return self._rollback_counts(name, rollback, now)
        return self._forward_counts(variant, self.plan.steps_active(now))

    def _forward_counts(self, variant: VariantSteps, step: int) -> Counts:
        old_active = variant.old_active(step)
        running = variant.old if self.plan.strategy is Strategy.BLUE_GREEN else old_active
        return Counts(old_active, variant.new_active(step), running)

    def _rollback_counts(self, name: str, rollback: Rollback, now: float) -> Counts:
        variant = self.plan.variant(name)
        start = dict(rollback.starts).get(name)
        if variant is None or start is None:
            return Counts(0, 0, 0)
        if self.plan.strategy is Strategy.BLUE_GREEN:
            return Counts(variant.old, 0, variant.old)
        done = rollback.steps_done(now)
        batch = _rollback_batch(variant, start)
        new = max(0, start.new_active - done * batch)
        old = variant.old if new == 0 else min(variant.old, start.old_active + done * batch)
        return Counts(old, new, old)

    def pick_new(self, name: str, now: float) -> bool:
        """Whether the next invocation of variant ``name`` goes to the new fleet: each side
        gets its share of the instances with traffic (smooth round-robin, routing.py)."""
        counts = self.counts(name, now)
        router = self._routers.setdefault(name, WeightedRoundRobin())
        chosen = router.pick([("old", counts.old_active), ("new", counts.new_active)])
        return chosen == "new"

    # ------------------------------------------------------------------ variant status

    def pending_status(self, name: str, now: float, launch_message: str) -> list[Json]:
        """VariantStatus of the variant in PendingDeploymentSummary: the new fleet's."""
        variant = self.plan.variant(name)
        if variant is None:
            return []
        rollback = self.rollback
        if rollback is not None and now >= rollback.started_at:
            step_start, removed = self._rollback_step(variant, rollback, now)
            message = terminating(removed, serverless=variant.serverless)
            return [entry("Deleting", message, step_start)]
        phase = self.plan.phase_at(now)
        if phase is None:
            return []
        if phase.kind is PhaseKind.PROVISIONING:
            if self.plan.strategy is Strategy.BLUE_GREEN:
                return [entry("Creating", launch_message, phase.start)]
            batch = variant.new_active(phase.step) - variant.new_active(phase.step - 1)
            return [entry("Creating", launching(batch), phase.start)]
        where = capacity(
            self._capacity_label(variant, phase.step),
            variant.new_active(phase.step),
            serverless=variant.serverless,
        )
        if phase.kind is PhaseKind.ACTIVATING:
            return [entry("ActivatingTraffic", activating(where), phase.start)]
        return [entry("Baking", baking(phase.seconds, phase.wait, where), phase.start)]

    def live_status(self, name: str, now: float) -> list[Json]:
        """VariantStatus of the live variant (the old fleet): a rolling deployment
        terminates old instances as each batch takes traffic, and its rollback launches
        them again."""
        variant = self.plan.variant(name)
        if variant is None or self.plan.strategy is not Strategy.ROLLING:
            return []
        rollback = self.rollback
        if rollback is not None and now >= rollback.started_at:
            step_start, restored = self._rollback_step(variant, rollback, now)
            return [entry("Creating", launching(restored), step_start)]
        phase = self.plan.phase_at(now)
        if phase is None or phase.kind is not PhaseKind.ACTIVATING:
            return []
        terminated = variant.old_active(phase.step - 1) - variant.old_active(phase.step)
        if terminated <= 0:
            return []
        return [entry("Deleting", terminating(terminated), phase.start)]

    def _rollback_step(
        self, variant: VariantSteps, rollback: Rollback, now: float
    ) -> tuple[float, int]:
        """When the current rollback step started, and how many instances it moves."""
        done = rollback.steps_done(now)
        start = rollback.started_at + done * rollback.step_seconds
        if self.plan.strategy is Strategy.BLUE_GREEN:
            return start, variant.new
        before = self._rollback_counts(variant.name, rollback, start)
        batch = _rollback_batch(variant, dict(rollback.starts)[variant.name])
        return start, min(batch, before.new_active)

    def _capacity_label(self, variant: VariantSteps, step: int) -> str:
        if step >= variant.steps:
            return "full capacity"
        if variant.keeps_old:
            return "canary capacity"
        return "capacity"


def _rollback_batch(variant: VariantSteps, start: Counts) -> int:
    return max(variant.rollback_batch or start.new_active, 1)
