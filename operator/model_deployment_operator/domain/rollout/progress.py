"""A deployment in progress in words, for the Reconciling condition: which step of the
rollout runs ("Canary", "Linear step 2 of 4", "Rolling batch 1 of 3", "Rolling back"), how
many instances of the new endpoint config take traffic, and how long the bake has left.

Read from DescribeEndpoint alone (PendingDeploymentSummary, VariantStatus and
LastDeploymentConfig), so it is right whoever started the deployment. The bake's length
comes from LastDeploymentConfig; without it, from SageMaker's StatusMessage ("Baking for
300 seconds ...")."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from model_deployment_operator.domain.observed import EndpointStatus, ObservedEndpoint
from model_deployment_operator.domain.rendering.deployment_config import (
    CapacityStep,
    DeploymentConfig,
)
from model_deployment_operator.domain.rollout.observed import VariantPhase, VariantPhaseStatus
from model_deployment_operator.domain.status import RolloutView

_BAKE_SECONDS = re.compile(r"Baking for (\d+) seconds")
# Phases in which a step's instances are not taking traffic yet: the step under way is the
# one after those already active.
_BEFORE_TRAFFIC = (VariantPhaseStatus.CREATING, VariantPhaseStatus.ACTIVATING_TRAFFIC)


def step_instances(step: CapacityStep, fleet: int) -> int:
    """A CapacitySize in instances of a fleet of `fleet`: a percentage rounded up, at least
    one instance and at most the fleet."""
    percent = step.type == "CAPACITY_PERCENT"
    count = math.ceil(fleet * step.value / 100) if percent else step.value
    return max(1, min(count, fleet))


def duration(seconds: float) -> str:
    """4m10s, 30s, 1h5m."""
    whole = max(0, math.ceil(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes}m"
    if minutes:
        return f"{minutes}m{secs:02d}s" if secs else f"{minutes}m"
    return f"{secs}s"


def time_left(seconds: float) -> str:
    """What is left of a bake, in whole minutes: the Reconciling message changes once a
    minute rather than at every look, so a long bake costs few status writes."""
    if seconds <= 0:
        return "ending"
    if seconds < 60:
        return "under a minute left"
    return f"{math.ceil(seconds / 60)} min left"


@dataclass(frozen=True)
class RolloutStep:
    """Where the deployment in progress stands, in facts that do not change from one look to
    the next while the step lasts (so a status made of them does not churn)."""

    endpoint_name: str
    from_config: str
    to_config: str
    rolling_back: bool
    how: str | None
    """The DeploymentConfig in a phrase ("blue/green, canary of 25%, ..."), when known."""
    step: str | None
    """"Canary", "Linear step 2 of 4", "Rolling batch 1 of 3", "All at once"."""
    phase: VariantPhase | None
    instances_with_traffic: int | None
    desired_instances: int | None
    bake_ends_at: datetime | None


def rollout_step(endpoint: ObservedEndpoint) -> RolloutStep | None:
    """The deployment in progress (Updating or RollingBack with a PendingDeploymentSummary);
    None when there is none."""
    pending = endpoint.pending_deployment
    if pending is None or endpoint.status not in (
        EndpointStatus.UPDATING,
        EndpointStatus.ROLLING_BACK,
    ):
        return None
    variant = pending.variants[0] if pending.variants else None
    phase = variant.phase if variant is not None else None
    config = endpoint.last_deployment_config
    fleet = (variant.desired_instance_count if variant is not None else None) or 0
    active = (variant.current_instance_count if variant is not None else None) or 0
    rolling_back = endpoint.status == EndpointStatus.ROLLING_BACK
    stepping = phase is not None and not rolling_back
    return RolloutStep(
        endpoint_name=endpoint.name,
        from_config=endpoint.config_name,
        to_config=pending.config_name,
        rolling_back=rolling_back,
        how=config.describe() if config is not None else None,
        step=_step_label(config, phase, fleet, active) if stepping and phase else None,
        phase=phase,
        instances_with_traffic=variant.current_instance_count if variant is not None else None,
        desired_instances=variant.desired_instance_count if variant is not None else None,
        bake_ends_at=_bake_end(config, phase, fleet, active) if stepping and phase else None,
    )


def rollout_view(endpoint: ObservedEndpoint | None) -> RolloutView | None:
    """status.rollout: the deployment in progress, None when there is none."""
    step = rollout_step(endpoint) if endpoint is not None else None
    if step is None:
        return None
    return RolloutView(
        endpoint_config_name=step.to_config,
        from_endpoint_config_name=step.from_config or None,
        rolling_back=step.rolling_back,
        strategy=step.how,
        step=step.step,
        phase=step.phase.status if step.phase is not None else None,
        phase_message=step.phase.message if step.phase is not None else None,
        instances_with_traffic=step.instances_with_traffic,
        desired_instances=step.desired_instances,
        bake_ends_at=step.bake_ends_at,
    )


def rollout_progress(endpoint: ObservedEndpoint, now: datetime | None) -> str | None:
    """The progress message of the deployment in progress; None when there is none."""
    step = rollout_step(endpoint)
    if step is None:
        return None
    phase = step.phase
    if step.rolling_back:
        doing = f": {phase.message}" if phase is not None and phase.message else ""
        return (
            f"Rolling back: endpoint {step.endpoint_name} returns from endpoint config "
            f"{step.to_config} to {step.from_config}{doing}"
        )
    how = f" ({step.how})" if step.how else ""
    head = f"Endpoint {step.endpoint_name} is Updating to endpoint config {step.to_config}{how}"
    if phase is None or step.step is None:
        return head
    return f"{head}. {_step_words(step, phase, now)}"


def _step_words(step: RolloutStep, phase: VariantPhase, now: datetime | None) -> str:
    fleet = step.desired_instances or 0
    active = step.instances_with_traffic or 0
    if phase.status == VariantPhaseStatus.CREATING and active == 0:
        return f"{step.step}: {phase.message or 'launching the new fleet'}"
    taking = f"{active} of {fleet} instances of endpoint config {step.to_config} take traffic"
    if phase.status == VariantPhaseStatus.BAKING:
        left = None
        if step.bake_ends_at is not None and now is not None:
            left = time_left((step.bake_ends_at - now).total_seconds())
        return f"{step.step}: {taking}, baking" + (f", {left}" if left else "")
    return f"{step.step}: {taking}; {phase.message or phase.status}"


def _step_label(
    config: DeploymentConfig | None, phase: VariantPhase, fleet: int, active: int
) -> str:
    if config is not None and config.rolling is not None and fleet:
        batch = step_instances(config.rolling.maximum_batch_size, fleet)
        number = _step_number(phase, active, batch, fleet)
        return f"Rolling batch {number} of {math.ceil(fleet / batch)}"
    blue_green = config.blue_green if config is not None else None
    if blue_green is None or blue_green.step is None or not fleet:
        return "All at once"
    size = step_instances(blue_green.step, fleet)
    if blue_green.traffic_routing == "CANARY":
        return "Canary" if active < fleet else "Canary done, full capacity"
    return f"Linear step {_step_number(phase, active, size, fleet)} of {math.ceil(fleet / size)}"


def _step_number(phase: VariantPhase, active: int, size: int, fleet: int) -> int:
    steps = math.ceil(fleet / size)
    if phase.status in _BEFORE_TRAFFIC:
        return min(steps, active // size + 1)
    return max(1, min(steps, math.ceil(active / size)))


def _bake_end(
    config: DeploymentConfig | None, phase: VariantPhase, fleet: int, active: int
) -> datetime | None:
    if phase.status != VariantPhaseStatus.BAKING or phase.started_at is None:
        return None
    seconds = _bake_seconds(config, phase, fleet, active)
    return None if seconds is None else phase.started_at + timedelta(seconds=seconds)


def _bake_seconds(
    config: DeploymentConfig | None, phase: VariantPhase, fleet: int, active: int
) -> int | None:
    if config is not None and config.rolling is not None:
        return config.rolling.wait_interval_seconds
    if config is not None and config.blue_green is not None:
        policy = config.blue_green
        final = active >= fleet or policy.step is None
        return (policy.termination_wait_seconds or 0) if final else policy.wait_interval_seconds
    match = _BAKE_SECONDS.search(phase.message or "")
    return int(match.group(1)) if match else None
