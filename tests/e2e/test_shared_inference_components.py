"""End to end: two models as inference components on one shared endpoint
(manifests/samples/shared-inference-components.yaml; README "Shared endpoints").

- Each ModelDeployment creates its inference component from its approved version, with the
  spec's compute requirements and copies; InferenceComponentName calls answer with it.
- A new approval of one is rolled out with its rolling update policy (batch by batch)
  while the other keeps answering with its version throughout; a rejection rolls it back.
- Copy-count autoscaling is registered on sagemaker:inference-component:DesiredCopyCount;
  with a minimum of 0 a component scaled to zero wakes on its first invocation, through the
  NoCapacityInvocationFailures alarm the operator creates.
- Deleting a ModelDeployment deletes its component, its scaling and its models, and leaves
  the other one serving; a ModelDeployment whose ModelEndpoint has the other mode is
  Stalled with PlacementMismatch.
"""

from __future__ import annotations

import time
from functools import partial
from typing import Any

import pytest

from support.e2e_stack import Stack, wait_for
from support.shared_endpoints import (
    apply_model_endpoint,
    apply_placed,
    endpoint_name,
    invoke_component,
    model_endpoint_ready,
)

pytestmark = pytest.mark.e2e

GROUPS = ("fraud", "churn")
FRAUD_COMPONENT = {
    "cpuCores": 1,
    "memoryMb": 2048,
    "copyCount": 2,
    "rollingUpdate": {
        "maximumBatchSize": {"type": "COPY_COUNT", "value": 1},
        "waitIntervalSeconds": 2,
    },
}
CHURN_COMPONENT = {"memoryMb": 1024, "copyCount": 1}
MANAGED_SCALING = {
    "minInstanceCount": 1,
    "maxInstanceCount": 3,
    "scaleInPolicy": {"strategy": "IDLE_RELEASE", "cooldownMinutes": 15},
}


def component(stack: Stack, name: str) -> str:
    status = stack.get(name).get("status") or {}
    return str((status.get("placement") or {}).get("inferenceComponent"))


def answer_version(stack: Stack, name: str) -> int | None:
    answer = invoke_component(stack, endpoint_name(stack, "gpu"), component(stack, name))
    return None if answer is None else answer.get("modelPackageVersion")


def answers_with(stack: Stack, name: str, version: int) -> bool:
    return answer_version(stack, name) == version


def set_up(stack: Stack, **fraud_spec: Any) -> None:
    for group in GROUPS:
        stack.registry.create_group(group)
        stack.registry.register(group, approval="Approved")
    apply_model_endpoint(
        stack,
        "gpu",
        mode="InferenceComponents",
        instanceType="ml.g5.2xlarge",
        initialInstanceCount=2,
        managedInstanceScaling=MANAGED_SCALING,
    )
    apply_placed(stack, "fraud", "fraud", "gpu", inferenceComponent=FRAUD_COMPONENT, **fraud_spec)
    apply_placed(stack, "churn", "churn", "gpu", inferenceComponent=CHURN_COMPONENT)
    for name in GROUPS:
        stack.wait_condition(name, "Ready", reason="Deployed", timeout=90)
        wait_for(partial(answers_with, stack, name, 1), timeout=30, what=f"{name} v1")


def test_two_models_rolling_update_of_one_while_the_other_serves(stack: Stack) -> None:
    set_up(stack)
    described = stack.sagemaker.describe_inference_component(
        InferenceComponentName=component(stack, "fraud")
    )
    assert described["EndpointName"] == endpoint_name(stack, "gpu")
    assert described["Specification"]["ComputeResourceRequirements"] == {
        "NumberOfCpuCoresRequired": 1.0,
        "MinMemoryRequiredInMb": 2048,
    }
    assert described["RuntimeConfig"]["DesiredCopyCount"] == 2
    model_endpoint_ready(stack, "gpu")
    endpoint = stack.sagemaker.describe_endpoint(EndpointName=endpoint_name(stack, "gpu"))
    config = stack.sagemaker.describe_endpoint_config(
        EndpointConfigName=endpoint["EndpointConfigName"]
    )
    managed = config["ProductionVariants"][0]["ManagedInstanceScaling"]
    assert (managed["Status"], managed["MinInstanceCount"], managed["MaxInstanceCount"]) == (
        "ENABLED",
        1,
        3,
    )

    v2 = stack.registry.register("fraud", approval="Approved")
    churn_answers: set[int | None] = set()
    fraud_answers: set[int | None] = set()
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        churn_answers.add(answer_version(stack, "churn"))
        fraud_answers.add(answer_version(stack, "fraud"))
        history = stack.history("fraud")
        if history and history[0]["version"] == v2.version and history[0]["outcome"] == "Succeeded":
            break
        time.sleep(0.2)
    assert churn_answers == {1}
    assert {1, 2} <= fraud_answers
    assert answer_version(stack, "fraud") == 2
    entry = stack.history("fraud")[0]
    assert (entry["trigger"], entry["inferenceComponent"].split("@")[0]) == (
        "NewApproval",
        component(stack, "fraud"),
    )
    assert ("Normal", "UpdatingInferenceComponent") in stack.events("fraud")
    assert stack.emulator.call_count("UpdateInferenceComponent") == 1

    stack.registry.reject(v2)
    wait_for(lambda: answer_version(stack, "fraud") == 1, timeout=90, what="fraud rolled back")
    stack.wait_condition("fraud", "Ready", reason="Deployed", timeout=60)
    assert stack.history("fraud")[0]["trigger"] == "Rollback"
    assert [h["version"] for h in stack.history("churn")] == [1]


def test_copy_count_autoscaling_down_to_zero_and_back(stack: Stack) -> None:
    scaling = {"minCapacity": 0, "maxCapacity": 4, "targetInvocationsPerCopy": 20}
    set_up(stack, autoscaling=scaling)
    name = component(stack, "fraud")
    resource = f"inference-component/{name}"
    targets = stack.autoscaling.describe_scalable_targets(
        ServiceNamespace="sagemaker", ResourceIds=[resource]
    )["ScalableTargets"]
    assert [(t["ScalableDimension"], t["MinCapacity"], t["MaxCapacity"]) for t in targets] == [
        ("sagemaker:inference-component:DesiredCopyCount", 0, 4)
    ]
    policies = stack.autoscaling.describe_scaling_policies(
        ServiceNamespace="sagemaker", ResourceId=resource
    )["ScalingPolicies"]
    assert sorted(p["PolicyType"] for p in policies) == ["StepScaling", "TargetTrackingScaling"]
    # The alarm's action is the step policy's ARN, so it follows the policy.
    alarms = wait_for(
        lambda: stack.cloudwatch.describe_alarms(AlarmNamePrefix="mdo-")["MetricAlarms"],
        timeout=30,
        what="the operator's NoCapacityInvocationFailures alarm",
    )
    assert [(a["MetricName"], a["Dimensions"]) for a in alarms] == [
        ("NoCapacityInvocationFailures", [{"Name": "InferenceComponentName", "Value": name}])
    ]
    step = next(p for p in policies if p["PolicyType"] == "StepScaling")
    assert alarms[0]["AlarmActions"] == [step["PolicyARN"]]

    # What scale-in does when the component is idle: no copies. The operator leaves the
    # copies to autoscaling; the first invocation fails and wakes it through the alarm.
    stack.sagemaker.update_inference_component_runtime_config(
        InferenceComponentName=name, DesiredRuntimeConfig={"CopyCount": 0}
    )
    wait_for(
        lambda: (
            stack.sagemaker.describe_inference_component(InferenceComponentName=name)[
                "RuntimeConfig"
            ]["CurrentCopyCount"]
            == 0
        ),
        timeout=30,
        what="the component at zero copies",
    )
    assert answer_version(stack, "fraud") is None
    wait_for(lambda: answer_version(stack, "fraud") == 1, timeout=60, what="woken from zero")
    assert stack.wait_condition("fraud", "Ready", reason="Deployed")


def test_deleting_one_placed_deployment_and_a_mismatched_placement(stack: Stack) -> None:
    set_up(stack)
    fraud = component(stack, "fraud")
    stack.delete("fraud", timeout=90)
    names = [
        c["InferenceComponentName"]
        for c in stack.sagemaker.list_inference_components()["InferenceComponents"]
    ]
    assert names == [component(stack, "churn")]
    assert not [m for m in stack.models() if m.startswith(fraud)]
    assert answer_version(stack, "churn") == 1

    apply_placed(stack, "lost", "churn", "gpu", multiModel={"targetModel": "churn.tar.gz"})
    stalled = stack.wait_condition("lost", "Stalled", reason="PlacementMismatch")
    assert "ModelEndpoint gpu is in InferenceComponents mode" in stalled["message"]
