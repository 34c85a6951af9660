"""spec.rollout: how UpdateEndpoint moves a dedicated endpoint to a new endpoint config, as
SageMaker's deployment guardrails (UpdateEndpoint DeploymentConfig) run it.

| strategy  | DeploymentConfig                                                  |
|-----------|-------------------------------------------------------------------|
| AllAtOnce | none: SageMaker's default (blue/green, all traffic at once, no bake) |
| BlueGreen | BlueGreenUpdatePolicy: all at once, canary or linear traffic shifting |
| Rolling   | RollingUpdatePolicy: the fleet replaced in batches                 |

alarms become AutoRollbackConfiguration with any strategy. The rollout is not part of the
endpoint config (nor of its name): changing only spec.rollout deploys nothing; it applies to
the next deployment.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Self

from pydantic import AfterValidator, Field, model_validator

from model_deployment_operator.domain.spec import rules
from model_deployment_operator.domain.spec.common import (
    ALARM_NAME_PATTERN,
    CamelModel,
    no_duplicates,
)
from model_deployment_operator.domain.spec.endpoint import EndpointSpec

Seconds = Annotated[int, Field(ge=0, le=3600)]
ExecutionTimeout = Annotated[int, Field(ge=600, le=28800)]


class RolloutStrategy(StrEnum):
    ALL_AT_ONCE = "AllAtOnce"
    BLUE_GREEN = "BlueGreen"
    ROLLING = "Rolling"


class TrafficShifting(StrEnum):
    ALL_AT_ONCE = "AllAtOnce"
    CANARY = "Canary"
    LINEAR = "Linear"


class StepSizeType(StrEnum):
    """CapacitySize Type, as SageMaker spells it."""

    INSTANCE_COUNT = "INSTANCE_COUNT"
    CAPACITY_PERCENT = "CAPACITY_PERCENT"


class OnFailedRollout(StrEnum):
    REPORT = "Report"
    """Report the failure; the version is not retried until the desired state changes."""
    REJECT_VERSION = "RejectVersion"
    """Also mark the model package version Rejected in the registry, saying why."""


class StepSizeSpec(CamelModel):
    """CapacitySize: instances, or a percentage of the variant's instances."""

    type: StepSizeType
    value: Annotated[int, Field(ge=1)]

    @property
    def over_a_hundred_percent(self) -> bool:
        return self.type is StepSizeType.CAPACITY_PERCENT and self.value > 100


class BlueGreenSpec(CamelModel):
    """BlueGreenUpdatePolicy: the whole new fleet is launched, then traffic shifts to it."""

    traffic_shifting: TrafficShifting
    step_size: StepSizeSpec | None = None
    """The canary (Canary) or each step (Linear)."""
    wait_interval_seconds: Seconds | None = None
    """The bake after the canary or each linear step, alarms watched; 0 when omitted."""
    termination_wait_seconds: Seconds | None = None
    """The bake on full capacity before the old fleet is terminated; 0 when omitted."""
    maximum_execution_timeout_seconds: ExecutionTimeout | None = None

    @property
    def total_wait_seconds(self) -> int:
        return (self.wait_interval_seconds or 0) + (self.termination_wait_seconds or 0)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        problems = []
        stepped = self.traffic_shifting is not TrafficShifting.ALL_AT_ONCE
        if stepped != (self.step_size is not None):
            problems.append(rules.ROLLOUT_STEP_SIZE_IFF_STEPPED)
        if self.step_size is not None and self.step_size.over_a_hundred_percent:
            problems.append(rules.ROLLOUT_STEP_PERCENT)
        timeout = self.maximum_execution_timeout_seconds
        if timeout is not None and timeout <= self.total_wait_seconds:
            problems.append(rules.ROLLOUT_BLUE_GREEN_TIMEOUT)
        if problems:
            raise ValueError("; ".join(rule.message for rule in problems))
        return self


class RollingSpec(CamelModel):
    """RollingUpdatePolicy: batches of new instances replace old ones, each baked."""

    maximum_batch_size: StepSizeSpec
    wait_interval_seconds: Seconds
    rollback_maximum_batch_size: StepSizeSpec | None = None
    maximum_execution_timeout_seconds: ExecutionTimeout | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        problems = []
        if self.maximum_batch_size.over_a_hundred_percent:
            problems.append(rules.ROLLOUT_BATCH_PERCENT)
        rollback = self.rollback_maximum_batch_size
        if rollback is not None and rollback.over_a_hundred_percent:
            problems.append(rules.ROLLOUT_ROLLBACK_BATCH_PERCENT)
        timeout = self.maximum_execution_timeout_seconds
        if timeout is not None and timeout <= self.wait_interval_seconds:
            problems.append(rules.ROLLOUT_ROLLING_TIMEOUT)
        if problems:
            raise ValueError("; ".join(rule.message for rule in problems))
        return self


class RolloutSpec(CamelModel):
    strategy: RolloutStrategy
    blue_green: BlueGreenSpec | None = None
    rolling: RollingSpec | None = None
    alarms: Annotated[
        tuple[Annotated[str, Field(min_length=1, max_length=255, pattern=ALARM_NAME_PATTERN)], ...],
        Field(max_length=10),
        AfterValidator(no_duplicates),
    ] = ()
    on_failed_rollout: OnFailedRollout | None = None

    @property
    def failure_policy(self) -> OnFailedRollout:
        return self.on_failed_rollout or OnFailedRollout.REPORT

    @model_validator(mode="after")
    def _blocks_match_strategy(self) -> Self:
        problems = []
        if self.blue_green is not None and self.strategy is not RolloutStrategy.BLUE_GREEN:
            problems.append(rules.ROLLOUT_BLUE_GREEN_ONLY_WITH_BLUE_GREEN)
        if (self.rolling is not None) != (self.strategy is RolloutStrategy.ROLLING):
            problems.append(rules.ROLLOUT_ROLLING_IFF_ROLLING)
        if problems:
            raise ValueError("; ".join(rule.message for rule in problems))
        return self


def rollout_problems(rollout: RolloutSpec, endpoint: EndpointSpec | None) -> list[rules.Rule]:
    """The rules spec.rollout breaks together with where the deployment runs."""
    if endpoint is None:
        return [rules.ROLLOUT_NEEDS_DEDICATED_ENDPOINT]
    if rollout.strategy is RolloutStrategy.ROLLING and endpoint.serverless is not None:
        return [rules.ROLLING_NOT_SERVERLESS]
    return []
