"""Application Auto Scaling for inference components: inference-component/<name> on
sagemaker:inference-component:DesiredCopyCount, down to zero copies and back (developer
guide, "Scale an endpoint to zero instances")."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from support.emulator_fixtures import TRANSITION_SECONDS, Emulator
from support.emulator_scenario import (
    component_endpoint,
    component_status,
    create_component,
    error_of,
    image_model,
    instant,
    wait_component,
)

pytestmark = pytest.mark.emulator

RESOURCE = "inference-component/fraud"
DIMENSION = "sagemaker:inference-component:DesiredCopyCount"
PER_COPY = {
    "TargetValue": 1.0,
    "PredefinedMetricSpecification": {
        "PredefinedMetricType": "SageMakerInferenceComponentInvocationsPerCopy"
    },
    "ScaleInCooldown": 300,
    "ScaleOutCooldown": 300,
}
# The step policy of the developer guide's scale-out-from-zero procedure.
STEP_FROM_ZERO = {
    "AdjustmentType": "ChangeInCapacity",
    "MetricAggregationType": "Maximum",
    "Cooldown": 60,
    "StepAdjustments": [{"MetricIntervalLowerBound": 0, "ScalingAdjustment": 1}],
}


def component(emulator: Emulator, copies: int = 1) -> None:
    """Component `fraud` InService on endpoint `shared` (managed scaling down to zero)."""
    instant(emulator)
    image_model(emulator, "m")
    scaling = {"Status": "ENABLED", "MinInstanceCount": 0, "MaxInstanceCount": 2}
    component_endpoint(emulator, "shared", managed_scaling=scaling)
    create_component(emulator, "fraud", "shared", model="m", copies=copies)
    wait_component(emulator, "fraud", "InService")


def register(emulator: Emulator, minimum: int = 0, maximum: int = 4) -> None:
    emulator.autoscaling.register_scalable_target(
        ServiceNamespace="sagemaker",
        ResourceId=RESOURCE,
        ScalableDimension=DIMENSION,
        MinCapacity=minimum,
        MaxCapacity=maximum,
    )


def put_policy(emulator: Emulator, name: str, **policy: Any) -> dict[str, Any]:
    result: dict[str, Any] = emulator.autoscaling.put_scaling_policy(
        PolicyName=name,
        ServiceNamespace="sagemaker",
        ResourceId=RESOURCE,
        ScalableDimension=DIMENSION,
        **policy,
    )
    return result


def desired(emulator: Emulator) -> int:
    value: int = emulator.sagemaker.describe_inference_component(InferenceComponentName="fraud")[
        "RuntimeConfig"
    ]["DesiredCopyCount"]
    return value


def test_a_component_is_a_scalable_target_down_to_zero_copies(emulator: Emulator) -> None:
    """Developer guide, "Scale an endpoint to zero instances": register
    inference-component/<name> on sagemaker:inference-component:DesiredCopyCount with
    minimum capacity 0, and track SageMakerInferenceComponentInvocationsPerCopy. The
    target-tracking alarms watch the component's InvocationsPerCopy metric (dimension
    InferenceComponentName)."""
    component(emulator)
    register(emulator)
    [target] = emulator.autoscaling.describe_scalable_targets(
        ServiceNamespace="sagemaker", ResourceIds=[RESOURCE]
    )["ScalableTargets"]
    assert (target["MinCapacity"], target["MaxCapacity"]) == (0, 4)
    assert target["ScalableDimension"] == DIMENSION
    policy = put_policy(
        emulator,
        "per-copy",
        PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration=PER_COPY,
    )
    names = [alarm["AlarmName"] for alarm in policy["Alarms"]]
    assert all(name.startswith(f"TargetTracking-{RESOURCE}-Alarm") for name in names)
    alarms = emulator.cloudwatch.describe_alarms(AlarmNames=names)["MetricAlarms"]
    assert {a["MetricName"] for a in alarms} == {"InvocationsPerCopy"}
    assert all(
        a["Dimensions"] == [{"Name": "InferenceComponentName", "Value": "fraud"}] for a in alarms
    )


def test_a_component_scales_only_on_component_metrics(emulator: Emulator) -> None:
    """Application Auto Scaling: each SageMaker dimension takes its own predefined metric
    types; the refusal follows the observed wording for variants (aws/aws-cdk#29065)."""
    component(emulator)
    register(emulator)
    with pytest.raises(ClientError) as refused:
        put_policy(
            emulator,
            "per-instance",
            PolicyType="TargetTrackingScaling",
            TargetTrackingScalingPolicyConfiguration={
                "TargetValue": 70.0,
                "PredefinedMetricSpecification": {
                    "PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"
                },
            },
        )
    code, message = error_of(refused)
    assert code == "ValidationException"
    assert message.startswith(
        f"Scalable dimension {DIMENSION} only supports the following predefined metric types: "
        "SageMakerInferenceComponentInvocationsPerCopy"
    )


def test_registering_moves_the_copy_count_into_the_range(emulator: Emulator) -> None:
    """RegisterScalableTarget API reference: the current capacity is brought into
    [MinCapacity, MaxCapacity] (reference §3); for a component through the same change
    UpdateInferenceComponentRuntimeConfig makes (Updating, then the copies)."""
    component(emulator)
    emulator.control.set_durations(updatingSeconds=TRANSITION_SECONDS)
    register(emulator, minimum=2, maximum=4)
    assert desired(emulator) == 2
    assert component_status(emulator, "fraud") == "Updating"
    wait_component(emulator, "fraud", "InService")
    runtime = emulator.sagemaker.describe_inference_component(InferenceComponentName="fraud")[
        "RuntimeConfig"
    ]
    assert runtime == {"DesiredCopyCount": 2, "CurrentCopyCount": 2}


def test_a_step_policy_on_no_capacity_failures_wakes_a_component_at_zero(
    emulator: Emulator,
) -> None:
    """Developer guide, "Scale an endpoint to zero instances": a step scaling policy
    (ChangeInCapacity +1 from a metric interval lower bound of 0) is the action of a
    CloudWatch alarm on NoCapacityInvocationFailures (dimension InferenceComponentName),
    so an invocation that finds no copy scales the component out; "the provisioning
    process takes several minutes. During that time, any attempts to invoke the endpoint
    will produce an error"."""
    component(emulator)
    register(emulator)
    step = put_policy(
        emulator,
        "from-zero",
        PolicyType="StepScaling",
        StepScalingPolicyConfiguration=STEP_FROM_ZERO,
    )
    emulator.cloudwatch.put_metric_alarm(
        AlarmName="fraud-no-capacity",
        Namespace="AWS/SageMaker",
        MetricName="NoCapacityInvocationFailures",
        Dimensions=[{"Name": "InferenceComponentName", "Value": "fraud"}],
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        AlarmActions=[step["PolicyARN"]],
    )
    emulator.sagemaker.update_inference_component_runtime_config(
        InferenceComponentName="fraud", DesiredRuntimeConfig={"CopyCount": 0}
    )
    wait_component(emulator, "fraud", "InService")
    emulator.control.set_durations(updatingSeconds=TRANSITION_SECONDS)

    def call() -> dict[str, Any]:
        response = emulator.runtime.invoke_endpoint(
            EndpointName="shared", InferenceComponentName="fraud", Body=b"{}"
        )
        answer: dict[str, Any] = json.loads(response["Body"].read())
        return answer

    with pytest.raises(ClientError) as cold:
        call()
    assert "has no capacity to process this request" in error_of(cold)[1]
    assert desired(emulator) == 1
    assert component_status(emulator, "fraud") == "Updating"
    [alarm] = emulator.cloudwatch.describe_alarms(AlarmNames=["fraud-no-capacity"])["MetricAlarms"]
    assert alarm["StateValue"] == "ALARM"
    with pytest.raises(ClientError):
        call()
    assert desired(emulator) == 1  # the policy's cooldown: one step, not two
    wait_component(emulator, "fraud", "InService")
    assert call()["inferenceComponentName"] == "fraud"


def test_deleting_a_component_deregisters_its_target(emulator: Emulator) -> None:
    """A deleted component's scalable target, policies and their alarms go with it, as a
    deleted endpoint's variants' do (sagemaker-semantics.md §1, "Other DeleteEndpoint
    facts")."""
    component(emulator)
    register(emulator)
    policy = put_policy(
        emulator,
        "per-copy",
        PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration=PER_COPY,
    )
    emulator.sagemaker.delete_inference_component(InferenceComponentName="fraud")
    targets = emulator.autoscaling.describe_scalable_targets(
        ServiceNamespace="sagemaker", ResourceIds=[RESOURCE]
    )
    assert targets["ScalableTargets"] == []
    names = [alarm["AlarmName"] for alarm in policy["Alarms"]]
    assert emulator.cloudwatch.describe_alarms(AlarmNames=names)["MetricAlarms"] == []


def test_an_inference_component_endpoint_scales_its_components_not_its_variant(
    emulator: Emulator,
) -> None:
    """On an endpoint that hosts components, the components are the scalable targets
    and ManagedInstanceScaling sizes the instances (developer guide, "Scale an endpoint
    to zero instances"); registering the variant, or a component that does not exist,
    is refused in the emulator's words."""
    component(emulator)
    with pytest.raises(ClientError) as variant:
        emulator.autoscaling.register_scalable_target(
            ServiceNamespace="sagemaker",
            ResourceId="endpoint/shared/variant/AllTraffic",
            ScalableDimension="sagemaker:variant:DesiredInstanceCount",
            MinCapacity=1,
            MaxCapacity=2,
        )
    assert "hosts inference components" in error_of(variant)[1]
    with pytest.raises(ClientError) as missing:
        emulator.autoscaling.register_scalable_target(
            ServiceNamespace="sagemaker",
            ResourceId="inference-component/absent",
            ScalableDimension=DIMENSION,
            MinCapacity=0,
            MaxCapacity=2,
        )
    assert error_of(missing)[1] == (
        "Unable to register scalable target: the SageMaker inference component "
        "inference-component/absent does not exist."
    )
