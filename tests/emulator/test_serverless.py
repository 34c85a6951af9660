"""Serverless variants: lifecycle, what DescribeEndpoint shows, invocation, concurrency
changes and the features serverless endpoints exclude."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from botocore.exceptions import ClientError

from support.emulator_fixtures import TRANSITION_SECONDS, Emulator
from support.emulator_scenario import (
    endpoint_on,
    error_of,
    image_model,
    instant,
    serverless_config,
    status,
    wait_status,
)

pytestmark = pytest.mark.emulator


def invoke(emulator: Emulator, endpoint: str) -> dict[str, Any]:
    response = emulator.runtime.invoke_endpoint(
        EndpointName=endpoint, Body=b"{}", ContentType="application/json"
    )
    answer: dict[str, Any] = json.loads(response["Body"].read())
    return answer


def test_serverless_endpoint_is_created_over_time_and_shows_its_concurrency(
    emulator: Emulator,
) -> None:
    """CreateEndpoint API reference (Creating -> InService) and DescribeEndpoint's
    ProductionVariantSummary: a serverless variant reports DesiredServerlessConfig, and
    CurrentServerlessConfig once SageMaker has provisioned it; no instance counts."""
    image_model(emulator, "m")
    serverless_config(emulator, "sls", "m", memory=3072, max_concurrency=20, provisioned=4)
    started = time.monotonic()
    emulator.sagemaker.create_endpoint(EndpointName="sls", EndpointConfigName="sls")
    creating = emulator.sagemaker.describe_endpoint(EndpointName="sls")
    assert creating["EndpointStatus"] == "Creating"
    [pending] = creating["PendingDeploymentSummary"]["ProductionVariants"]
    wanted = {"MemorySizeInMB": 3072, "MaxConcurrency": 20, "ProvisionedConcurrency": 4}
    assert pending["DesiredServerlessConfig"] == wanted
    assert "CurrentServerlessConfig" not in pending
    wait_status(emulator, "sls", "InService")
    assert time.monotonic() - started >= TRANSITION_SECONDS * 0.9
    [variant] = emulator.sagemaker.describe_endpoint(EndpointName="sls")["ProductionVariants"]
    assert variant["CurrentServerlessConfig"] == wanted
    assert variant["DesiredServerlessConfig"] == wanted
    assert "CurrentInstanceCount" not in variant
    assert "DesiredInstanceCount" not in variant


def test_invocation_says_it_was_served_serverless(emulator: Emulator) -> None:
    """InvokeEndpoint on a serverless endpoint (developer guide, "Invoke a serverless
    endpoint"): the emulator's answer names the serverless compute that served it."""
    instant(emulator)
    image_model(emulator, "m")
    endpoint_on(emulator, "sls", serverless_config(emulator, "sls", "m", memory=2048))
    compute = invoke(emulator, "sls")["compute"]
    assert compute == {"kind": "serverless", "memorySizeInMB": 2048, "maxConcurrency": 5}


@pytest.mark.parametrize(
    ("serverless", "expected"),
    [
        ({"MemorySizeInMB": 1536, "MaxConcurrency": 5}, "MemorySizeInMB must be one of"),
        ({"MemorySizeInMB": 7168, "MaxConcurrency": 5}, "less than or equal to 6144"),
        ({"MemorySizeInMB": 1024, "MaxConcurrency": 201}, "less than or equal to 200"),
        (
            {"MemorySizeInMB": 1024, "MaxConcurrency": 5, "ProvisionedConcurrency": 6},
            "ProvisionedConcurrency must not exceed MaxConcurrency",
        ),
    ],
)
def test_serverless_settings_are_validated(
    emulator: Emulator, serverless: dict[str, int], expected: str
) -> None:
    """ProductionVariantServerlessConfig API reference: MemorySizeInMB in 1 GB steps from
    1024 to 6144, MaxConcurrency 1-200, ProvisionedConcurrency at most MaxConcurrency."""
    image_model(emulator, "m")
    with pytest.raises(ClientError) as refused:
        emulator.sagemaker.create_endpoint_config(
            EndpointConfigName="sls",
            ProductionVariants=[
                {"VariantName": "AllTraffic", "ModelName": "m", "ServerlessConfig": serverless}
            ],
        )
    code, message = error_of(refused)
    assert code == "ValidationException"
    assert expected in message


def test_concurrency_changes_through_update_endpoint_weights_and_capacities(
    emulator: Emulator,
) -> None:
    """UpdateEndpointWeightsAndCapacities API reference (DesiredWeightAndCapacity.
    ServerlessUpdateConfig): the endpoint goes Updating with the new desired concurrency
    while the current one stays, then InService on the new one."""
    image_model(emulator, "m")
    instant(emulator)
    endpoint_on(emulator, "sls", serverless_config(emulator, "sls", "m", provisioned=2))
    emulator.control.set_durations(updatingSeconds=TRANSITION_SECONDS)
    emulator.sagemaker.update_endpoint_weights_and_capacities(
        EndpointName="sls",
        DesiredWeightsAndCapacities=[
            {
                "VariantName": "AllTraffic",
                "ServerlessUpdateConfig": {"MaxConcurrency": 10, "ProvisionedConcurrency": 8},
            }
        ],
    )
    during = emulator.sagemaker.describe_endpoint(EndpointName="sls")
    assert during["EndpointStatus"] == "Updating"
    [variant] = during["ProductionVariants"]
    assert variant["DesiredServerlessConfig"]["ProvisionedConcurrency"] == 8
    assert variant["CurrentServerlessConfig"]["ProvisionedConcurrency"] == 2
    wait_status(emulator, "sls", "InService")
    [variant] = emulator.sagemaker.describe_endpoint(EndpointName="sls")["ProductionVariants"]
    assert variant["CurrentServerlessConfig"] == {
        "MemorySizeInMB": 2048,
        "MaxConcurrency": 10,
        "ProvisionedConcurrency": 8,
    }


@pytest.mark.parametrize(
    ("desired", "expected"),
    [
        ({"ServerlessUpdateConfig": {"ProvisionedConcurrency": 9}}, "must not exceed"),
        ({"DesiredInstanceCount": 2}, "is serverless"),
    ],
)
def test_capacity_changes_that_do_not_fit_a_serverless_variant_are_refused(
    emulator: Emulator, desired: dict[str, Any], expected: str
) -> None:
    """UpdateEndpointWeightsAndCapacities: ProvisionedConcurrency "Should be less than or
    equal to MaxConcurrency" (ProductionVariantServerlessUpdateConfig API reference);
    instance counts do not apply to serverless variants (the emulator's wording)."""
    instant(emulator)
    image_model(emulator, "m")
    endpoint_on(emulator, "sls", serverless_config(emulator, "sls", "m", provisioned=2))
    with pytest.raises(ClientError) as refused:
        emulator.sagemaker.update_endpoint_weights_and_capacities(
            EndpointName="sls",
            DesiredWeightsAndCapacities=[{"VariantName": "AllTraffic", **desired}],
        )
    code, message = error_of(refused)
    assert code == "ValidationException"
    assert expected in message
    assert status(emulator, "sls") == "InService"


def test_serverless_feature_exclusions_are_refused(emulator: Emulator) -> None:
    """Developer guide, "Serverless Inference", Feature exclusions: no VPC configuration,
    network isolation, data capture, multiple production variants or inference pipelines.
    The first sentence of the refusal is SageMaker's ("One or more endpoint features are
    not supported using this configuration", observed in boto/boto3#4275)."""
    sm = emulator.sagemaker
    image_model(emulator, "m")
    image_model(
        emulator,
        "in-vpc",
        VpcConfig={"SecurityGroupIds": ["sg-0123456789abcdef0"], "Subnets": ["subnet-01234567"]},
    )
    serverless = {"MemorySizeInMB": 1024, "MaxConcurrency": 1}
    attempts: list[dict[str, Any]] = [
        {"ProductionVariants": [{"VariantName": "A", "ModelName": "in-vpc"}]},
        {
            "ProductionVariants": [{"VariantName": "A", "ModelName": "m"}],
            "DataCaptureConfig": {
                "InitialSamplingPercentage": 100,
                "DestinationS3Uri": "s3://capture/",
                "CaptureOptions": [{"CaptureMode": "Input"}],
            },
        },
        {
            "ProductionVariants": [
                {"VariantName": "A", "ModelName": "m"},
                {"VariantName": "B", "ModelName": "m"},
            ]
        },
    ]
    for index, attempt in enumerate(attempts):
        for variant in attempt["ProductionVariants"]:
            variant["ServerlessConfig"] = serverless
        with pytest.raises(ClientError) as refused:
            sm.create_endpoint_config(EndpointConfigName=f"sls-{index}", **attempt)
        code, message = error_of(refused)
        assert code == "ValidationException"
        assert message.startswith(
            "One or more endpoint features are not supported using this configuration"
        )
