"""End to end: an asynchronous endpoint through the operator (README, spec.endpoint.async;
manifests/samples/async-scale-to-zero.yaml).

The results bucket, the success and error topics and the queues subscribed to them are
moto's, on the emulator's port, so results and notifications are read exactly as a client
of SageMaker would read them. Each request's result (or failure) names the model package
version that served it, which is how approvals and rollbacks are checked: an asynchronous
endpoint refuses InvokeEndpoint.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import pytest

from support.e2e_stack import GROUP, Stack, wait_for

pytestmark = pytest.mark.e2e

BUCKET = "document-classifier-results"
AUTOSCALING = {
    "minCapacity": 0,
    "maxCapacity": 3,
    "targetBacklogPerInstance": 5,
    "scaleInCooldownSeconds": 600,
    "scaleOutCooldownSeconds": 60,
}
PREFIX = "mdo-"


@dataclass(frozen=True)
class Notifications:
    success_topic: str
    error_topic: str
    success_queue: str
    error_queue: str


def topic_with_queue(stack: Stack, name: str) -> tuple[str, str]:
    """An SNS topic and an SQS queue subscribed to it."""
    topic: str = stack.sns.create_topic(Name=name)["TopicArn"]
    queue = stack.sqs.create_queue(QueueName=name)["QueueUrl"]
    queue_arn = stack.sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    stack.sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    return topic, queue


def aws_resources(stack: Stack) -> Notifications:
    stack.s3.create_bucket(Bucket=BUCKET)
    success_topic, success_queue = topic_with_queue(stack, "document-classifier-done")
    error_topic, error_queue = topic_with_queue(stack, "document-classifier-failed")
    return Notifications(success_topic, error_topic, success_queue, error_queue)


def async_spec(topics: Notifications) -> dict[str, Any]:
    return {
        "instanceType": "ml.m5.large",
        "initialInstanceCount": 1,
        "async": {
            "outputPath": f"s3://{BUCKET}/output/",
            "failurePath": f"s3://{BUCKET}/failures/",
            "maxConcurrentInvocationsPerInstance": 4,
            "notifications": {
                "successTopic": topics.success_topic,
                "errorTopic": topics.error_topic,
                "includeInferenceResponseIn": ["SUCCESS_NOTIFICATION_TOPIC"],
            },
        },
    }


def s3_json(stack: Stack, uri: str) -> dict[str, Any] | None:
    bucket, key = uri.removeprefix("s3://").split("/", 1)
    try:
        body = stack.s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except stack.s3.exceptions.NoSuchKey:
        return None
    document: dict[str, Any] = json.loads(body)
    return document


def receive(stack: Stack, queue: str) -> list[dict[str, Any]]:
    """SageMaker notifications waiting on the queue, taken out of their SNS envelopes."""
    messages = stack.sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)
    received = []
    for message in messages.get("Messages", []):
        envelope = json.loads(message["Body"])
        received.append({"topic": envelope["TopicArn"], **json.loads(envelope["Message"])})
        stack.sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
    return received


def notification(stack: Stack, queue: str, inference_id: str) -> dict[str, Any]:
    seen: list[dict[str, Any]] = []

    def arrived() -> dict[str, Any] | None:
        seen.extend(receive(stack, queue))
        return next((n for n in seen if n["inferenceId"] == inference_id), None)

    return wait_for(arrived, timeout=30, what=f"notification of {inference_id}")


def invoke_async(stack: Stack, endpoint: str, key: str) -> dict[str, Any]:
    stack.s3.put_object(
        Bucket=BUCKET,
        Key=key,
        Body=json.dumps({"document": "invoice-2024-118.pdf"}).encode(),
        ContentType="application/json",
    )
    response = stack.runtime.invoke_endpoint_async(
        EndpointName=endpoint,
        InputLocation=f"s3://{BUCKET}/{key}",
        ContentType="application/json",
    )
    return dict(response)


def result(stack: Stack, endpoint: str, key: str) -> dict[str, Any]:
    """Invoke asynchronously and wait for the result object at the returned OutputLocation."""
    response = invoke_async(stack, endpoint, key)
    return wait_for(
        lambda: s3_json(stack, response["OutputLocation"]),
        timeout=30,
        what=f"result at {response['OutputLocation']}",
    )


def wait_deployed(stack: Stack, name: str, version: int) -> dict[str, Any]:
    """Ready (Deployed) with that version live and the endpoint InService on the status's
    config; then an asynchronous request proves the version serves. Returns its result."""
    wait_status_deployed(stack, name, version)
    answer = result(stack, stack.endpoint_name(name), f"input/check-v{version}.json")
    assert answer["modelPackageVersion"] == version
    return answer


def wait_status_deployed(stack: Stack, name: str, version: int) -> None:
    def deployed() -> bool:
        status = stack.get(name).get("status") or {}
        ready = {c["type"]: c for c in status.get("conditions", [])}.get("Ready") or {}
        if (status.get("modelPackage") or {}).get("version") != version:
            return False
        if ready.get("reason") != "Deployed":
            return False
        config = (status.get("endpoint") or {}).get("endpointConfigName")
        described = stack.sagemaker.describe_endpoint(EndpointName=stack.endpoint_name(name))
        return bool(
            described["EndpointStatus"] == "InService" and described["EndpointConfigName"] == config
        )

    wait_for(deployed, timeout=60, what=f"{name} deployed with version {version}")


def instances(stack: Stack, endpoint: str) -> tuple[int, int] | None:
    """(desired, current) instance count, once the endpoint is InService."""
    described = stack.sagemaker.describe_endpoint(EndpointName=endpoint)
    if described["EndpointStatus"] != "InService":
        return None
    variant = described["ProductionVariants"][0]
    return variant["DesiredInstanceCount"], variant["CurrentInstanceCount"]


def set_instances(stack: Stack, endpoint: str, count: int) -> None:
    """What Application Auto Scaling does to the variant when a policy acts."""
    stack.sagemaker.update_endpoint_weights_and_capacities(
        EndpointName=endpoint,
        DesiredWeightsAndCapacities=[{"VariantName": "AllTraffic", "DesiredInstanceCount": count}],
    )
    wait_for(
        lambda: instances(stack, endpoint) == (count, count),
        timeout=30,
        what=f"{count} instances",
    )


def scaling(stack: Stack, endpoint: str) -> dict[str, Any]:
    resource = f"endpoint/{endpoint}/variant/AllTraffic"
    targets = stack.autoscaling.describe_scalable_targets(
        ServiceNamespace="sagemaker", ResourceIds=[resource]
    )["ScalableTargets"]
    policies = stack.autoscaling.describe_scaling_policies(
        ServiceNamespace="sagemaker", ResourceId=resource
    )["ScalingPolicies"]
    return {
        "targets": [dict(t) for t in targets],
        "policies": {p["PolicyType"]: dict(p) for p in policies},
        "policy_count": len(policies),
        "alarms": [
            dict(a)
            for a in stack.cloudwatch.describe_alarms(AlarmNamePrefix=PREFIX)["MetricAlarms"]
        ],
    }


def test_results_and_failures_land_in_s3_and_on_the_topics(stack: Stack) -> None:
    topics = aws_resources(stack)
    stack.registry.register(GROUP, approval="Approved")
    stack.apply("classifier", endpoint=async_spec(topics), autoscaling=AUTOSCALING)
    wait_deployed(stack, "classifier", version=1)
    endpoint = stack.endpoint_name("classifier")
    receive(stack, topics.success_queue)  # the check's own notification

    response = invoke_async(stack, endpoint, "input/order-42.json")
    inference_id = response["InferenceId"]
    assert response["OutputLocation"] == f"s3://{BUCKET}/output/{inference_id}.out"
    assert response["FailureLocation"] == f"s3://{BUCKET}/failures/{inference_id}-error.out"
    answer = wait_for(
        lambda: s3_json(stack, response["OutputLocation"]), timeout=30, what="the result object"
    )
    assert answer["endpointName"] == endpoint
    assert answer["modelPackageVersion"] == 1
    assert answer["inputLocation"] == f"s3://{BUCKET}/input/order-42.json"
    assert answer["compute"] == {
        "kind": "instance",
        "instanceType": "ml.m5.large",
        "instanceCount": 1,
    }
    done = notification(stack, topics.success_queue, inference_id)
    assert done["topic"] == topics.success_topic
    assert done["invocationStatus"] == "Completed"
    assert done["requestParameters"]["inputLocation"] == f"s3://{BUCKET}/input/order-42.json"
    assert done["responseParameters"]["outputLocation"] == response["OutputLocation"]
    # includeInferenceResponseIn: [SUCCESS_NOTIFICATION_TOPIC]
    assert json.loads(done["responseBody"]["content"]) == answer

    stack.emulator.fail_next_async_invocation(endpoint, "Received server error (500) from primary")
    failing = invoke_async(stack, endpoint, "input/order-43.json")
    failure = wait_for(
        lambda: s3_json(stack, failing["FailureLocation"]), timeout=30, what="the failure object"
    )
    assert failure == {
        "inferenceId": failing["InferenceId"],
        "endpointName": endpoint,
        "failureReason": "Received server error (500) from primary",
    }
    failed = notification(stack, topics.error_queue, failing["InferenceId"])
    assert failed["topic"] == topics.error_topic
    assert failed["invocationStatus"] == "Failed"
    assert failed["failureReason"] == "Received server error (500) from primary"
    assert failed["responseParameters"]["failureLocation"] == failing["FailureLocation"]
    assert "responseBody" not in failed  # the error topic is not listed for the response
    assert s3_json(stack, failing["OutputLocation"]) is None
    # Each request was announced once, on its own topic only.
    assert receive(stack, topics.success_queue) == []
    assert receive(stack, topics.error_queue) == []
    stack.assert_nothing_duplicated("classifier")


def test_scale_to_zero_setup_updates_rollback_and_deletion_leaves_nothing(stack: Stack) -> None:
    topics = aws_resources(stack)
    stack.registry.register(GROUP, approval="Approved")
    stack.apply("classifier", endpoint=async_spec(topics), autoscaling=AUTOSCALING)
    wait_deployed(stack, "classifier", version=1)
    endpoint = stack.endpoint_name("classifier")

    # The alarm is put on the tick after the step policy, whose ARN it acts on.
    def complete() -> dict[str, Any] | None:
        found = scaling(stack, endpoint)
        return found if found["alarms"] and len(found["policies"]) == 2 else None

    setup = wait_for(complete, timeout=30, what="target, both policies and the alarm")
    (target,) = setup["targets"]
    assert target["ScalableDimension"] == "sagemaker:variant:DesiredInstanceCount"
    assert (target["MinCapacity"], target["MaxCapacity"]) == (0, 3)
    assert setup["policy_count"] == 2
    tracking = setup["policies"]["TargetTrackingScaling"][
        "TargetTrackingScalingPolicyConfiguration"
    ]
    assert tracking["TargetValue"] == 5
    assert tracking["CustomizedMetricSpecification"] == {
        "MetricName": "ApproximateBacklogSizePerInstance",
        "Namespace": "AWS/SageMaker",
        "Statistic": "Average",
        "Dimensions": [{"Name": "EndpointName", "Value": endpoint}],
    }
    assert (tracking["ScaleInCooldown"], tracking["ScaleOutCooldown"]) == (600, 60)
    step = setup["policies"]["StepScaling"]
    steps = step["StepScalingPolicyConfiguration"]
    assert steps["AdjustmentType"] == "ChangeInCapacity"
    assert steps["StepAdjustments"] == [{"MetricIntervalLowerBound": 0.0, "ScalingAdjustment": 1}]
    (alarm,) = setup["alarms"]
    assert alarm["AlarmName"].startswith(PREFIX)
    assert alarm["MetricName"] == "HasBacklogWithoutCapacity"
    assert alarm["Namespace"] == "AWS/SageMaker"
    assert alarm["Dimensions"] == [{"Name": "EndpointName", "Value": endpoint}]
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert alarm["AlarmActions"] == [step["PolicyARN"]]
    assert stack.get("classifier")["status"]["autoscaling"]["alarms"] == [alarm["AlarmName"]]

    # Application Auto Scaling takes the idle endpoint to zero instances; a new version is
    # deployed there without the operator bringing an instance back, and a request waits
    # until the wake-from-zero policy would add one.
    set_instances(stack, endpoint, 0)
    second = stack.registry.register(GROUP, approval="Approved")
    wait_status_deployed(stack, "classifier", version=second.version)
    assert stack.history("classifier")[0]["trigger"] == "NewApproval"
    assert instances(stack, endpoint) == (0, 0)
    waiting = invoke_async(stack, endpoint, "input/while-at-zero.json")
    time.sleep(3)  # three times the emulator's processing delay
    assert s3_json(stack, waiting["OutputLocation"]) is None
    set_instances(stack, endpoint, 1)
    answer = wait_for(
        lambda: s3_json(stack, waiting["OutputLocation"]), timeout=30, what="the waiting result"
    )
    assert answer["modelPackageVersion"] == second.version
    assert instances(stack, endpoint) == (1, 1)
    stack.registry.reject(second)
    wait_deployed(stack, "classifier", version=1)
    latest = stack.history("classifier")[0]
    assert (latest["version"], latest["trigger"], latest["outcome"]) == (1, "Rollback", "Succeeded")
    # The updates kept the setup as it was: same target, policies (ARNs) and alarm.
    assert scaling(stack, endpoint) == setup
    assert stack.emulator.call_count("CreateEndpoint") == 1
    assert stack.emulator.call_count("UpdateEndpoint") == 2
    assert stack.emulator.call_count("RegisterScalableTarget") == 1
    assert stack.emulator.call_count("PutMetricAlarm") == 1
    stack.assert_nothing_duplicated("classifier")

    tracking_alarms = [
        a["AlarmName"]
        for a in stack.cloudwatch.describe_alarms()["MetricAlarms"]
        if a["AlarmName"].startswith("TargetTracking-")
    ]
    assert tracking_alarms, "the backlog policy's own alarms, made by Application Auto Scaling"

    stack.delete("classifier", timeout=90)
    assert stack.endpoints() == []
    assert stack.endpoint_configs() == []
    assert stack.models() == []
    assert scaling(stack, endpoint) == {
        "targets": [],
        "policies": {},
        "policy_count": 0,
        "alarms": [],
    }
    # The operator deleted its own alarm (Application Auto Scaling removes only the
    # target-tracking alarms it made, with their policy).
    assert stack.emulator.call_count("DeleteAlarms") == 1
    assert stack.cloudwatch.describe_alarms()["MetricAlarms"] == []
