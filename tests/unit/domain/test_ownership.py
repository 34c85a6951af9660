"""What an object's tags claim about its owner, and when a ModelDeployment may adopt it."""

from __future__ import annotations

import pytest

from model_deployment_operator.domain.naming import DeploymentRef, ownership_tags
from model_deployment_operator.domain.ownership import (
    Claim,
    OwnerPresence,
    Ownership,
    read_claim,
)

ME = DeploymentRef(namespace="team-b", name="fraud", uid="uid-b")
THEM = DeploymentRef(namespace="team-a", name="fraud", uid="uid-a")


@pytest.mark.parametrize(
    ("tags", "claim", "owner"),
    [
        pytest.param(ownership_tags(ME), Claim.OURS, ME, id="our-uid"),
        pytest.param({}, Claim.UNCLAIMED, None, id="no-tags"),
        pytest.param({"team": "fraud"}, Claim.UNCLAIMED, None, id="user-tags-only"),
        pytest.param(ownership_tags(THEM), Claim.OTHER, THEM, id="another-uid"),
        pytest.param(
            {**ownership_tags(THEM), "sagemaker.mlops.dev/owner-uid": ""},
            Claim.UNATTRIBUTED,
            None,
            id="managed-without-uid",
        ),
        pytest.param(
            {
                "sagemaker.mlops.dev/managed-by": "model-deployment-operator",
                "sagemaker.mlops.dev/owner-uid": "uid-a",
            },
            Claim.UNATTRIBUTED,
            None,
            id="managed-without-namespace-and-name",
        ),
        pytest.param(
            {**ownership_tags(ME), "sagemaker.mlops.dev/managed-by": "someone-else"},
            Claim.UNCLAIMED,
            None,
            id="other-manager-is-not-ours-even-with-our-uid",
        ),
    ],
)
def test_read_claim(tags: dict[str, str], claim: Claim, owner: DeploymentRef | None) -> None:
    ownership = read_claim(tags, ME)
    assert ownership.claim is claim
    assert ownership.owner == owner
    assert ownership.owned is (claim is Claim.OURS)


@pytest.mark.parametrize(
    ("ownership", "adoptable"),
    [
        (Ownership(Claim.UNCLAIMED), True),
        (Ownership(Claim.OURS, ME), False),
        (Ownership(Claim.UNATTRIBUTED), False),
        (Ownership(Claim.OTHER, THEM), False),
        (Ownership(Claim.OTHER, THEM, OwnerPresence.LIVE), False),
        (Ownership(Claim.OTHER, THEM, OwnerPresence.UNKNOWN, "forbidden"), False),
        (Ownership(Claim.OTHER, THEM, OwnerPresence.GONE), True),
    ],
    ids=lambda value: value.claim + (value.presence or "") if isinstance(value, Ownership) else "",
)
def test_only_unclaimed_or_proven_orphaned_objects_are_adoptable(
    ownership: Ownership, adoptable: bool
) -> None:
    assert ownership.adoptable is adoptable


def test_descriptions_name_the_owner_and_what_is_known_of_it() -> None:
    live = Ownership(Claim.OTHER, THEM, OwnerPresence.LIVE).describe()
    assert "team-a/fraud" in live
    assert "uid-a" in live
    assert "still exists" in live
    assert "no longer exists" in Ownership(Claim.OTHER, THEM, OwnerPresence.GONE).describe()
    unknown = Ownership(Claim.OTHER, THEM, OwnerPresence.UNKNOWN, "403 Forbidden").describe()
    assert "403 Forbidden" in unknown
    assert "not created by this operator" in Ownership(Claim.UNCLAIMED).describe()


def test_an_object_owned_by_a_model_endpoint_names_that_kind() -> None:
    fleet = DeploymentRef("team-a", "shared", "uid-e", kind="ModelEndpoint")
    tags = ownership_tags(fleet)
    assert tags["sagemaker.mlops.dev/owner-kind"] == "ModelEndpoint"
    claim = read_claim(tags, ME)
    assert claim.owner == fleet
    assert "ModelEndpoint team-a/shared" in claim.with_presence(OwnerPresence.LIVE).describe()
    # Objects from before ModelEndpoints existed carry no kind: a ModelDeployment's.
    assert "sagemaker.mlops.dev/owner-kind" not in ownership_tags(THEM)
    assert read_claim(ownership_tags(THEM), ME).owner == THEM
