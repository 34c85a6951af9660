"""The ModelEndpoint spec: a shared SageMaker endpoint that hosts many ModelDeployments.

A ModelDeployment answers "which version of which model, and how it got there"; a
ModelEndpoint answers "where it runs". Its mode says how the ModelDeployments placed on it
(spec.endpointRef) are hosted:

| mode                | each ModelDeployment is                | the ModelEndpoint sets         |
|---------------------|----------------------------------------|--------------------------------|
| InferenceComponents | an inference component with its copies | instances, managed scaling     |
| MultiModel          | a target model under artifactPrefix    | instances, the shared container|
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Final, Self

from pydantic import AfterValidator, Field, ValidationError, model_validator

from model_deployment_operator.domain.spec import rules
from model_deployment_operator.domain.spec.common import (
    IMAGE_PATTERN,
    INSTANCE_TYPE_PATTERN,
    REGION_PATTERN,
    ROLE_ARN_PATTERN,
    S3_PREFIX_PATTERN,
    SAGEMAKER_NAME_PATTERN,
    CamelModel,
    InvalidSpecError,
    explain,
    tag_key_problems,
)
from model_deployment_operator.domain.spec.deployment import DeletionPolicy
from model_deployment_operator.domain.spec.model import environment_names

DEFAULT_VARIANT_NAME: Final = "AllTraffic"


class EndpointMode(StrEnum):
    """How a ModelEndpoint hosts the ModelDeployments placed on it."""

    INFERENCE_COMPONENTS = "InferenceComponents"
    MULTI_MODEL = "MultiModel"


class ScaleInStrategy(StrEnum):
    IDLE_RELEASE = "IDLE_RELEASE"
    CONSOLIDATION = "CONSOLIDATION"


class ModelCacheSetting(StrEnum):
    ENABLED = "Enabled"
    DISABLED = "Disabled"


class ScaleInPolicySpec(CamelModel):
    """ProductionVariantManagedInstanceScalingScaleInPolicy: how SageMaker releases instances."""

    strategy: ScaleInStrategy
    maximum_step_size: Annotated[int, Field(ge=1, le=100)] | None = None
    cooldown_minutes: Annotated[int, Field(ge=5, le=1440)] | None = None


class ManagedInstanceScalingSpec(CamelModel):
    """ProductionVariantManagedInstanceScaling (Status ENABLED): SageMaker adds and removes
    instances as the inference components' copies need them."""

    min_instance_count: Annotated[int, Field(ge=0, le=1000)]
    max_instance_count: Annotated[int, Field(ge=1, le=1000)]
    scale_in_policy: ScaleInPolicySpec | None = None

    @model_validator(mode="after")
    def _min_not_above_max(self) -> Self:
        if self.min_instance_count > self.max_instance_count:
            raise ValueError(rules.MIN_INSTANCES_NOT_ABOVE_MAX.message)
        return self


MultiModelEnvironment = Annotated[
    dict[str, Annotated[str, Field(max_length=1024)]],
    Field(max_length=100),
    AfterValidator(environment_names(rules.MULTI_MODEL_ENVIRONMENT_NAMES)),
]


class MultiModelContainerSpec(CamelModel):
    """The one container of a multi-model endpoint (CreateModel PrimaryContainer with Mode
    MultiModel): it loads each target model from artifactPrefix on its first invocation."""

    artifact_prefix: Annotated[str, Field(max_length=1024, pattern=S3_PREFIX_PATTERN)]
    image: Annotated[str, Field(max_length=255, pattern=IMAGE_PATTERN)]
    model_cache_setting: ModelCacheSetting = ModelCacheSetting.ENABLED
    environment: MultiModelEnvironment = Field(default_factory=dict)


class ModelEndpointSpec(CamelModel):
    endpoint_name: (
        Annotated[str, Field(min_length=1, max_length=63, pattern=SAGEMAKER_NAME_PATTERN)] | None
    ) = None
    region: Annotated[str, Field(pattern=REGION_PATTERN, max_length=32)] | None = None
    execution_role_arn: Annotated[str, Field(pattern=ROLE_ARN_PATTERN, max_length=2048)]
    mode: EndpointMode
    instance_type: Annotated[str, Field(pattern=INSTANCE_TYPE_PATTERN, max_length=64)]
    initial_instance_count: Annotated[int, Field(ge=1, le=1000)] = 1
    managed_instance_scaling: ManagedInstanceScalingSpec | None = None
    multi_model: MultiModelContainerSpec | None = None
    variant_name: Annotated[str, Field(pattern=SAGEMAKER_NAME_PATTERN, max_length=63)] = (
        DEFAULT_VARIANT_NAME
    )
    tags: Annotated[dict[str, Annotated[str, Field(max_length=256)]], Field(max_length=40)] = Field(
        default_factory=dict
    )
    deletion_policy: DeletionPolicy | None = None

    @model_validator(mode="after")
    def _rules(self) -> Self:
        """The CEL rules on spec itself (what each mode allows) and on spec.tags, all
        reported at once like the API server does."""
        problems = tag_key_problems(self.tags)
        scaling = self.managed_instance_scaling
        if scaling is not None:
            if self.mode is not EndpointMode.INFERENCE_COMPONENTS:
                problems.append(rules.MANAGED_SCALING_NEEDS_INFERENCE_COMPONENTS)
            if self.initial_instance_count > scaling.max_instance_count:
                problems.append(rules.INITIAL_COUNT_NOT_ABOVE_MAX_INSTANCES)
        if (self.multi_model is not None) != (self.mode is EndpointMode.MULTI_MODEL):
            problems.append(rules.MULTI_MODEL_IFF_MULTI_MODEL_MODE)
        if problems:
            raise ValueError("; ".join(rule.message for rule in problems))
        return self


def parse_model_endpoint_spec(raw: object) -> ModelEndpointSpec:
    """Validate a ModelEndpoint spec mapping, turning pydantic's report into one sentence."""
    try:
        return ModelEndpointSpec.model_validate(raw)
    except ValidationError as error:
        raise InvalidSpecError(explain(error)) from error
