"""LatestApproved with approval.requirements: the newest deployable version that passes
every requirement, and the newer ones skipped with the requirement each failed.

Requirements decide whether a version may start serving in this environment; the version
already serving here keeps serving while it stays Approved (it is not judged again), so a
newer version that fails falls back to it, as LatestApproved falls back to the next newest
approved version when the serving one is rejected. Judging stops at the first version that
passes, so details are read only for the versions newer than it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from model_deployment_operator.domain.policy import NoVersionAllowed, Selection, VersionSelected
from model_deployment_operator.domain.promotion.gates import Failure, SkippedVersion
from model_deployment_operator.domain.reasons import Reason
from model_deployment_operator.domain.registry import PackageVersion


def select_promoted(
    group_name: str,
    versions: Sequence[PackageVersion],
    live_version: int | None,
    judge: Callable[[PackageVersion], Failure | None],
) -> Selection:
    """`judge` reads a version's details and returns the requirement it fails, if any."""
    deployable = sorted((v for v in versions if v.is_deployable), key=lambda v: -v.version)
    if not deployable:
        return NoVersionAllowed(
            Reason.NO_APPROVED_VERSION,
            f"Model package group {group_name} has no version that is Approved and Completed",
        )
    skipped: list[SkippedVersion] = []
    for candidate in deployable:
        if candidate.version == live_version:
            return VersionSelected(candidate, tuple(skipped))
        failure = judge(candidate)
        if failure is None:
            return VersionSelected(candidate, tuple(skipped))
        skipped.append(SkippedVersion(candidate.version, failure))
    waiting = [s for s in skipped if s.failure.may_pass_later]
    newest = skipped[0].failure.message
    if waiting:
        return NoVersionAllowed(
            Reason.WAITING_FOR_REQUIREMENTS,
            f"No approved version of model package group {group_name} meets "
            f"approval.requirements yet: {newest}",
            transient=True,
            skipped=tuple(skipped),
        )
    return NoVersionAllowed(
        Reason.NO_VERSION_MEETS_REQUIREMENTS,
        f"No approved version of model package group {group_name} meets "
        f"approval.requirements: {newest}",
        skipped=tuple(skipped),
    )


def waiting_for_requirements(selection: Selection) -> bool:
    """No version may serve yet, and one may once time passes or another environment
    serves it."""
    return (
        isinstance(selection, NoVersionAllowed)
        and selection.reason is Reason.WAITING_FOR_REQUIREMENTS
    )
