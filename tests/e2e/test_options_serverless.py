"""End to end: a serverless endpoint through the operator (README, spec.endpoint.serverless;
manifests/samples/serverless-provisioned-autoscaled.yaml).

- The endpoint answers from serverless compute with the spec's memory, max concurrency
  and provisioned concurrency; approvals update it and a rejection rolls it back.
- Its provisioned concurrency is an autoscaling target, tracking
  SageMakerVariantProvisionedConcurrencyUtilization within the spec's range.
- Serverless to instance-backed is made in place with UpdateEndpoint; instance-backed to
  serverless is refused by SageMaker, so the operator reports it and never calls
  UpdateEndpoint, and the endpoint keeps serving.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from devstack.registry import invoke
from support.e2e_stack import GROUP, Stack, Whole, wait_for

pytestmark = pytest.mark.e2e

SERVERLESS = {"memorySizeInMB": 2048, "maxConcurrency": 20, "provisionedConcurrency": 3}
SERVERLESS_SCALING = {
    "minCapacity": 2,
    "maxCapacity": 8,
    "targetProvisionedConcurrencyUtilization": 0.7,
    "scaleInCooldownSeconds": 600,
    "scaleOutCooldownSeconds": 60,
}
INSTANCES = {"instanceType": "ml.m5.large", "initialInstanceCount": 1}
INSTANCE_SCALING = {"minCapacity": 1, "maxCapacity": 3, "targetInvocationsPerInstance": 50}
SERVERLESS_COMPUTE = {
    "kind": "serverless",
    "memorySizeInMB": 2048,
    "maxConcurrency": 20,
    "provisionedConcurrency": 3,
}


def apply_serverless(stack: Stack, name: str) -> None:
    stack.apply(name, endpoint=Whole({"serverless": SERVERLESS}), autoscaling=SERVERLESS_SCALING)


def scaling(stack: Stack, endpoint: str) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """The variant's scalable target (None: not registered) and its scaling policies."""
    resource = f"endpoint/{endpoint}/variant/AllTraffic"
    targets = stack.autoscaling.describe_scalable_targets(
        ServiceNamespace="sagemaker", ResourceIds=[resource]
    )["ScalableTargets"]
    policies = stack.autoscaling.describe_scaling_policies(
        ServiceNamespace="sagemaker", ResourceId=resource
    )["ScalingPolicies"]
    return (dict(targets[0]) if targets else None), [dict(p) for p in policies]


def live_variant_config(stack: Stack, endpoint: str) -> dict[str, Any]:
    described = stack.sagemaker.describe_endpoint(EndpointName=endpoint)
    config = stack.sagemaker.describe_endpoint_config(
        EndpointConfigName=described["EndpointConfigName"]
    )
    return {"status": described["EndpointStatus"], **config["ProductionVariants"][0]}


def test_serverless_deploys_scales_provisioned_concurrency_updates_and_rolls_back(
    stack: Stack,
) -> None:
    stack.registry.register(GROUP, approval="Approved")
    apply_serverless(stack, "fraud")
    answer = stack.wait_serving("fraud", version=1)
    endpoint = stack.endpoint_name("fraud")
    assert answer["compute"] == SERVERLESS_COMPUTE
    variant = stack.sagemaker.describe_endpoint(EndpointName=endpoint)["ProductionVariants"][0]
    assert variant["CurrentServerlessConfig"] == {
        "MemorySizeInMB": 2048,
        "MaxConcurrency": 20,
        "ProvisionedConcurrency": 3,
    }
    assert "CurrentInstanceCount" not in variant

    def registered() -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
        target, policies = scaling(stack, endpoint)
        return (target, policies) if target is not None and policies else None

    target, policies = wait_for(registered, timeout=30, what="provisioned concurrency scaling")
    assert target["ScalableDimension"] == "sagemaker:variant:DesiredProvisionedConcurrency"
    assert (target["MinCapacity"], target["MaxCapacity"]) == (2, 8)
    (policy,) = policies
    assert policy["PolicyType"] == "TargetTrackingScaling"
    assert policy["ScalableDimension"] == "sagemaker:variant:DesiredProvisionedConcurrency"
    tracking = policy["TargetTrackingScalingPolicyConfiguration"]
    assert tracking["PredefinedMetricSpecification"]["PredefinedMetricType"] == (
        "SageMakerVariantProvisionedConcurrencyUtilization"
    )
    assert tracking["TargetValue"] == pytest.approx(0.7)
    assert (tracking["ScaleInCooldown"], tracking["ScaleOutCooldown"]) == (600, 60)
    stack.wait_condition("fraud", "Ready", reason="Deployed")
    assert stack.get("fraud")["status"]["autoscaling"]["dimension"] == (
        "sagemaker:variant:DesiredProvisionedConcurrency"
    )

    second = stack.registry.register(GROUP, approval="Approved")
    answer = stack.wait_serving("fraud", version=second.version)
    assert answer["compute"] == SERVERLESS_COMPUTE
    assert stack.history("fraud")[0]["trigger"] == "NewApproval"
    stack.registry.reject(second)
    answer = stack.wait_serving("fraud", version=1)
    assert answer["compute"] == SERVERLESS_COMPUTE
    latest = stack.history("fraud")[0]
    assert (latest["version"], latest["trigger"], latest["outcome"]) == (1, "Rollback", "Succeeded")

    # The scaling setup survived both updates unchanged, and nothing was made twice.
    assert scaling(stack, endpoint) == (target, policies)
    assert stack.emulator.call_count("CreateEndpoint") == 1
    assert stack.emulator.call_count("RegisterScalableTarget") == 1
    assert stack.emulator.call_count("UpdateEndpoint") == 2
    stack.assert_nothing_duplicated("fraud")


def test_serverless_becomes_instance_backed_in_place_but_not_back(stack: Stack) -> None:
    stack.registry.register(GROUP, approval="Approved")
    apply_serverless(stack, "fraud")
    stack.wait_serving("fraud", version=1)
    endpoint = stack.endpoint_name("fraud")
    wait_for(lambda: scaling(stack, endpoint)[0], timeout=30, what="scalable target")
    arn = stack.sagemaker.describe_endpoint(EndpointName=endpoint)["EndpointArn"]
    stack.emulator.reset_calls()

    # Serverless -> instances: one UpdateEndpoint on the same endpoint, after deregistering
    # the provisioned-concurrency target SageMaker would otherwise refuse the update for.
    stack.apply("fraud", endpoint=Whole(INSTANCES), autoscaling=INSTANCE_SCALING)

    def on_instances() -> dict[str, Any] | None:
        live = live_variant_config(stack, endpoint)
        on_type = live["status"] == "InService" and live.get("InstanceType") == "ml.m5.large"
        return live if on_type else None

    live = wait_for(on_instances, timeout=60, what="endpoint InService on ml.m5.large")
    assert "ServerlessConfig" not in live
    stack.wait_condition("fraud", "Ready", reason="Deployed")
    answer = invoke(stack.runtime, endpoint)
    assert answer["compute"] == {
        "kind": "instance",
        "instanceType": "ml.m5.large",
        "instanceCount": 1,
    }
    assert answer["modelPackageVersion"] == 1
    assert stack.sagemaker.describe_endpoint(EndpointName=endpoint)["EndpointArn"] == arn
    assert stack.emulator.call_count("UpdateEndpoint") == 1
    assert stack.emulator.call_count("CreateEndpoint") == 0
    assert stack.emulator.call_count("DeleteEndpoint") == 0
    assert stack.emulator.call_count("DeregisterScalableTarget") == 1
    assert stack.history("fraud")[0]["trigger"] == "SpecChange"

    # Autoscaling follows the hosting shape: instance count on invocations per instance;
    # the provisioned-concurrency policy is gone with its target.
    def instance_scaling() -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
        target, policies = scaling(stack, endpoint)
        if target is None or target["ScalableDimension"] != (
            "sagemaker:variant:DesiredInstanceCount"
        ):
            return None
        return (target, policies) if policies else None

    target, policies = wait_for(instance_scaling, timeout=30, what="instance-count scaling")
    assert (target["MinCapacity"], target["MaxCapacity"]) == (1, 3)
    (policy,) = policies
    assert policy["TargetTrackingScalingPolicyConfiguration"]["PredefinedMetricSpecification"][
        "PredefinedMetricType"
    ] == ("SageMakerVariantInvocationsPerInstance")
    stack.assert_nothing_duplicated("fraud")
    serving_config = stack.get("fraud")["status"]["endpoint"]["endpointConfigName"]

    # Instances -> serverless: SageMaker refuses it, so the operator says so and does not try.
    stack.emulator.reset_calls()
    apply_serverless(stack, "fraud")
    stalled = stack.wait_condition("fraud", "Stalled", reason="EndpointChangeNotSupported")
    assert "cannot become serverless" in stalled["message"]
    assert serving_config in stalled["message"]
    assert stack.conditions("fraud")["Ready"]["status"] == "False"
    time.sleep(12)  # two registry polls and more
    assert stack.emulator.call_count("UpdateEndpoint") == 0
    assert stack.emulator.call_count("CreateEndpoint") == 0
    assert stack.emulator.call_count("DeleteEndpoint") == 0
    described = stack.sagemaker.describe_endpoint(EndpointName=endpoint)
    assert (described["EndpointStatus"], described["EndpointConfigName"]) == (
        "InService",
        serving_config,
    )
    answer = invoke(stack.runtime, endpoint)
    assert answer["compute"]["kind"] == "instance"
    assert answer["modelPackageVersion"] == 1
    assert stack.endpoints() == [endpoint]
    assert ("Warning", "EndpointChangeNotSupported") in stack.events("fraud")

    # Putting spec.endpoint back to the live shape (README, troubleshooting) clears it
    # without touching the endpoint.
    stack.apply("fraud", endpoint=Whole(INSTANCES), autoscaling=INSTANCE_SCALING)
    stack.wait_condition("fraud", "Ready", reason="Deployed")
    assert "Stalled" not in stack.conditions("fraud")
    assert stack.get("fraud")["status"]["endpoint"]["endpointConfigName"] == serving_config
    assert stack.emulator.call_count("UpdateEndpoint") == 0
    stack.assert_nothing_duplicated("fraud")
