"""What DescribeEndpoint says of deployments, in the domain's shapes: the deployment in
progress (PendingDeploymentSummary with its VariantStatus entries) and the DeploymentConfig
of the latest UpdateEndpoint (LastDeploymentConfig). Pure mapping."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from model_deployment_operator.domain.rendering.deployment_config import (
    BlueGreenPolicy,
    CapacityStep,
    DeploymentConfig,
    RollingPolicy,
)
from model_deployment_operator.domain.rollout.observed import (
    PendingDeployment,
    PendingVariant,
    VariantPhase,
)


def variant_phases(variant: Mapping[str, Any]) -> tuple[VariantPhase, ...]:
    return tuple(
        VariantPhase(
            status=str(item.get("Status", "")),
            message=item.get("StatusMessage") or None,
            started_at=_moment(item.get("StartTime")),
        )
        for item in variant.get("VariantStatus") or ()
    )


def pending_deployment(response: Mapping[str, Any]) -> PendingDeployment | None:
    summary = response.get("PendingDeploymentSummary")
    if not summary or not summary.get("EndpointConfigName"):
        return None
    return PendingDeployment(
        config_name=summary["EndpointConfigName"],
        started_at=_moment(summary.get("StartTime")),
        variants=tuple(
            PendingVariant(
                name=variant["VariantName"],
                desired_instance_count=variant.get("DesiredInstanceCount"),
                current_instance_count=variant.get("CurrentInstanceCount"),
                phases=variant_phases(variant),
            )
            for variant in summary.get("ProductionVariants") or ()
        ),
    )


def last_deployment_config(response: Mapping[str, Any]) -> DeploymentConfig | None:
    config = response.get("LastDeploymentConfig")
    if not config:
        return None
    alarms = tuple(
        alarm["AlarmName"]
        for alarm in (config.get("AutoRollbackConfiguration") or {}).get("Alarms") or ()
        if alarm.get("AlarmName")
    )
    return DeploymentConfig(
        blue_green=_blue_green(config.get("BlueGreenUpdatePolicy")),
        rolling=_rolling(config.get("RollingUpdatePolicy")),
        alarms=alarms,
    )


def _capacity(size: Mapping[str, Any] | None) -> CapacityStep | None:
    if not size:
        return None
    return CapacityStep(str(size["Type"]), int(size["Value"]))


def _blue_green(policy: Mapping[str, Any] | None) -> BlueGreenPolicy | None:
    if not policy:
        return None
    routing = policy.get("TrafficRoutingConfiguration") or {}
    return BlueGreenPolicy(
        traffic_routing=str(routing.get("Type", "ALL_AT_ONCE")),
        wait_interval_seconds=int(routing.get("WaitIntervalInSeconds", 0)),
        step=_capacity(routing.get("CanarySize") or routing.get("LinearStepSize")),
        termination_wait_seconds=policy.get("TerminationWaitInSeconds"),
        maximum_execution_timeout_seconds=policy.get("MaximumExecutionTimeoutInSeconds"),
    )


def _rolling(policy: Mapping[str, Any] | None) -> RollingPolicy | None:
    batch = _capacity((policy or {}).get("MaximumBatchSize"))
    if policy is None or batch is None:
        return None
    return RollingPolicy(
        maximum_batch_size=batch,
        wait_interval_seconds=int(policy.get("WaitIntervalInSeconds", 0)),
        rollback_maximum_batch_size=_capacity(policy.get("RollbackMaximumBatchSize")),
        maximum_execution_timeout_seconds=policy.get("MaximumExecutionTimeoutInSeconds"),
    )


def _moment(value: object) -> datetime | None:
    return value if isinstance(value, datetime) else None
