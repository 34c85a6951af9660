"""When a shared registry read may be reused, and how far a listing answers."""

from __future__ import annotations

import pytest

from model_deployment_operator.domain.registry import PackageVersion
from model_deployment_operator.domain.registry_listing import (
    MAX_REGISTRY_PAGES,
    Listing,
    ReadAge,
    is_fresh,
    listing_changed,
)

POLL = 60.0


def version(number: int, approval: str = "Approved", package: str = "Completed") -> PackageVersion:
    return PackageVersion(
        arn=f"arn:aws:sagemaker:us-east-1:111122223333:model-package/g/{number}",
        group_name="g",
        version=number,
        approval_status=approval,
        package_status=package,
    )


@pytest.mark.parametrize(
    ("age", "invalidated", "shared", "fresh"),
    [
        # Alone on the group: read again at each poll, as a private read was.
        (47.0, False, False, True),
        (48.0, False, False, False),
        # Shared: one read per poll interval, whoever asks.
        (48.0, False, True, True),
        (59.9, False, True, True),
        (60.0, False, True, False),
        # A registry event or a rejection since the read: stale at any age.
        (0.0, True, True, False),
        (0.0, True, False, False),
    ],
)
def test_freshness(age: float, invalidated: bool, shared: bool, fresh: bool) -> None:
    assert is_fresh(ReadAge(age, invalidated, shared), POLL) is fresh


@pytest.mark.parametrize(
    ("listing", "asked", "covered"),
    [
        # Listed down to v7 with more pages: v7 and newer are answered, v6 is not.
        (Listing((version(9), version(8), version(7)), "next", 1), 7, True),
        (Listing((version(9), version(8), version(7)), "next", 1), 8, True),
        (Listing((version(9), version(8), version(7)), "next", 1), 6, False),
        # The whole group: a version not listed does not exist.
        (Listing((version(9), version(7)), None, 1), 8, True),
        (Listing((version(9),), None, 1), 3, True),
        # A version newer than any listed may have been registered since: not answered.
        (Listing((version(9),), "next", 1), 10, False),
        (Listing((version(9),), None, 1), 10, False),
        (Listing((), None, 1), 1, False),
    ],
)
def test_what_a_listing_answers_for(listing: Listing, asked: int, covered: bool) -> None:
    assert listing.covers(asked) is covered


def test_a_listing_ends_at_the_group_end_or_the_page_limit() -> None:
    assert Listing((version(1),), None, 1).exhausted
    assert not Listing((version(2),), "next", 1).exhausted
    assert Listing((version(2),), "next", MAX_REGISTRY_PAGES).exhausted
    extended = Listing((version(3),), "t1", 1).extended((version(2), version(1)), None)
    assert extended == Listing((version(3), version(2), version(1)), None, 2)


def listing(*versions: PackageVersion) -> Listing:
    return Listing(versions, None, 1)


@pytest.mark.parametrize(
    ("before", "after", "changed"),
    [
        (None, listing(version(2)), False),
        (listing(version(2), version(1)), listing(version(2), version(1)), False),
        # Registered, approved, rejected, finished, deleted.
        (listing(version(2)), listing(version(3, "PendingManualApproval"), version(2)), True),
        (listing(version(2, "PendingManualApproval")), listing(version(2)), True),
        (listing(version(2), version(1)), listing(version(2, "Rejected"), version(1)), True),
        (listing(version(2, package="InProgress")), listing(version(2)), True),
        (listing(version(3), version(2)), listing(version(2)), True),
        (listing(), listing(version(1)), True),
        (listing(), listing(), False),
        # Only as deep as both read: a deeper read of an unchanged group is no change.
        (listing(version(3)), listing(version(3), version(2), version(1)), False),
    ],
)
def test_what_counts_as_the_group_changed(
    before: Listing | None, after: Listing, changed: bool
) -> None:
    assert listing_changed(before, after) is changed
