"""Application Auto Scaling and CloudWatch for SageMaker variants: reading a variant's
scaling setup into the domain's shapes (domain/scaling/model.py) and applying the scaling
actions. Only the gateway's boto3 code lives here."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final

from model_deployment_operator.domain.scaling.actions import (
    DeleteAlarms,
    DeleteScalingPolicy,
    DeleteScheduledAction,
    DeregisterScalableTarget,
    PutMetricAlarm,
    PutScalingPolicy,
    PutScheduledAction,
    RegisterScalableTarget,
    ScalingAction,
)
from model_deployment_operator.domain.scaling.model import (
    Alarm,
    CustomizedMetric,
    Dimension,
    ObservedAlarm,
    ObservedScaling,
    Policy,
    ScalableTarget,
    ScheduledAction,
    StepAdjustment,
    StepScaling,
    TargetTracking,
)
from model_deployment_operator.sagemaker.calls import read, write

if TYPE_CHECKING:
    from mypy_boto3_application_autoscaling import ApplicationAutoScalingClient
    from mypy_boto3_cloudwatch import CloudWatchClient

SERVICE_NAMESPACE: Final = "sagemaker"
AUTOSCALING: Final = "application-autoscaling"
CLOUDWATCH: Final = "cloudwatch"
Request = dict[str, Any]


def _dimension(value: str) -> Dimension | str:
    try:
        return Dimension(value)
    except ValueError:
        return value


def _optional(mapping: Any, key: str) -> Any:
    return mapping.get(key) if mapping is not None else None


def policy_from(item: Any) -> Policy:
    """A described scaling policy in the domain's shape, so it compares with the wanted one."""
    name = item["PolicyName"]
    if item.get("PolicyType") == "StepScaling":
        config = item.get("StepScalingPolicyConfiguration", {})
        return StepScaling(
            name=name,
            adjustment_type=config.get("AdjustmentType", ""),
            steps=tuple(
                StepAdjustment(
                    scaling_adjustment=step["ScalingAdjustment"],
                    lower_bound=step.get("MetricIntervalLowerBound"),
                    upper_bound=step.get("MetricIntervalUpperBound"),
                )
                for step in config.get("StepAdjustments", [])
            ),
            cooldown=config.get("Cooldown"),
            metric_aggregation=config.get("MetricAggregationType"),
        )
    config = item.get("TargetTrackingScalingPolicyConfiguration", {})
    predefined = config.get("PredefinedMetricSpecification")
    customized = config.get("CustomizedMetricSpecification")
    return TargetTracking(
        name=name,
        target_value=float(config.get("TargetValue", 0.0)),
        predefined_metric=_optional(predefined, "PredefinedMetricType"),
        customized_metric=CustomizedMetric(
            metric_name=customized["MetricName"],
            namespace=customized["Namespace"],
            statistic=customized["Statistic"],
            dimensions=tuple(
                sorted((d["Name"], d["Value"]) for d in customized.get("Dimensions", []))
            ),
        )
        if customized
        else None,
        scale_in_cooldown=config.get("ScaleInCooldown"),
        scale_out_cooldown=config.get("ScaleOutCooldown"),
    )


def policy_request(policy: Policy) -> Request:
    if isinstance(policy, StepScaling):
        config: Request = {
            "AdjustmentType": policy.adjustment_type,
            "StepAdjustments": [
                {
                    "ScalingAdjustment": step.scaling_adjustment,
                    **(
                        {"MetricIntervalLowerBound": step.lower_bound}
                        if step.lower_bound is not None
                        else {}
                    ),
                    **(
                        {"MetricIntervalUpperBound": step.upper_bound}
                        if step.upper_bound is not None
                        else {}
                    ),
                }
                for step in policy.steps
            ],
        }
        if policy.cooldown is not None:
            config["Cooldown"] = policy.cooldown
        if policy.metric_aggregation is not None:
            config["MetricAggregationType"] = policy.metric_aggregation
        return {"PolicyType": "StepScaling", "StepScalingPolicyConfiguration": config}
    tracking: Request = {"TargetValue": policy.target_value}
    if policy.predefined_metric is not None:
        tracking["PredefinedMetricSpecification"] = {
            "PredefinedMetricType": policy.predefined_metric
        }
    if policy.customized_metric is not None:
        metric = policy.customized_metric
        tracking["CustomizedMetricSpecification"] = {
            "MetricName": metric.metric_name,
            "Namespace": metric.namespace,
            "Statistic": metric.statistic,
            "Dimensions": [{"Name": k, "Value": v} for k, v in metric.dimensions],
        }
    if policy.scale_in_cooldown is not None:
        tracking["ScaleInCooldown"] = policy.scale_in_cooldown
    if policy.scale_out_cooldown is not None:
        tracking["ScaleOutCooldown"] = policy.scale_out_cooldown
    return {
        "PolicyType": "TargetTrackingScaling",
        "TargetTrackingScalingPolicyConfiguration": tracking,
    }


def scheduled_from(item: Any) -> ScheduledAction:
    scalable = item.get("ScalableTargetAction") or {}

    def moment(key: str) -> str | None:
        value = item.get(key)
        return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value is not None else None

    return ScheduledAction(
        name=item["ScheduledActionName"],
        schedule=item["Schedule"],
        min_capacity=scalable.get("MinCapacity"),
        max_capacity=scalable.get("MaxCapacity"),
        timezone=item.get("Timezone"),
        start_time=moment("StartTime"),
        end_time=moment("EndTime"),
    )


def scheduled_request(action: ScheduledAction) -> Request:
    capacity: Request = {}
    if action.min_capacity is not None:
        capacity["MinCapacity"] = action.min_capacity
    if action.max_capacity is not None:
        capacity["MaxCapacity"] = action.max_capacity
    request: Request = {
        "ScheduledActionName": action.name,
        "Schedule": action.schedule,
        "ScalableTargetAction": capacity,
    }
    if action.timezone:
        request["Timezone"] = action.timezone
    if action.start_time:
        request["StartTime"] = action.start_time
    if action.end_time:
        request["EndTime"] = action.end_time
    return request


def alarm_from(item: Any, policy_name: str) -> ObservedAlarm:
    return ObservedAlarm(
        alarm=Alarm(
            name=item["AlarmName"],
            policy_name=policy_name,
            metric_name=item.get("MetricName", ""),
            namespace=item.get("Namespace", ""),
            dimensions=tuple(sorted((d["Name"], d["Value"]) for d in item.get("Dimensions", []))),
            statistic=item.get("Statistic", ""),
            period_seconds=int(item.get("Period", 0)),
            evaluation_periods=int(item.get("EvaluationPeriods", 0)),
            threshold=float(item.get("Threshold", 0.0)),
            comparison=item.get("ComparisonOperator", ""),
        ),
        actions=tuple(item.get("AlarmActions", [])),
    )


class ScalingGateway:
    def __init__(
        self, autoscaling: ApplicationAutoScalingClient, cloudwatch: CloudWatchClient
    ) -> None:
        self._autoscaling = autoscaling
        self._cloudwatch = cloudwatch

    def describe(
        self,
        resource_id: str,
        *,
        scheduled: bool,
        alarms: Sequence[tuple[str, str]] = (),
    ) -> ObservedScaling:
        """The variant's scalable target (any SageMaker dimension), its policies, its
        scheduled actions when `scheduled`, and the named alarms, given as (alarm name,
        policy name) pairs."""
        aas = self._autoscaling
        response = read(
            AUTOSCALING,
            "DescribeScalableTargets",
            lambda: aas.describe_scalable_targets(
                ServiceNamespace=SERVICE_NAMESPACE, ResourceIds=[resource_id]
            ),
        )
        targets = response.get("ScalableTargets", []) if response is not None else []
        found = [
            ScalableTarget(
                t["ResourceId"],
                _dimension(t["ScalableDimension"]),
                t["MinCapacity"],
                t["MaxCapacity"],
            )
            for t in targets
        ]
        target = found[0] if found else None
        policies: tuple[tuple[Policy, str], ...] = ()
        actions: tuple[ScheduledAction, ...] = ()
        if target is not None:
            described = read(
                AUTOSCALING,
                "DescribeScalingPolicies",
                lambda: aas.describe_scaling_policies(
                    ServiceNamespace=SERVICE_NAMESPACE, ResourceId=resource_id
                ),
            )
            policies = tuple(
                (policy_from(item), item["PolicyARN"])
                for item in (described or {}).get("ScalingPolicies", [])
            )
            if scheduled:
                listed = read(
                    AUTOSCALING,
                    "DescribeScheduledActions",
                    lambda: aas.describe_scheduled_actions(
                        ServiceNamespace=SERVICE_NAMESPACE, ResourceId=resource_id
                    ),
                )
                actions = tuple(
                    scheduled_from(item) for item in (listed or {}).get("ScheduledActions", [])
                )
        observed_alarms: tuple[ObservedAlarm, ...] = ()
        if alarms:
            by_name = dict(alarms)
            cloudwatch = self._cloudwatch
            described_alarms = read(
                CLOUDWATCH,
                "DescribeAlarms",
                lambda: cloudwatch.describe_alarms(AlarmNames=list(by_name)),
            )
            observed_alarms = tuple(
                alarm_from(item, by_name[item["AlarmName"]])
                for item in (described_alarms or {}).get("MetricAlarms", [])
                if item["AlarmName"] in by_name
            )
        return ObservedScaling(target, policies, actions, observed_alarms)

    def apply(self, action: ScalingAction) -> None:
        aas = self._autoscaling
        cloudwatch = self._cloudwatch
        match action:
            case RegisterScalableTarget():
                write(
                    AUTOSCALING,
                    "RegisterScalableTarget",
                    lambda: aas.register_scalable_target(
                        ServiceNamespace=SERVICE_NAMESPACE,
                        ResourceId=action.resource_id,
                        ScalableDimension=action.dimension.value,
                        MinCapacity=action.min_capacity,
                        MaxCapacity=action.max_capacity,
                    ),
                )
            case PutScalingPolicy():
                request = policy_request(action.policy)
                write(
                    AUTOSCALING,
                    "PutScalingPolicy",
                    lambda: aas.put_scaling_policy(
                        PolicyName=action.policy.name,
                        ServiceNamespace=SERVICE_NAMESPACE,
                        ResourceId=action.resource_id,
                        ScalableDimension=action.dimension.value,
                        **request,
                    ),
                )
            case DeleteScalingPolicy():
                write(
                    AUTOSCALING,
                    "DeleteScalingPolicy",
                    lambda: aas.delete_scaling_policy(
                        PolicyName=action.name,
                        ServiceNamespace=SERVICE_NAMESPACE,
                        ResourceId=action.resource_id,
                        ScalableDimension=str(action.dimension),  # type: ignore[arg-type]
                    ),
                    missing_ok=True,
                )
            case PutScheduledAction():
                scheduled = scheduled_request(action.action)
                write(
                    AUTOSCALING,
                    "PutScheduledAction",
                    lambda: aas.put_scheduled_action(
                        ServiceNamespace=SERVICE_NAMESPACE,
                        ResourceId=action.resource_id,
                        ScalableDimension=action.dimension.value,
                        **scheduled,
                    ),
                )
            case DeleteScheduledAction():
                write(
                    AUTOSCALING,
                    "DeleteScheduledAction",
                    lambda: aas.delete_scheduled_action(
                        ServiceNamespace=SERVICE_NAMESPACE,
                        ScheduledActionName=action.name,
                        ResourceId=action.resource_id,
                        ScalableDimension=str(action.dimension),  # type: ignore[arg-type]
                    ),
                    missing_ok=True,
                )
            case PutMetricAlarm():
                alarm = action.alarm
                write(
                    CLOUDWATCH,
                    "PutMetricAlarm",
                    lambda: cloudwatch.put_metric_alarm(
                        AlarmName=alarm.name,
                        MetricName=alarm.metric_name,
                        Namespace=alarm.namespace,
                        Dimensions=[{"Name": k, "Value": v} for k, v in alarm.dimensions],
                        Statistic=alarm.statistic,  # type: ignore[arg-type]
                        Period=alarm.period_seconds,
                        EvaluationPeriods=alarm.evaluation_periods,
                        Threshold=alarm.threshold,
                        ComparisonOperator=alarm.comparison,  # type: ignore[arg-type]
                        AlarmActions=[action.policy_arn],
                    ),
                )
            case DeleteAlarms():
                names = list(action.names)
                write(
                    CLOUDWATCH,
                    "DeleteAlarms",
                    lambda: cloudwatch.delete_alarms(AlarmNames=names),
                    missing_ok=True,
                )
            case DeregisterScalableTarget():
                write(
                    AUTOSCALING,
                    "DeregisterScalableTarget",
                    lambda: aas.deregister_scalable_target(
                        ServiceNamespace=SERVICE_NAMESPACE,
                        ResourceId=action.resource_id,
                        ScalableDimension=str(action.dimension),  # type: ignore[arg-type]
                    ),
                    missing_ok=True,
                )
