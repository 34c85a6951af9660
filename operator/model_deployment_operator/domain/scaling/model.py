"""A scalable target, its policies, scheduled actions and alarms, as Application Auto
Scaling and CloudWatch know them. The gateway reads what exists into these same shapes, so
desired and observed compare by equality."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

# Names of policies, scheduled actions and alarms the operator creates start with this, so
# it can tell its own from those someone else added to the same target.
OWNED_PREFIX = "mdo-"


class Dimension(StrEnum):
    INSTANCE_COUNT = "sagemaker:variant:DesiredInstanceCount"
    PROVISIONED_CONCURRENCY = "sagemaker:variant:DesiredProvisionedConcurrency"
    COPY_COUNT = "sagemaker:inference-component:DesiredCopyCount"


@dataclass(frozen=True)
class CustomizedMetric:
    metric_name: str
    namespace: str
    statistic: str
    dimensions: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class TargetTracking:
    name: str
    target_value: float
    predefined_metric: str | None = None
    customized_metric: CustomizedMetric | None = None
    scale_in_cooldown: int | None = None
    scale_out_cooldown: int | None = None


@dataclass(frozen=True)
class StepAdjustment:
    scaling_adjustment: int
    lower_bound: float | None = None
    upper_bound: float | None = None


@dataclass(frozen=True)
class StepScaling:
    name: str
    adjustment_type: str
    steps: tuple[StepAdjustment, ...]
    cooldown: int | None = None
    metric_aggregation: str | None = None


Policy = TargetTracking | StepScaling


@dataclass(frozen=True)
class ScheduledAction:
    name: str
    schedule: str
    min_capacity: int | None = None
    max_capacity: int | None = None
    timezone: str | None = None
    start_time: str | None = None
    end_time: str | None = None


@dataclass(frozen=True)
class Alarm:
    """A CloudWatch alarm whose action is one of the target's step policies."""

    name: str
    policy_name: str
    metric_name: str
    namespace: str
    dimensions: tuple[tuple[str, str], ...]
    statistic: str
    period_seconds: int
    evaluation_periods: int
    threshold: float
    comparison: str


@dataclass(frozen=True)
class ScalingSetup:
    """Everything Application Auto Scaling (and CloudWatch) should hold for one variant."""

    resource_id: str
    dimension: Dimension
    min_capacity: int
    max_capacity: int
    policies: tuple[Policy, ...] = ()
    scheduled_actions: tuple[ScheduledAction, ...] = ()
    alarms: tuple[Alarm, ...] = ()


@dataclass(frozen=True)
class ScalableTarget:
    resource_id: str
    dimension: Dimension | str
    min_capacity: int
    max_capacity: int


@dataclass(frozen=True)
class ObservedAlarm:
    alarm: Alarm
    # The ARNs the alarm acts on.
    actions: tuple[str, ...]


@dataclass(frozen=True)
class ObservedScaling:
    """What exists for a variant: the scalable target (None: not registered), its policies
    with their ARNs, its scheduled actions, and the operator's alarms for it."""

    target: ScalableTarget | None
    policies: tuple[tuple[Policy, str], ...] = ()
    scheduled_actions: tuple[ScheduledAction, ...] = ()
    alarms: tuple[ObservedAlarm, ...] = ()

    def policy(self, name: str) -> tuple[Policy, str] | None:
        return next((p for p in self.policies if p[0].name == name), None)
