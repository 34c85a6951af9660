"""Scaling an instance-backed real-time variant: target tracking on invocations per
instance, plus scheduled actions for predictable peaks."""

from __future__ import annotations

from datetime import UTC, datetime

from model_deployment_operator.domain.scaling.model import (
    OWNED_PREFIX,
    Dimension,
    ScalingSetup,
    ScheduledAction,
    TargetTracking,
)
from model_deployment_operator.domain.spec import AutoscalingSpec

INVOCATIONS_METRIC = "SageMakerVariantInvocationsPerInstance"


def invocations_policy_name(endpoint_name: str, variant_name: str) -> str:
    # The name earlier releases gave the policy: kept, so an upgrade finds it in place.
    return f"{OWNED_PREFIX}{endpoint_name}-{variant_name}-invocations"


def _utc(moment: datetime | None) -> str | None:
    # As Application Auto Scaling describes it back: UTC, to the second.
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def scheduled_actions(wanted: AutoscalingSpec) -> tuple[ScheduledAction, ...]:
    return tuple(
        ScheduledAction(
            name=f"{OWNED_PREFIX}{action.name}",
            schedule=action.schedule,
            min_capacity=action.min_capacity,
            max_capacity=action.max_capacity,
            timezone=action.timezone,
            start_time=_utc(action.start_time),
            end_time=_utc(action.end_time),
        )
        for action in wanted.scheduled_actions
    )


def instance_scaling(
    wanted: AutoscalingSpec, resource_id: str, endpoint_name: str, variant_name: str
) -> ScalingSetup:
    target_value = wanted.target_invocations_per_instance
    assert target_value is not None  # noqa: S101 - the spec requires it for this option
    return ScalingSetup(
        resource_id=resource_id,
        dimension=Dimension.INSTANCE_COUNT,
        min_capacity=wanted.min_capacity,
        max_capacity=wanted.max_capacity,
        policies=(
            TargetTracking(
                name=invocations_policy_name(endpoint_name, variant_name),
                target_value=target_value,
                predefined_metric=INVOCATIONS_METRIC,
                scale_in_cooldown=wanted.scale_in_cooldown_seconds,
                scale_out_cooldown=wanted.scale_out_cooldown_seconds,
            ),
        ),
        scheduled_actions=scheduled_actions(wanted),
    )
