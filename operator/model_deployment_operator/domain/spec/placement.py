"""spec.endpointRef, spec.inferenceComponent and spec.multiModel: a ModelDeployment placed on
a shared ModelEndpoint instead of an endpoint of its own.

| placement          | spec                             | where the model runs                  |
|--------------------|----------------------------------|---------------------------------------|
| Dedicated          | endpoint                         | an endpoint of its own                |
| InferenceComponent | endpointRef + inferenceComponent | an inference component (its copies)   |
|                    |                                  | on the shared endpoint                |
| MultiModel         | endpointRef + multiModel         | a target model of the shared          |
|                    |                                  | multi-model endpoint                  |

Whether the referenced ModelEndpoint's mode matches (InferenceComponents for
inferenceComponent, MultiModel for multiModel) is not known at admission: the operator
reports a mismatch.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Self

from pydantic import AfterValidator, Field, model_validator

from model_deployment_operator.domain.spec import rules
from model_deployment_operator.domain.spec.common import (
    ALARM_NAME_PATTERN,
    KUBERNETES_NAME_PATTERN,
    TARGET_MODEL_PATTERN,
    CamelModel,
    no_duplicates,
)

DEFAULT_COPY_COUNT = 1


class Placement(StrEnum):
    """Where a ModelDeployment runs: what spec.endpoint / spec.endpointRef add up to."""

    DEDICATED = "Dedicated"
    """An endpoint of its own (spec.endpoint)."""
    INFERENCE_COMPONENT = "InferenceComponent"
    """An inference component on a shared InferenceComponents ModelEndpoint."""
    MULTI_MODEL = "MultiModel"
    """A target model of a shared MultiModel ModelEndpoint."""


class EndpointRefSpec(CamelModel):
    """The shared ModelEndpoint, in the ModelDeployment's namespace."""

    name: Annotated[str, Field(min_length=1, max_length=253, pattern=KUBERNETES_NAME_PATTERN)]


class CapacitySizeType(StrEnum):
    COPY_COUNT = "COPY_COUNT"
    CAPACITY_PERCENT = "CAPACITY_PERCENT"


class CapacitySizeSpec(CamelModel):
    """InferenceComponentCapacitySize: how many copies one step of a rolling update moves."""

    type: CapacitySizeType
    value: Annotated[int, Field(ge=1)]

    @property
    def over_a_hundred_percent(self) -> bool:
        return self.type is CapacitySizeType.CAPACITY_PERCENT and self.value > 100


class RollingUpdateSpec(CamelModel):
    """InferenceComponentDeploymentConfig: how UpdateInferenceComponent moves the copies to a
    new version, and the CloudWatch alarms that roll it back."""

    maximum_batch_size: CapacitySizeSpec
    wait_interval_seconds: Annotated[int, Field(ge=0, le=3600)]
    rollback_maximum_batch_size: CapacitySizeSpec | None = None
    maximum_execution_timeout_seconds: Annotated[int, Field(ge=600, le=28800)] | None = None
    alarms: Annotated[
        tuple[Annotated[str, Field(min_length=1, max_length=255, pattern=ALARM_NAME_PATTERN)], ...],
        Field(max_length=10),
        AfterValidator(no_duplicates),
    ] = ()

    @model_validator(mode="after")
    def _percentages(self) -> Self:
        problems = []
        if self.maximum_batch_size.over_a_hundred_percent:
            problems.append(rules.IC_BATCH_PERCENT)
        rollback = self.rollback_maximum_batch_size
        if rollback is not None and rollback.over_a_hundred_percent:
            problems.append(rules.IC_ROLLBACK_BATCH_PERCENT)
        if problems:
            raise ValueError("; ".join(rule.message for rule in problems))
        return self


class InferenceComponentSpec(CamelModel):
    """The inference component that hosts the model on an InferenceComponents ModelEndpoint:
    the resources of one copy (ComputeResourceRequirements), the number of copies
    (RuntimeConfig), and how a new version rolls out (DeploymentConfig)."""

    cpu_cores: Annotated[float, Field(ge=0.25)] | None = None
    memory_mb: Annotated[int, Field(ge=128)]
    max_memory_mb: Annotated[int, Field(ge=128)] | None = None
    accelerator_devices: Annotated[int, Field(ge=1)] | None = None
    copy_count: Annotated[int, Field(ge=0)] = DEFAULT_COPY_COUNT
    """Copies when autoscaling is not configured; the initial copies otherwise."""
    startup_timeout_seconds: Annotated[int, Field(ge=60, le=3600)] | None = None
    rolling_update: RollingUpdateSpec | None = None

    @model_validator(mode="after")
    def _max_memory_not_below_memory(self) -> Self:
        if self.max_memory_mb is not None and self.max_memory_mb < self.memory_mb:
            raise ValueError(rules.IC_MAX_MEMORY_NOT_BELOW_MEMORY.message)
        return self


class MultiModelTargetSpec(CamelModel):
    """The model as one target of a MultiModel ModelEndpoint."""

    target_model: Annotated[str, Field(min_length=1, max_length=1024, pattern=TARGET_MODEL_PATTERN)]
    """What callers pass as InvokeEndpoint's TargetModel, e.g. fraud-detector.tar.gz: the
    key, under the ModelEndpoint's artifact prefix, the serving version is copied to."""
