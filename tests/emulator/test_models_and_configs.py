"""Model and endpoint-config fields beyond one image: inference pipelines from model
packages, container settings, multi-model endpoints, direct invocation and the
production-variant settings SageMaker accepts or refuses."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from support.emulator_fixtures import IMAGE, ROLE, Emulator, eventually
from support.emulator_scenario import (
    bucket,
    endpoint_on,
    error_of,
    image_model,
    instance_config,
    instant,
)

pytestmark = pytest.mark.emulator

TRANSFORM_IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-sklearn-automl:2.5-1"
MODEL_IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.3-1"
CANDIDATE = {
    "Containers": [
        {
            "Image": TRANSFORM_IMAGE,
            "ModelDataUrl": "s3://automl/candidate/data-processor-models/model.tar.gz",
            "Environment": {"AUTOML_TRANSFORM_MODE": "feature-transform"},
        },
        {
            "Image": MODEL_IMAGE,
            "ModelDataUrl": "s3://automl/candidate/tuning/model.tar.gz",
            "Environment": {"MAX_CONTENT_LENGTH": "20971520"},
        },
    ],
    "SupportedContentTypes": ["text/csv"],
    "SupportedResponseMIMETypes": ["text/csv"],
}


def invoke(emulator: Emulator, endpoint: str, **extra: Any) -> dict[str, Any]:
    response = emulator.runtime.invoke_endpoint(
        EndpointName=endpoint, Body=b"1,2,3", ContentType="text/csv", **extra
    )
    answer: dict[str, Any] = json.loads(response["Body"].read())
    return answer


def test_an_automl_candidate_package_is_deployed_as_an_inference_pipeline(
    emulator: Emulator,
) -> None:
    """CreateModel API reference ("Containers: Specifies the containers in the inference
    pipeline") and developer guide "Deploy Autopilot models for real-time inference" (a
    candidate's InferenceContainers: feature transform, then model): a model from a
    package with two containers runs both, in order, and says so."""
    instant(emulator)
    sm = emulator.sagemaker
    sm.create_model_package_group(ModelPackageGroupName="automl")
    package = sm.create_model_package(
        ModelPackageGroupName="automl",
        ModelApprovalStatus="Approved",
        InferenceSpecification=CANDIDATE,
    )["ModelPackageArn"]
    sm.create_model(
        ModelName="candidate",
        ExecutionRoleArn=ROLE,
        Containers=[{"ModelPackageName": package, "Environment": {"LOG_LEVEL": "debug"}}],
    )
    described = endpoint_on(emulator, "automl", instance_config(emulator, "automl", "candidate"))
    images = [d["SpecifiedImage"] for d in described["ProductionVariants"][0]["DeployedImages"]]
    assert images == [TRANSFORM_IMAGE, MODEL_IMAGE]
    answer = invoke(emulator, "automl")
    assert [c["image"] for c in answer["containers"]] == [TRANSFORM_IMAGE, MODEL_IMAGE]
    assert [c["containerHostname"] for c in answer["containers"]] == [
        "container_1",
        "container_2",
    ]
    assert {c["modelPackageArn"] for c in answer["containers"]} == {package}
    # The package's environment, with CreateModel's added on top.
    assert answer["containers"][0]["environment"] == {
        "AUTOML_TRANSFORM_MODE": "feature-transform",
        "LOG_LEVEL": "debug",
    }
    assert answer["modelPackageVersion"] == 1


def test_container_environment_vpc_and_network_isolation_are_kept(emulator: Emulator) -> None:
    """CreateModel and DescribeModel API references: Environment, VpcConfig and
    EnableNetworkIsolation are stored and described; the containers that serve carry
    their environment."""
    instant(emulator)
    vpc = {"SecurityGroupIds": ["sg-0123456789abcdef0"], "Subnets": ["subnet-0123456789abcdef0"]}
    image_model(
        emulator,
        "isolated",
        PrimaryContainer={"Image": IMAGE, "Environment": {"THREADS": "4"}},
        VpcConfig=vpc,
        EnableNetworkIsolation=True,
    )
    described = emulator.sagemaker.describe_model(ModelName="isolated")
    assert described["VpcConfig"] == vpc
    assert described["EnableNetworkIsolation"] is True
    assert described["PrimaryContainer"]["Environment"] == {"THREADS": "4"}
    endpoint_on(emulator, "isolated", instance_config(emulator, "isolated", "isolated"))
    [container] = invoke(emulator, "isolated")["containers"]
    assert container["environment"] == {"THREADS": "4"}


def test_environment_maps_are_limited_to_32_kb_together(emulator: Emulator) -> None:
    """ContainerDefinition API reference, Environment: "If you pass multiple containers
    to a CreateModel request, then the maximum length of all of their maps, combined, is
    also 32 KB" (the wording of the refusal is the emulator's)."""
    big = {f"VAR_{i}": "x" * 1000 for i in range(17)}
    with pytest.raises(ClientError) as refused:
        image_model(
            emulator,
            "big",
            PrimaryContainer=None,
            Containers=[
                {"Image": IMAGE, "ContainerHostname": "one", "Environment": big},
                {"Image": IMAGE, "ContainerHostname": "two", "Environment": big},
            ],
        )
    code, message = error_of(refused)
    assert code == "ValidationException"
    assert "32768 bytes" in message


def test_managed_instance_scaling_is_refused_on_model_based_variants(emulator: Emulator) -> None:
    """CreateEndpointConfig, observed (hashicorp/terraform-provider-aws#45926):
    "ManagedInstanceScaling is only supported for inference component endpoints"."""
    image_model(emulator, "m")
    with pytest.raises(ClientError) as refused:
        emulator.sagemaker.create_endpoint_config(
            EndpointConfigName="c",
            ProductionVariants=[
                {
                    "VariantName": "AllTraffic",
                    "ModelName": "m",
                    "InstanceType": "ml.m5.large",
                    "InitialInstanceCount": 1,
                    "ManagedInstanceScaling": {
                        "Status": "ENABLED",
                        "MinInstanceCount": 1,
                        "MaxInstanceCount": 2,
                    },
                }
            ],
        )
    assert error_of(refused) == (
        "ValidationException",
        "ManagedInstanceScaling is only supported for inference component endpoints.",
    )


def test_variant_volume_timeouts_and_kms_key_are_accepted_and_described(
    emulator: Emulator,
) -> None:
    """ProductionVariant API reference: VolumeSizeInGB (1-512),
    ModelDataDownloadTimeoutInSeconds and ContainerStartupHealthCheckTimeoutInSeconds
    (60-3600); CreateEndpointConfig KmsKeyId. Accepted, described back, and validated
    against the service model's ranges."""
    image_model(emulator, "m")
    key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    variant = {
        "VariantName": "AllTraffic",
        "ModelName": "m",
        "InstanceType": "ml.g5.xlarge",
        "InitialInstanceCount": 1,
        "VolumeSizeInGB": 200,
        "ModelDataDownloadTimeoutInSeconds": 1800,
        "ContainerStartupHealthCheckTimeoutInSeconds": 900,
    }
    sm = emulator.sagemaker
    sm.create_endpoint_config(EndpointConfigName="big", ProductionVariants=[variant], KmsKeyId=key)
    described = sm.describe_endpoint_config(EndpointConfigName="big")
    assert described["KmsKeyId"] == key
    [echoed] = described["ProductionVariants"]
    assert echoed["VolumeSizeInGB"] == 200
    assert echoed["ModelDataDownloadTimeoutInSeconds"] == 1800
    assert echoed["ContainerStartupHealthCheckTimeoutInSeconds"] == 900
    with pytest.raises(ClientError) as refused:
        sm.create_endpoint_config(
            EndpointConfigName="bigger", ProductionVariants=[{**variant, "VolumeSizeInGB": 513}]
        )
    assert "less than or equal to 512" in error_of(refused)[1]


def test_target_model_on_a_single_model_endpoint_is_refused(emulator: Emulator) -> None:
    """InvokeEndpoint, observed (aws/amazon-sagemaker-examples#1026): "Endpoint ... is not
    a multi-model endpoint and does not support target model header"."""
    instant(emulator)
    image_model(emulator, "single")
    endpoint_on(emulator, "single", instance_config(emulator, "single", "single"))
    with pytest.raises(ClientError) as refused:
        invoke(emulator, "single", TargetModel="a.tar.gz")
    assert error_of(refused) == (
        "ValidationError",
        "Endpoint single is not a multi-model endpoint and does not support target model header.",
    )


def test_multi_model_endpoint_loads_target_models_from_its_prefix(emulator: Emulator) -> None:
    """Developer guide, "Invoke a multi-model endpoint": TargetModel is a path relative to
    the container's ModelDataUrl prefix. A missing artifact is a ValidationError in the
    words of AWS's model-download failures; a missing header is refused as observed
    (aws/sagemaker-tensorflow-serving-container#166)."""
    instant(emulator)
    bucket(emulator, "tenants")
    emulator.s3.put_object(Bucket="tenants", Key="models/acme.tar.gz", Body=b"model")
    image_model(
        emulator,
        "mme",
        PrimaryContainer={
            "Image": IMAGE,
            "Mode": "MultiModel",
            "ModelDataUrl": "s3://tenants/models/",
            "MultiModelConfig": {"ModelCacheSetting": "Enabled"},
        },
    )
    endpoint_on(emulator, "mme", instance_config(emulator, "mme", "mme"))
    answer = invoke(emulator, "mme", TargetModel="acme.tar.gz")
    assert answer["targetModel"] == "acme.tar.gz"
    assert answer["targetModelDataUrl"] == "s3://tenants/models/acme.tar.gz"
    assert answer["containers"][0]["mode"] == "MultiModel"
    with pytest.raises(ClientError) as missing:
        invoke(emulator, "mme", TargetModel="globex.tar.gz")
    code, message = error_of(missing)
    assert code == "ValidationError"
    assert message.startswith(
        "Failed to download model data (bucket: tenants, key: models/globex.tar.gz)."
    )
    assert missing.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    with pytest.raises(ClientError) as no_header:
        invoke(emulator, "mme")
    assert "is missing a target model header" in error_of(no_header)[1]


def test_an_inference_pipeline_has_at_most_one_multi_model_container(emulator: Emulator) -> None:
    """Developer guide, "Multi-model endpoints": at most one multi-model container per
    inference pipeline."""
    container = {"Image": IMAGE, "Mode": "MultiModel", "ModelDataUrl": "s3://tenants/models/"}
    with pytest.raises(ClientError) as refused:
        image_model(
            emulator,
            "two-mme",
            PrimaryContainer=None,
            Containers=[
                {**container, "ContainerHostname": "one"},
                {**container, "ContainerHostname": "two"},
            ],
        )
    assert "at most one container in MultiModel mode" in error_of(refused)[1]


def test_direct_invocation_runs_only_the_named_container(emulator: Emulator) -> None:
    """InferenceExecutionConfig API reference (Direct: "Only the individual container that
    you specify is run") and InvokeEndpoint's TargetContainerHostname; Serial runs every
    container. The refusals are worded by the emulator."""
    instant(emulator)
    containers = [
        {"Image": TRANSFORM_IMAGE, "ContainerHostname": "sklearn"},
        {"Image": MODEL_IMAGE, "ContainerHostname": "xgboost"},
    ]
    image_model(
        emulator,
        "direct",
        PrimaryContainer=None,
        Containers=containers,
        InferenceExecutionConfig={"Mode": "Direct"},
    )
    endpoint_on(emulator, "direct", instance_config(emulator, "direct", "direct"))
    answer = invoke(emulator, "direct", TargetContainerHostname="xgboost")
    assert [c["containerHostname"] for c in answer["containers"]] == ["xgboost"]
    with pytest.raises(ClientError) as unnamed:
        invoke(emulator, "direct")
    assert "direct invocation" in error_of(unnamed)[1]
    with pytest.raises(ClientError) as unknown:
        invoke(emulator, "direct", TargetContainerHostname="pytorch")
    assert "pytorch" in error_of(unknown)[1]


def test_a_model_deleted_after_deployment_keeps_serving(emulator: Emulator) -> None:
    """DeleteModel API reference ("Deleting a model doesn't delete the model artifacts,
    inference code, or the IAM role"): the endpoint keeps serving what it captured."""
    instant(emulator)
    image_model(emulator, "gone")
    endpoint_on(emulator, "gone", instance_config(emulator, "gone", "gone"))
    emulator.sagemaker.delete_model(ModelName="gone")
    assert eventually(lambda: invoke(emulator, "gone")["modelName"], "an answer") == "gone"
