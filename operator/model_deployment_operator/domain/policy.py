"""Approval policies: which registry version may serve."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from model_deployment_operator.domain.promotion.gates import SkippedVersion
from model_deployment_operator.domain.reasons import Reason
from model_deployment_operator.domain.registry import PackageStatus, PackageVersion
from model_deployment_operator.domain.spec import ApprovalPolicy, ApprovalSpec


@dataclass(frozen=True)
class VersionSelected:
    package: PackageVersion
    # Newer versions approval.requirements skipped, newest first.
    skipped: tuple[SkippedVersion, ...] = ()


@dataclass(frozen=True)
class NoVersionAllowed:
    """The policy allows no version now. `transient` marks states that resolve on their own
    (a pinned package still being validated) rather than needing someone to act."""

    reason: Reason
    message: str
    transient: bool = False
    skipped: tuple[SkippedVersion, ...] = ()


Selection = VersionSelected | NoVersionAllowed


def select_version(
    approval: ApprovalSpec, group_name: str, versions: Sequence[PackageVersion]
) -> Selection:
    """Apply the approval policy to the versions read from the registry.

    `versions` may be any subset of the group that contains every version the policy could
    pick (see `registry_scan_is_sufficient`); order does not matter.
    """
    if approval.policy is ApprovalPolicy.PINNED:
        return _select_pinned(approval, group_name, versions)
    deployable = [v for v in versions if v.is_deployable]
    if not deployable:
        return NoVersionAllowed(
            Reason.NO_APPROVED_VERSION,
            f"Model package group {group_name} has no version that is Approved and Completed",
        )
    return VersionSelected(max(deployable, key=lambda v: v.version))


def _select_pinned(
    approval: ApprovalSpec, group_name: str, versions: Sequence[PackageVersion]
) -> Selection:
    pinned = approval.pinned_version
    match = next((v for v in versions if v.version == pinned), None)
    if match is None:
        return NoVersionAllowed(
            Reason.PINNED_VERSION_NOT_FOUND,
            f"Model package group {group_name} has no version {pinned}",
        )
    if not match.is_approved:
        return NoVersionAllowed(
            Reason.PINNED_VERSION_NOT_APPROVED,
            f"Pinned version {pinned} of model package group {group_name} is "
            f"{match.approval_status}, not Approved",
        )
    if match.package_status in (PackageStatus.PENDING, PackageStatus.IN_PROGRESS):
        return NoVersionAllowed(
            Reason.PINNED_VERSION_NOT_READY,
            f"Pinned version {pinned} of model package group {group_name} is "
            f"{match.package_status}; waiting for Completed",
            transient=True,
        )
    if match.package_status != PackageStatus.COMPLETED:
        return NoVersionAllowed(
            Reason.PINNED_VERSION_NOT_APPROVED,
            f"Pinned version {pinned} of model package group {group_name} has package "
            f"status {match.package_status}, not Completed",
        )
    return VersionSelected(match)


def registry_scan_is_sufficient(
    approval: ApprovalSpec, live_version: int | None, newest_first: Sequence[PackageVersion]
) -> bool:
    """True once a newest-first scan of the group has read enough to decide.

    Versions only grow, so a scan in descending order can stop at the first deployable
    version, as long as it has also passed the live version (whose approval status the
    status reports) and, for Pinned, the pinned one.
    """
    if not newest_first:
        return False
    oldest_seen = min(v.version for v in newest_first)
    if live_version is not None and oldest_seen > live_version:
        return False
    if approval.policy is ApprovalPolicy.PINNED:
        return approval.pinned_version is not None and oldest_seen <= approval.pinned_version
    if approval.requirements is not None and approval.requirements.needs_details:
        # Any newer version may fail a requirement; only the live one is sure to stand (see
        # domain/promotion/selection.py), so read down to it, or everything without one.
        return any(v.is_deployable and v.version == live_version for v in newest_first)
    return any(v.is_deployable for v in newest_first)
