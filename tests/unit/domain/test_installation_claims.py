"""Which installation may reconcile an object (its claim annotation), the claim patch, the
label selector check and the per-installation progress annotations."""

from __future__ import annotations

import pytest

from model_deployment_operator.domain.installation import (
    CLAIM_ANNOTATION,
    DEFAULT_INSTALLATION,
    Claim,
    ClaimVerdict,
    claim_of,
    claim_patch,
    conflict_message,
    progress_prefix,
    selector_problems,
)


@pytest.mark.parametrize(
    ("annotations", "verdict"),
    [
        (None, ClaimVerdict(Claim.UNCLAIMED)),
        ({}, ClaimVerdict(Claim.UNCLAIMED)),
        ({CLAIM_ANNOTATION: ""}, ClaimVerdict(Claim.UNCLAIMED)),
        ({"other": "team-a"}, ClaimVerdict(Claim.UNCLAIMED)),
        ({CLAIM_ANNOTATION: "team-a"}, ClaimVerdict(Claim.OURS, "team-a")),
        ({CLAIM_ANNOTATION: "team-b"}, ClaimVerdict(Claim.OTHERS, "team-b")),
    ],
)
def test_claim_of(annotations: dict[str, str] | None, verdict: ClaimVerdict) -> None:
    assert claim_of(annotations, "team-a") == verdict
    assert verdict.may_reconcile is (verdict.claim is Claim.OURS)


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
