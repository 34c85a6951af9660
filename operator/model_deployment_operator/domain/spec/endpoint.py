"""spec.endpoint: the SageMaker endpoint, its hosting shape and per-variant settings."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Final, Self

from pydantic import Field, model_validator

from model_deployment_operator.domain.spec import rules
from model_deployment_operator.domain.spec.async_inference import AsyncInferenceSpec
from model_deployment_operator.domain.spec.common import (
    INSTANCE_TYPE_PATTERN,
    SAGEMAKER_NAME_PATTERN,
    CamelModel,
    KmsKeyId,
)
from model_deployment_operator.domain.spec.data_capture import DataCaptureSpec
from model_deployment_operator.domain.spec.serverless import ServerlessSpec

DEFAULT_INSTANCE_COUNT = 1
ContainerTimeout = Annotated[int, Field(ge=60, le=3600)]


class Hosting(StrEnum):
    """How the endpoint runs: what the spec's hosting fields add up to."""

    REAL_TIME = "RealTime"
    """Instance-backed real-time inference (endpoint.instanceType)."""
    ASYNC = "Async"
    """Asynchronous inference on instances (endpoint.instanceType with endpoint.async)."""
    SERVERLESS = "Serverless"
    """Serverless Inference (endpoint.serverless)."""


class EndpointSpec(CamelModel):
    name: (
        Annotated[str, Field(min_length=1, max_length=63, pattern=SAGEMAKER_NAME_PATTERN)] | None
    ) = None
    instance_type: Annotated[str, Field(pattern=INSTANCE_TYPE_PATTERN, max_length=64)] | None = None
    initial_instance_count: Annotated[int, Field(ge=1, le=1000)] = DEFAULT_INSTANCE_COUNT
    """1 when omitted. The CRD has no default (the field is not allowed with serverless, so a
    default would make every serverless manifest invalid); meaningless with serverless, where
    instance_count is None."""
    variant_name: Annotated[str, Field(pattern=SAGEMAKER_NAME_PATTERN, max_length=63)] = (
        "AllTraffic"
    )
    adopt_existing: bool = False
    serverless: ServerlessSpec | None = None
    async_: AsyncInferenceSpec | None = Field(default=None, alias="async")
    data_capture: DataCaptureSpec | None = None
    volume_size_in_gb: Annotated[int, Field(ge=1, le=512)] | None = Field(
        default=None, alias="volumeSizeInGB"
    )
    model_data_download_timeout_seconds: ContainerTimeout | None = None
    container_startup_health_check_timeout_seconds: ContainerTimeout | None = None
    kms_key_id: KmsKeyId | None = None

    @property
    def hosting(self) -> Hosting:
        if self.serverless is not None:
            return Hosting.SERVERLESS
        return Hosting.ASYNC if self.async_ is not None else Hosting.REAL_TIME

    @property
    def instance_count(self) -> int | None:
        """The variant's instance count (initialInstanceCount, 1 when omitted); None when
        serverless."""
        return None if self.instance_type is None else self.initial_instance_count

    @model_validator(mode="after")
    def _hosting_shape(self) -> Self:
        problems = []
        if (self.instance_type is None) == (self.serverless is None):
            problems.append(rules.ONE_HOSTING_SHAPE)
        if self.instance_type is None:
            problems.extend(
                rule
                for field, rule in _INSTANCE_ONLY
                if field in self.model_fields_set and getattr(self, field) is not None
            )
        if problems:
            raise ValueError("; ".join(rule.message for rule in problems))
        return self


_INSTANCE_ONLY: Final = (
    ("initial_instance_count", rules.INSTANCE_COUNT_NEEDS_INSTANCE_TYPE),
    ("async_", rules.ASYNC_NEEDS_INSTANCE_TYPE),
    ("data_capture", rules.DATA_CAPTURE_NEEDS_INSTANCE_TYPE),
    ("volume_size_in_gb", rules.VOLUME_SIZE_NEEDS_INSTANCE_TYPE),
    ("model_data_download_timeout_seconds", rules.DOWNLOAD_TIMEOUT_NEEDS_INSTANCE_TYPE),
    ("container_startup_health_check_timeout_seconds", rules.STARTUP_TIMEOUT_NEEDS_INSTANCE_TYPE),
)
"""Fields allowed only with instance_type, with the rule each breaks otherwise."""
