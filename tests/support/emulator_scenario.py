"""Small building blocks for emulator tests: a registry version, a model from it, a config
and an endpoint, created through boto3 exactly as a user would."""

from __future__ import annotations

from typing import Any

from support.emulator_fixtures import IMAGE, ROLE, Emulator, eventually

INFERENCE = {
    "Containers": [{"Image": IMAGE, "ModelDataUrl": "s3://models/fraud/model.tar.gz"}],
    "SupportedContentTypes": ["application/json"],
    "SupportedResponseMIMETypes": ["application/json"],
}


def register(emulator: Emulator, group: str, approval: str = "Approved") -> str:
    """Create the group if needed and a new version in it; returns the version's ARN."""
    sm = emulator.sagemaker
    try:
        sm.describe_model_package_group(ModelPackageGroupName=group)
    except sm.exceptions.ClientError:
        sm.create_model_package_group(ModelPackageGroupName=group)
    arn: str = sm.create_model_package(
        ModelPackageGroupName=group,
        ModelApprovalStatus=approval,
        InferenceSpecification=INFERENCE,
    )["ModelPackageArn"]
    eventually(
        lambda: (
            sm.describe_model_package(ModelPackageName=arn)["ModelPackageStatus"] == "Completed"
        ),
        f"{arn} to be Completed",
    )
    return arn


def model_and_config(
    emulator: Emulator,
    name: str,
    package_arn: str,
    *,
    instance_type: str = "ml.m5.large",
    count: int = 1,
    variant: str = "AllTraffic",
) -> str:
    """A model from the package and a one-variant config named after it; returns the config."""
    sm = emulator.sagemaker
    sm.create_model(
        ModelName=name, ExecutionRoleArn=ROLE, Containers=[{"ModelPackageName": package_arn}]
    )
    sm.create_endpoint_config(
        EndpointConfigName=name,
        ProductionVariants=[
            {
                "VariantName": variant,
                "ModelName": name,
                "InstanceType": instance_type,
                "InitialInstanceCount": count,
            }
        ],
    )
    return name


def status(emulator: Emulator, endpoint: str) -> str:
    value: str = emulator.sagemaker.describe_endpoint(EndpointName=endpoint)["EndpointStatus"]
    return value


def wait_status(emulator: Emulator, endpoint: str, wanted: str, timeout: float = 15) -> None:
    eventually(lambda: status(emulator, endpoint) == wanted, f"{endpoint} {wanted}", timeout)


def serving_endpoint(emulator: Emulator, endpoint: str, group: str = "fraud") -> dict[str, Any]:
    """An InService endpoint on version 1 of `group`; returns DescribeEndpoint."""
    package = register(emulator, group)
    config = model_and_config(emulator, f"{endpoint}-v1", package)
    emulator.sagemaker.create_endpoint(EndpointName=endpoint, EndpointConfigName=config)
    wait_status(emulator, endpoint, "InService")
    described: dict[str, Any] = emulator.sagemaker.describe_endpoint(EndpointName=endpoint)
    return described
