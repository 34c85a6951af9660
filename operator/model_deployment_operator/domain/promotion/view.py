"""The environment and the skipped versions in status, and the Event when the reasons for
skipping change (not on every tick: the messages only change when something happened)."""

from __future__ import annotations

from model_deployment_operator.domain.events import EventRecord, EventType
from model_deployment_operator.domain.policy import Selection
from model_deployment_operator.domain.status import (
    SKIPPED_LIMIT,
    DeploymentStatus,
    SkippedVersionView,
)

VERSIONS_SKIPPED = "VersionsSkipped"


def environment_of(
    spec_environment: str | None, operator_environment: str | None, namespace: str
) -> str:
    """spec.environment, else the installation's MDO_ENVIRONMENT (one per cluster or
    account, the usual case), else the namespace (one environment per namespace)."""
    return spec_environment or operator_environment or namespace


def skipped_views(selection: Selection) -> tuple[SkippedVersionView, ...]:
    return tuple(
        SkippedVersionView(
            version=s.version,
            requirement=s.failure.requirement,
            message=s.failure.message,
            eligible_at=s.failure.eligible_at,
        )
        for s in selection.skipped[:SKIPPED_LIMIT]
    )


def with_promotion(
    status: DeploymentStatus, environment: str, selection: Selection | None
) -> DeploymentStatus:
    """status with its environment, and the versions skipped this tick (kept as they were
    when the tick did not get as far as choosing)."""
    update: dict[str, object] = {"environment": environment}
    if selection is not None:
        update["skipped_versions"] = skipped_views(selection)
    return status.model_copy(update=update)


def skip_events(
    previous: DeploymentStatus | None, current: DeploymentStatus
) -> tuple[EventRecord, ...]:
    before = [s.message for s in previous.skipped_versions] if previous is not None else []
    now = [s.message for s in current.skipped_versions]
    if now == before or not now:
        return ()
    return (EventRecord(EventType.NORMAL, VERSIONS_SKIPPED, "; ".join(now)),)
