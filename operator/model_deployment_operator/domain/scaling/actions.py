"""What the operator may do to Application Auto Scaling and CloudWatch, as data."""

from __future__ import annotations

from dataclasses import dataclass

from model_deployment_operator.domain.scaling.model import (
    Alarm,
    Dimension,
    Policy,
    ScheduledAction,
)


@dataclass(frozen=True)
class RegisterScalableTarget:
    resource_id: str
    dimension: Dimension
    min_capacity: int
    max_capacity: int


@dataclass(frozen=True)
class PutScalingPolicy:
    resource_id: str
    dimension: Dimension
    policy: Policy


@dataclass(frozen=True)
class DeleteScalingPolicy:
    resource_id: str
    dimension: Dimension | str
    name: str


@dataclass(frozen=True)
class PutScheduledAction:
    resource_id: str
    dimension: Dimension
    action: ScheduledAction


@dataclass(frozen=True)
class DeleteScheduledAction:
    resource_id: str
    dimension: Dimension | str
    name: str


@dataclass(frozen=True)
class PutMetricAlarm:
    alarm: Alarm
    # The step scaling policy the alarm triggers.
    policy_arn: str


@dataclass(frozen=True)
class DeleteAlarms:
    names: tuple[str, ...]


@dataclass(frozen=True)
class DeregisterScalableTarget:
    """Also removes the target's scaling policies and scheduled actions (Application Auto
    Scaling does so), but not CloudWatch alarms the operator made for them."""

    resource_id: str
    dimension: Dimension | str


ScalingAction = (
    RegisterScalableTarget
    | PutScalingPolicy
    | DeleteScalingPolicy
    | PutScheduledAction
    | DeleteScheduledAction
    | PutMetricAlarm
    | DeleteAlarms
    | DeregisterScalableTarget
)

SCALING_ACTIONS = (
    RegisterScalableTarget,
    PutScalingPolicy,
    DeleteScalingPolicy,
    PutScheduledAction,
    DeleteScheduledAction,
    PutMetricAlarm,
    DeleteAlarms,
    DeregisterScalableTarget,
)


def describe_scaling_action(action: ScalingAction) -> str:
    """A short phrase naming the call and its object, for messages and logs."""
    match action:
        case RegisterScalableTarget(resource_id=rid, min_capacity=low, max_capacity=high):
            return f"RegisterScalableTarget {rid} ({low}-{high})"
        case PutScalingPolicy(policy=policy, resource_id=rid):
            return f"PutScalingPolicy {policy.name} on {rid}"
        case DeleteScalingPolicy(name=name, resource_id=rid):
            return f"DeleteScalingPolicy {name} on {rid}"
        case PutScheduledAction(action=scheduled, resource_id=rid):
            return f"PutScheduledAction {scheduled.name} on {rid}"
        case DeleteScheduledAction(name=name, resource_id=rid):
            return f"DeleteScheduledAction {name} on {rid}"
        case PutMetricAlarm(alarm=alarm):
            return f"PutMetricAlarm {alarm.name}"
        case DeleteAlarms(names=names):
            return f"DeleteAlarms {', '.join(names)}"
        case DeregisterScalableTarget(resource_id=rid):
            return f"DeregisterScalableTarget {rid}"
