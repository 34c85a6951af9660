"""SageMaker ARNs: building them the way AWS does (lower-cased) and reading them back."""

from __future__ import annotations

import re
from dataclasses import dataclass

_ARN = re.compile(
    r"^arn:(?P<partition>aws[a-z-]*):(?P<service>[a-z0-9-]+):(?P<region>[a-z0-9-]*):"
    r"(?P<account>[0-9]{12}):(?P<type>[a-z-]+)/(?P<resource>.+)$"
)


def aws_partition(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def sagemaker_arn(region: str, account_id: str, resource_type: str, name: str) -> str:
    """AWS lower-cases the resource part of SageMaker ARNs: endpoint "MyEndpoint" has ARN
    ``.../endpoint/myendpoint`` (reference §6)."""
    partition = aws_partition(region)
    return f"arn:{partition}:sagemaker:{region}:{account_id}:{resource_type}/{name.lower()}"


@dataclass(frozen=True)
class ParsedArn:
    partition: str
    service: str
    region: str
    account_id: str
    resource_type: str
    resource: str


def parse_arn(text: str) -> ParsedArn | None:
    """The parts of a ``type/resource`` ARN, or None when ``text`` is not one."""
    match = _ARN.match(text)
    if match is None:
        return None
    return ParsedArn(
        partition=match["partition"],
        service=match["service"],
        region=match["region"],
        account_id=match["account"],
        resource_type=match["type"],
        resource=match["resource"],
    )


def is_arn(text: str) -> bool:
    return text.startswith("arn:")
