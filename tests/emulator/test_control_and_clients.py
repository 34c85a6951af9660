"""The /_emulator/ control API, throttling faults (sagemaker-semantics.md §7), and a
scenario driven through the AWS CLI, a client nobody here wrote."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from support.emulator_fixtures import Emulator, eventually
from support.emulator_scenario import INFERENCE, register

pytestmark = pytest.mark.emulator

AWS_CLI = Path(sys.executable).with_name("aws")


def test_health_and_reset(emulator: Emulator) -> None:
    """Control API: health answers; reset forgets every object and every count."""
    assert emulator.control.request("GET", "health")["status"] == "ok"
    register(emulator, "fraud")
    emulator.control.reset()
    assert emulator.sagemaker.list_model_package_groups()["ModelPackageGroupSummaryList"] == []
    assert emulator.control.calls() == {"sagemaker.ListModelPackageGroups": 1}


def test_call_counts_are_per_service_action(emulator: Emulator) -> None:
    """Control API: each call is counted under service.Action, reads and writes alike."""
    register(emulator, "fraud")
    emulator.control.reset_calls()
    for _ in range(3):
        emulator.sagemaker.list_model_packages(ModelPackageGroupName="fraud")
    emulator.autoscaling.describe_scalable_targets(ServiceNamespace="sagemaker")
    assert emulator.control.calls() == {
        "sagemaker.ListModelPackages": 3,
        "application-autoscaling.DescribeScalableTargets": 1,
    }


def test_next_n_calls_of_an_action_are_throttled(emulator: Emulator) -> None:
    """§7 Throttling: ThrottlingException "Rate exceeded" (HTTP 400) for the next N calls
    of the chosen actions only; other actions are untouched."""
    register(emulator, "fraud")
    emulator.control.throttle(count=2, actions=["ListModelPackages"])
    sm = emulator.sagemaker
    for _ in range(2):
        with pytest.raises(ClientError) as throttled:
            sm.list_model_packages(ModelPackageGroupName="fraud")
        error = throttled.value.response["Error"]
        assert (error["Code"], error["Message"]) == ("ThrottlingException", "Rate exceeded")
        assert throttled.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    sm.describe_model_package_group(ModelPackageGroupName="fraud")
    sm.list_model_packages(ModelPackageGroupName="fraud")
    snapshot = emulator.control.request("GET", "calls")
    assert snapshot["faulted"] == {"sagemaker.ListModelPackages": 2}


def test_botocore_standard_retries_treat_the_fault_as_a_throttle(emulator: Emulator) -> None:
    """§7: botocore's standard mode retries a ThrottlingException and then succeeds."""
    register(emulator, "fraud")
    emulator.control.throttle(count=2, actions=["sagemaker.ListModelPackages"])
    retrying = emulator.sagemaker_with(retries={"mode": "standard", "total_max_attempts": 5})
    response = retrying.list_model_packages(ModelPackageGroupName="fraud")
    assert response["ResponseMetadata"]["RetryAttempts"] == 2
    assert len(response["ModelPackageSummaryList"]) == 1


def test_a_fraction_of_calls_is_throttled(emulator: Emulator) -> None:
    """§7: a probability fault throttles about that fraction of calls, reproducibly."""
    register(emulator, "fraud")
    emulator.control.throttle(probability=0.3, seed=11)
    codes: list[str] = []
    for _ in range(200):
        try:
            emulator.sagemaker.list_model_packages(ModelPackageGroupName="fraud")
        except ClientError as error:
            codes.append(error.response["Error"]["Code"])
    assert set(codes) == {"ThrottlingException"}
    assert 40 <= len(codes) <= 80
    emulator.control.clear_faults()
    emulator.sagemaker.list_model_packages(ModelPackageGroupName="fraud")


def test_server_errors_can_be_injected(emulator: Emulator) -> None:
    """§7: 5xx faults are retryable server errors to botocore."""
    emulator.control.request(
        "POST", "faults/api", {"error": "server-error", "count": 1, "actions": ["ListEndpoints"]}
    )
    with pytest.raises(ClientError) as failed:
        emulator.sagemaker.list_endpoints()
    assert failed.value.response["ResponseMetadata"]["HTTPStatusCode"] >= 500


def aws(emulator: Emulator, *arguments: str) -> Any:
    environment = {"PATH": os.environ.get("PATH", ""), **emulator.environment()}
    result = subprocess.run(  # the pinned AWS CLI from this virtualenv
        [str(AWS_CLI), *arguments, "--output", "json"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if result.returncode != 0:
        raise AssertionError(f"aws {' '.join(arguments)} failed: {result.stderr}")
    return json.loads(result.stdout) if result.stdout.strip() else None


def test_aws_cli_registers_approves_deploys_and_invokes(emulator: Emulator, tmp_path: Path) -> None:
    """The AWS CLI, pointed at the emulator by AWS_ENDPOINT_URL alone, drives a release:
    group, version, approval, model, config, endpoint, wait, invoke."""
    aws(emulator, "sagemaker", "create-model-package-group", "--model-package-group-name", "cli")
    arn = aws(
        emulator,
        "sagemaker",
        "create-model-package",
        "--model-package-group-name",
        "cli",
        "--inference-specification",
        json.dumps(INFERENCE),
    )["ModelPackageArn"]
    eventually(
        lambda: (
            aws(emulator, "sagemaker", "describe-model-package", "--model-package-name", arn)[
                "ModelPackageStatus"
            ]
            == "Completed"
        ),
        "the package to complete",
    )
    aws(
        emulator,
        "sagemaker",
        "update-model-package",
        "--model-package-arn",
        arn,
        "--model-approval-status",
        "Approved",
    )
    listed = aws(
        emulator,
        "sagemaker",
        "list-model-packages",
        "--model-package-group-name",
        "cli",
        "--model-approval-status",
        "Approved",
    )
    assert [p["ModelPackageArn"] for p in listed["ModelPackageSummaryList"]] == [arn]
    aws(
        emulator,
        "sagemaker",
        "create-model",
        "--model-name",
        "cli-v1",
        "--execution-role-arn",
        "arn:aws:iam::123456789012:role/SageMakerExecution",
        "--containers",
        json.dumps([{"ModelPackageName": arn}]),
    )
    aws(
        emulator,
        "sagemaker",
        "create-endpoint-config",
        "--endpoint-config-name",
        "cli-v1",
        "--production-variants",
        "VariantName=AllTraffic,ModelName=cli-v1,InstanceType=ml.m5.large,InitialInstanceCount=1",
    )
    aws(
        emulator,
        "sagemaker",
        "create-endpoint",
        "--endpoint-name",
        "cli",
        "--endpoint-config-name",
        "cli-v1",
    )
    aws(emulator, "sagemaker", "wait", "endpoint-in-service", "--endpoint-name", "cli")
    out = tmp_path / "answer.json"
    aws(
        emulator,
        "sagemaker-runtime",
        "invoke-endpoint",
        "--endpoint-name",
        "cli",
        "--body",
        "e30=",
        "--content-type",
        "application/json",
        str(out),
    )
    answer = json.loads(out.read_text())
    assert answer["modelPackageArn"] == arn
    assert answer["modelPackageVersion"] == 1
