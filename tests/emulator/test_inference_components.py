"""Inference components: endpoints whose variants host components instead of a model, the
component lifecycle, invocation, copies and capacity, tags and listing."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from botocore.exceptions import ClientError

from support.emulator_fixtures import IMAGE, ROLE, TRANSITION_SECONDS, Emulator, eventually
from support.emulator_scenario import (
    component_endpoint,
    component_status,
    create_component,
    error_of,
    image_model,
    instance_config,
    instant,
    register,
    wait_component,
    wait_status,
)

pytestmark = pytest.mark.emulator

NO_CAPACITY = (
    "Inference Component has no capacity to process this request. ApplicationAutoScaling "
    "may be in-progress (if configured) or try to increase the capacity by invoking "
    "UpdateInferenceComponentRuntimeConfig API."
)


def invoke(emulator: Emulator, endpoint: str, component: str | None) -> dict[str, Any]:
    extra = {"InferenceComponentName": component} if component is not None else {}
    response = emulator.runtime.invoke_endpoint(
        EndpointName=endpoint, Body=b"{}", ContentType="application/json", **extra
    )
    answer: dict[str, Any] = json.loads(response["Body"].read())
    answer["invokedVariant"] = response["InvokedProductionVariant"]
    return answer


def describe(emulator: Emulator, name: str) -> dict[str, Any]:
    described: dict[str, Any] = emulator.sagemaker.describe_inference_component(
        InferenceComponentName=name
    )
    return described


def copies(emulator: Emulator, name: str) -> tuple[int, int]:
    runtime = describe(emulator, name)["RuntimeConfig"]
    return runtime["DesiredCopyCount"], runtime["CurrentCopyCount"]


def instances(emulator: Emulator, endpoint: str) -> int:
    [variant] = emulator.sagemaker.describe_endpoint(EndpointName=endpoint)["ProductionVariants"]
    count: int = variant["CurrentInstanceCount"]
    return count


# ---------------------------------------------------------------------- endpoints


def test_a_variant_without_a_model_hosts_inference_components(emulator: Emulator) -> None:
    """CreateEndpointConfig API reference: ProductionVariant.ModelName is optional and
    ManagedInstanceScaling ("the range in the number of instances that the endpoint
    provisions") applies to inference-component endpoints; developer guide "Deploy
    models with inference components". DescribeEndpoint shows the variant's scaling and
    no deployed images (no model runs on it until components do)."""
    instant(emulator)
    scaling = {"Status": "ENABLED", "MinInstanceCount": 0, "MaxInstanceCount": 3}
    component_endpoint(emulator, "shared", managed_scaling=scaling)
    config = emulator.sagemaker.describe_endpoint_config(EndpointConfigName="shared")
    assert config["ExecutionRoleArn"] == ROLE
    [echoed] = config["ProductionVariants"]
    assert "ModelName" not in echoed
    assert echoed["ManagedInstanceScaling"] == scaling
    [variant] = emulator.sagemaker.describe_endpoint(EndpointName="shared")["ProductionVariants"]
    assert variant["ManagedInstanceScaling"] == scaling
    assert variant["DeployedImages"] == []
    assert variant["CurrentInstanceCount"] == 1


@pytest.mark.parametrize(
    ("variants", "role", "expected"),
    [
        (
            [
                {
                    "VariantName": "AllTraffic",
                    "InstanceType": "ml.m5.xlarge",
                    "InitialInstanceCount": 1,
                }
            ],
            False,
            "ExecutionRoleArn is required",
        ),
        (
            [
                {"VariantName": "a", "InstanceType": "ml.m5.xlarge", "InitialInstanceCount": 1},
                {
                    "VariantName": "b",
                    "ModelName": "m",
                    "InstanceType": "ml.m5.xlarge",
                    "InitialInstanceCount": 1,
                },
            ],
            True,
            "hosts either models on its variants or inference components",
        ),
        (
            [
                {
                    "VariantName": "AllTraffic",
                    "InstanceType": "ml.m5.xlarge",
                    "InitialInstanceCount": 1,
                    "ManagedInstanceScaling": {"MinInstanceCount": 3, "MaxInstanceCount": 2},
                }
            ],
            True,
            "MinInstanceCount (3) cannot be greater than MaxInstanceCount (2)",
        ),
    ],
)
def test_inference_component_endpoint_configs_are_checked(
    emulator: Emulator, variants: list[dict[str, Any]], role: bool, expected: str
) -> None:
    """A config whose variants name no model needs ExecutionRoleArn (observed,
    hashicorp/terraform-provider-aws#44977); an endpoint hosts either models or
    components (developer guide, "Deploy models with inference components"); and
    ProductionVariantManagedInstanceScaling's range must be a range. The words are the
    emulator's."""
    image_model(emulator, "m")
    extra = {"ExecutionRoleArn": ROLE} if role else {}
    with pytest.raises(ClientError) as refused:
        emulator.sagemaker.create_endpoint_config(
            EndpointConfigName="bad", ProductionVariants=variants, **extra
        )
    code, message = error_of(refused)
    assert code == "ValidationException"
    assert expected in message


# ---------------------------------------------------------------------- lifecycle


def test_a_component_is_created_over_time_and_described(emulator: Emulator) -> None:
    """CreateInferenceComponent and DescribeInferenceComponent API references: the
    component is Creating, then InService with its copies; Describe returns the
    Specification as given, RuntimeConfig with DesiredCopyCount and CurrentCopyCount,
    and its endpoint and variant."""
    instant(emulator)
    image_model(emulator, "fraud")
    component_endpoint(emulator, "shared")
    emulator.control.set_durations(creatingSeconds=TRANSITION_SECONDS)
    started = time.monotonic()
    arn = emulator.sagemaker.create_inference_component(
        InferenceComponentName="fraud-ic",
        EndpointName="shared",
        VariantName="AllTraffic",
        Specification={
            "ModelName": "fraud",
            "StartupParameters": {"ModelDataDownloadTimeoutInSeconds": 600},
            "ComputeResourceRequirements": {
                "NumberOfCpuCoresRequired": 1,
                "MinMemoryRequiredInMb": 1024,
                "MaxMemoryRequiredInMb": 2048,
            },
        },
        RuntimeConfig={"CopyCount": 2},
    )["InferenceComponentArn"]
    assert arn == "arn:aws:sagemaker:us-east-1:123456789012:inference-component/fraud-ic"
    creating = describe(emulator, "fraud-ic")
    assert creating["InferenceComponentStatus"] == "Creating"
    assert creating["RuntimeConfig"] == {"DesiredCopyCount": 2, "CurrentCopyCount": 0}
    wait_component(emulator, "fraud-ic", "InService")
    assert time.monotonic() - started >= TRANSITION_SECONDS * 0.9
    described = describe(emulator, "fraud-ic")
    assert described["RuntimeConfig"] == {"DesiredCopyCount": 2, "CurrentCopyCount": 2}
    assert described["Specification"]["ModelName"] == "fraud"
    assert described["Specification"]["StartupParameters"] == {
        "ModelDataDownloadTimeoutInSeconds": 600
    }
    assert (
        described["Specification"]["ComputeResourceRequirements"]["MaxMemoryRequiredInMb"] == 2048
    )
    assert (described["EndpointName"], described["VariantName"]) == ("shared", "AllTraffic")
    assert described["EndpointArn"].endswith(":endpoint/shared")
    assert described["LastModifiedTime"] >= described["CreationTime"]
    assert "FailureReason" not in described


def test_a_component_from_a_container_describes_its_deployed_image(emulator: Emulator) -> None:
    """InferenceComponentSpecification API reference (Container: Image, ArtifactUrl,
    Environment) and DescribeInferenceComponent's InferenceComponentContainerSpecification
    Summary (DeployedImage with SpecifiedImage and ResolvedImage)."""
    instant(emulator)
    component_endpoint(emulator, "shared")
    emulator.sagemaker.create_inference_component(
        InferenceComponentName="from-image",
        EndpointName="shared",
        VariantName="AllTraffic",
        Specification={
            "Container": {
                "Image": IMAGE,
                "ArtifactUrl": "s3://models/fraud/model.tar.gz",
                "Environment": {"LOG_LEVEL": "debug"},
            },
            "ComputeResourceRequirements": {"MinMemoryRequiredInMb": 512},
        },
        RuntimeConfig={"CopyCount": 1},
    )
    wait_component(emulator, "from-image", "InService")
    container = describe(emulator, "from-image")["Specification"]["Container"]
    assert container["DeployedImage"]["SpecifiedImage"] == IMAGE
    assert container["DeployedImage"]["ResolvedImage"] == IMAGE
    assert container["ArtifactUrl"] == "s3://models/fraud/model.tar.gz"
    assert container["Environment"] == {"LOG_LEVEL": "debug"}
    answer = invoke(emulator, "shared", "from-image")
    assert (answer["modelName"], answer["image"]) == (None, IMAGE)
    assert answer["modelDataUrl"] == "s3://models/fraud/model.tar.gz"


def test_invoking_a_component_answers_with_its_model_and_package_version(
    emulator: Emulator,
) -> None:
    """InvokeEndpoint API reference, InferenceComponentName: "If the endpoint hosts one or
    more inference components, this parameter specifies the name of inference component
    to invoke." Two components on one endpoint, each from its own registry version: each
    answers with its own model, package version and copies."""
    instant(emulator)
    fraud = register(emulator, "fraud")
    churn = register(emulator, "churn")
    emulator.sagemaker.create_model(
        ModelName="fraud-v1", ExecutionRoleArn=ROLE, Containers=[{"ModelPackageName": fraud}]
    )
    emulator.sagemaker.create_model(
        ModelName="churn-v1", ExecutionRoleArn=ROLE, Containers=[{"ModelPackageName": churn}]
    )
    component_endpoint(emulator, "shared")
    create_component(emulator, "fraud", "shared", model="fraud-v1", copies=2)
    create_component(emulator, "churn", "shared", model="churn-v1")
    wait_component(emulator, "churn", "InService")
    answer = invoke(emulator, "shared", "fraud")
    assert answer["inferenceComponentName"] == "fraud"
    assert answer["inferenceComponentArn"].endswith(":inference-component/fraud")
    assert (answer["modelName"], answer["modelPackageGroupName"]) == ("fraud-v1", "fraud")
    assert answer["modelPackageVersion"] == 1
    assert answer["modelPackageArn"] == fraud
    assert answer["invokedVariant"] == "AllTraffic"
    assert answer["compute"]["kind"] == "inference-component"
    assert answer["compute"]["copyCount"] == 2
    assert {invoke(emulator, "shared", "fraud")["compute"]["copy"] for _ in range(4)} == {1, 2}
    other = invoke(emulator, "shared", "churn")
    assert (other["modelName"], other["modelPackageGroupName"]) == ("churn-v1", "churn")


def test_the_component_header_is_required_on_component_endpoints_only(
    emulator: Emulator,
) -> None:
    """InvokeEndpoint on an inference-component endpoint without InferenceComponentName,
    and with one on a model endpoint, are refused with SageMaker's observed words
    (aws-samples/amazon-kendra-langchain-extensions#64, langchain-ai/langchain#14344;
    the second quoted in BerriAI/litellm's SageMaker tests). A component the endpoint
    does not host is refused in the emulator's words."""
    instant(emulator)
    image_model(emulator, "m")
    component_endpoint(emulator, "shared")
    create_component(emulator, "ic", "shared", model="m")
    wait_component(emulator, "ic", "InService")
    with pytest.raises(ClientError) as missing:
        invoke(emulator, "shared", None)
    assert error_of(missing) == (
        "ValidationError",
        "Inference Component Name header is required for endpoints to which you plan to "
        "deploy inference components. Please include Inference Component Name header or "
        "consider using SageMaker models.",
    )
    with pytest.raises(ClientError) as unknown:
        invoke(emulator, "shared", "other")
    assert error_of(unknown)[1] == "Inference component other is not hosted by endpoint shared."
    instance_config(emulator, "single", "m")
    emulator.sagemaker.create_endpoint(EndpointName="single", EndpointConfigName="single")
    wait_status(emulator, "single", "InService")
    with pytest.raises(ClientError) as stray:
        invoke(emulator, "single", "ic")
    assert error_of(stray) == (
        "ValidationError",
        "Inference Component Name header is not allowed for endpoints to which you dont plan "
        "to deploy inference components. Please remove the Inference Component Name header "
        "and try again.",
    )


def test_a_model_endpoint_does_not_host_components(emulator: Emulator) -> None:
    """CreateInferenceComponent on an endpoint whose variant names a model is refused with
    SageMaker's observed words (pulumi/pulumi-aws#4940,
    hashicorp/terraform-provider-aws#40644)."""
    instant(emulator)
    image_model(emulator, "m")
    instance_config(emulator, "single", "m")
    emulator.sagemaker.create_endpoint(EndpointName="single", EndpointConfigName="single")
    wait_status(emulator, "single", "InService")
    with pytest.raises(ClientError) as refused:
        create_component(emulator, "ic", "single", model="m")
    assert error_of(refused) == (
        "ValidationException",
        "Inference Components are not supported in this Endpoint. Please make sure this "
        "endpoint can deploy inference components.",
    )


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"RuntimeConfig": {"CopyCount": 0}}, "copy count an integer larger than 0"),
        ({"VariantName": None}, "VariantName is required"),
        ({"VariantName": "Other"}, "The variant name Other is not present"),
        ({"model": "missing"}, 'Could not find model "arn:aws:sagemaker:'),
        ({"both": True}, "specify either ModelName or Container"),
        ({"memory_mb": 65536}, "more than one ml.m5.xlarge instance of variant AllTraffic"),
        ({"EndpointName": "nowhere"}, 'Could not find endpoint "arn:aws:sagemaker:'),
    ],
)
def test_create_inference_component_refusals(
    emulator: Emulator, change: dict[str, Any], expected: str
) -> None:
    """CreateInferenceComponent: a component starts with at least one copy (observed,
    stdapi-ai/stdapi.ai#43: "Inference components copy count an integer larger than 0");
    VariantName is required for a component that is not an adapter (observed,
    hashicorp/terraform-provider-aws, inference_component.go); the model and endpoint
    must exist (the "Could not find ..." messages of reference §1); a Specification names
    a model or a container; a copy must fit on one instance. The other words are the
    emulator's."""
    instant(emulator)
    image_model(emulator, "m")
    component_endpoint(emulator, "shared")
    specification: dict[str, Any] = {
        "ModelName": change.get("model", "m"),
        "ComputeResourceRequirements": {
            "NumberOfCpuCoresRequired": 1,
            "MinMemoryRequiredInMb": change.get("memory_mb", 1024),
        },
    }
    if change.get("both"):
        specification["Container"] = {"Image": IMAGE}
    request: dict[str, Any] = {
        "InferenceComponentName": "ic",
        "EndpointName": change.get("EndpointName", "shared"),
        "VariantName": "AllTraffic",
        "Specification": specification,
        "RuntimeConfig": change.get("RuntimeConfig", {"CopyCount": 1}),
    }
    if "VariantName" in change:
        request["VariantName"] = change["VariantName"]
    given = {key: value for key, value in request.items() if value is not None}
    with pytest.raises(ClientError) as refused:
        emulator.sagemaker.create_inference_component(**given)
    code, message = error_of(refused)
    assert code == "ValidationException"
    assert expected in message


def test_names_are_unique_and_missing_components_are_not_found(emulator: Emulator) -> None:
    """Terraform's provider reads ValidationException "Could not find inference
    component" as not found (hashicorp/terraform-provider-aws, inference_component.go);
    the rest follows the endpoint's observed messages (reference §1)."""
    instant(emulator)
    image_model(emulator, "m")
    component_endpoint(emulator, "shared")
    create_component(emulator, "ic", "shared", model="m")
    with pytest.raises(ClientError) as duplicate:
        create_component(emulator, "IC", "shared", model="m")
    assert error_of(duplicate)[1] == (
        "Cannot create already existing inference component "
        '"arn:aws:sagemaker:us-east-1:123456789012:inference-component/ic".'
    )
    with pytest.raises(ClientError) as missing:
        describe(emulator, "absent")
    assert error_of(missing) == (
        "ValidationException",
        "Could not find inference component "
        '"arn:aws:sagemaker:us-east-1:123456789012:inference-component/absent".',
    )


def test_a_component_is_deleted_over_time_and_its_endpoint_only_after(
    emulator: Emulator,
) -> None:
    """DeleteInferenceComponent API reference: Deleting, then gone (Describe answers "Could
    not find inference component"). An endpoint that still hosts components cannot be
    deleted (the console says so, aws/amazon-sagemaker-feedback#143; the API's words
    are the emulator's); once they are gone it can. Deleting twice names
    DELETE_IN_PROGRESS (hashicorp/terraform-provider-aws, inference_component.go)."""
    instant(emulator)
    image_model(emulator, "m")
    component_endpoint(emulator, "shared")
    create_component(emulator, "ic", "shared", model="m")
    wait_component(emulator, "ic", "InService")
    with pytest.raises(ClientError) as hosting:
        emulator.sagemaker.delete_endpoint(EndpointName="shared")
    assert "it hosts inference components (ic)" in error_of(hosting)[1]
    emulator.control.set_durations(deletingSeconds=TRANSITION_SECONDS)
    emulator.sagemaker.delete_inference_component(InferenceComponentName="ic")
    assert component_status(emulator, "ic") == "Deleting"
    with pytest.raises(ClientError) as again:
        emulator.sagemaker.delete_inference_component(InferenceComponentName="ic")
    assert "DELETE_IN_PROGRESS" in error_of(again)[1]

    def gone() -> bool:
        try:
            describe(emulator, "ic")
        except ClientError as error:
            return "Could not find inference component" in error.response["Error"]["Message"]
        return False

    eventually(gone, "the component to be deleted")
    emulator.sagemaker.delete_endpoint(EndpointName="shared")


def test_list_inference_components_filters_sorts_and_pages(emulator: Emulator) -> None:
    """ListInferenceComponents API reference: EndpointNameEquals, VariantNameEquals,
    StatusEquals, NameContains, SortBy (Name, CreationTime, Status; default CreationTime)
    and SortOrder (default Descending), MaxResults and NextToken; boto3's paginator reads
    every page."""
    instant(emulator)
    image_model(emulator, "m")
    component_endpoint(emulator, "one")
    component_endpoint(emulator, "two")
    for name in ("fraud-a", "fraud-b", "churn"):
        create_component(emulator, name, "one", model="m")
    create_component(emulator, "fraud-c", "two", model="m")
    wait_component(emulator, "fraud-c", "InService")
    sm = emulator.sagemaker
    listed = sm.list_inference_components()["InferenceComponents"]
    assert [c["InferenceComponentName"] for c in listed] == [
        "fraud-c",
        "churn",
        "fraud-b",
        "fraud-a",
    ]
    on_one = sm.list_inference_components(
        EndpointNameEquals="one", SortBy="Name", SortOrder="Ascending"
    )
    assert [c["InferenceComponentName"] for c in on_one["InferenceComponents"]] == [
        "churn",
        "fraud-a",
        "fraud-b",
    ]
    fraud = sm.list_inference_components(NameContains="fraud", VariantNameEquals="AllTraffic")
    assert len(fraud["InferenceComponents"]) == 3
    assert sm.list_inference_components(StatusEquals="Creating")["InferenceComponents"] == []
    first = sm.list_inference_components(MaxResults=2)
    assert len(first["InferenceComponents"]) == 2
    rest = sm.list_inference_components(MaxResults=2, NextToken=first["NextToken"])
    assert len(rest["InferenceComponents"]) == 2
    assert "NextToken" not in rest
    pages = sm.get_paginator("list_inference_components").paginate(PaginationConfig={"PageSize": 1})
    assert sum(len(p["InferenceComponents"]) for p in pages) == 4
    summary = listed[0]
    assert summary["EndpointName"] == "two"
    assert summary["InferenceComponentStatus"] == "InService"


def test_components_carry_tags_for_ownership(emulator: Emulator) -> None:
    """CreateInferenceComponent Tags, AddTags, ListTags and DeleteTags API references on
    the component's ARN: an operator scopes what it owns by tag."""
    instant(emulator)
    image_model(emulator, "m")
    component_endpoint(emulator, "shared")
    arn = create_component(
        emulator, "ic", "shared", model="m", Tags=[{"Key": "owner", "Value": "ml-prod/fraud"}]
    )
    sm = emulator.sagemaker
    sm.add_tags(ResourceArn=arn, Tags=[{"Key": "team", "Value": "fraud"}])
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [
        {"Key": "owner", "Value": "ml-prod/fraud"},
        {"Key": "team", "Value": "fraud"},
    ]
    sm.delete_tags(ResourceArn=arn, TagKeys=["team"])
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "owner", "Value": "ml-prod/fraud"}]


# ---------------------------------------------------------------------- copies and capacity


def test_copy_counts_change_over_time_and_zero_copies_refuse_invocations(
    emulator: Emulator,
) -> None:
    """UpdateInferenceComponentRuntimeConfig API reference (DesiredRuntimeConfig.CopyCount,
    minimum 0): Updating with the new desired count, then InService with it. With no
    copies the component cannot answer: SageMaker's observed words (AWS Machine Learning
    Blog, "Unlock cost savings with the new scale down to zero feature in SageMaker
    Inference"), and the failure is counted in the NoCapacityInvocationFailures metric
    (developer guide, "Scale an endpoint to zero instances")."""
    instant(emulator)
    image_model(emulator, "m")
    component_endpoint(emulator, "shared")
    create_component(emulator, "ic", "shared", model="m")
    wait_component(emulator, "ic", "InService")
    emulator.control.set_durations(updatingSeconds=TRANSITION_SECONDS)
    emulator.sagemaker.update_inference_component_runtime_config(
        InferenceComponentName="ic", DesiredRuntimeConfig={"CopyCount": 3}
    )
    assert component_status(emulator, "ic") == "Updating"
    assert copies(emulator, "ic") == (3, 1)
    wait_component(emulator, "ic", "InService")
    assert copies(emulator, "ic") == (3, 3)
    emulator.sagemaker.update_inference_component_runtime_config(
        InferenceComponentName="ic", DesiredRuntimeConfig={"CopyCount": 0}
    )
    wait_component(emulator, "ic", "InService")
    assert copies(emulator, "ic") == (0, 0)
    with pytest.raises(ClientError) as refused:
        invoke(emulator, "shared", "ic")
    assert error_of(refused) == ("ValidationError", NO_CAPACITY)
    statistics = emulator.cloudwatch.get_metric_statistics(
        Namespace="AWS/SageMaker",
        MetricName="NoCapacityInvocationFailures",
        Dimensions=[{"Name": "InferenceComponentName", "Value": "ic"}],
        StartTime=time.time() - 300,
        EndTime=time.time() + 300,
        Period=60,
        Statistics=["Sum"],
    )
    assert sum(point["Sum"] for point in statistics["Datapoints"]) == 1.0


def test_copies_that_do_not_fit_wait_until_there_is_room(emulator: Emulator) -> None:
    """InferenceComponentComputeResourceRequirements API reference: each copy is given
    its CPU cores and memory on an instance. An ml.m5.xlarge (4 vCPUs, 16 GiB) holds two
    copies needing 8 GiB; a third stays pending and its component Creating (AWS documents
    no outcome; the emulator's choice) until a copy is removed."""
    instant(emulator)
    image_model(emulator, "m")
    component_endpoint(emulator, "shared")
    create_component(emulator, "big", "shared", model="m", copies=2, memory_mb=8192)
    wait_component(emulator, "big", "InService")
    create_component(emulator, "late", "shared", model="m", memory_mb=8192)
    assert component_status(emulator, "late") == "Creating"
    assert copies(emulator, "late") == (1, 0)
    with pytest.raises(ClientError) as refused:
        invoke(emulator, "shared", "late")
    assert error_of(refused)[1] == NO_CAPACITY
    emulator.sagemaker.update_inference_component_runtime_config(
        InferenceComponentName="big", DesiredRuntimeConfig={"CopyCount": 1}
    )
    wait_component(emulator, "late", "InService")
    assert copies(emulator, "late") == (1, 1)
    assert invoke(emulator, "shared", "late")["inferenceComponentName"] == "late"


def test_managed_instance_scaling_sizes_the_fleet_for_the_copies(emulator: Emulator) -> None:
    """ProductionVariantManagedInstanceScaling API reference ("the range in the number of
    instances that the endpoint provisions as it scales up or down") and developer guide
    "Scale an endpoint to zero instances" (MinInstanceCount 0): the fleet grows to fit
    the copies, up to MaxInstanceCount (a copy beyond it waits, and a component whose
    copies only wait can be deleted), and shrinks to zero when no copy is left."""
    instant(emulator)
    image_model(emulator, "m")
    scaling = {"Status": "ENABLED", "MinInstanceCount": 0, "MaxInstanceCount": 2}
    component_endpoint(emulator, "shared", managed_scaling=scaling)
    create_component(emulator, "ic", "shared", model="m", copies=2, memory_mb=12288)
    wait_component(emulator, "ic", "InService")
    assert instances(emulator, "shared") == 2
    emulator.sagemaker.update_inference_component_runtime_config(
        InferenceComponentName="ic", DesiredRuntimeConfig={"CopyCount": 3}
    )
    assert copies(emulator, "ic") == (3, 2)
    assert component_status(emulator, "ic") == "Updating"
    assert instances(emulator, "shared") == 2
    emulator.sagemaker.delete_inference_component(InferenceComponentName="ic")
    create_component(emulator, "small", "shared", model="m", copies=1, memory_mb=1024)
    wait_component(emulator, "small", "InService")
    assert instances(emulator, "shared") == 1
    emulator.sagemaker.update_inference_component_runtime_config(
        InferenceComponentName="small", DesiredRuntimeConfig={"CopyCount": 0}
    )
    wait_component(emulator, "small", "InService")
    assert instances(emulator, "shared") == 0


def test_an_endpoint_update_keeps_its_components_running(emulator: Emulator) -> None:
    """UpdateEndpoint API reference: a new config deploys a new fleet. An endpoint's
    components move to the new fleet (here a larger instance type) and keep answering;
    a config that would host models instead, or drop the variant that hosts them, is
    refused (undocumented; the emulator's choice and words)."""
    instant(emulator)
    image_model(emulator, "m")
    component_endpoint(emulator, "shared")
    create_component(emulator, "ic", "shared", model="m")
    wait_component(emulator, "ic", "InService")
    sm = emulator.sagemaker
    sm.create_endpoint_config(
        EndpointConfigName="bigger",
        ExecutionRoleArn=ROLE,
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "InstanceType": "ml.m5.4xlarge",
                "InitialInstanceCount": 1,
            }
        ],
    )
    sm.update_endpoint(EndpointName="shared", EndpointConfigName="bigger")
    wait_status(emulator, "shared", "InService")
    assert invoke(emulator, "shared", "ic")["compute"]["instanceType"] == "ml.m5.4xlarge"
    instance_config(emulator, "models", "m")
    with pytest.raises(ClientError) as to_models:
        sm.update_endpoint(EndpointName="shared", EndpointConfigName="models")
    assert "cannot change what the endpoint hosts" in error_of(to_models)[1]
    sm.create_endpoint_config(
        EndpointConfigName="renamed",
        ExecutionRoleArn=ROLE,
        ProductionVariants=[
            {"VariantName": "Other", "InstanceType": "ml.m5.xlarge", "InitialInstanceCount": 1}
        ],
    )
    with pytest.raises(ClientError) as dropped:
        sm.update_endpoint(EndpointName="shared", EndpointConfigName="renamed")
    assert "hosts inference component ic" in error_of(dropped)[1]


@pytest.mark.parametrize(
    ("request_fields", "expected"),
    [
        (
            {"Specifications": [{"ModelName": "m", "InstanceType": "ml.m5.xlarge"}]},
            "Specifications (one per instance type) is for variants with InstancePools",
        ),
        (
            {
                "Specification": {
                    "BaseInferenceComponentName": "base",
                    "Container": {"Image": IMAGE},
                }
            },
            "Adapter inference components (BaseInferenceComponentName) are not modelled",
        ),
        (
            {"Specification": {"ModelName": "m"}},
            "ComputeResourceRequirements is required",
        ),
        (
            {
                "Specification": {
                    "ModelName": "mme",
                    "ComputeResourceRequirements": {"MinMemoryRequiredInMb": 512},
                }
            },
            "runs a container in MultiModel mode",
        ),
    ],
)
def test_what_the_emulator_does_not_model_is_refused_as_such(
    emulator: Emulator, request_fields: dict[str, Any], expected: str
) -> None:
    """InferenceComponentSpecification API reference: per-instance-type Specifications
    (for instance pools) and adapter components (BaseInferenceComponentName) are refused
    as not modelled rather than half-served; a non-adapter component states its
    ComputeResourceRequirements ("Omit this parameter if your request is meant to create
    an adapter inference component") and hosts one model, not a multi-model container."""
    instant(emulator)
    image_model(emulator, "m")
    image_model(
        emulator,
        "mme",
        PrimaryContainer={"Image": IMAGE, "Mode": "MultiModel", "ModelDataUrl": "s3://t/m/"},
    )
    component_endpoint(emulator, "shared")
    with pytest.raises(ClientError) as refused:
        emulator.sagemaker.create_inference_component(
            InferenceComponentName="ic",
            EndpointName="shared",
            VariantName="AllTraffic",
            RuntimeConfig={"CopyCount": 1},
            **request_fields,
        )
    assert expected in error_of(refused)[1]
