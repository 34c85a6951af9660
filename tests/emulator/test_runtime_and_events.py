"""InvokeEndpoint (SageMaker Runtime) and registry events (sagemaker-semantics.md §5)."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest
from botocore.exceptions import ClientError

from support.emulator_fixtures import ROLE, Emulator, eventually
from support.emulator_scenario import register, serving_endpoint, wait_status

pytestmark = pytest.mark.emulator


def invoke(emulator: Emulator, endpoint: str, **extra: Any) -> dict[str, Any]:
    response = emulator.runtime.invoke_endpoint(
        EndpointName=endpoint, Body=b'{"amount": 12.5}', ContentType="application/json", **extra
    )
    answer: dict[str, Any] = json.loads(response["Body"].read())
    assert response["InvokedProductionVariant"] == answer["variantName"]
    return answer


def test_invocation_names_what_served_it(emulator: Emulator) -> None:
    """Invocation: the answer names endpoint, variant, config, model and the model package
    ARN and version, so a test can prove which version is live."""
    described = serving_endpoint(emulator, "fraud-prod")
    answer = invoke(emulator, "fraud-prod")
    assert answer["endpointName"] == "fraud-prod"
    assert answer["endpointConfigName"] == described["EndpointConfigName"]
    assert answer["variantName"] == "AllTraffic"
    assert answer["modelName"] == "fraud-prod-v1"
    assert answer["modelPackageArn"].endswith("model-package/fraud/1")
    assert answer["modelPackageVersion"] == 1


def test_weighted_variants_route_by_weight_and_target_variant_overrides(
    emulator: Emulator,
) -> None:
    """Invocation: traffic splits by InitialVariantWeight; TargetVariant picks one."""
    sm = emulator.sagemaker
    for version in (1, 2):
        package = register(emulator, "fraud")
        sm.create_model(
            ModelName=f"fraud-v{version}",
            ExecutionRoleArn=ROLE,
            Containers=[{"ModelPackageName": package}],
        )
    sm.create_endpoint_config(
        EndpointConfigName="split",
        ProductionVariants=[
            {
                "VariantName": "Blue",
                "ModelName": "fraud-v1",
                "InstanceType": "ml.m5.large",
                "InitialInstanceCount": 1,
                "InitialVariantWeight": 3.0,
            },
            {
                "VariantName": "Green",
                "ModelName": "fraud-v2",
                "InstanceType": "ml.m5.large",
                "InitialInstanceCount": 1,
                "InitialVariantWeight": 1.0,
            },
        ],
    )
    sm.create_endpoint(EndpointName="fraud-prod", EndpointConfigName="split")
    wait_status(emulator, "fraud-prod", "InService")
    served = Counter(invoke(emulator, "fraud-prod")["modelPackageVersion"] for _ in range(40))
    assert 27 <= served[1] <= 33, served
    assert served[1] + served[2] == 40
    targeted = invoke(emulator, "fraud-prod", TargetVariant="Green")
    assert targeted["modelPackageVersion"] == 2


def test_invocation_errors_are_worded_as_aws_words_them(emulator: Emulator) -> None:
    """Invocation errors: an unknown or not-yet-serving endpoint is a ValidationError
    "Endpoint ... not found"; an unknown TargetVariant names the variant."""
    with pytest.raises(ClientError) as missing:
        invoke(emulator, "ghost")
    assert missing.value.response["Error"]["Code"] == "ValidationError"
    assert "Endpoint ghost of account" in missing.value.response["Error"]["Message"]
    serving_endpoint(emulator, "fraud-prod")
    with pytest.raises(ClientError) as variant:
        invoke(emulator, "fraud-prod", TargetVariant="Purple")
    assert "Purple" in variant.value.response["Error"]["Message"]


def test_approval_change_is_delivered_to_sqs_as_an_eventbridge_event(emulator: Emulator) -> None:
    """§5 "SageMaker Model Package State Change": delivered to the configured queue with
    the documented envelope and DescribeModelPackage-like detail."""
    queue = emulator.sqs.create_queue(QueueName="registry-events")["QueueUrl"]
    emulator.control.request("PUT", "events", {"queueUrl": queue})
    arn = register(emulator, "fraud", approval="PendingManualApproval")
    emulator.sagemaker.update_model_package(ModelPackageArn=arn, ModelApprovalStatus="Approved")

    def approved_event() -> dict[str, Any] | None:
        messages = emulator.sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get(
            "Messages", []
        )
        for message in messages:
            event: dict[str, Any] = json.loads(message["Body"])
            if event["detail"].get("ModelApprovalStatus") == "Approved":
                return event
        return None

    event = eventually(approved_event, "the approval event on SQS")
    assert event["source"] == "aws.sagemaker"
    assert event["detail-type"] == "SageMaker Model Package State Change"
    assert event["resources"] == [arn]
    assert event["detail"]["ModelPackageGroupName"] == "fraud"
    assert event["detail"]["ModelPackageVersion"] == 1
    assert {"id", "account", "region", "time", "version"} <= set(event)
