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
from datetime import datetime

from model_deployment_operator.domain.observed import EndpointStatus, ObservedEndpoint
from model_deployment_operator.domain.rendering.deployment_config import (
    CapacityStep,
    DeploymentConfig,
)
from model_deployment_operator.domain.rollout.observed import (
    PendingVariant,
    VariantPhase,
    VariantPhaseStatus,
)

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


def rollout_progress(endpoint: ObservedEndpoint, now: datetime | None) -> str | None:
    """The progress message of the deployment in progress; None when there is none."""
    pending = endpoint.pending_deployment
    if pending is None or endpoint.status not in (
        EndpointStatus.UPDATING,
        EndpointStatus.ROLLING_BACK,
    ):
        return None
    variant = pending.variants[0] if pending.variants else None
    phase = variant.phase if variant is not None else None
    if endpoint.status == EndpointStatus.ROLLING_BACK:
        doing = f": {phase.message}" if phase is not None and phase.message else ""
        return (
            f"Rolling back: endpoint {endpoint.name} returns from endpoint config "
            f"{pending.config_name} to {endpoint.config_name}{doing}"
        )
    config = endpoint.last_deployment_config
    how = f" ({config.describe()})" if config is not None else ""
    head = f"Endpoint {endpoint.name} is Updating to endpoint config {pending.config_name}{how}"
    if variant is None or phase is None:
        return head
    return f"{head}. {_step_words(config, variant, phase, pending.config_name, now)}"


def _step_words(
    config: DeploymentConfig | None,
    variant: PendingVariant,
    phase: VariantPhase,
    config_name: str,
    now: datetime | None,
) -> str:
    fleet = variant.desired_instance_count or 0
    active = variant.current_instance_count or 0
    label = _step_label(config, phase, fleet, active)
    if phase.status == VariantPhaseStatus.CREATING and active == 0:
        return f"{label}: {phase.message or 'launching the new fleet'}"
    taking = f"{active} of {fleet} instances of endpoint config {config_name} take traffic"
    if phase.status == VariantPhaseStatus.BAKING:
        left = _bake_left(config, phase, fleet, active, now)
        return f"{label}: {taking}, baking" + (f", {left} left" if left else "")
    doing = phase.message or phase.status
    return f"{label}: {taking}; {doing}"


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


def _bake_left(
    config: DeploymentConfig | None,
    phase: VariantPhase,
    fleet: int,
    active: int,
    now: datetime | None,
) -> str | None:
    seconds = _bake_seconds(config, phase, fleet, active)
    if seconds is None or now is None or phase.started_at is None:
        return None
    return duration(seconds - (now - phase.started_at).total_seconds())


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
