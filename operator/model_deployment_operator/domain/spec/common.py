"""What every part of the spec shares: camelCase field names and the patterns the CRD uses."""

from __future__ import annotations

import re
from collections.abc import Hashable, Mapping
from typing import Annotated, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel

from model_deployment_operator.domain.spec import rules

T = TypeVar("T", bound=Hashable)

# Each pattern is written once and used verbatim by the CRD (a contract test compares them),
# so it must mean the same in Python's re and in the API server's Go regexp.
SAGEMAKER_NAME_PATTERN = r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$"
GROUP_ARN_PATTERN = (
    r"^arn:aws[a-z-]*:sagemaker:(?P<region>[a-z0-9-]+):(?P<account>[0-9]{12}):"
    r"model-package-group/(?P<name>[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62})$"
)
ROLE_ARN_PATTERN = r"^arn:aws[a-z-]*:iam::[0-9]{12}:role/[a-zA-Z_0-9+=,.@/-]+$"
INSTANCE_TYPE_PATTERN = r"^ml\.[a-z0-9-]+\.[a-z0-9]+$"
REGION_PATTERN = r"^[a-z]{2}(-[a-z]+)+-[0-9]$"
S3_URI_PATTERN = r"^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/.*)?$"
KMS_KEY_PATTERN = r"^[a-zA-Z0-9:/_-]+$"
SNS_TOPIC_ARN_PATTERN = r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[a-zA-Z0-9_.-]{1,256}$"
CONTENT_TYPE_PATTERN = r"^[a-zA-Z0-9](-*[a-zA-Z0-9])*/[a-zA-Z0-9](-*[a-zA-Z0-9.])*$"
SECURITY_GROUP_ID_PATTERN = r"^sg-[0-9a-f]{8}([0-9a-f]{9})?$"
SUBNET_ID_PATTERN = r"^subnet-[0-9a-f]{8}([0-9a-f]{9})?$"
ENVIRONMENT_NAME_PATTERN = r"^[a-zA-Z_][a-zA-Z0-9_]*$"
SCHEDULED_ACTION_NAME_PATTERN = r"^[A-Za-z0-9-]{1,64}$"
TIMEZONE_PATTERN = r"^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$"
# at(yyyy-mm-ddThh:mm:ss), rate(<value> <unit>) or cron(<six fields>), as Application Auto
# Scaling's PutScheduledAction accepts them. Brackets instead of backslashes so that the
# same text is valid inside a CEL string literal.
SCHEDULE_PATTERN = (
    r"^(at[(][0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[)]"
    r"|rate[(][1-9][0-9]* (minute|minutes|hour|hours|day|days)[)]"
    r"|cron[(][^ ()]+( [^ ()]+){5}[)])$"
)
# Burstable instance families (ml.t2, ml.t3...); not ml.trn1, which is Trainium.
BURSTABLE_INSTANCE_PATTERN = r"^ml[.]t[0-9]"
TAG_KEY_PATTERN = r"^[a-zA-Z0-9 _.:/=+@-]+$"
RESERVED_TAG_PREFIXES = ("aws:", "sagemaker.mlops.dev/")
# A Kubernetes object name (DNS subdomain, RFC 1123), as spec.endpointRef.name names one.
KUBERNETES_NAME_PATTERN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?([.][a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
# The TargetModel callers pass to InvokeEndpoint, and the object's key under the multi-model
# endpoint's artifact prefix: relative (no leading slash, no empty, "." or ".." segment),
# in S3's safe characters.
TARGET_MODEL_PATTERN = r"^[a-zA-Z0-9_][a-zA-Z0-9_.=+-]*(/[a-zA-Z0-9_][a-zA-Z0-9_.=+-]*)*$"
# An S3 prefix the models of a multi-model endpoint live under: ModelDataUrl, to which
# SageMaker appends TargetModel, so it ends with a slash.
S3_PREFIX_PATTERN = r"^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/(.*/)?$"
# A container image URI (CreateModel's ContainerImage: no whitespace).
IMAGE_PATTERN = r"^[^\s]+$"
# A CloudWatch alarm name: not blank.
ALARM_NAME_PATTERN = r"^.*[^\s].*$"

S3Uri = Annotated[str, Field(pattern=S3_URI_PATTERN, max_length=512)]
KmsKeyId = Annotated[str, Field(pattern=KMS_KEY_PATTERN, max_length=2048)]


class CamelModel(BaseModel):
    """Reads and writes the camelCase field names of the Kubernetes API."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        frozen=True,
        extra="forbid",
    )


class InvalidSpecError(ValueError):
    """The stored spec breaks a rule the CRD should have enforced."""


def tag_key_problems(tags: Mapping[str, str]) -> list[rules.Rule]:
    """The rules spec.tags breaks, in ModelDeployment and ModelEndpoint alike."""
    problems = []
    if not all(len(key) <= 128 and re.match(TAG_KEY_PATTERN, key) for key in tags):
        problems.append(rules.TAG_KEYS_FORMAT)
    if any(key.startswith(RESERVED_TAG_PREFIXES) for key in tags):
        problems.append(rules.TAG_KEYS_NOT_RESERVED)
    return problems


def no_duplicates(values: tuple[T, ...]) -> tuple[T, ...]:
    """The models' side of x-kubernetes-list-type: set (the API server's "Duplicate value")."""
    seen: set[T] = set()
    for value in values:
        if value in seen:
            msg = f'Duplicate value: "{value}"'
            raise ValueError(msg)
        seen.add(value)
    return values


def explain(error: ValidationError) -> str:
    """pydantic's report as one readable sentence, each problem prefixed with its field."""
    problems = []
    for item in error.errors():
        location = ".".join(str(part) for part in item["loc"])
        message = item["msg"].removeprefix("Value error, ")
        problems.append(f"spec.{location}: {message}" if location else message)
    return "; ".join(problems)
