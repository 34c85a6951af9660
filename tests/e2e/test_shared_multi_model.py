"""End to end: the seed 002 flow, three model groups on one multi-model endpoint
(manifests/samples/shared-multi-model.yaml; README "Shared endpoints").

- Each ModelDeployment copies its approved version's artifact under the ModelEndpoint's
  prefix at its TargetModel; the ModelEndpoint refreshes the endpoint, and TargetModel calls
  answer with that version.
- A new approval of one model refreshes the endpoint: that model answers with the new
  version, the other two keep answering with theirs. A rejection rolls back that model only.
- Approvals that arrive close together share one refresh.
- A SIGKILL of the operator in the middle of a refresh leaves no duplicate config and
  converges.
- Deleting the ModelEndpoint waits, naming them, while ModelDeployments are placed on it;
  deleting a ModelDeployment removes its artifact.
"""

from __future__ import annotations

from typing import Any

import pytest

from support.e2e_stack import Stack, wait_for
from support.shared_endpoints import (
    MODELS_BUCKET,
    apply_model_endpoint,
    apply_placed,
    endpoint_name,
    model_endpoint,
    model_endpoint_ready,
    served_text,
    upload_version,
)

pytestmark = pytest.mark.e2e

PREFIX_BUCKET = "risk-models"
PREFIX = f"s3://{PREFIX_BUCKET}/multi-model/"
GROUPS = ("fraud", "credit", "churn")
MULTI_MODEL = {
    "artifactPrefix": PREFIX,
    "image": "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1",
    "modelCacheSetting": "Enabled",
}


def target(group: str) -> str:
    return f"{group}.tar.gz"


def set_up(stack: Stack) -> dict[str, str]:
    """Three groups with an approved version 1 each, one MultiModel ModelEndpoint and a
    ModelDeployment per group on it, all serving; returns what each answers."""
    stack.s3.create_bucket(Bucket=MODELS_BUCKET)
    stack.s3.create_bucket(Bucket=PREFIX_BUCKET)
    answers = {}
    for group in GROUPS:
        stack.registry.create_group(group)
        answers[group] = upload_version(stack, group, 1)
    apply_model_endpoint(stack, "risk", mode="MultiModel", multiModel=MULTI_MODEL)
    for group in GROUPS:
        apply_placed(stack, group, group, "risk", multiModel={"targetModel": target(group)})
    for group in GROUPS:
        wait_answering(stack, group, answers[group])
        stack.wait_condition(group, "Ready", reason="Deployed", timeout=60)
    return answers


def wait_answering(stack: Stack, group: str, text: str, timeout: float = 90) -> None:
    endpoint = endpoint_name(stack, "risk")
    wait_for(
        lambda: served_text(stack, endpoint, target(group)) == text,
        timeout=timeout,
        interval=0.5,
        what=f"TargetModel {target(group)} answering with {text!r}",
    )


def answering(stack: Stack) -> dict[str, str | None]:
    endpoint = endpoint_name(stack, "risk")
    return {group: served_text(stack, endpoint, target(group)) for group in GROUPS}


def status(stack: Stack, name: str) -> dict[str, Any]:
    found: dict[str, Any] = stack.get(name).get("status") or {}
    return found


def test_approval_refreshes_one_model_and_rejection_rolls_back_only_that_model(
    stack: Stack,
) -> None:
    answers = set_up(stack)
    assert answering(stack) == answers
    placement = status(stack, "fraud")["placement"]
    assert placement == {
        "modelEndpoint": "risk",
        "mode": "MultiModel",
        "targetModel": "fraud.tar.gz",
        "artifact": f"{PREFIX}fraud.tar.gz",
        "served": True,
    }
    hosted = wait_for(
        lambda: (model_endpoint(stack, "risk").get("status") or {}).get("hostedCount") == 3,
        timeout=90,
        what="the ModelEndpoint listing the three deployments it hosts",
    )
    assert hosted

    # A new approval of fraud: copied, the endpoint refreshed, only fraud answers anew.
    updates = stack.emulator.call_count("UpdateEndpoint")
    fraud_v2 = upload_version(stack, "fraud", 2)
    wait_answering(stack, "fraud", fraud_v2)
    assert answering(stack) == {**answers, "fraud": fraud_v2}
    stack.wait_condition("fraud", "Ready", reason="Deployed", timeout=60)
    history = status(stack, "fraud")["history"]
    assert (history[0]["version"], history[0]["outcome"], history[0]["trigger"]) == (
        2,
        "Succeeded",
        "NewApproval",
    )
    assert history[0]["artifact"] == "fraud.tar.gz@v2"
    assert stack.emulator.call_count("UpdateEndpoint") == updates + 1
    assert status(stack, "credit")["history"][0]["version"] == 1

    # Rejected in the registry: fraud goes back to version 1, the others are untouched.
    stack.sagemaker.update_model_package(
        ModelPackageArn=status(stack, "fraud")["modelPackage"]["arn"],
        ModelApprovalStatus="Rejected",
    )
    wait_answering(stack, "fraud", answers["fraud"])
    assert answering(stack) == answers
    wait_for(
        lambda: (
            status(stack, "fraud")["history"][0]["trigger"] == "Rollback"
            and status(stack, "fraud")["history"][0]["outcome"] == "Succeeded"
        ),
        timeout=60,
        what="the rollback recorded in fraud's history",
    )
    assert [h["version"] for h in status(stack, "credit")["history"]] == [1]
    events = stack.events("fraud")
    assert ("Normal", "RollingBack") in events, events


def test_approvals_close_together_share_one_refresh(stack: Stack) -> None:
    set_up(stack)
    refresh = (model_endpoint(stack, "risk").get("status") or {}).get("lastRefresh")
    updates = stack.emulator.call_count("UpdateEndpoint")
    credit_v2 = upload_version(stack, "credit", 2)
    churn_v2 = upload_version(stack, "churn", 2)
    wait_answering(stack, "credit", credit_v2)
    wait_answering(stack, "churn", churn_v2)
    assert stack.emulator.call_count("UpdateEndpoint") == updates + 1
    last = model_endpoint(stack, "risk")["status"]["lastRefresh"]
    assert last != refresh
    assert set(last["targets"]) == {target(g) for g in GROUPS}


def test_sigkill_in_the_middle_of_a_refresh_leaves_no_duplicate_and_converges(
    stack: Stack,
) -> None:
    answers = set_up(stack)
    configs = stack.emulator.call_count("CreateEndpointConfig")
    updates = stack.emulator.call_count("UpdateEndpoint")
    fraud_v2 = upload_version(stack, "fraud", 2)
    # The refresh creates its config, then moves the endpoint to it: kill in between.
    wait_for(
        lambda: stack.emulator.call_count("CreateEndpointConfig") > configs,
        timeout=90,
        interval=0.02,
        what="the refresh's CreateEndpointConfig",
    )
    stack.operator.kill()
    stack.operator.start()
    wait_answering(stack, "fraud", fraud_v2)
    assert answering(stack) == {**answers, "fraud": fraud_v2}
    model_endpoint_ready(stack, "risk")
    assert stack.emulator.call_count("UpdateEndpoint") == updates + 1
    endpoint = endpoint_name(stack, "risk")
    live = stack.sagemaker.describe_endpoint(EndpointName=endpoint)["EndpointConfigName"]
    wait_for(
        lambda: stack.endpoint_configs() == [live],
        timeout=60,
        what="only the live config left once the old one is collected",
    )
    records = stack.s3.list_objects_v2(Bucket=PREFIX_BUCKET, Prefix="multi-model/.mdo-refresh/")
    assert [o["Key"] for o in records.get("Contents", [])] == [
        f"multi-model/.mdo-refresh/{live}.json"
    ]


def test_deleting_the_model_endpoint_waits_for_its_deployments(stack: Stack) -> None:
    set_up(stack)
    stack.kubectl("delete", "mep", "risk", "-n", stack.namespace, "--wait=false")

    def waiting() -> str | None:
        found = model_endpoint(stack, "risk")
        ready = {c["type"]: c for c in (found.get("status") or {}).get("conditions", [])}
        message = str((ready.get("Ready") or {}).get("message", ""))
        return message if "churn, credit, fraud" in message else None

    message = wait_for(waiting, timeout=60, what="the ModelEndpoint naming who holds it")
    assert "Waiting for the ModelDeployments placed on this ModelEndpoint" in message
    assert stack.endpoints() == [endpoint_name(stack, "risk")]

    # A deleted ModelDeployment takes its artifact with it.
    stack.delete("fraud")
    keys = stack.s3.list_objects_v2(Bucket=PREFIX_BUCKET, Prefix="multi-model/")
    assert f"multi-model/{target('fraud')}" not in [o["Key"] for o in keys.get("Contents", [])]
    stack.delete("credit")
    stack.delete("churn")
    wait_for(lambda: not stack.endpoints(), timeout=60, what="the shared endpoint deleted")
    wait_for(
        lambda: "risk" not in stack.kubectl("get", "mep", "-n", stack.namespace, "-o", "name"),
        timeout=60,
        what="the ModelEndpoint gone",
    )
    assert stack.endpoint_configs() == []
    assert stack.models() == []
    left = stack.s3.list_objects_v2(Bucket=PREFIX_BUCKET, Prefix="multi-model/")
    assert left.get("Contents", []) == []
