"""Scaling a serverless variant: its provisioned concurrency, tracking utilization of it
(SageMaker's "Automatically scale Provisioned Concurrency for a serverless endpoint")."""

from __future__ import annotations

from model_deployment_operator.domain.scaling.model import (
    OWNED_PREFIX,
    Dimension,
    ScalingSetup,
    TargetTracking,
)
from model_deployment_operator.domain.spec import AutoscalingSpec

PROVISIONED_CONCURRENCY_METRIC = "SageMakerVariantProvisionedConcurrencyUtilization"


def serverless_scaling(
    wanted: AutoscalingSpec, resource_id: str, endpoint_name: str, variant_name: str
) -> ScalingSetup:
    target_value = wanted.target_provisioned_concurrency_utilization
    assert target_value is not None  # noqa: S101 - the spec requires it for this option
    return ScalingSetup(
        resource_id=resource_id,
        dimension=Dimension.PROVISIONED_CONCURRENCY,
        min_capacity=wanted.min_capacity,
        max_capacity=wanted.max_capacity,
        policies=(
            TargetTracking(
                name=f"{OWNED_PREFIX}{endpoint_name}-{variant_name}-provisioned-concurrency",
                target_value=target_value,
                predefined_metric=PROVISIONED_CONCURRENCY_METRIC,
                scale_in_cooldown=wanted.scale_in_cooldown_seconds,
                scale_out_cooldown=wanted.scale_out_cooldown_seconds,
            ),
        ),
    )
