"""What the reconciler is configured with and what each of its entry points returns."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from model_deployment_operator.domain.actions import Action
from model_deployment_operator.domain.desired import DesiredDeployment
from model_deployment_operator.domain.events import EventRecord
from model_deployment_operator.domain.model_endpoint_status import ModelEndpointStatus
from model_deployment_operator.domain.plan import Observation
from model_deployment_operator.domain.spec import DeletionPolicy
from model_deployment_operator.domain.status import DeploymentStatus
from model_deployment_operator.domain.verdict import Verdict, VerdictKind


@dataclass(frozen=True)
class ReconcilerSettings:
    default_region: str
    default_deletion_policy: DeletionPolicy = DeletionPolicy.DELETE
    registry_poll_seconds: float = 60.0
    busy_poll_seconds: float = 15.0
    scaling_check_seconds: float = 300.0
    jitter_fraction: float = 0.1
    # MDO_ENDPOINT_LIST_SECONDS, MDO_ENDPOINT_DESCRIBE_SECONDS (reconcile/endpoint_snapshot.py)
    endpoint_list_seconds: float = 60.0
    endpoint_describe_seconds: float = 3600.0
    # MDO_ENDPOINT_EVENTS: endpoint state-change events wake whoever waits on an endpoint.
    endpoint_events: bool = False
    # MDO_ENVIRONMENT: the environment of this installation's ModelDeployments without
    # spec.environment (domain/promotion/view.py).
    environment: str | None = None
    # MDO_INSTALLATION: a placed ModelDeployment is not placed on a ModelEndpoint another
    # installation claimed. None: claims are not checked (`plan`).
    installation: str | None = None


@dataclass(frozen=True)
class ReconcileOutcome:
    status: DeploymentStatus
    events: tuple[EventRecord, ...]
    requeue_after: float
    verdict: VerdictKind
    # ModelEndpoints (uids) to reconcile soon: this tick changed what they serve.
    wake: tuple[str, ...] = ()


@dataclass(frozen=True)
class TeardownOutcome:
    finished: bool
    message: str
    events: tuple[EventRecord, ...]
    requeue_after: float
    status: DeploymentStatus | None = None
    wake: tuple[str, ...] = ()


@dataclass(frozen=True)
class Preview:
    desired: DesiredDeployment
    observation: Observation
    actions: tuple[Action, ...]
    verdict: Verdict


def status_verdict(status: DeploymentStatus | ModelEndpointStatus) -> VerdictKind:
    """Where a status stands, read back from its conditions."""
    conditions: Mapping[str, Any] = {c.type: c for c in status.conditions}
    if "Stalled" in conditions:
        return VerdictKind.BLOCKED
    ready = conditions.get("Ready")
    if ready is not None and ready.status == "True":
        return VerdictKind.CONVERGED
    if ready is not None and ready.status == "Unknown":
        return VerdictKind.UNAVAILABLE
    return VerdictKind.PROGRESSING


def ready_message(status: DeploymentStatus) -> str:
    ready = next((c for c in status.conditions if c.type == "Ready"), None)
    return f"{ready.reason}: {ready.message}" if ready is not None else "no conditions"
