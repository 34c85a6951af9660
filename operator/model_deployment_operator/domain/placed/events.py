"""Kubernetes Events for what a placed ModelDeployment did on its shared endpoint: an
inference component created, updated (or rolled back), rescaled or deleted; an artifact
copied (or copied back) or deleted. The deployment outcomes and the conditions needing
attention are the same events as a dedicated deployment's (domain/events.py)."""

from __future__ import annotations

from collections.abc import Sequence

from model_deployment_operator.domain.actions import Action
from model_deployment_operator.domain.events import EventRecord, EventType
from model_deployment_operator.domain.fleet.actions import (
    CopyArtifact,
    CreateInferenceComponent,
    DeleteArtifact,
    DeleteInferenceComponent,
    SetCopyCount,
    UpdateInferenceComponent,
)
from model_deployment_operator.domain.status import HistoryEntry, Trigger


def placed_action_events(
    actions: Sequence[Action], history: Sequence[HistoryEntry]
) -> tuple[EventRecord, ...]:
    newest = history[0] if history else None
    version = f"version {newest.version}" if newest is not None else "the selected version"
    rollback = newest is not None and newest.trigger == Trigger.ROLLBACK
    events: list[EventRecord] = []
    for action in actions:
        match action:
            case CopyArtifact(destination=destination):
                events.append(
                    EventRecord(
                        EventType.NORMAL,
                        "RollingBack" if rollback else "CopyingArtifact",
                        f"{'Copying back' if rollback else 'Copying'} {version} to "
                        f"{destination}; the ModelEndpoint then refreshes the endpoint",
                    )
                )
            case CreateInferenceComponent(component=component):
                events.append(
                    EventRecord(
                        EventType.NORMAL,
                        "CreatingInferenceComponent",
                        f"Creating inference component {component.name} on endpoint "
                        f"{component.endpoint_name} with {version} "
                        f"({component.copy_count} copies)",
                    )
                )
            case UpdateInferenceComponent(component=component):
                events.append(
                    EventRecord(
                        EventType.NORMAL,
                        "RollingBack" if rollback else "UpdatingInferenceComponent",
                        f"{'Rolling back' if rollback else 'Updating'} inference component "
                        f"{component.name} to {version} (model {component.spec.model_name})",
                    )
                )
            case SetCopyCount(name=name, copy_count=count):
                events.append(
                    EventRecord(
                        EventType.NORMAL,
                        "CopyCountRestored",
                        f"Set inference component {name} back to {count} copies",
                    )
                )
            case DeleteInferenceComponent(name=name):
                events.append(
                    EventRecord(
                        EventType.NORMAL,
                        "DeletingInferenceComponent",
                        f"Deleting inference component {name}",
                    )
                )
            case DeleteArtifact(uri=uri):
                events.append(
                    EventRecord(EventType.NORMAL, "DeletedArtifact", f"Deleted artifact {uri}")
                )
            case _:
                pass
    return tuple(events)
