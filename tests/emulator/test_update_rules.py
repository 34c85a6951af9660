"""What UpdateEndpoint accepts on a live endpoint, and what it refuses (docs/emulator.md,
"What UpdateEndpoint accepts on a live endpoint")."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from support.emulator_fixtures import TRANSITION_SECONDS, Emulator
from support.emulator_scenario import (
    endpoint_on,
    error_of,
    image_model,
    instance_config,
    instant,
    serverless_config,
    status,
    wait_status,
)

pytestmark = pytest.mark.emulator

ASYNC = {"OutputConfig": {"S3OutputPath": "s3://async/out"}}
KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
BLUE_GREEN = {
    "BlueGreenUpdatePolicy": {
        "TrafficRoutingConfiguration": {"Type": "ALL_AT_ONCE", "WaitIntervalInSeconds": 0}
    }
}
ROLLING = {
    "RollingUpdatePolicy": {
        "MaximumBatchSize": {"Type": "CAPACITY_PERCENT", "Value": 50},
        "WaitIntervalInSeconds": 0,
    }
}


def capture(percentage: int) -> dict[str, Any]:
    return {
        "InitialSamplingPercentage": percentage,
        "DestinationS3Uri": "s3://capture/data",
        "CaptureOptions": [{"CaptureMode": "Input"}],
    }


@pytest.fixture
def live(emulator: Emulator) -> Emulator:
    """A model `m` and instant transitions."""
    instant(emulator)
    image_model(emulator, "m")
    return emulator


def update(emulator: Emulator, config: str, **extra: Any) -> None:
    emulator.sagemaker.update_endpoint(EndpointName="ep", EndpointConfigName=config, **extra)


def refused(emulator: Emulator, config: str, **extra: Any) -> str:
    with pytest.raises(ClientError) as caught:
        update(emulator, config, **extra)
    code, message = error_of(caught)
    assert code == "ValidationException"
    assert status(emulator, "ep") == "InService"
    return message


def test_instance_based_to_serverless_is_refused_the_reverse_is_one_way(live: Emulator) -> None:
    """Developer guide, "Serverless Inference", Feature exclusions: "You cannot convert your
    instance-based, real-time endpoint to a serverless endpoint ... You can convert a
    serverless endpoint to real-time, but once you make the update, you cannot roll it back
    to serverless"; "Update a serverless endpoint" says the same of provisioned
    concurrency. The wording of the refusal is the emulator's."""
    endpoint_on(live, "ep", serverless_config(live, "sls", "m"))
    update(live, serverless_config(live, "sls-provisioned", "m", max_concurrency=10, provisioned=3))
    [variant] = live.sagemaker.describe_endpoint(EndpointName="ep")["ProductionVariants"]
    assert variant["CurrentServerlessConfig"]["ProvisionedConcurrency"] == 3
    update(live, instance_config(live, "instances", "m"))
    [variant] = live.sagemaker.describe_endpoint(EndpointName="ep")["ProductionVariants"]
    assert variant["CurrentInstanceCount"] == 1
    assert "cannot be updated to serverless" in refused(live, "sls")


def test_async_inference_cannot_be_removed_or_added(live: Emulator) -> None:
    """Removing AsyncInferenceConfig is refused with AWS's words (observed,
    aws/sagemaker-python-sdk#3124); adding it to a real-time endpoint is undocumented and
    refused too (the emulator's choice); changing it is accepted."""
    endpoint_on(live, "ep", instance_config(live, "async", "m", AsyncInferenceConfig=ASYNC))
    message = refused(live, instance_config(live, "real-time", "m"))
    assert message == "The AsyncInferenceConfig parameter cannot be removed from this endpoint ep."
    moved = {"OutputConfig": {"S3OutputPath": "s3://async/elsewhere"}}
    update(live, instance_config(live, "async-2", "m", AsyncInferenceConfig=moved))
    described = live.sagemaker.describe_endpoint(EndpointName="ep")
    assert described["AsyncInferenceConfig"] == moved
    live.sagemaker.create_endpoint(EndpointName="online", EndpointConfigName="real-time")
    with pytest.raises(ClientError) as added:
        live.sagemaker.update_endpoint(EndpointName="online", EndpointConfigName="async")
    assert "cannot be added to this endpoint online" in error_of(added)[1]


def test_data_capture_changes_with_an_update(live: Emulator) -> None:
    """Developer guide, "Capture data" ("you can configure additional options to turn data
    capturing on or off at certain times, or change the sampling frequency") through a new
    endpoint config; the change shows once the update completes. UpdateEndpoint API
    reference, VariantProperty: DataCaptureConfig "(Not currently supported.)" in
    ExcludeRetainedVariantProperties."""
    endpoint_on(live, "ep", instance_config(live, "plain", "m"))
    live.control.set_durations(updatingSeconds=TRANSITION_SECONDS)
    update(live, instance_config(live, "captured", "m", DataCaptureConfig=capture(20)))
    assert "DataCaptureConfig" not in live.sagemaker.describe_endpoint(EndpointName="ep")
    wait_status(live, "ep", "InService")
    summary = live.sagemaker.describe_endpoint(EndpointName="ep")["DataCaptureConfig"]
    assert summary["CurrentSamplingPercentage"] == 20
    live.control.set_durations(updatingSeconds=0)
    update(live, instance_config(live, "captured-more", "m", DataCaptureConfig=capture(80)))
    summary = live.sagemaker.describe_endpoint(EndpointName="ep")["DataCaptureConfig"]
    assert summary["CurrentSamplingPercentage"] == 80
    message = refused(
        live,
        "plain",
        RetainAllVariantProperties=True,
        ExcludeRetainedVariantProperties=[{"VariantPropertyType": "DataCaptureConfig"}],
    )
    assert "DataCaptureConfig is not currently supported" in message
    update(live, "plain")
    assert "DataCaptureConfig" not in live.sagemaker.describe_endpoint(EndpointName="ep")


def test_variant_names_may_change_except_under_deployment_guardrails(live: Emulator) -> None:
    """Developer guide, deployment guardrails "Exclusions": "When doing a blue/green or
    rolling deployment, your new endpoint configuration must have the same variant name as
    the old endpoint configuration". Without a DeploymentConfig the update replaces the
    fleet all at once and may rename variants."""
    endpoint_on(live, "ep", instance_config(live, "blue", "m"))
    renamed = instance_config(live, "green", "m", variant="Green")
    message = refused(live, renamed, DeploymentConfig=BLUE_GREEN)
    assert "keep the variant names" in message
    update(live, renamed)
    [variant] = live.sagemaker.describe_endpoint(EndpointName="ep")["ProductionVariants"]
    assert variant["VariantName"] == "Green"


def test_rolling_deployments_exclude_multi_variant_and_serverless_endpoints(
    live: Emulator,
) -> None:
    """Developer guide, deployment guardrails "Exclusions": rolling deployments are not
    available for serverless or multi-variant endpoints; DeploymentConfig API reference:
    "Only one update policy should be used"."""
    sm = live.sagemaker
    variants = [
        {
            "VariantName": name,
            "ModelName": "m",
            "InstanceType": "ml.m5.large",
            "InitialInstanceCount": 2,
        }
        for name in ("A", "B")
    ]
    sm.create_endpoint_config(EndpointConfigName="two", ProductionVariants=variants)
    sm.create_endpoint_config(EndpointConfigName="two-again", ProductionVariants=variants)
    endpoint_on(live, "ep", "two")
    assert "multi-variant" in refused(live, "two-again", DeploymentConfig=ROLLING)
    both = {**BLUE_GREEN, **ROLLING}
    assert "Only one update policy" in refused(live, "two-again", DeploymentConfig=both)
    update(live, "two-again", DeploymentConfig=BLUE_GREEN)
    described = sm.describe_endpoint(EndpointName="ep")
    assert "BlueGreenUpdatePolicy" in described["LastDeploymentConfig"]
    endpoint_on(live, "sls-ep", serverless_config(live, "sls", "m"))
    serverless_config(live, "sls-2", "m", memory=4096)
    with pytest.raises(ClientError) as rolling:
        sm.update_endpoint(
            EndpointName="sls-ep", EndpointConfigName="sls-2", DeploymentConfig=ROLLING
        )
    assert "serverless" in error_of(rolling)[1]


def test_a_new_kms_key_is_accepted(live: Emulator) -> None:
    """CreateEndpointConfig API reference (KmsKeyId encrypts the storage volume of the
    instances) and AWS Config's sagemaker-endpoint-configuration-kms-key-configured
    remediation: a key is changed by updating the endpoint to a config that names it; the
    update builds a new fleet, so it is accepted."""
    endpoint_on(live, "ep", instance_config(live, "unencrypted", "m"))
    update(live, instance_config(live, "encrypted", "m", KmsKeyId=KEY))
    described = live.sagemaker.describe_endpoint(EndpointName="ep")
    assert described["EndpointConfigName"] == "encrypted"
    config = live.sagemaker.describe_endpoint_config(EndpointConfigName="encrypted")
    assert config["KmsKeyId"] == KEY
