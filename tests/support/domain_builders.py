"""Builders for domain objects, so table tests read as the situation they describe."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from model_deployment_operator.domain.desired import DesiredDeployment, Target
from model_deployment_operator.domain.naming import DeploymentRef
from model_deployment_operator.domain.observed import (
    DeployedConfig,
    ObservedEndpoint,
    ObservedVariant,
)
from model_deployment_operator.domain.ownership import Claim, Ownership
from model_deployment_operator.domain.registry import PackageVersion
from model_deployment_operator.domain.scaling.instance import INVOCATIONS_METRIC
from model_deployment_operator.domain.scaling.model import (
    Dimension,
    ObservedScaling,
    ScalableTarget,
    TargetTracking,
)
from model_deployment_operator.domain.spec import DeletionPolicy, parse_spec
from model_deployment_operator.domain.status import HistoryEntry, Outcome, Trigger

REF = DeploymentRef(namespace="ml-prod", name="fraud-detector", uid="3f1c-uid")
GROUP = "fraud-detector"
GROUP_ARN = f"arn:aws:sagemaker:us-east-1:111122223333:model-package-group/{GROUP}"
ROLE = "arn:aws:iam::111122223333:role/SageMakerExecution"
T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
T1 = datetime(2026, 11, 1, 12, 5, tzinfo=UTC)


def spec_dict(**overrides: Any) -> dict[str, Any]:
    """The base spec with `overrides`; a nested mapping merges, and a None inside it removes
    that field (e.g. endpoint={"instanceType": None, "serverless": {...}})."""
    base: dict[str, Any] = {
        "modelPackageGroupName": GROUP,
        "executionRoleArn": ROLE,
        "endpoint": {"instanceType": "ml.m5.large", "initialInstanceCount": 1},
    }
    for key, value in overrides.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), dict):
            merged = {**base[key], **value}
            base[key] = {k: v for k, v in merged.items() if v is not None}
        else:
            base[key] = value
    return base


def desired(generation: int = 1, **overrides: Any) -> DesiredDeployment:
    return DesiredDeployment.build(
        REF,
        generation,
        parse_spec(spec_dict(**overrides)),
        default_region="us-east-1",
        default_deletion_policy=DeletionPolicy.DELETE,
    )


def package(
    version: int, approval: str = "Approved", status: str = "Completed", group: str = GROUP
) -> PackageVersion:
    return PackageVersion(
        arn=f"arn:aws:sagemaker:us-east-1:111122223333:model-package/{group}/{version}",
        group_name=group,
        version=version,
        approval_status=approval,
        package_status=status,
    )


def target(version: int, **overrides: Any) -> Target:
    return desired(**overrides).target_for(package(version))


def endpoint(
    status: str = "InService",
    config: str = "",
    *,
    owned: bool = True,
    ownership: Ownership | None = None,
    instance_count: int | None = 1,
    variant: str = "AllTraffic",
    failure_reason: str | None = None,
    pending: str | None = None,
    name: str = "ml-prod-fraud-detector",
) -> ObservedEndpoint:
    return ObservedEndpoint(
        name=name,
        arn=f"arn:aws:sagemaker:us-east-1:111122223333:endpoint/{name.lower()}",
        status=status,
        config_name=config,
        ownership=ownership or Ownership(Claim.OURS if owned else Claim.UNCLAIMED),
        failure_reason=failure_reason,
        pending_config_name=pending,
        variants=(ObservedVariant(variant, instance_count, instance_count),),
    )


def live_config(target_: Target, instance_type: str | None = None) -> DeployedConfig:
    return DeployedConfig(
        name=target_.config_name,
        model_name=target_.model_name,
        variant_name=target_.variant_name,
        instance_type=instance_type or target_.instance_type,
        initial_instance_count=target_.instance_count,
        model_package_arn=target_.package.arn,
    )


def scaling(
    min_capacity: int = 1,
    max_capacity: int = 4,
    target_value: float = 70.0,
    cooldowns: tuple[int, int] = (300, 300),
    *,
    with_policy: bool = True,
    resource_id: str = "endpoint/ml-prod-fraud-detector/variant/AllTraffic",
) -> ObservedScaling:
    """A registered instance-count target, with the operator's invocations policy."""
    policy = TargetTracking(
        name="mdo-ml-prod-fraud-detector-AllTraffic-invocations",
        target_value=target_value,
        predefined_metric=INVOCATIONS_METRIC,
        scale_in_cooldown=cooldowns[0],
        scale_out_cooldown=cooldowns[1],
    )
    return ObservedScaling(
        target=ScalableTarget(resource_id, Dimension.INSTANCE_COUNT, min_capacity, max_capacity),
        policies=((policy, f"arn:aws:autoscaling:policy/{policy.name}"),) if with_policy else (),
    )


NO_SCALING = ObservedScaling(target=None)


def history_entry(
    target_: Target,
    outcome: Outcome = Outcome.SUCCEEDED,
    message: str | None = None,
    trigger: Trigger = Trigger.INITIAL_DEPLOYMENT,
) -> HistoryEntry:
    return HistoryEntry(
        version=target_.package.version,
        model_package_arn=target_.package.arn,
        endpoint_config_name=target_.config_name,
        model_name=target_.model_name,
        started_at=T0,
        finished_at=None if outcome is Outcome.IN_PROGRESS else T0,
        outcome=outcome,
        trigger=trigger,
        message=message,
    )


AUTOSCALING = {
    "minCapacity": 1,
    "maxCapacity": 4,
    "targetInvocationsPerInstance": 70,
}
