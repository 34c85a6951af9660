"""End to end: what goes wrong in production, and what the operator does about it.

Failed updates, failed endpoints, throttling, a SIGKILLed operator, an endpoint someone
else owns, autoscaling across updates, and deletion with both policies.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from devstack.registry import invoke
from support.e2e_stack import Stack, wait_for

pytestmark = pytest.mark.e2e

AUTOSCALING = {
    "minCapacity": 1,
    "maxCapacity": 4,
    "targetInvocationsPerInstance": 70,
    "scaleInCooldownSeconds": 600,
    "scaleOutCooldownSeconds": 120,
}


def scalable_target(stack: Stack, endpoint: str) -> dict[str, Any] | None:
    targets = stack.autoscaling.describe_scalable_targets(
        ServiceNamespace="sagemaker",
        ResourceIds=[f"endpoint/{endpoint}/variant/AllTraffic"],
    )["ScalableTargets"]
    return dict(targets[0]) if targets else None


def desired_instances(stack: Stack, endpoint: str) -> int:
    described = stack.sagemaker.describe_endpoint(EndpointName=endpoint)
    return int(described["ProductionVariants"][0]["DesiredInstanceCount"])


def test_autoscaling_registered_and_kept_across_a_model_update(stack: Stack) -> None:
    stack.registry.register("fraud-detector", approval="Approved")
    stack.apply("fraud", autoscaling=AUTOSCALING)
    stack.wait_serving("fraud", version=1)
    endpoint = stack.endpoint_name("fraud")
    target = wait_for(lambda: scalable_target(stack, endpoint), timeout=30, what="scalable target")
    assert (target["MinCapacity"], target["MaxCapacity"]) == (1, 4)
    policies = stack.autoscaling.describe_scaling_policies(
        ServiceNamespace="sagemaker", ResourceId=f"endpoint/{endpoint}/variant/AllTraffic"
    )["ScalingPolicies"]
    (policy,) = policies
    tracking = policy["TargetTrackingScalingPolicyConfiguration"]
    assert tracking["TargetValue"] == 70
    assert tracking["ScaleInCooldown"] == 600
    assert tracking["ScaleOutCooldown"] == 120
    assert (
        tracking["PredefinedMetricSpecification"]["PredefinedMetricType"]
        == "SageMakerVariantInvocationsPerInstance"
    )

    # The autoscaler scales the variant out, as Application Auto Scaling would.
    stack.sagemaker.update_endpoint_weights_and_capacities(
        EndpointName=endpoint,
        DesiredWeightsAndCapacities=[{"VariantName": "AllTraffic", "DesiredInstanceCount": 3}],
    )
    wait_for(lambda: desired_instances(stack, endpoint) == 3, timeout=30, what="3 instances")
    stack.wait_condition("fraud", "Ready", reason="Deployed")

    second = stack.registry.register("fraud-detector", approval="Approved")
    stack.wait_serving("fraud", version=second.version)
    assert desired_instances(stack, endpoint) == 3, "a model update must not reset the count"
    assert scalable_target(stack, endpoint) is not None


def test_instance_type_change_on_an_autoscaled_variant(stack: Stack) -> None:
    stack.registry.register("fraud-detector", approval="Approved")
    stack.apply("fraud", autoscaling=AUTOSCALING)
    stack.wait_serving("fraud", version=1)
    endpoint = stack.endpoint_name("fraud")
    wait_for(lambda: scalable_target(stack, endpoint), timeout=30, what="scalable target")
    stack.apply(
        "fraud",
        autoscaling=AUTOSCALING,
        endpoint={"instanceType": "ml.c5.xlarge", "initialInstanceCount": 1},
    )

    def on_new_type() -> bool:
        described = stack.sagemaker.describe_endpoint(EndpointName=endpoint)
        config = stack.sagemaker.describe_endpoint_config(
            EndpointConfigName=described["EndpointConfigName"]
        )
        return (
            described["EndpointStatus"] == "InService"
            and config["ProductionVariants"][0]["InstanceType"] == "ml.c5.xlarge"
        )

    wait_for(on_new_type, timeout=60, what="endpoint on ml.c5.xlarge")
    stack.wait_condition("fraud", "Ready", reason="Deployed")
    wait_for(lambda: scalable_target(stack, endpoint), timeout=30, what="re-registered target")
    assert stack.emulator.call_count("DeregisterScalableTarget") == 1
    assert stack.history("fraud")[0]["outcome"] == "Succeeded"


def test_autoscaling_removed_from_the_spec_is_deregistered(stack: Stack) -> None:
    stack.registry.register("fraud-detector", approval="Approved")
    stack.apply("fraud", autoscaling=AUTOSCALING)
    stack.wait_serving("fraud", version=1)
    endpoint = stack.endpoint_name("fraud")
    wait_for(lambda: scalable_target(stack, endpoint), timeout=30, what="scalable target")
    stack.kubectl(
        "patch",
        "mdep",
        "fraud",
        "-n",
        stack.namespace,
        "--type=json",
        "-p",
        '[{"op": "remove", "path": "/spec/autoscaling"}]',
    )
    wait_for(lambda: scalable_target(stack, endpoint) is None, timeout=30, what="deregistered")
    stack.wait_condition("fraud", "Ready", reason="Deployed")
    assert "autoscaling" not in stack.get("fraud")["status"]


def test_failed_update_is_reported_not_retried_and_recovers_on_next_approval(
    stack: Stack,
) -> None:
    stack.registry.register("fraud-detector", approval="Approved")
    stack.apply("fraud")
    stack.wait_serving("fraud", version=1)
    endpoint = stack.endpoint_name("fraud")
    stack.emulator.fail_next_endpoint_update(
        endpoint, "The primary container did not pass the ping health check"
    )
    stack.emulator.reset_calls()
    stack.registry.register("fraud-detector", approval="Approved")
    stalled = stack.wait_condition("fraud", "Stalled", reason="UpdateFailed", timeout=60)
    assert "ping health check" in stalled["message"]
    assert "keeps" in stalled["message"] or "kept" in stalled["message"]
    assert invoke(stack.runtime, endpoint)["modelPackageVersion"] == 1
    assert stack.history("fraud")[0]["outcome"] == "Failed"
    # No retry loop: several registry polls later, still exactly one UpdateEndpoint.
    time.sleep(12)
    assert stack.emulator.call_count("UpdateEndpoint") == 1
    assert ("Warning", "DeploymentFailed") in stack.events("fraud")

    stack.registry.register("fraud-detector", approval="Approved")
    stack.wait_serving("fraud", version=3)
    assert stack.emulator.call_count("UpdateEndpoint") == 2
    assert "Stalled" not in stack.conditions("fraud")


def test_failed_endpoint_is_replaced_only_when_the_desired_state_changes(stack: Stack) -> None:
    stack.emulator.fail_next_endpoint_create(reason="CannotStartContainerError")
    stack.registry.register("fraud-detector", approval="Approved")
    stack.apply("fraud")
    stalled = stack.wait_condition("fraud", "Stalled", reason="EndpointFailed", timeout=60)
    assert "CannotStartContainerError" in stalled["message"]
    time.sleep(8)
    assert stack.emulator.call_count("DeleteEndpoint") == 0
    assert stack.emulator.call_count("CreateEndpoint") == 1

    stack.registry.register("fraud-detector", approval="Approved")
    stack.wait_serving("fraud", version=2, timeout=90)
    assert stack.emulator.call_count("DeleteEndpoint") == 1
    assert stack.emulator.call_count("CreateEndpoint") == 2


def test_thirty_percent_throttling_still_converges(stack: Stack) -> None:
    stack.emulator.throttle(probability=0.3)
    stack.registry.register("fraud-detector", approval="Approved")
    stack.apply("fraud")
    stack.wait_serving("fraud", version=1, timeout=120)
    stack.registry.register("fraud-detector", approval="Approved")
    stack.wait_serving("fraud", version=2, timeout=120)
    faulted = stack.emulator.request("GET", "calls")["faulted"]
    assert sum(faulted.values()) > 0, "throttling was injected"
    assert "Stalled" not in stack.conditions("fraud")
    stack.emulator.clear_faults()


@pytest.mark.parametrize("kill_after", ["CreateModel", "CreateEndpoint"])
def test_sigkill_mid_creation_leaves_no_duplicates(stack: Stack, kill_after: str) -> None:
    stack.registry.register("fraud-detector", approval="Approved")
    stack.apply("fraud")
    wait_for(
        lambda: stack.emulator.call_count(kill_after) >= 1,
        timeout=30,
        interval=0.02,
        what=f"{kill_after} call",
    )
    stack.operator.kill()
    stack.operator.start()
    stack.wait_serving("fraud", version=1, timeout=90)
    assert len(stack.endpoints()) == 1
    assert len(stack.endpoint_configs()) == 1
    assert len(stack.models()) == 1
    assert stack.emulator.call_count("CreateEndpoint") == 1


def test_foreign_endpoint_with_the_same_name_is_untouched(stack: Stack) -> None:
    endpoint = stack.endpoint_name("fraud")
    package = stack.registry.register("fraud-detector", approval="Approved")
    stack.sagemaker.create_model(
        ModelName="someone-elses-model",
        ExecutionRoleArn="arn:aws:iam::123456789012:role/Other",
        Containers=[{"ModelPackageName": package.arn}],
    )
    stack.sagemaker.create_endpoint_config(
        EndpointConfigName="someone-elses-config",
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": "someone-elses-model",
                "InstanceType": "ml.m5.large",
                "InitialInstanceCount": 1,
            }
        ],
    )
    stack.sagemaker.create_endpoint(
        EndpointName=endpoint, EndpointConfigName="someone-elses-config"
    )
    stack.emulator.reset_calls()
    stack.apply("fraud")
    stalled = stack.wait_condition("fraud", "Stalled", reason="EndpointNameConflict")
    assert "adoptExisting" in stalled["message"]
    time.sleep(6)
    stack.delete("fraud")
    described = stack.sagemaker.describe_endpoint(EndpointName=endpoint)
    assert described["EndpointConfigName"] == "someone-elses-config"
    for mutation in (
        "UpdateEndpoint",
        "DeleteEndpoint",
        "AddTags",
        "DeleteEndpointConfig",
        "DeleteModel",
    ):
        assert stack.emulator.call_count(mutation) == 0, mutation
    assert "someone-elses-model" in stack.models()


def test_adopting_an_existing_endpoint_when_asked(stack: Stack) -> None:
    endpoint = stack.endpoint_name("fraud")
    stack.registry.register("fraud-detector", approval="Approved")
    second = stack.registry.register("fraud-detector", approval="Approved")
    stack.sagemaker.create_model(
        ModelName="legacy-model",
        ExecutionRoleArn="arn:aws:iam::123456789012:role/Other",
        Containers=[{"ModelPackageName": second.arn.rsplit("/", 1)[0] + "/1"}],
    )
    stack.sagemaker.create_endpoint_config(
        EndpointConfigName="legacy-config",
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": "legacy-model",
                "InstanceType": "ml.m5.large",
                "InitialInstanceCount": 1,
            }
        ],
    )
    stack.sagemaker.create_endpoint(EndpointName=endpoint, EndpointConfigName="legacy-config")
    wait_for(
        lambda: (
            stack.sagemaker.describe_endpoint(EndpointName=endpoint)["EndpointStatus"]
            == "InService"
        ),
        timeout=30,
        what="legacy endpoint InService",
    )
    stack.apply("fraud", endpoint={"instanceType": "ml.m5.large", "adoptExisting": True})
    stack.wait_serving("fraud", version=2, timeout=90)
    assert ("Normal", "AdoptedEndpoint") in stack.events("fraud")


def test_deletion_with_delete_removes_everything_it_owns(stack: Stack) -> None:
    stack.registry.register("fraud-detector", approval="Approved")
    stack.apply("fraud", autoscaling=AUTOSCALING)
    stack.wait_serving("fraud", version=1)
    second = stack.registry.register("fraud-detector", approval="Approved")
    stack.wait_serving("fraud", version=second.version)
    endpoint = stack.endpoint_name("fraud")
    wait_for(lambda: scalable_target(stack, endpoint), timeout=30, what="scalable target")
    stack.delete("fraud", timeout=90)
    assert stack.kubectl("get", "mdep", "-n", stack.namespace, "-o", "name") == ""
    assert stack.endpoints() == []
    assert stack.endpoint_configs() == []
    assert stack.models() == []
    assert scalable_target(stack, endpoint) is None


def test_deletion_with_retain_leaves_the_endpoint_serving(stack: Stack) -> None:
    stack.registry.register("fraud-detector", approval="Approved")
    stack.apply("fraud", deletionPolicy="Retain")
    stack.wait_serving("fraud", version=1)
    stack.delete("fraud")
    endpoint = stack.endpoint_name("fraud")
    assert stack.endpoints() == [endpoint]
    assert invoke(stack.runtime, endpoint)["modelPackageVersion"] == 1
    assert stack.emulator.call_count("DeleteEndpoint") == 0
