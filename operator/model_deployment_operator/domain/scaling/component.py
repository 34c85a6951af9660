"""Scaling an inference component's copies (SageMaker's "Auto scaling for inference
components", and "Scale an endpoint to zero instances"): target tracking on invocations per
copy, and with a minimum of 0 copies a step policy that adds a copy when the
NoCapacityInvocationFailures alarm fires, since target tracking cannot scale out from zero."""

from __future__ import annotations

from model_deployment_operator.domain.scaling.model import (
    OWNED_PREFIX,
    Alarm,
    Dimension,
    ScalingSetup,
    StepAdjustment,
    StepScaling,
    TargetTracking,
)
from model_deployment_operator.domain.spec import AutoscalingSpec

INVOCATIONS_PER_COPY_METRIC = "SageMakerInferenceComponentInvocationsPerCopy"
NO_CAPACITY_METRIC = "NoCapacityInvocationFailures"


def component_resource_id(component_name: str) -> str:
    return f"inference-component/{component_name}"


def component_scaling(wanted: AutoscalingSpec, component_name: str) -> ScalingSetup:
    target_value = wanted.target_invocations_per_copy
    assert target_value is not None  # noqa: S101 - the spec requires it with a component
    stem = f"{OWNED_PREFIX}{component_name}"
    policies: list[TargetTracking | StepScaling] = [
        TargetTracking(
            name=f"{stem}-invocations-per-copy",
            target_value=target_value,
            predefined_metric=INVOCATIONS_PER_COPY_METRIC,
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
            cooldown=60,
            metric_aggregation="Maximum",
        )
        policies.append(wake)
        alarms = (
            Alarm(
                name=f"{stem}-no-capacity",
                policy_name=wake.name,
                metric_name=NO_CAPACITY_METRIC,
                namespace="AWS/SageMaker",
                dimensions=(("InferenceComponentName", component_name),),
                statistic="Sum",
                period_seconds=60,
                evaluation_periods=1,
                threshold=1.0,
                comparison="GreaterThanOrEqualToThreshold",
            ),
        )
    return ScalingSetup(
        resource_id=component_resource_id(component_name),
        dimension=Dimension.COPY_COUNT,
        min_capacity=wanted.min_capacity,
        max_capacity=wanted.max_capacity,
        policies=tuple(policies),
        alarms=alarms,
    )
