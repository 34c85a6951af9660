"""Application Auto Scaling beyond one target-tracking policy: the CloudWatch alarms
target tracking creates (in moto's CloudWatch), step scaling, scheduled actions, serverless
provisioned concurrency, custom metrics, and the variants that cannot be scaled as asked."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from support.emulator_fixtures import Emulator
from support.emulator_scenario import (
    endpoint_on,
    error_of,
    image_model,
    instance_config,
    instant,
    serverless_config,
)

pytestmark = pytest.mark.emulator

RESOURCE = "endpoint/fraud-prod/variant/AllTraffic"
INSTANCES = "sagemaker:variant:DesiredInstanceCount"
CONCURRENCY = "sagemaker:variant:DesiredProvisionedConcurrency"
INVOCATIONS = {
    "TargetValue": 70.0,
    "PredefinedMetricSpecification": {
        "PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"
    },
}


def endpoint(emulator: Emulator, **config: Any) -> None:
    instant(emulator)
    image_model(emulator, "m")
    endpoint_on(emulator, "fraud-prod", instance_config(emulator, "fraud-prod", "m", **config))


def register(
    emulator: Emulator, minimum: int = 1, maximum: int = 4, dimension: str = INSTANCES
) -> None:
    emulator.autoscaling.register_scalable_target(
        ServiceNamespace="sagemaker",
        ResourceId=RESOURCE,
        ScalableDimension=dimension,
        MinCapacity=minimum,
        MaxCapacity=maximum,
    )


def tracking(
    emulator: Emulator,
    configuration: dict[str, Any] = INVOCATIONS,
    dimension: str = INSTANCES,
    name: str = "invocations",
) -> dict[str, Any]:
    response: dict[str, Any] = emulator.autoscaling.put_scaling_policy(
        PolicyName=name,
        ServiceNamespace="sagemaker",
        ResourceId=RESOURCE,
        ScalableDimension=dimension,
        PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration=configuration,
    )
    return response


def alarms(emulator: Emulator) -> dict[str, dict[str, Any]]:
    described = emulator.cloudwatch.describe_alarms(AlarmNamePrefix="TargetTracking-")
    return {a["AlarmName"]: a for a in described["MetricAlarms"]}


def test_target_tracking_creates_its_alarms_in_cloudwatch(emulator: Emulator) -> None:
    """Application Auto Scaling User Guide, "Target tracking scaling policies" (Application
    Auto Scaling creates and manages the CloudWatch alarms) and PutScalingPolicy API
    reference (Alarms): TargetTracking-<resource ID>-AlarmHigh-<uuid> and -AlarmLow-<uuid>
    on the variant's InvocationsPerInstance, acting on the policy."""
    endpoint(emulator)
    register(emulator)
    created = tracking(emulator)
    names = sorted(a["AlarmName"] for a in created["Alarms"])
    assert names[0].startswith(f"TargetTracking-{RESOURCE}-AlarmHigh-")
    assert names[1].startswith(f"TargetTracking-{RESOURCE}-AlarmLow-")
    in_cloudwatch = alarms(emulator)
    assert sorted(in_cloudwatch) == names
    high, low = in_cloudwatch[names[0]], in_cloudwatch[names[1]]
    assert high["Namespace"] == "AWS/SageMaker"
    assert high["MetricName"] == "InvocationsPerInstance"
    assert {d["Name"]: d["Value"] for d in high["Dimensions"]} == {
        "EndpointName": "fraud-prod",
        "VariantName": "AllTraffic",
    }
    assert (high["ComparisonOperator"], high["Threshold"]) == ("GreaterThanThreshold", 70.0)
    assert (low["ComparisonOperator"], low["Threshold"]) == ("LessThanThreshold", 63.0)
    assert high["AlarmActions"] == [created["PolicyARN"]]
    [policy] = emulator.autoscaling.describe_scaling_policies(
        ServiceNamespace="sagemaker", ResourceId=RESOURCE
    )["ScalingPolicies"]
    assert sorted(a["AlarmName"] for a in policy["Alarms"]) == names


def test_alarms_follow_policy_updates_and_go_with_policy_target_and_endpoint(
    emulator: Emulator,
) -> None:
    """PutScalingPolicy updates a policy in place (its alarms keep their names and take the
    new target; DisableScaleIn leaves no AlarmLow); DeleteScalingPolicy and
    DeregisterScalableTarget delete the alarms ("Delete a target tracking scaling policy",
    Application Auto Scaling User Guide), and so does DeleteEndpoint, which deregisters the
    endpoint's targets (developer guide, "Delete an endpoint that uses auto scaling")."""
    endpoint(emulator)
    register(emulator)
    first = {a["AlarmName"] for a in tracking(emulator)["Alarms"]}
    updated = tracking(emulator, {**INVOCATIONS, "TargetValue": 100.0})
    assert {a["AlarmName"] for a in updated["Alarms"]} == first
    assert {a["Threshold"] for a in alarms(emulator).values()} == {100.0, 90.0}
    no_scale_in = tracking(emulator, {**INVOCATIONS, "DisableScaleIn": True})
    [high] = [a["AlarmName"] for a in no_scale_in["Alarms"]]
    assert "-AlarmHigh-" in high
    assert list(alarms(emulator)) == [high]
    aas = emulator.autoscaling
    aas.delete_scaling_policy(
        PolicyName="invocations",
        ServiceNamespace="sagemaker",
        ResourceId=RESOURCE,
        ScalableDimension=INSTANCES,
    )
    assert alarms(emulator) == {}
    tracking(emulator)
    aas.deregister_scalable_target(
        ServiceNamespace="sagemaker", ResourceId=RESOURCE, ScalableDimension=INSTANCES
    )
    assert alarms(emulator) == {}
    register(emulator)
    tracking(emulator)
    emulator.sagemaker.delete_endpoint(EndpointName="fraud-prod")
    assert alarms(emulator) == {}
    assert aas.describe_scalable_targets(ServiceNamespace="sagemaker")["ScalableTargets"] == []


def test_step_scaling_policies_are_stored_and_described(emulator: Emulator) -> None:
    """PutScalingPolicy with StepScalingPolicyConfiguration (Application Auto Scaling User
    Guide, "Step scaling policies"): stored and described as given; step scaling creates no
    alarms of its own; overlapping step intervals are refused."""
    endpoint(emulator)
    register(emulator)
    step = {
        "AdjustmentType": "ChangeInCapacity",
        "MetricAggregationType": "Maximum",
        "Cooldown": 60,
        "StepAdjustments": [
            {"MetricIntervalLowerBound": 0, "MetricIntervalUpperBound": 10, "ScalingAdjustment": 1},
            {"MetricIntervalLowerBound": 10, "ScalingAdjustment": 2},
        ],
    }
    aas = emulator.autoscaling
    created = aas.put_scaling_policy(
        PolicyName="backlog-steps",
        ServiceNamespace="sagemaker",
        ResourceId=RESOURCE,
        ScalableDimension=INSTANCES,
        PolicyType="StepScaling",
        StepScalingPolicyConfiguration=step,
    )
    assert created["Alarms"] == []
    [policy] = aas.describe_scaling_policies(
        ServiceNamespace="sagemaker", PolicyNames=["backlog-steps"]
    )["ScalingPolicies"]
    assert policy["PolicyType"] == "StepScaling"
    assert policy["StepScalingPolicyConfiguration"] == step
    overlapping = [
        {"MetricIntervalLowerBound": 0, "MetricIntervalUpperBound": 10, "ScalingAdjustment": 1},
        {"MetricIntervalLowerBound": 5, "ScalingAdjustment": 2},
    ]
    with pytest.raises(ClientError) as refused:
        aas.put_scaling_policy(
            PolicyName="bad-steps",
            ServiceNamespace="sagemaker",
            ResourceId=RESOURCE,
            ScalableDimension=INSTANCES,
            PolicyType="StepScaling",
            StepScalingPolicyConfiguration={**step, "StepAdjustments": overlapping},
        )
    assert "must not overlap" in error_of(refused)[1]


def test_scheduled_actions_are_put_described_and_deleted(emulator: Emulator) -> None:
    """PutScheduledAction, DescribeScheduledActions and DeleteScheduledAction API
    references: actions need a registered target (ObjectNotFoundException otherwise), take
    at(), rate() or cron() schedules, are described with their ARN and go with their
    target (DeregisterScalableTarget deletes them)."""
    endpoint(emulator)
    aas = emulator.autoscaling
    action = {
        "ServiceNamespace": "sagemaker",
        "ResourceId": RESOURCE,
        "ScalableDimension": INSTANCES,
        "ScheduledActionName": "business-hours",
        "Schedule": "cron(0 8 ? * MON-FRI *)",
        "Timezone": "Europe/Berlin",
        "ScalableTargetAction": {"MinCapacity": 2, "MaxCapacity": 6},
    }
    with pytest.raises(aas.exceptions.ObjectNotFoundException):
        aas.put_scheduled_action(**action)
    register(emulator)
    aas.put_scheduled_action(**action)
    aas.put_scheduled_action(
        **{**action, "ScheduledActionName": "once", "Schedule": "at(2030-01-01T00:00:00)"}
    )
    described = aas.describe_scheduled_actions(
        ServiceNamespace="sagemaker", ScheduledActionNames=["business-hours"]
    )["ScheduledActions"]
    [business] = described
    assert business["Schedule"] == "cron(0 8 ? * MON-FRI *)"
    assert business["Timezone"] == "Europe/Berlin"
    assert business["ScalableTargetAction"] == {"MinCapacity": 2, "MaxCapacity": 6}
    assert business["ScheduledActionARN"].startswith("arn:aws:autoscaling:us-east-1:")
    with pytest.raises(ClientError) as invalid:
        aas.put_scheduled_action(**{**action, "Schedule": "every monday"})
    assert error_of(invalid)[0] == "ValidationException"
    aas.delete_scheduled_action(
        ServiceNamespace="sagemaker",
        ResourceId=RESOURCE,
        ScalableDimension=INSTANCES,
        ScheduledActionName="business-hours",
    )
    with pytest.raises(aas.exceptions.ObjectNotFoundException):
        aas.delete_scheduled_action(
            ServiceNamespace="sagemaker",
            ResourceId=RESOURCE,
            ScalableDimension=INSTANCES,
            ScheduledActionName="business-hours",
        )
    aas.deregister_scalable_target(
        ServiceNamespace="sagemaker", ResourceId=RESOURCE, ScalableDimension=INSTANCES
    )
    remaining = aas.describe_scheduled_actions(ServiceNamespace="sagemaker")
    assert remaining["ScheduledActions"] == []


def test_serverless_provisioned_concurrency_scales_on_its_own_dimension(
    emulator: Emulator,
) -> None:
    """Developer guide, "Automatically scale Provisioned Concurrency for a serverless
    endpoint": register sagemaker:variant:DesiredProvisionedConcurrency and track
    SageMakerVariantProvisionedConcurrencyUtilization. Other predefined metrics are refused
    in AWS's words (observed, aws/aws-cdk#29065); registering moves the provisioned
    concurrency into the range."""
    instant(emulator)
    image_model(emulator, "m")
    config = serverless_config(emulator, "fraud-prod", "m", max_concurrency=20, provisioned=1)
    endpoint_on(emulator, "fraud-prod", config)
    with pytest.raises(ClientError) as wrong_dimension:
        register(emulator)
    assert CONCURRENCY in error_of(wrong_dimension)[1]
    register(emulator, minimum=2, maximum=10, dimension=CONCURRENCY)
    [variant] = emulator.sagemaker.describe_endpoint(EndpointName="fraud-prod")[
        "ProductionVariants"
    ]
    assert variant["CurrentServerlessConfig"]["ProvisionedConcurrency"] == 2
    with pytest.raises(ClientError) as wrong_metric:
        tracking(emulator, INVOCATIONS, dimension=CONCURRENCY)
    assert error_of(wrong_metric)[1] == (
        "Scalable dimension sagemaker:variant:DesiredProvisionedConcurrency only supports the "
        "following predefined metric types: SageMakerVariantProvisionedConcurrencyUtilization"
    )
    utilization = {
        "TargetValue": 0.7,
        "PredefinedMetricSpecification": {
            "PredefinedMetricType": "SageMakerVariantProvisionedConcurrencyUtilization"
        },
    }
    tracking(emulator, utilization, dimension=CONCURRENCY)
    metrics = {a["MetricName"] for a in alarms(emulator).values()}
    assert metrics == {"ServerlessProvisionedConcurrencyUtilization"}


def test_serverless_variant_without_provisioned_concurrency_cannot_be_registered(
    emulator: Emulator,
) -> None:
    """Developer guide, "Automatically scale Provisioned Concurrency for a serverless
    endpoint": autoscaling needs a serverless endpoint with Provisioned Concurrency."""
    instant(emulator)
    image_model(emulator, "m")
    endpoint_on(emulator, "fraud-prod", serverless_config(emulator, "fraud-prod", "m"))
    with pytest.raises(ClientError) as refused:
        register(emulator, dimension=CONCURRENCY)
    assert "no ProvisionedConcurrency" in error_of(refused)[1]


def test_async_endpoint_scales_to_zero_on_its_backlog(emulator: Emulator) -> None:
    """Developer guide, "Autoscale an asynchronous endpoint": MinCapacity 0 and a target-
    tracking policy on the custom metric ApproximateBacklogSizePerInstance (namespace
    AWS/SageMaker, dimension EndpointName, statistic Average); its alarms watch that
    metric."""
    endpoint(
        emulator,
        AsyncInferenceConfig={"OutputConfig": {"S3OutputPath": "s3://async/out"}},
    )
    register(emulator, minimum=0, maximum=5)
    backlog = {
        "TargetValue": 5.0,
        "CustomizedMetricSpecification": {
            "MetricName": "ApproximateBacklogSizePerInstance",
            "Namespace": "AWS/SageMaker",
            "Dimensions": [{"Name": "EndpointName", "Value": "fraud-prod"}],
            "Statistic": "Average",
        },
        "ScaleInCooldown": 600,
        "ScaleOutCooldown": 300,
    }
    tracking(emulator, backlog)
    in_cloudwatch = list(alarms(emulator).values())
    assert {a["MetricName"] for a in in_cloudwatch} == {"ApproximateBacklogSizePerInstance"}
    assert {a["Statistic"] for a in in_cloudwatch} == {"Average"}
    [target] = emulator.autoscaling.describe_scalable_targets(ServiceNamespace="sagemaker")[
        "ScalableTargets"
    ]
    assert target["MinCapacity"] == 0


def test_real_time_variants_do_not_scale_to_zero(emulator: Emulator) -> None:
    """Developer guide, "Auto scaling prerequisites" ("Minimum instance count is required to
    be 1 or higher") against the Application Auto Scaling API reference, which allows 0
    for SageMaker variants: only asynchronous endpoints (and inference components,
    test_inference_component_scaling.py) scale to zero. The error names the minimum, as
    the API reference says such errors do."""
    endpoint(emulator)
    with pytest.raises(ClientError) as refused:
        register(emulator, minimum=0)
    code, message = error_of(refused)
    assert code == "ValidationException"
    assert "cannot be less than 1" in message


def test_burstable_instances_cannot_be_autoscaled(emulator: Emulator) -> None:
    """Developer guide, "Configure model auto scaling with the console": "SageMaker doesn't
    support auto scaling for burstable instances such as T2" (no error text is documented;
    the refusal quotes that sentence)."""
    instant(emulator)
    image_model(emulator, "small")
    config = instance_config(emulator, "small", "small", instance_type="ml.t2.medium")
    endpoint_on(emulator, "fraud-prod", config)
    with pytest.raises(ClientError) as refused:
        register(emulator)
    code, message = error_of(refused)
    assert code == "ValidationException"
    assert "doesn't support auto scaling for burstable instances" in message
    assert "ml.t2.medium" in message
