"""Small building blocks for emulator tests: a registry version, a model from it, a config
and an endpoint, created through boto3 exactly as a user would."""

from __future__ import annotations

from typing import Any

from support.emulator_fixtures import IMAGE, ROLE, Emulator, eventually

MODEL_DATA = "s3://models/fraud/model.tar.gz"
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


def instant(emulator: Emulator) -> None:
    """Endpoint transitions complete at once, for tests about something else."""
    emulator.control.set_durations(creatingSeconds=0, updatingSeconds=0, deletingSeconds=0)


def image_model(emulator: Emulator, name: str, **fields: Any) -> str:
    """A model from an image (no registry), with any extra CreateModel fields;
    `PrimaryContainer=None` leaves the default container out (to pass Containers)."""
    fields.setdefault("PrimaryContainer", {"Image": IMAGE, "ModelDataUrl": MODEL_DATA})
    given = {key: value for key, value in fields.items() if value is not None}
    emulator.sagemaker.create_model(ModelName=name, ExecutionRoleArn=ROLE, **given)
    return name


def instance_config(
    emulator: Emulator,
    name: str,
    model: str,
    *,
    instance_type: str = "ml.m5.large",
    count: int = 1,
    variant: str = "AllTraffic",
    **fields: Any,
) -> str:
    """A one-variant instance-based config for `model`, with extra CreateEndpointConfig
    fields (AsyncInferenceConfig, DataCaptureConfig, KmsKeyId, ...)."""
    emulator.sagemaker.create_endpoint_config(
        EndpointConfigName=name,
        ProductionVariants=[
            {
                "VariantName": variant,
                "ModelName": model,
                "InstanceType": instance_type,
                "InitialInstanceCount": count,
            }
        ],
        **fields,
    )
    return name


def serverless_config(
    emulator: Emulator,
    name: str,
    model: str,
    *,
    memory: int = 2048,
    max_concurrency: int = 5,
    provisioned: int | None = None,
    variant: str = "AllTraffic",
) -> str:
    serverless: dict[str, int] = {"MemorySizeInMB": memory, "MaxConcurrency": max_concurrency}
    if provisioned is not None:
        serverless["ProvisionedConcurrency"] = provisioned
    emulator.sagemaker.create_endpoint_config(
        EndpointConfigName=name,
        ProductionVariants=[
            {"VariantName": variant, "ModelName": model, "ServerlessConfig": serverless}
        ],
    )
    return name


def endpoint_on(emulator: Emulator, endpoint: str, config: str) -> dict[str, Any]:
    """Create the endpoint on `config` and wait until it is InService."""
    emulator.sagemaker.create_endpoint(EndpointName=endpoint, EndpointConfigName=config)
    wait_status(emulator, endpoint, "InService")
    described: dict[str, Any] = emulator.sagemaker.describe_endpoint(EndpointName=endpoint)
    return described


def bucket(emulator: Emulator, name: str) -> str:
    emulator.s3.create_bucket(Bucket=name)
    return name


def s3_keys(emulator: Emulator, bucket_name: str, prefix: str = "") -> list[str]:
    listed = emulator.s3.list_objects_v2(Bucket=bucket_name, Prefix=prefix)
    return sorted(item["Key"] for item in listed.get("Contents", []))


def wait_keys(
    emulator: Emulator, bucket_name: str, prefix: str = "", count: int = 1, timeout: float = 15
) -> list[str]:
    """The keys under `prefix` once there are at least `count` of them."""
    return eventually(
        lambda: keys if len(keys := s3_keys(emulator, bucket_name, prefix)) >= count else None,
        f"{count} object(s) under s3://{bucket_name}/{prefix}",
        timeout,
    )


def s3_text(emulator: Emulator, uri: str) -> str:
    bucket_name, _, key = uri.removeprefix("s3://").partition("/")
    body: bytes = emulator.s3.get_object(Bucket=bucket_name, Key=key)["Body"].read()
    return body.decode()


def error_of(caught: Any) -> tuple[str, str]:
    """(code, message) of a pytest.raises(ClientError) result."""
    error = caught.value.response["Error"]
    return error["Code"], error["Message"]


def component_endpoint(
    emulator: Emulator,
    name: str,
    *,
    instance_type: str = "ml.m5.xlarge",
    count: int = 1,
    managed_scaling: dict[str, Any] | None = None,
    variant: str = "AllTraffic",
) -> dict[str, Any]:
    """An InService endpoint whose variant names no model and hosts inference components
    (its config carries the ExecutionRoleArn such configs need)."""
    production_variant: dict[str, Any] = {
        "VariantName": variant,
        "InstanceType": instance_type,
        "InitialInstanceCount": count,
    }
    if managed_scaling is not None:
        production_variant["ManagedInstanceScaling"] = managed_scaling
    emulator.sagemaker.create_endpoint_config(
        EndpointConfigName=name, ExecutionRoleArn=ROLE, ProductionVariants=[production_variant]
    )
    return endpoint_on(emulator, name, name)


def create_component(
    emulator: Emulator,
    name: str,
    endpoint: str,
    *,
    model: str | None = None,
    copies: int = 1,
    memory_mb: int = 1024,
    cpus: float = 1.0,
    variant: str = "AllTraffic",
    **fields: Any,
) -> str:
    """CreateInferenceComponent for `model` (or a container when `model` is None) with
    `copies` copies each needing `cpus` cores and `memory_mb` MB."""
    specification: dict[str, Any] = {
        "ComputeResourceRequirements": {
            "NumberOfCpuCoresRequired": cpus,
            "MinMemoryRequiredInMb": memory_mb,
        }
    }
    if model is not None:
        specification["ModelName"] = model
    else:
        specification["Container"] = {"Image": IMAGE, "ArtifactUrl": MODEL_DATA}
    arn: str = emulator.sagemaker.create_inference_component(
        InferenceComponentName=name,
        EndpointName=endpoint,
        VariantName=variant,
        Specification=specification,
        RuntimeConfig={"CopyCount": copies},
        **fields,
    )["InferenceComponentArn"]
    return arn


def component_status(emulator: Emulator, name: str) -> str:
    value: str = emulator.sagemaker.describe_inference_component(InferenceComponentName=name)[
        "InferenceComponentStatus"
    ]
    return value


def wait_component(emulator: Emulator, name: str, wanted: str, timeout: float = 15) -> None:
    eventually(lambda: component_status(emulator, name) == wanted, f"{name} {wanted}", timeout)
