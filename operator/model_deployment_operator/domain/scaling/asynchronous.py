"""Scaling an asynchronous endpoint, down to zero instances (SageMaker's "Autoscale an
asynchronous endpoint"): target tracking on the backlog per instance, and — because target
tracking cannot scale out from zero instances — a step policy that adds an instance when the
HasBacklogWithoutCapacity alarm fires."""

from __future__ import annotations

from model_deployment_operator.domain.scaling.instance import scheduled_actions
from model_deployment_operator.domain.scaling.model import (
    OWNED_PREFIX,
    Alarm,
    CustomizedMetric,
    Dimension,
    ScalingSetup,
    StepAdjustment,
    StepScaling,
    TargetTracking,
)
from model_deployment_operator.domain.spec import AutoscalingSpec

NAMESPACE = "AWS/SageMaker"
BACKLOG_METRIC = "ApproximateBacklogSizePerInstance"
NO_CAPACITY_METRIC = "HasBacklogWithoutCapacity"
# AWS's example: one instance per alarm, at most once a minute (the alarm's period).
WAKE_COOLDOWN_SECONDS = 60


def async_scaling(
    wanted: AutoscalingSpec, resource_id: str, endpoint_name: str, variant_name: str
) -> ScalingSetup:
    target_value = wanted.target_backlog_per_instance
    assert target_value is not None  # noqa: S101 - the spec requires it for this option
    stem = f"{OWNED_PREFIX}{endpoint_name}-{variant_name}"
    endpoint_dimension = (("EndpointName", endpoint_name),)
    policies: list[TargetTracking | StepScaling] = [
        TargetTracking(
            name=f"{stem}-backlog",
            target_value=target_value,
            customized_metric=CustomizedMetric(
                metric_name=BACKLOG_METRIC,
                namespace=NAMESPACE,
                statistic="Average",
                dimensions=endpoint_dimension,
            ),
            scale_in_cooldown=wanted.scale_in_cooldown_seconds,
            scale_out_cooldown=wanted.scale_out_cooldown_seconds,
        )
    ]
    alarms: tuple[Alarm, ...] = ()
    if wanted.min_capacity == 0:
        wake = StepScaling(
            name=f"{stem}-wake-from-zero",
            adjustment_type="ChangeInCapacity",
            steps=(StepAdjustment(scaling_adjustment=1, lower_bound=0.0),),
            cooldown=WAKE_COOLDOWN_SECONDS,
            metric_aggregation="Average",
        )
        policies.append(wake)
        alarms = (
            Alarm(
                name=f"{stem}-has-backlog-without-capacity",
                policy_name=wake.name,
                metric_name=NO_CAPACITY_METRIC,
                namespace=NAMESPACE,
                dimensions=endpoint_dimension,
                statistic="Average",
                period_seconds=60,
                evaluation_periods=2,
                threshold=1.0,
                comparison="GreaterThanOrEqualToThreshold",
            ),
        )
    return ScalingSetup(
        resource_id=resource_id,
        dimension=Dimension.INSTANCE_COUNT,
        min_capacity=wanted.min_capacity,
        max_capacity=wanted.max_capacity,
        policies=tuple(policies),
        scheduled_actions=scheduled_actions(wanted),
        alarms=alarms,
    )
