"""AWS SDK configuration shared by the gateway and the CLI."""

from __future__ import annotations

import boto3


def sdk_default_region() -> str | None:
    """The region the AWS SDK would use on its own (AWS_REGION, AWS_DEFAULT_REGION,
    the profile's region, ...)."""
    region = boto3.session.Session().region_name
    return str(region) if region else None
