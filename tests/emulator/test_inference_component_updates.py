"""UpdateInferenceComponent: a new Specification replaces copies a batch at a time under
a RollingUpdatePolicy, or all at once; failures and alarms roll it back."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from support.emulator_fixtures import ROLE, TRANSITION_SECONDS, Emulator, eventually
from support.emulator_scenario import (
    component_endpoint,
    component_status,
    create_component,
    error_of,
    instant,
    register,
    wait_component,
)

pytestmark = pytest.mark.emulator

RESOURCES = {"NumberOfCpuCoresRequired": 0.5, "MinMemoryRequiredInMb": 1024}


def versioned_component(emulator: Emulator, copies: int = 4) -> None:
    """Component `fraud` on endpoint `shared` running model fraud-v1 (registry version 1)
    with `copies` copies; model fraud-v2 (version 2) exists for the update."""
    instant(emulator)
    for version in (1, 2):
        package = register(emulator, "fraud")
        emulator.sagemaker.create_model(
            ModelName=f"fraud-v{version}",
            ExecutionRoleArn=ROLE,
            Containers=[{"ModelPackageName": package}],
        )
    component_endpoint(emulator, "shared", instance_type="ml.m5.4xlarge")
    create_component(
        emulator, "fraud", "shared", model="fraud-v1", copies=copies, memory_mb=1024, cpus=0.5
    )
    wait_component(emulator, "fraud", "InService")
    emulator.control.set_durations(updatingSeconds=TRANSITION_SECONDS)


def update_to_v2(emulator: Emulator, **fields: Any) -> None:
    emulator.sagemaker.update_inference_component(
        InferenceComponentName="fraud",
        Specification={"ModelName": "fraud-v2", "ComputeResourceRequirements": RESOURCES},
        **fields,
    )


def rolling(batch: int, **extra: Any) -> dict[str, Any]:
    policy: dict[str, Any] = {
        "MaximumBatchSize": {"Type": "COPY_COUNT", "Value": batch},
        "WaitIntervalInSeconds": 0,
        **extra,
    }
    return {"RollingUpdatePolicy": policy}


def served_versions(emulator: Emulator, times: int = 4) -> set[int]:
    """The model package versions that answer `times` invocations of the component."""
    versions = set()
    for _ in range(times):
        response = emulator.runtime.invoke_endpoint(
            EndpointName="shared", InferenceComponentName="fraud", Body=b"{}"
        )
        versions.add(json.loads(response["Body"].read())["modelPackageVersion"])
    return versions


def described(emulator: Emulator) -> dict[str, Any]:
    value: dict[str, Any] = emulator.sagemaker.describe_inference_component(
        InferenceComponentName="fraud"
    )
    return value


def test_a_rolling_update_replaces_copies_a_batch_at_a_time(emulator: Emulator) -> None:
    """Developer guide, "Update inference components with rolling updates", and
    InferenceComponentRollingUpdatePolicy API reference: copies are replaced in batches of
    MaximumBatchSize, so while the component is Updating some invocations are answered by
    the old model and some by the new; then every copy runs the new one.
    DescribeInferenceComponent shows the Specification being deployed and the
    LastDeploymentConfig."""
    versioned_component(emulator)
    deployment = rolling(2)
    update_to_v2(emulator, DeploymentConfig=deployment)
    during = described(emulator)
    assert during["InferenceComponentStatus"] == "Updating"
    assert during["Specification"]["ModelName"] == "fraud-v2"
    assert during["LastDeploymentConfig"] == deployment
    assert served_versions(emulator) == {1}
    eventually(lambda: served_versions(emulator) == {1, 2}, "a mix of old and new copies")
    assert component_status(emulator, "fraud") == "Updating"
    assert described(emulator)["RuntimeConfig"]["CurrentCopyCount"] == 4
    wait_component(emulator, "fraud", "InService")
    assert served_versions(emulator) == {2}
    after = described(emulator)
    assert after["RuntimeConfig"] == {"DesiredCopyCount": 4, "CurrentCopyCount": 4}
    assert "FailureReason" not in after


def test_batches_may_be_a_percentage_of_the_copies(emulator: Emulator) -> None:
    """InferenceComponentCapacitySize API reference: CAPACITY_PERCENT batches are a share
    of the copies (here 50% of 4: two steps)."""
    versioned_component(emulator)
    policy = {
        "RollingUpdatePolicy": {
            "MaximumBatchSize": {"Type": "CAPACITY_PERCENT", "Value": 50},
            "WaitIntervalInSeconds": 0,
        }
    }
    update_to_v2(emulator, DeploymentConfig=policy)
    eventually(lambda: served_versions(emulator, 8) == {1, 2}, "half the copies replaced")
    wait_component(emulator, "fraud", "InService")
    assert served_versions(emulator) == {2}


def test_an_update_without_a_deployment_config_replaces_every_copy_at_once(
    emulator: Emulator,
) -> None:
    """UpdateInferenceComponent API reference (DeploymentConfig is optional): without one
    the emulator replaces every copy in one step (AWS documents no default; the
    emulator's choice), so no invocation sees a mix."""
    versioned_component(emulator, copies=2)
    update_to_v2(emulator)
    assert component_status(emulator, "fraud") == "Updating"
    assert served_versions(emulator) == {1}
    wait_component(emulator, "fraud", "InService")
    assert served_versions(emulator) == {2}
    assert "LastDeploymentConfig" not in described(emulator)


def test_a_failed_update_rolls_back_to_the_old_specification(emulator: Emulator) -> None:
    """Developer guide, "Update inference components with rolling updates": a failed
    deployment rolls back, RollbackMaximumBatchSize copies at a time (by default all at
    once, InferenceComponentRollingUpdatePolicy API reference). The failure is injected
    through the control API after the first batch; the component ends InService on the
    old Specification with FailureReason set (like a failed endpoint update, reference
    §1)."""
    versioned_component(emulator)
    emulator.control.fail_next_inference_component_update("fraud", reason="health check failed")
    update_to_v2(emulator, DeploymentConfig=rolling(2))
    eventually(lambda: served_versions(emulator) == {1, 2}, "the first batch replaced")
    wait_component(emulator, "fraud", "InService")
    after = described(emulator)
    assert after["FailureReason"] == "health check failed"
    assert after["Specification"]["ModelName"] == "fraud-v1"
    assert after["RuntimeConfig"] == {"DesiredCopyCount": 4, "CurrentCopyCount": 4}
    assert served_versions(emulator) == {1}


def test_an_alarm_in_alarm_during_the_update_rolls_it_back(emulator: Emulator) -> None:
    """InferenceComponentDeploymentConfig API reference, AutoRollbackConfiguration: "If any
    alarms are tripped during a deployment, SageMaker rolls back the deployment." The
    alarm lives in CloudWatch (moto's, on the emulator's port)."""
    versioned_component(emulator)
    emulator.cloudwatch.put_metric_alarm(
        AlarmName="fraud-errors",
        Namespace="AWS/SageMaker",
        MetricName="Invocation5XXErrors",
        Dimensions=[{"Name": "InferenceComponentName", "Value": "fraud"}],
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )
    deployment = {
        **rolling(1),
        "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": "fraud-errors"}]},
    }
    update_to_v2(emulator, DeploymentConfig=deployment)
    eventually(lambda: served_versions(emulator) == {1, 2}, "the first batch replaced")
    emulator.cloudwatch.set_alarm_state(
        AlarmName="fraud-errors", StateValue="ALARM", StateReason="5XX errors"
    )
    wait_component(emulator, "fraud", "InService")
    after = described(emulator)
    assert "fraud-errors" in after["FailureReason"]
    assert after["Specification"]["ModelName"] == "fraud-v1"
    assert served_versions(emulator) == {1}


def test_copy_counts_change_with_the_specification(emulator: Emulator) -> None:
    """UpdateInferenceComponent API reference: RuntimeConfig with a Specification changes
    both; the new copies run the new Specification."""
    versioned_component(emulator, copies=2)
    update_to_v2(emulator, RuntimeConfig={"CopyCount": 3})
    assert described(emulator)["RuntimeConfig"]["DesiredCopyCount"] == 3
    wait_component(emulator, "fraud", "InService")
    assert described(emulator)["RuntimeConfig"] == {"DesiredCopyCount": 3, "CurrentCopyCount": 3}
    assert served_versions(emulator, 6) == {2}


def test_updates_are_refused_while_one_runs_or_when_they_change_nothing(
    emulator: Emulator,
) -> None:
    """An update needs a Specification or a RuntimeConfig (hashicorp/terraform-provider-aws,
    inference_component.go: the API "rejects a request carrying only the name or only a
    DeploymentConfig") and a component that is not already changing (the emulator's
    words, after the endpoint's "Cannot update in-progress endpoint", reference §1)."""
    versioned_component(emulator, copies=2)
    with pytest.raises(ClientError) as empty:
        emulator.sagemaker.update_inference_component(
            InferenceComponentName="fraud", DeploymentConfig=rolling(1)
        )
    assert "needs a Specification or a RuntimeConfig" in error_of(empty)[1]
    update_to_v2(emulator)
    with pytest.raises(ClientError) as busy:
        emulator.sagemaker.update_inference_component_runtime_config(
            InferenceComponentName="fraud", DesiredRuntimeConfig={"CopyCount": 1}
        )
    assert error_of(busy) == (
        "ValidationException",
        "Cannot update in-progress inference component "
        '"arn:aws:sagemaker:us-east-1:123456789012:inference-component/fraud": it is Updating.',
    )
    with pytest.raises(ClientError) as deleting:
        emulator.sagemaker.delete_inference_component(InferenceComponentName="fraud")
    assert "Cannot delete in-progress inference component" in error_of(deleting)[1]
