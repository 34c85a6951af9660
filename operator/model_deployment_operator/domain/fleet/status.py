"""A ModelEndpoint's status after a tick: conditions (kstatus), the endpoint, the
ModelDeployments it hosts, and its last multi-model refresh; and its Events."""

from __future__ import annotations

from datetime import datetime

from model_deployment_operator.domain.actions import (
    Action,
    CreateEndpoint,
    DeleteEndpoint,
    UpdateEndpoint,
)
from model_deployment_operator.domain.events import EventRecord, EventType
from model_deployment_operator.domain.fleet.plan import FleetObservation, FleetPlan
from model_deployment_operator.domain.model_endpoint_status import (
    ModelEndpointStatus,
    RefreshView,
)
from model_deployment_operator.domain.reporting import build_conditions
from model_deployment_operator.domain.status import ConditionStatus, ConditionType, EndpointView
from model_deployment_operator.domain.verdict import Verdict


def fleet_status(
    *,
    generation: int,
    observation: FleetObservation,
    plan: FleetPlan,
    verdict: Verdict,
    succeeded: tuple[Action, ...],
    previous: ModelEndpointStatus | None,
    now: datetime,
) -> ModelEndpointStatus:
    endpoint = observation.endpoint
    view = (
        EndpointView(
            name=endpoint.name,
            arn=endpoint.arn,
            status=endpoint.status,
            endpoint_config_name=endpoint.config_name,
            failure_reason=endpoint.failure_reason,
            instance_count=endpoint.variants[0].desired_instance_count
            if endpoint.variants
            else None,
        )
        if endpoint is not None
        else None
    )
    for action in succeeded:
        if isinstance(action, CreateEndpoint) and view is None:
            view = EndpointView(
                name=action.name, status="Creating", endpoint_config_name=action.config_name
            )
        elif isinstance(action, UpdateEndpoint) and view is not None:
            view = view.model_copy(update={"status": "Updating"})
    refresh = previous.last_refresh if previous is not None else None
    if plan.refreshing and any(isinstance(a, UpdateEndpoint) for a in succeeded):
        refresh = RefreshView(
            config_name=plan.target.config_name,
            at=now,
            targets=tuple(sorted(a.key for a in observation.artifacts or ())),
        )
    return ModelEndpointStatus(
        observed_generation=generation,
        conditions=build_conditions(
            verdict, generation, previous.conditions if previous else (), now
        ),
        endpoint=view,
        hosted=observation.hosted,
        last_refresh=refresh,
    )


def fleet_events(
    previous: ModelEndpointStatus | None,
    status: ModelEndpointStatus,
    succeeded: tuple[Action, ...],
    refreshing: bool,
) -> tuple[EventRecord, ...]:
    events: list[EventRecord] = []
    for action in succeeded:
        match action:
            case CreateEndpoint(name=name, config_name=config):
                events.append(
                    EventRecord(
                        EventType.NORMAL,
                        "CreatingEndpoint",
                        f"Creating shared endpoint {name} (config {config})",
                    )
                )
            case UpdateEndpoint(name=name, config_name=config):
                reason = "RefreshingModels" if refreshing else "UpdatingEndpoint"
                events.append(
                    EventRecord(
                        EventType.NORMAL, reason, f"Updating shared endpoint {name} to {config}"
                    )
                )
            case DeleteEndpoint(name=name):
                events.append(EventRecord(EventType.NORMAL, "DeletingEndpoint", f"Deleting {name}"))
            case _:
                pass
    before = previous.condition(ConditionType.STALLED) if previous else None
    stalled = status.condition(ConditionType.STALLED)
    if (
        stalled is not None
        and stalled.status is ConditionStatus.TRUE
        and (before is None or before.reason != stalled.reason)
    ):
        events.append(EventRecord(EventType.WARNING, stalled.reason, stalled.message))
    return tuple(events)
