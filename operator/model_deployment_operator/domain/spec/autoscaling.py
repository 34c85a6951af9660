"""spec.autoscaling: Application Auto Scaling for the variant, whatever its hosting shape.

The scalable dimension and the target-tracking metric follow the hosting shape:

| hosting            | capacity                         | target                                  |
|--------------------|----------------------------------|-----------------------------------------|
| RealTime           | instances                        | targetInvocationsPerInstance            |
| Async              | instances (minCapacity may be 0) | targetBacklogPerInstance                |
| Serverless         | provisioned concurrency          | targetProvisionedConcurrencyUtilization |
| InferenceComponent | copies (minCapacity may be 0)    | targetInvocationsPerCopy                |

On a shared multi-model endpoint the ModelDeployment has no autoscaling of its own.
"""

from __future__ import annotations

import re
from typing import Annotated, Self

from pydantic import AfterValidator, AwareDatetime, Field, field_validator, model_validator

from model_deployment_operator.domain.spec import rules
from model_deployment_operator.domain.spec.common import (
    BURSTABLE_INSTANCE_PATTERN,
    SCHEDULE_PATTERN,
    SCHEDULED_ACTION_NAME_PATTERN,
    TIMEZONE_PATTERN,
    CamelModel,
)
from model_deployment_operator.domain.spec.endpoint import EndpointSpec, Hosting
from model_deployment_operator.domain.spec.placement import Placement

Capacity = Annotated[int, Field(ge=0, le=1000)]


class ScheduledActionSpec(CamelModel):
    """An Application Auto Scaling scheduled action: new capacity bounds at set times."""

    name: Annotated[str, Field(pattern=SCHEDULED_ACTION_NAME_PATTERN, max_length=64)]
    schedule: Annotated[str, Field(max_length=256)]
    timezone: Annotated[str, Field(pattern=TIMEZONE_PATTERN, max_length=64)] | None = None
    min_capacity: Capacity | None = None
    max_capacity: Capacity | None = None
    start_time: AwareDatetime | None = None
    end_time: AwareDatetime | None = None

    @field_validator("schedule")
    @classmethod
    def _schedule_format(cls, schedule: str) -> str:
        if not re.match(SCHEDULE_PATTERN, schedule):
            raise ValueError(rules.SCHEDULE_FORMAT.message)
        return schedule

    @model_validator(mode="after")
    def _capacity_and_window(self) -> Self:
        problems = []
        if self.min_capacity is None and self.max_capacity is None:
            problems.append(rules.SCHEDULED_SETS_CAPACITY)
        if (
            self.min_capacity is not None
            and self.max_capacity is not None
            and self.min_capacity > self.max_capacity
        ):
            problems.append(rules.SCHEDULED_MIN_NOT_ABOVE_MAX)
        if (
            self.start_time is not None
            and self.end_time is not None
            and self.end_time <= self.start_time
        ):
            problems.append(rules.SCHEDULED_END_AFTER_START)
        if problems:
            raise ValueError("; ".join(rule.message for rule in problems))
        return self


def _unique_names(actions: tuple[ScheduledActionSpec, ...]) -> tuple[ScheduledActionSpec, ...]:
    names = [action.name for action in actions]
    if len(set(names)) != len(names):
        raise ValueError(rules.SCHEDULED_NAMES_UNIQUE.message)
    return actions


class AutoscalingSpec(CamelModel):
    min_capacity: Capacity
    max_capacity: Annotated[int, Field(ge=1, le=1000)]
    target_invocations_per_instance: Annotated[float, Field(gt=0)] | None = None
    target_provisioned_concurrency_utilization: Annotated[float, Field(ge=0.1, le=1.0)] | None = (
        None
    )
    target_backlog_per_instance: Annotated[float, Field(gt=0)] | None = None
    target_invocations_per_copy: Annotated[float, Field(gt=0)] | None = None
    scale_in_cooldown_seconds: Annotated[int, Field(ge=0, le=86400)] = 300
    scale_out_cooldown_seconds: Annotated[int, Field(ge=0, le=86400)] = 300
    scheduled_actions: Annotated[
        tuple[ScheduledActionSpec, ...], Field(max_length=10), AfterValidator(_unique_names)
    ] = ()

    @property
    def target_value(self) -> float | None:
        """The one target-tracking value the spec sets, whichever the hosting shape needs."""
        targets = (
            self.target_invocations_per_instance,
            self.target_backlog_per_instance,
            self.target_provisioned_concurrency_utilization,
            self.target_invocations_per_copy,
        )
        return next((value for value in targets if value is not None), None)

    @model_validator(mode="after")
    def _min_not_above_max(self) -> Self:
        if self.min_capacity > self.max_capacity:
            raise ValueError(rules.MIN_NOT_ABOVE_MAX.message)
        return self


def autoscaling_problems(
    autoscaling: AutoscalingSpec, endpoint: EndpointSpec | None, placement: Placement
) -> list[rules.Rule]:
    """The rules that tie spec.autoscaling to where the model runs: the hosting shape of
    spec.endpoint, or the placement on a shared ModelEndpoint (endpoint is then None)."""
    hosting = endpoint.hosting if endpoint is not None else None
    serverless = endpoint.serverless if endpoint is not None else None
    instance_type = endpoint.instance_type if endpoint is not None else None
    copies = placement is Placement.INFERENCE_COMPONENT
    problems = []
    if instance_type is not None and re.match(BURSTABLE_INSTANCE_PATTERN, instance_type):
        problems.append(rules.NOT_BURSTABLE)
    if autoscaling.min_capacity == 0 and hosting is not Hosting.ASYNC and not copies:
        problems.append(rules.SCALE_TO_ZERO_NEEDS_ASYNC)
    targets = (
        (
            autoscaling.target_invocations_per_instance,
            hosting is Hosting.REAL_TIME,
            rules.INVOCATIONS_TARGET_IFF_REAL_TIME,
        ),
        (
            autoscaling.target_provisioned_concurrency_utilization,
            hosting is Hosting.SERVERLESS,
            rules.PROVISIONED_TARGET_IFF_SERVERLESS,
        ),
        (
            autoscaling.target_backlog_per_instance,
            hosting is Hosting.ASYNC,
            rules.BACKLOG_TARGET_IFF_ASYNC,
        ),
        (
            autoscaling.target_invocations_per_copy,
            copies,
            rules.COPY_TARGET_IFF_INFERENCE_COMPONENT,
        ),
    )
    # Each target is required where it applies and refused everywhere else.
    problems.extend(rule for value, applies, rule in targets if (value is not None) != applies)
    if placement is Placement.MULTI_MODEL:
        problems.append(rules.NO_AUTOSCALING_WITH_MULTI_MODEL)
    if serverless is not None:
        if serverless.provisioned_concurrency is None:
            problems.append(rules.SERVERLESS_SCALING_NEEDS_PROVISIONED)
        if autoscaling.max_capacity > serverless.max_concurrency:
            problems.append(rules.SERVERLESS_MAX_NOT_ABOVE_CONCURRENCY)
    if autoscaling.scheduled_actions:
        if instance_type is None:
            problems.append(rules.SCHEDULED_NEEDS_INSTANCE_TYPE)
        if hosting is not Hosting.ASYNC and any(
            0 in (action.min_capacity, action.max_capacity)
            for action in autoscaling.scheduled_actions
        ):
            problems.append(rules.SCHEDULED_ZERO_NEEDS_ASYNC)
    return problems
