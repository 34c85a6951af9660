"""AWS SDK configuration shared by the gateway and the CLI."""

from __future__ import annotations

import os

import boto3


def sdk_default_region() -> str | None:
    """The region the AWS SDKs would use on their own.

    boto3 reads AWS_DEFAULT_REGION and the profile; AWS_REGION (set by EKS Pod Identity and
    IRSA, and honoured by the other AWS SDKs) is checked too so the pod needs no extra
    configuration.
    """
    region = boto3.session.Session().region_name or os.environ.get("AWS_REGION")
    return str(region) if region else None
