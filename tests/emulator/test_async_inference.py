"""Asynchronous inference: InvokeEndpointAsync, results in moto's S3, success and error
notifications through moto's SNS (read from an SQS queue subscribed to the topics)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from support.emulator_fixtures import Emulator, eventually
from support.emulator_scenario import (
    bucket,
    endpoint_on,
    error_of,
    image_model,
    instance_config,
    instant,
    s3_keys,
    s3_text,
    wait_keys,
)

pytestmark = pytest.mark.emulator


def topics_to_queue(emulator: Emulator) -> tuple[str, str, str]:
    """A success topic and an error topic, both delivering to one SQS queue."""
    queue = emulator.sqs.create_queue(QueueName="async-notifications")["QueueUrl"]
    queue_arn = emulator.sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    success = emulator.sns.create_topic(Name="async-success")["TopicArn"]
    error = emulator.sns.create_topic(Name="async-error")["TopicArn"]
    for topic in (success, error):
        emulator.sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    return success, error, queue


def notifications(emulator: Emulator, queue: str, wanted: int = 1) -> list[dict[str, Any]]:
    """The SageMaker notifications that reached the queue (inside SNS envelopes)."""
    received: list[dict[str, Any]] = []

    def enough() -> bool:
        messages = emulator.sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)
        for message in messages.get("Messages", []):
            envelope = json.loads(message["Body"])
            received.append({"topic": envelope["TopicArn"], **json.loads(envelope["Message"])})
        return len(received) >= wanted

    eventually(enough, f"{wanted} notification(s)")
    return received


def async_endpoint(
    emulator: Emulator,
    *,
    notification: dict[str, Any] | None = None,
    failure_path: bool = True,
    name: str = "scoring",
) -> None:
    instant(emulator)
    bucket(emulator, "async")
    output: dict[str, Any] = {"S3OutputPath": "s3://async/out"}
    if failure_path:
        output["S3FailurePath"] = "s3://async/failures"
    if notification is not None:
        output["NotificationConfig"] = notification
    image_model(emulator, name)
    config = instance_config(
        emulator,
        name,
        name,
        AsyncInferenceConfig={
            "ClientConfig": {"MaxConcurrentInvocationsPerInstance": 4},
            "OutputConfig": output,
        },
    )
    endpoint_on(emulator, name, config)


def put_input(emulator: Emulator, key: str = "in/request.json") -> str:
    emulator.s3.put_object(Bucket="async", Key=key, Body=b'{"amount": 12.5}')
    return f"s3://async/{key}"


def test_result_is_written_to_the_output_path_and_success_is_notified(
    emulator: Emulator,
) -> None:
    """InvokeEndpointAsync API reference (202 with InferenceId, OutputLocation and
    FailureLocation) and developer guide "Check prediction results": after processing
    the result is at OutputLocation and the SuccessTopic receives the documented
    notification (invocationStatus Completed, requestParameters, responseParameters)."""
    success, error, queue = topics_to_queue(emulator)
    async_endpoint(emulator, notification={"SuccessTopic": success, "ErrorTopic": error})
    emulator.control.set_durations(asyncInferenceSeconds=1)
    location = put_input(emulator)
    response = emulator.runtime.invoke_endpoint_async(
        EndpointName="scoring", InputLocation=location, ContentType="application/json"
    )
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 202
    inference_id = response["InferenceId"]
    assert response["OutputLocation"] == f"s3://async/out/{inference_id}.out"
    assert response["FailureLocation"] == f"s3://async/failures/{inference_id}-error.out"
    assert s3_keys(emulator, "async", "out/") == []  # still queued
    wait_keys(emulator, "async", "out/")
    result = json.loads(s3_text(emulator, response["OutputLocation"]))
    assert result["endpointName"] == "scoring"
    assert result["inputLocation"] == location
    assert result["requestBytes"] == len(b'{"amount": 12.5}')
    [notification] = notifications(emulator, queue)
    assert notification["topic"] == success
    assert notification["invocationStatus"] == "Completed"
    assert notification["inferenceId"] == inference_id
    assert notification["eventName"] == "InferenceResult"
    assert notification["eventSource"] == "aws:sagemaker"
    assert notification["requestParameters"] == {
        "endpointName": "scoring",
        "contentType": "application/json",
        "inputLocation": location,
    }
    assert notification["responseParameters"]["outputLocation"] == response["OutputLocation"]
    assert "responseBody" not in notification  # IncludeInferenceResponseIn not set


def test_an_injected_failure_goes_to_the_failure_path_and_the_error_topic(
    emulator: Emulator,
) -> None:
    """AsyncInferenceOutputConfig API reference (S3FailurePath) and
    AsyncInferenceNotificationConfig (ErrorTopic; IncludeInferenceResponseIn
    ERROR_NOTIFICATION_TOPIC includes the response in the error notification)."""
    success, error, queue = topics_to_queue(emulator)
    async_endpoint(
        emulator,
        notification={
            "SuccessTopic": success,
            "ErrorTopic": error,
            "IncludeInferenceResponseIn": ["ERROR_NOTIFICATION_TOPIC"],
        },
    )
    emulator.control.fail_next_async_invocation("scoring", "Model returned HTTP 500")
    response = emulator.runtime.invoke_endpoint_async(
        EndpointName="scoring", InputLocation=put_input(emulator), InferenceId="order-42"
    )
    assert response["InferenceId"] == "order-42"
    failure = response["FailureLocation"]
    wait_keys(emulator, "async", "failures/")
    assert json.loads(s3_text(emulator, failure))["failureReason"] == "Model returned HTTP 500"
    assert s3_keys(emulator, "async", "out/") == []
    [notification] = notifications(emulator, queue)
    assert notification["topic"] == error
    assert notification["invocationStatus"] == "Failed"
    assert notification["failureReason"] == "Model returned HTTP 500"
    assert notification["responseParameters"]["failureLocation"] == failure
    assert "Model returned HTTP 500" in notification["responseBody"]["content"]


def test_include_inference_response_in_success_notifications(emulator: Emulator) -> None:
    """AsyncInferenceNotificationConfig API reference: with SUCCESS_NOTIFICATION_TOPIC in
    IncludeInferenceResponseIn the success notification carries the response (up to
    128 KB)."""
    success, _, queue = topics_to_queue(emulator)
    async_endpoint(
        emulator,
        notification={
            "SuccessTopic": success,
            "IncludeInferenceResponseIn": ["SUCCESS_NOTIFICATION_TOPIC"],
        },
    )
    emulator.runtime.invoke_endpoint_async(
        EndpointName="scoring", InputLocation=put_input(emulator)
    )
    [notification] = notifications(emulator, queue)
    assert json.loads(notification["responseBody"]["content"])["endpointName"] == "scoring"


def test_a_missing_input_object_is_a_client_error(emulator: Emulator) -> None:
    """InvokeEndpointAsync API reference (InputLocation: "The Amazon S3 URI where the
    inference request payload is stored"): a URI with no object behind it is refused at
    once with a ValidationError (the wording follows AWS's model-download failures)."""
    async_endpoint(emulator)
    with pytest.raises(ClientError) as refused:
        emulator.runtime.invoke_endpoint_async(
            EndpointName="scoring", InputLocation="s3://async/in/nothing.json"
        )
    code, message = error_of(refused)
    assert code == "ValidationError"
    assert "(bucket: async, key: in/nothing.json)" in message
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_inline_body_path_extension_and_file_name(emulator: Emulator) -> None:
    """InvokeEndpointAsync API reference: Body (inline payload) and InputLocation are
    mutually exclusive; S3OutputPathExtension and Filename shape the output location."""
    async_endpoint(emulator, failure_path=False)
    response = emulator.runtime.invoke_endpoint_async(
        EndpointName="scoring",
        Body=b'{"inline": true}',
        S3OutputPathExtension="tenant-a/2024",
        Filename="result.json",
    )
    assert response["OutputLocation"] == "s3://async/out/tenant-a/2024/result.json"
    assert "FailureLocation" not in response  # no S3FailurePath configured
    wait_keys(emulator, "async", "out/tenant-a/")
    with pytest.raises(ClientError) as both:
        emulator.runtime.invoke_endpoint_async(
            EndpointName="scoring", Body=b"{}", InputLocation=put_input(emulator)
        )
    assert "mutually exclusive" in error_of(both)[1]


def test_async_and_real_time_endpoints_accept_only_their_own_call(emulator: Emulator) -> None:
    """Developer guide, "Asynchronous inference": an endpoint with AsyncInferenceConfig
    "can only receive asynchronous invocations"; InvokeEndpointAsync needs one. Both
    refusals are ValidationErrors worded by the emulator."""
    async_endpoint(emulator)
    with pytest.raises(ClientError) as real_time:
        emulator.runtime.invoke_endpoint(EndpointName="scoring", Body=b"{}")
    assert error_of(real_time)[0] == "ValidationError"
    assert "accepts only InvokeEndpointAsync" in error_of(real_time)[1]
    image_model(emulator, "online")
    endpoint_on(emulator, "online", instance_config(emulator, "online", "online"))
    with pytest.raises(ClientError) as asynchronous:
        emulator.runtime.invoke_endpoint_async(EndpointName="online", Body=b"{}")
    assert "does not have an AsyncInferenceConfig" in error_of(asynchronous)[1]


def test_requests_wait_while_the_endpoint_has_no_instances(emulator: Emulator) -> None:
    """Developer guide, "Autoscale an asynchronous endpoint": an asynchronous endpoint can
    scale to zero instances, and requests received then "are queued for processing once
    the endpoint scales up"."""
    async_endpoint(emulator)
    sm = emulator.sagemaker
    sm.update_endpoint_weights_and_capacities(
        EndpointName="scoring",
        DesiredWeightsAndCapacities=[{"VariantName": "AllTraffic", "DesiredInstanceCount": 0}],
    )
    [variant] = sm.describe_endpoint(EndpointName="scoring")["ProductionVariants"]
    assert variant["CurrentInstanceCount"] == 0
    emulator.runtime.invoke_endpoint_async(EndpointName="scoring", Body=b"{}")
    with pytest.raises(AssertionError):
        wait_keys(emulator, "async", "out/", timeout=1.0)
    sm.update_endpoint_weights_and_capacities(
        EndpointName="scoring",
        DesiredWeightsAndCapacities=[{"VariantName": "AllTraffic", "DesiredInstanceCount": 1}],
    )
    wait_keys(emulator, "async", "out/")


@pytest.mark.parametrize(
    ("output", "expected"),
    [
        ({"S3FailurePath": "s3://async/failures"}, "S3OutputPath is required"),
        (
            {
                "S3OutputPath": "s3://async/out",
                "NotificationConfig": {
                    "IncludeInferenceResponseIn": ["SUCCESS_NOTIFICATION_TOPIC"]
                },
            },
            "has no SuccessTopic",
        ),
    ],
)
def test_async_configs_that_cannot_deliver_results_are_refused(
    emulator: Emulator, output: dict[str, Any], expected: str
) -> None:
    """AsyncInferenceOutputConfig and AsyncInferenceNotificationConfig API references:
    results go to S3OutputPath, and responses are included only in notifications of a
    configured topic (the emulator refuses configs that could not deliver them)."""
    image_model(emulator, "m")
    with pytest.raises(ClientError) as refused:
        instance_config(emulator, "c", "m", AsyncInferenceConfig={"OutputConfig": output})
    assert expected in error_of(refused)[1]


def test_async_endpoints_capture_data_too(emulator: Emulator) -> None:
    """Developer guide, "Capture data from real-time endpoint" (data capture applies to
    asynchronous endpoints as well): a processed request is captured with its result."""
    instant(emulator)
    bucket(emulator, "async")
    bucket(emulator, "capture")
    image_model(emulator, "m")
    config = instance_config(
        emulator,
        "m",
        "m",
        AsyncInferenceConfig={"OutputConfig": {"S3OutputPath": "s3://async/out"}},
        DataCaptureConfig={
            "InitialSamplingPercentage": 100,
            "DestinationS3Uri": "s3://capture/data",
            "CaptureOptions": [{"CaptureMode": "InputAndOutput"}],
        },
    )
    endpoint_on(emulator, "scoring", config)
    emulator.runtime.invoke_endpoint_async(EndpointName="scoring", Body=b"{}")
    [key] = wait_keys(emulator, "capture", "data/scoring/")
    record = json.loads(s3_text(emulator, f"s3://capture/{key}"))
    assert set(record["captureData"]) == {"endpointInput", "endpointOutput"}
