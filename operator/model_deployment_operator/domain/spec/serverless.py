"""spec.endpoint.serverless: SageMaker Serverless Inference instead of instances."""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import Field, model_validator

from model_deployment_operator.domain.spec import rules
from model_deployment_operator.domain.spec.common import CamelModel


class ServerlessSpec(CamelModel):
    """ProductionVariantServerlessConfig. Scaling the provisioned concurrency is
    spec.autoscaling's job (targetProvisionedConcurrencyUtilization)."""

    memory_size_in_mb: Annotated[int, Field(ge=1024, le=6144, multiple_of=1024)] = Field(
        alias="memorySizeInMB"
    )
    max_concurrency: Annotated[int, Field(ge=1, le=200)]
    provisioned_concurrency: Annotated[int, Field(ge=1, le=200)] | None = None

    @model_validator(mode="after")
    def _provisioned_not_above_max(self) -> Self:
        if (
            self.provisioned_concurrency is not None
            and self.provisioned_concurrency > self.max_concurrency
        ):
            raise ValueError(rules.PROVISIONED_NOT_ABOVE_MAX_CONCURRENCY.message)
        return self
