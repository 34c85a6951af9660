"""Kubernetes Events for what happened in a tick: deployments started, finished and failed,
rollbacks, adoption, autoscaling changes, clean-up, and conditions that need attention.

Events are derived by comparing the previous status with the new one, so a state that
persists (a Stalled deployment) produces one Warning when it begins, not one per tick.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from model_deployment_operator.domain.actions import (
    Action,
    CreateEndpoint,
    DeleteEndpoint,
    DeleteEndpointConfig,
    DeleteModel,
    RejectModelPackage,
    SetInstanceCount,
    TagEndpoint,
    UpdateEndpoint,
)
from model_deployment_operator.domain.scaling.actions import (
    DeregisterScalableTarget,
    PutMetricAlarm,
    PutScalingPolicy,
    PutScheduledAction,
    RegisterScalableTarget,
)
from model_deployment_operator.domain.status import (
    ConditionStatus,
    ConditionType,
    DeploymentStatus,
    HistoryEntry,
    Outcome,
    Trigger,
)


class EventType(StrEnum):
    NORMAL = "Normal"
    WARNING = "Warning"


@dataclass(frozen=True)
class EventRecord:
    type: EventType
    reason: str
    message: str


def _started_event(
    action: CreateEndpoint | UpdateEndpoint, entry: HistoryEntry | None
) -> EventRecord:
    version = f"version {entry.version} " if entry is not None else ""
    # A change made outside the operator is worth a Warning: someone has a process (or a
    # habit) that fights the operator, and the history message says what was found.
    trigger = entry.trigger if entry is not None else None
    drift_note = entry.message if entry is not None else None
    if isinstance(action, CreateEndpoint) and drift_note and trigger == Trigger.RECREATE:
        return EventRecord(
            EventType.WARNING,
            "RecreatingEndpoint",
            f"{drift_note}; creating it again with {version}(config {action.config_name})",
        )
    if isinstance(action, CreateEndpoint):
        return EventRecord(
            EventType.NORMAL,
            "CreatingEndpoint",
            f"Creating endpoint {action.name} with {version}(config {action.config_name})",
        )
    if drift_note and trigger == Trigger.DRIFT_CORRECTION:
        return EventRecord(
            EventType.WARNING,
            "CorrectingDrift",
            f"{drift_note}; moving it back to {version}(config {action.config_name})",
        )
    if trigger == Trigger.ROLLBACK:
        return EventRecord(
            EventType.NORMAL,
            "RollingBack",
            f"Rolling back endpoint {action.name} to {version}(config {action.config_name})",
        )
    rollout = action.deployment_config
    return EventRecord(
        EventType.NORMAL,
        "UpdatingEndpoint",
        f"Updating endpoint {action.name} to {version}(config {action.config_name})"
        + (f"; rollout: {rollout.describe()}" if rollout is not None else ""),
    )


def _action_events(
    actions: Sequence[Action], new_history: Sequence[HistoryEntry]
) -> list[EventRecord]:
    events: list[EventRecord] = []
    newest = new_history[0] if new_history else None
    deleted: list[str] = []
    scaling_applied = False
    for action in actions:
        match action:
            case CreateEndpoint() | UpdateEndpoint():
                events.append(_started_event(action, newest))
            case SetInstanceCount(endpoint_name=name, variant_name=variant, instance_count=count):
                events.append(
                    EventRecord(
                        EventType.NORMAL,
                        "InstanceCountRestored",
                        f"Set endpoint {name} variant {variant} back to {count} instances",
                    )
                )
            case DeleteEndpoint(name=name):
                events.append(
                    EventRecord(EventType.NORMAL, "DeletingEndpoint", f"Deleting endpoint {name}")
                )
            case TagEndpoint(name=name):
                events.append(
                    EventRecord(
                        EventType.NORMAL, "AdoptedEndpoint", f"Adopted existing endpoint {name}"
                    )
                )
            case (
                RegisterScalableTarget()
                | PutScalingPolicy()
                | PutScheduledAction()
                | PutMetricAlarm()
            ):
                scaling_applied = True
            case DeregisterScalableTarget(resource_id=resource_id):
                events.append(
                    EventRecord(
                        EventType.NORMAL,
                        "AutoscalingRemoved",
                        f"Deregistered scalable target {resource_id}",
                    )
                )
            case RejectModelPackage(version=version, description=description):
                events.append(
                    EventRecord(
                        EventType.WARNING,
                        "VersionRejected",
                        f"Marked version {version} Rejected in the registry: {description}",
                    )
                )
            case DeleteEndpointConfig(name=name):
                deleted.append(f"endpoint config {name}")
            case DeleteModel(name=name):
                deleted.append(f"model {name}")
    if scaling_applied:
        registered = next(
            (a for a in actions if isinstance(a, RegisterScalableTarget | PutScalingPolicy)), None
        )
        resource = registered.resource_id if registered is not None else "the variant's alarms"
        events.append(
            EventRecord(
                EventType.NORMAL, "AutoscalingApplied", f"Applied autoscaling to {resource}"
            )
        )
    if deleted:
        events.append(
            EventRecord(EventType.NORMAL, "DeletedOldResources", "Deleted " + ", ".join(deleted))
        )
    return events


def _put_in_place(entry: HistoryEntry) -> str:
    if entry.inference_component:
        return f"inference component {entry.inference_component}"
    if entry.artifact:
        return f"artifact {entry.artifact}"
    return f"config {entry.endpoint_config_name}"


def _settled_events(
    before: Sequence[HistoryEntry], after: Sequence[HistoryEntry]
) -> list[EventRecord]:
    """Deployments whose outcome was decided this tick."""
    was_open = {(h.revision, h.started_at) for h in before if h.outcome is Outcome.IN_PROGRESS}
    events: list[EventRecord] = []
    for entry in after:
        if (entry.revision, entry.started_at) not in was_open:
            continue
        if entry.outcome is Outcome.SUCCEEDED:
            events.append(
                EventRecord(
                    EventType.NORMAL,
                    "Deployed",
                    f"Now serving version {entry.version} ({_put_in_place(entry)})",
                )
            )
        elif entry.outcome is Outcome.FAILED:
            events.append(
                EventRecord(
                    EventType.WARNING,
                    "DeploymentFailed",
                    f"Deploying version {entry.version} ({_put_in_place(entry)}) "
                    f"failed: {entry.message or 'no reason given'}",
                )
            )
    return events


def _attention_events(
    previous: DeploymentStatus | None, current: DeploymentStatus
) -> list[EventRecord]:
    """A Warning when the resource becomes Stalled (or stalls for a new reason), or when
    SageMaker starts failing to answer."""
    events: list[EventRecord] = []
    before_ready = previous.condition(ConditionType.READY) if previous is not None else None
    before_stalled = previous.condition(ConditionType.STALLED) if previous is not None else None
    stalled = current.condition(ConditionType.STALLED)
    if stalled is not None and (before_stalled is None or before_stalled.reason != stalled.reason):
        events.append(EventRecord(EventType.WARNING, stalled.reason, stalled.message))
    ready = current.condition(ConditionType.READY)
    if (
        ready is not None
        and ready.status is ConditionStatus.UNKNOWN
        and (before_ready is None or before_ready.status is not ConditionStatus.UNKNOWN)
    ):
        events.append(EventRecord(EventType.WARNING, ready.reason, ready.message))
    return events


def derive_events(
    previous: DeploymentStatus | None,
    current: DeploymentStatus,
    succeeded_actions: Sequence[Action],
) -> tuple[EventRecord, ...]:
    before_history = previous.history if previous is not None else ()
    return (
        *_settled_events(before_history, current.history),
        *_action_events(succeeded_actions, current.history),
        *_attention_events(previous, current),
    )
