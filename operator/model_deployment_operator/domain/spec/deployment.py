"""spec: the ModelDeployment as a whole, and the rules that span its parts."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Self

from pydantic import Field, ValidationError, model_validator

from model_deployment_operator.domain.spec import rules
from model_deployment_operator.domain.spec.autoscaling import AutoscalingSpec, autoscaling_problems
from model_deployment_operator.domain.spec.common import (
    GROUP_ARN_PATTERN,
    REGION_PATTERN,
    RESERVED_TAG_PREFIXES,
    ROLE_ARN_PATTERN,
    SAGEMAKER_NAME_PATTERN,
    TAG_KEY_PATTERN,
    CamelModel,
    InvalidSpecError,
)
from model_deployment_operator.domain.spec.endpoint import EndpointSpec
from model_deployment_operator.domain.spec.model import ModelSpec


class ApprovalPolicy(StrEnum):
    LATEST_APPROVED = "LatestApproved"
    PINNED = "Pinned"


class DeletionPolicy(StrEnum):
    DELETE = "Delete"
    RETAIN = "Retain"


class ApprovalSpec(CamelModel):
    policy: ApprovalPolicy = ApprovalPolicy.LATEST_APPROVED
    pinned_version: Annotated[int, Field(ge=1)] | None = None

    @model_validator(mode="after")
    def _pinned_version_iff_pinned(self) -> Self:
        if (self.policy is ApprovalPolicy.PINNED) != (self.pinned_version is not None):
            raise ValueError(rules.PINNED_VERSION_IFF_PINNED.message)
        return self


class ModelDeploymentSpec(CamelModel):
    model_package_group_name: Annotated[str, Field(min_length=1, max_length=170)]
    region: Annotated[str, Field(pattern=REGION_PATTERN, max_length=32)] | None = None
    execution_role_arn: Annotated[str, Field(pattern=ROLE_ARN_PATTERN, max_length=2048)]
    approval: ApprovalSpec = ApprovalSpec()
    endpoint: EndpointSpec
    model: ModelSpec | None = None
    autoscaling: AutoscalingSpec | None = None
    deletion_policy: DeletionPolicy | None = None
    tags: Annotated[dict[str, Annotated[str, Field(max_length=256)]], Field(max_length=40)] = Field(
        default_factory=dict
    )

    @model_validator(mode="after")
    def _group_is_name_or_arn(self) -> Self:
        group = self.model_package_group_name
        if not (re.match(SAGEMAKER_NAME_PATTERN, group) or re.match(GROUP_ARN_PATTERN, group)):
            raise ValueError(rules.GROUP_NAME_OR_ARN.message)
        return self

    @model_validator(mode="after")
    def _tag_keys(self) -> Self:
        problems = []
        if not all(len(key) <= 128 and re.match(TAG_KEY_PATTERN, key) for key in self.tags):
            problems.append(rules.TAG_KEYS_FORMAT)
        if any(key.startswith(RESERVED_TAG_PREFIXES) for key in self.tags):
            problems.append(rules.TAG_KEYS_NOT_RESERVED)
        if problems:
            raise ValueError("; ".join(rule.message for rule in problems))
        return self

    @model_validator(mode="after")
    def _parts_agree(self) -> Self:
        """The rules the CRD declares on spec itself: one part constrains another."""
        problems = []
        if self.model is not None and self.endpoint.serverless is not None:
            if self.model.vpc_config is not None:
                problems.append(rules.VPC_NOT_SERVERLESS)
            if self.model.enable_network_isolation:
                problems.append(rules.ISOLATION_NOT_SERVERLESS)
        if self.autoscaling is not None:
            problems.extend(autoscaling_problems(self.autoscaling, self.endpoint))
        if problems:
            raise ValueError("; ".join(rule.message for rule in problems))
        return self

    @property
    def group_name(self) -> str:
        """The bare group name, whether the spec gave a name or an ARN."""
        match = re.match(GROUP_ARN_PATTERN, self.model_package_group_name)
        return match.group("name") if match else self.model_package_group_name


def parse_spec(raw: object) -> ModelDeploymentSpec:
    """Validate a spec mapping, turning pydantic's report into one readable sentence."""
    try:
        return ModelDeploymentSpec.model_validate(raw)
    except ValidationError as error:
        problems = []
        for item in error.errors():
            location = ".".join(str(part) for part in item["loc"])
            message = item["msg"].removeprefix("Value error, ")
            problems.append(f"spec.{location}: {message}" if location else message)
        raise InvalidSpecError("; ".join(problems)) from error
