"""Approval policy: which version may serve, as tables of registry contents -> selection."""

from __future__ import annotations

import pytest

from model_deployment_operator.domain.policy import (
    NoVersionAllowed,
    VersionSelected,
    registry_scan_is_sufficient,
    select_version,
)
from model_deployment_operator.domain.reasons import Reason
from model_deployment_operator.domain.registry import PackageVersion, versioned_package_arn
from model_deployment_operator.domain.spec import ApprovalPolicy, ApprovalSpec
from support.domain_builders import GROUP, package

LATEST = ApprovalSpec()


def pinned(version: int) -> ApprovalSpec:
    return ApprovalSpec(policy=ApprovalPolicy.PINNED, pinned_version=version)


SELECTS = [
    pytest.param(LATEST, [package(1), package(2)], 2, id="latest/newest-approved"),
    pytest.param(
        LATEST, [package(1), package(2, "PendingManualApproval")], 1, id="latest/pending-ignored"
    ),
    pytest.param(LATEST, [package(1), package(2, "Rejected")], 1, id="latest/rejected-ignored"),
    pytest.param(
        LATEST, [package(1), package(2, status="InProgress")], 1, id="latest/not-completed-ignored"
    ),
    pytest.param(LATEST, [package(3), package(1), package(2)], 3, id="latest/order-irrelevant"),
    pytest.param(pinned(1), [package(1), package(2)], 1, id="pinned/older-version"),
]


@pytest.mark.parametrize(("approval", "versions", "expected"), SELECTS)
def test_selects_version(
    approval: ApprovalSpec, versions: list[PackageVersion], expected: int
) -> None:
    selection = select_version(approval, GROUP, versions)
    assert isinstance(selection, VersionSelected)
    assert selection.package.version == expected


REFUSES = [
    pytest.param(LATEST, [], Reason.NO_APPROVED_VERSION, False, id="latest/empty-group"),
    pytest.param(
        LATEST,
        [package(1, "Rejected"), package(2, "PendingManualApproval")],
        Reason.NO_APPROVED_VERSION,
        False,
        id="latest/none-approved",
    ),
    pytest.param(
        pinned(5), [package(1)], Reason.PINNED_VERSION_NOT_FOUND, False, id="pinned/missing"
    ),
    pytest.param(
        pinned(1),
        [package(1, "Rejected")],
        Reason.PINNED_VERSION_NOT_APPROVED,
        False,
        id="pinned/rejected",
    ),
    pytest.param(
        pinned(1),
        [package(1, status="InProgress")],
        Reason.PINNED_VERSION_NOT_READY,
        True,
        id="pinned/still-validating",
    ),
    pytest.param(
        pinned(1),
        [package(1, status="Failed")],
        Reason.PINNED_VERSION_NOT_APPROVED,
        False,
        id="pinned/package-failed",
    ),
]


@pytest.mark.parametrize(("approval", "versions", "reason", "transient"), REFUSES)
def test_refuses_with_reason(
    approval: ApprovalSpec, versions: list[PackageVersion], reason: Reason, transient: bool
) -> None:
    selection = select_version(approval, GROUP, versions)
    assert isinstance(selection, NoVersionAllowed)
    assert selection.reason is reason
    assert selection.transient is transient
    assert GROUP in selection.message


SCANS = [
    pytest.param(LATEST, None, [], False, id="nothing-read-yet"),
    pytest.param(LATEST, None, [package(9, "Rejected"), package(8)], True, id="found-deployable"),
    pytest.param(LATEST, None, [package(9, "Rejected")], False, id="no-deployable-yet"),
    pytest.param(LATEST, 5, [package(9), package(8)], False, id="live-version-not-reached"),
    pytest.param(LATEST, 8, [package(9), package(8)], True, id="live-version-reached"),
    pytest.param(pinned(3), None, [package(9), package(5)], False, id="pinned-not-reached"),
    pytest.param(pinned(3), None, [package(9), package(3)], True, id="pinned-reached"),
]


@pytest.mark.parametrize(("approval", "live", "newest_first", "sufficient"), SCANS)
def test_registry_scan_stops_only_when_enough_is_known(
    approval: ApprovalSpec, live: int | None, newest_first: list[PackageVersion], sufficient: bool
) -> None:
    assert registry_scan_is_sufficient(approval, live, newest_first) is sufficient


def test_versioned_arn_from_group_arn() -> None:
    group_arn = "arn:aws:sagemaker:eu-west-1:444455556666:model-package-group/Fraud-Detector"
    assert (
        versioned_package_arn(group_arn, 7)
        == "arn:aws:sagemaker:eu-west-1:444455556666:model-package/fraud-detector/7"
    )
