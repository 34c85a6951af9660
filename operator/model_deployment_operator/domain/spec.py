"""The ModelDeployment spec as the operator reads it.

The CRD rejects most bad manifests at admission; these models re-check the same rules so
that an object stored before a CRD upgrade, or written with validation off, still gets a
clear InvalidSpec condition instead of a crash.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic.alias_generators import to_camel

SAGEMAKER_NAME_PATTERN = r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$"
GROUP_ARN_PATTERN = (
    r"^arn:aws[a-z-]*:sagemaker:(?P<region>[a-z0-9-]+):(?P<account>[0-9]{12}):"
    r"model-package-group/(?P<name>[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62})$"
)
ROLE_ARN_PATTERN = r"^arn:aws[a-z-]*:iam::[0-9]{12}:role/[a-zA-Z_0-9+=,.@/-]+$"
INSTANCE_TYPE_PATTERN = r"^ml\.[a-z0-9-]+\.[a-z0-9]+$"
REGION_PATTERN = r"^[a-z]{2}(-[a-z]+)+-[0-9]$"
RESERVED_TAG_PREFIXES = ("aws:", "sagemaker.mlops.dev/")


class CamelModel(BaseModel):
    """Reads and writes the camelCase field names of the Kubernetes API."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        frozen=True,
        extra="forbid",
    )


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
            msg = (
                "approval.pinnedVersion is required when approval.policy is Pinned, "
                "and must be omitted otherwise"
            )
            raise ValueError(msg)
        return self


class EndpointSpec(CamelModel):
    name: Annotated[str, Field(pattern=SAGEMAKER_NAME_PATTERN, max_length=63)] | None = None
    instance_type: Annotated[str, Field(pattern=INSTANCE_TYPE_PATTERN, max_length=64)]
    initial_instance_count: Annotated[int, Field(ge=1, le=1000)] = 1
    variant_name: Annotated[str, Field(pattern=SAGEMAKER_NAME_PATTERN, max_length=63)] = (
        "AllTraffic"
    )
    adopt_existing: bool = False


class AutoscalingSpec(CamelModel):
    min_capacity: Annotated[int, Field(ge=1, le=1000)]
    max_capacity: Annotated[int, Field(ge=1, le=1000)]
    target_invocations_per_instance: Annotated[float, Field(gt=0)]
    scale_in_cooldown_seconds: Annotated[int, Field(ge=0, le=86400)] = 300
    scale_out_cooldown_seconds: Annotated[int, Field(ge=0, le=86400)] = 300

    @model_validator(mode="after")
    def _min_not_above_max(self) -> Self:
        if self.min_capacity > self.max_capacity:
            msg = "autoscaling.minCapacity must be less than or equal to autoscaling.maxCapacity"
            raise ValueError(msg)
        return self


class ModelDeploymentSpec(CamelModel):
    model_package_group_name: Annotated[str, Field(min_length=1, max_length=170)]
    region: Annotated[str, Field(pattern=REGION_PATTERN, max_length=32)] | None = None
    execution_role_arn: Annotated[str, Field(pattern=ROLE_ARN_PATTERN, max_length=2048)]
    approval: ApprovalSpec = ApprovalSpec()
    endpoint: EndpointSpec
    autoscaling: AutoscalingSpec | None = None
    deletion_policy: DeletionPolicy | None = None
    tags: Annotated[dict[str, str], Field(max_length=40)] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _group_is_name_or_arn(self) -> Self:
        group = self.model_package_group_name
        if not (re.match(SAGEMAKER_NAME_PATTERN, group) or re.match(GROUP_ARN_PATTERN, group)):
            msg = (
                "modelPackageGroupName must be a group name (letters, digits and hyphens, "
                "at most 63 characters) or a model-package-group ARN"
            )
            raise ValueError(msg)
        return self

    @model_validator(mode="after")
    def _tags_not_reserved(self) -> Self:
        for key in self.tags:
            if key.startswith(RESERVED_TAG_PREFIXES):
                msg = (
                    f"tag key {key!r} must not start with 'aws:' or 'sagemaker.mlops.dev/' "
                    "(reserved for AWS and for the operator's ownership tags)"
                )
                raise ValueError(msg)
        return self

    @property
    def group_name(self) -> str:
        """The bare group name, whether the spec gave a name or an ARN."""
        match = re.match(GROUP_ARN_PATTERN, self.model_package_group_name)
        return match.group("name") if match else self.model_package_group_name


class InvalidSpecError(ValueError):
    """The stored spec breaks a rule the CRD should have enforced."""


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
