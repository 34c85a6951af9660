"""End to end: registry approvals drive the endpoint, as a platform team would see it.

Everything here is real: kube-apiserver and etcd, kubectl, the operator process under its
ServiceAccount's RBAC, boto3 against the SageMaker emulator. Each test names the behaviour
from the operator issue it proves.
"""

from __future__ import annotations

import time

import pytest

from devstack.registry import invoke
from support.e2e_stack import Stack, wait_for

pytestmark = pytest.mark.e2e


def test_no_approved_version_yet(stack: Stack) -> None:
    stack.registry.register("fraud-detector")  # PendingManualApproval
    stack.apply("fraud")
    stalled = stack.wait_condition("fraud", "Stalled", reason="NoApprovedVersion")
    assert "fraud-detector" in stalled["message"]
    assert stack.conditions("fraud")["Ready"]["status"] == "False"
    assert stack.endpoints() == []
    assert ("Warning", "NoApprovedVersion") in stack.events("fraud")


def test_first_approval_deploys_and_the_endpoint_serves_it(stack: Stack) -> None:
    stack.apply("fraud")
    stack.wait_condition("fraud", "Stalled", reason="NoApprovedVersion")
    first = stack.registry.register("fraud-detector")
    stack.registry.approve(first)
    answer = stack.wait_serving("fraud", version=1)
    assert answer["modelPackageArn"] == first.arn
    status = stack.get("fraud")["status"]
    assert status["modelPackage"]["version"] == 1
    assert status["endpoint"]["status"] == "InService"
    assert [(h["version"], h["trigger"], h["outcome"]) for h in status["history"]] == [
        (1, "InitialDeployment", "Succeeded")
    ]
    tags = stack.sagemaker.list_tags(ResourceArn=status["endpoint"]["arn"])["Tags"]
    owner = {t["Key"]: t["Value"] for t in tags}
    assert owner["sagemaker.mlops.dev/owner-uid"] == stack.get("fraud")["metadata"]["uid"]
    reasons = [reason for _, reason in stack.events("fraud")]
    assert "CreatingEndpoint" in reasons
    assert "Deployed" in reasons


def test_pending_version_changes_nothing_and_newer_approval_updates(stack: Stack) -> None:
    first = stack.registry.register("fraud-detector", approval="Approved")
    stack.apply("fraud")
    stack.wait_serving("fraud", version=1)
    stack.emulator.reset_calls()
    second = stack.registry.register("fraud-detector")  # pending
    # Several registry polls (5 s each) pass without a change.
    time.sleep(12)
    assert stack.emulator.call_count("UpdateEndpoint") == 0
    assert invoke(stack.runtime, stack.endpoint_name("fraud"))["modelPackageVersion"] == 1
    assert stack.conditions("fraud")["Ready"]["status"] == "True"

    stack.registry.approve(second)
    stack.wait_serving("fraud", version=2)
    history = stack.history("fraud")
    assert [(h["version"], h["trigger"]) for h in history] == [
        (2, "NewApproval"),
        (1, "InitialDeployment"),
    ]
    assert history[0]["modelPackageArn"] == second.arn
    assert first.version == 1


def test_rejecting_the_live_version_rolls_back(stack: Stack) -> None:
    stack.registry.register("fraud-detector", approval="Approved")
    second = stack.registry.register("fraud-detector", approval="Approved")
    stack.apply("fraud")
    stack.wait_serving("fraud", version=2)
    stack.registry.reject(second)
    stack.wait_serving("fraud", version=1)
    latest = stack.history("fraud")[0]
    assert (latest["version"], latest["trigger"], latest["outcome"]) == (1, "Rollback", "Succeeded")
    assert ("Normal", "RollingBack") in stack.events("fraud")


def test_rejecting_the_last_approved_version_keeps_serving(stack: Stack) -> None:
    only = stack.registry.register("fraud-detector", approval="Approved")
    stack.apply("fraud")
    stack.wait_serving("fraud", version=1)
    stack.registry.reject(only)
    stalled = stack.wait_condition("fraud", "Stalled", reason="NoApprovedVersion")
    assert "keeps serving version 1 (Rejected)" in stalled["message"]
    assert invoke(stack.runtime, stack.endpoint_name("fraud"))["modelPackageVersion"] == 1
    assert stack.emulator.call_count("DeleteEndpoint") == 0


def test_pinned_version(stack: Stack) -> None:
    for _ in range(3):
        stack.registry.register("fraud-detector", approval="Approved")
    stack.apply("fraud", approval={"policy": "Pinned", "pinnedVersion": 2})
    stack.wait_serving("fraud", version=2)
    stack.registry.register("fraud-detector", approval="Approved")  # v4 is ignored
    time.sleep(7)
    assert invoke(stack.runtime, stack.endpoint_name("fraud"))["modelPackageVersion"] == 2
    stack.apply("fraud", approval={"policy": "Pinned", "pinnedVersion": 3})
    stack.wait_serving("fraud", version=3)
    assert stack.history("fraud")[0]["trigger"] == "PinnedVersion"


def test_pinning_an_unapproved_version_is_reported(stack: Stack) -> None:
    stack.registry.register("fraud-detector")
    stack.apply("fraud", approval={"policy": "Pinned", "pinnedVersion": 1})
    stalled = stack.wait_condition("fraud", "Stalled", reason="PinnedVersionNotApproved")
    assert "PendingManualApproval" in stalled["message"]


def test_spec_change_of_instance_count(stack: Stack) -> None:
    stack.registry.register("fraud-detector", approval="Approved")
    stack.apply("fraud")
    stack.wait_serving("fraud", version=1)
    before = stack.get("fraud")["status"]["endpoint"]["endpointConfigName"]
    stack.apply("fraud", endpoint={"instanceType": "ml.m5.large", "initialInstanceCount": 3})
    stack.wait_condition("fraud", "Ready", reason="Deployed")

    def three_instances() -> bool:
        endpoint = stack.sagemaker.describe_endpoint(EndpointName=stack.endpoint_name("fraud"))
        return endpoint["ProductionVariants"][0].get("DesiredInstanceCount") == 3

    wait_for(three_instances, timeout=30, what="3 instances")
    after = stack.get("fraud")["status"]["endpoint"]["endpointConfigName"]
    assert after != before
    assert stack.history("fraud")[0]["trigger"] == "SpecChange"


def test_kubectl_wait_for_ready(stack: Stack) -> None:
    stack.registry.register("fraud-detector", approval="Approved")
    stack.apply("fraud")
    out = stack.kubectl(
        "wait", "--for=condition=Ready", "mdep/fraud", "-n", stack.namespace, "--timeout=60s"
    )
    assert "condition met" in out
    wide = stack.kubectl("get", "mdep", "fraud", "-n", stack.namespace, "-o", "wide")
    assert "fraud-detector" in wide
    assert "InService" in wide
    assert "Deployed" in wide
