"""Which installation may reconcile an object (its claim annotation), the claim patch, the
label selector check and the per-installation progress annotations."""

from __future__ import annotations

from typing import Any

import pytest

from model_deployment_operator.domain.installation import (
    CLAIM_ANNOTATION,
    DEFAULT_INSTALLATION,
    ClaimState,
    ClaimVerdict,
    Requirement,
    claim_of,
    claim_patch,
    conflict_message,
    parse_selector,
    progress_prefix,
    selector_problems,
)
from model_deployment_operator.domain.placed.host import host_endpoint
from model_deployment_operator.domain.reasons import Reason
from model_deployment_operator.domain.shared_observed import HostEndpoint
from model_deployment_operator.domain.spec import parse_spec
from model_deployment_operator.domain.verdict import Verdict, VerdictKind


@pytest.mark.parametrize(
    ("annotations", "verdict"),
    [
        (None, ClaimVerdict(ClaimState.UNCLAIMED)),
        ({}, ClaimVerdict(ClaimState.UNCLAIMED)),
        ({CLAIM_ANNOTATION: ""}, ClaimVerdict(ClaimState.UNCLAIMED)),
        ({"other": "team-a"}, ClaimVerdict(ClaimState.UNCLAIMED)),
        ({CLAIM_ANNOTATION: "team-a"}, ClaimVerdict(ClaimState.OURS, "team-a")),
        ({CLAIM_ANNOTATION: "team-b"}, ClaimVerdict(ClaimState.OTHERS, "team-b")),
    ],
)
def test_claim_of(annotations: dict[str, str] | None, verdict: ClaimVerdict) -> None:
    assert claim_of(annotations, "team-a") == verdict
    assert verdict.may_reconcile is (verdict.claim is ClaimState.OURS)


def test_the_claim_patch_carries_the_resource_version_it_was_read_at() -> None:
    assert claim_patch("team-a", "4711") == {
        "metadata": {"resourceVersion": "4711", "annotations": {CLAIM_ANNOTATION: "team-a"}}
    }


def test_the_conflict_message_names_the_object_both_installations_and_the_way_out() -> None:
    message = conflict_message("ModelDeployment", "ml", "fraud", "team-a", "team-b")
    assert "ModelDeployment ml/fraud is claimed by installation team-a" in message
    assert "installation team-b leaves it alone" in message
    assert f"annotation {CLAIM_ANNOTATION}" in message


@pytest.mark.parametrize(
    "selector",
    [
        "shard=a",
        "shard==a",
        "shard!=a",
        "shard",
        "!shard",
        "shard in (a, b)",
        "shard notin (a,b),tier=gold",
        "mlops.example.com/team=fraud,env in (prod)",
        "shard=",
    ],
)
def test_label_selectors_kubernetes_accepts(selector: str) -> None:
    assert selector_problems(selector) == []


@pytest.mark.parametrize(
    ("selector", "problem"),
    [
        ("", "the label selector is empty"),
        ("shard=a b", "'shard=a b' is not a label selector requirement"),
        ("shard=a,,tier=gold", "'' is not a label selector requirement"),
        ("shard in a", "'shard in a' is not a label selector requirement"),
        ("-shard=a", "'-shard=a' is not a label selector requirement"),
    ],
)
def test_label_selectors_kubernetes_refuses(selector: str, problem: str) -> None:
    assert problem in selector_problems(selector)


def test_progress_annotations_are_per_installation_but_the_default_keeps_its_prefix() -> None:
    assert progress_prefix(DEFAULT_INSTALLATION) == "sagemaker.mlops.dev"
    assert progress_prefix("team-a") == "team-a.sagemaker.mlops.dev"


ROLE = "arn:aws:iam::111122223333:role/SageMakerExecution"
PLACED_SPEC = parse_spec(
    {
        "modelPackageGroupName": "fraud-detector",
        "executionRoleArn": ROLE,
        "endpointRef": {"name": "gpu-pool"},
        "inferenceComponent": {"memoryMb": 2048},
    }
)


def gpu_pool(annotations: dict[str, str]) -> dict[str, Any]:
    return {
        "metadata": {"name": "gpu-pool", "uid": "uid-pool", "annotations": annotations},
        "spec": {
            "executionRoleArn": ROLE,
            "mode": "InferenceComponents",
            "instanceType": "ml.g5.2xlarge",
        },
    }


def test_a_deployment_is_not_placed_on_a_model_endpoint_another_installation_claimed() -> None:
    found = host_endpoint(
        PLACED_SPEC,
        "ml",
        gpu_pool({CLAIM_ANNOTATION: "team-a"}),
        default_region="us-east-1",
        installation="team-b",
    )
    assert isinstance(found, Verdict)
    assert (found.kind, found.reason) == (VerdictKind.BLOCKED, Reason.PLACEMENT_MISMATCH)
    assert "ModelEndpoint gpu-pool is reconciled by installation team-a" in found.message
    assert "this ModelDeployment by installation team-b" in found.message


@pytest.mark.parametrize(
    ("annotations", "installation"),
    [
        ({CLAIM_ANNOTATION: "team-b"}, "team-b"),
        ({}, "team-b"),  # not reconciled yet: its first tick claims it
        ({CLAIM_ANNOTATION: "team-a"}, None),  # `plan`: no installation, no check
    ],
)
def test_a_deployment_is_placed_on_its_own_or_an_unclaimed_model_endpoint(
    annotations: dict[str, str], installation: str | None
) -> None:
    found = host_endpoint(
        PLACED_SPEC,
        "ml",
        gpu_pool(annotations),
        default_region="us-east-1",
        installation=installation,
    )
    assert isinstance(found, HostEndpoint)
    assert found.name == "gpu-pool"


def test_a_selector_parses_into_its_requirements() -> None:
    assert parse_selector("shard in (a, b), !legacy,tier!=gold,env,team==fraud") == (
        Requirement("shard", "in", frozenset({"a", "b"})),
        Requirement("legacy", "!"),
        Requirement("tier", "!=", frozenset({"gold"})),
        Requirement("env", "exists"),
        Requirement("team", "=", frozenset({"fraud"})),
    )
