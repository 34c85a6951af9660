"""The status of a placed ModelDeployment after a tick: conditions (kstatus), the package it
serves, the shared endpoint, where it runs, its autoscaling and its history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from model_deployment_operator.domain.actions import describe_action
from model_deployment_operator.domain.errors import FailureKind
from model_deployment_operator.domain.fleet.actions import CopyArtifact
from model_deployment_operator.domain.placed.desired import PlacedDeployment
from model_deployment_operator.domain.placed.plan import PlacedObservation, PlacedPlan, entry_for
from model_deployment_operator.domain.reporting import (
    Execution,
    autoscaling_view,
    build_conditions,
    verdict_for_error,
)
from model_deployment_operator.domain.scaling.model import ScalingSetup
from model_deployment_operator.domain.shared_observed import (
    ARTIFACT_OWNER_UID,
    ARTIFACT_PACKAGE,
    ObservedArtifact,
)
from model_deployment_operator.domain.status import (
    HISTORY_LIMIT,
    DeploymentStatus,
    EndpointView,
    HistoryEntry,
    ModelPackageView,
    Outcome,
    PlacementView,
    Trigger,
)
from model_deployment_operator.domain.verdict import VerdictKind


def _history(
    history: Sequence[HistoryEntry], plan: PlacedPlan, execution: Execution, now: datetime
) -> tuple[HistoryEntry, ...]:
    entries = list(history)
    start = plan.start
    if start is not None and execution.succeeded and execution.error is None:
        if entries and entries[0].outcome is Outcome.IN_PROGRESS:
            entries[0] = entries[0].model_copy(
                update={"outcome": Outcome.SUPERSEDED, "finished_at": now}
            )
        entries.insert(0, entry_for(start.target, start.trigger, now, Outcome.IN_PROGRESS))
    elif (
        start is not None
        and execution.error is not None
        and execution.error.kind is FailureKind.REJECTED
        and execution.failed_action is not None
    ):
        message = (
            f"SageMaker rejected {describe_action(execution.failed_action)}: "
            f"{execution.error.code}: {execution.error.message}"
        )
        entries.insert(0, entry_for(start.target, start.trigger, now, Outcome.FAILED, message))
    elif plan.verdict.kind is VerdictKind.CONVERGED and plan.target is not None:
        latest = next((h for h in entries if h.outcome is Outcome.SUCCEEDED), None)
        if latest is None or latest.revision != plan.target.revision:
            entries.insert(0, entry_for(plan.target, Trigger.OBSERVED, now, Outcome.SUCCEEDED))
    return tuple(entries[:HISTORY_LIMIT])


def _placement(
    desired: PlacedDeployment, observation: PlacedObservation, execution: Execution
) -> PlacementView:
    view = PlacementView(model_endpoint=desired.host.name, mode=desired.host.mode)
    component = observation.component
    if desired.spec.inference_component is not None:
        return view.model_copy(
            update={
                "inference_component": desired.component_name,
                "model_name": component.spec.model_name
                if component is not None and component.spec is not None
                else None,
                "status": component.status if component is not None else None,
                "desired_copies": component.desired_copies if component is not None else None,
                "current_copies": component.current_copies if component is not None else None,
            }
        )
    target = desired.spec.multi_model
    artifact = observation.artifact
    # Copied this tick: recorded at once, so a deletion finds it even if its ModelEndpoint
    # is gone by then.
    copied = next((a.destination for a in execution.succeeded if isinstance(a, CopyArtifact)), None)
    return view.model_copy(
        update={
            "target_model": target.target_model if target is not None else None,
            "artifact": copied
            or (artifact.uri if artifact is not None and _own(desired, artifact) else None),
            "served": observation.served,
        }
    )


def _own(desired: PlacedDeployment, artifact: ObservedArtifact | None) -> bool:
    return (
        artifact is not None
        and artifact.meta(ARTIFACT_OWNER_UID) == desired.ref.uid
        and bool(artifact.meta(ARTIFACT_PACKAGE))
    )


def placed_status(
    *,
    desired: PlacedDeployment,
    observation: PlacedObservation,
    plan: PlacedPlan,
    execution: Execution,
    history: Sequence[HistoryEntry],
    previous: DeploymentStatus | None,
    scaling: ScalingSetup | None,
    now: datetime,
    retry_seconds: float,
) -> DeploymentStatus:
    verdict = plan.verdict
    if execution.error is not None and execution.failed_action is not None:
        verdict = verdict_for_error(
            execution.error, describe_action(execution.failed_action), retry_seconds
        )
    live = observation.live_package
    host = observation.host
    artifact = observation.artifact
    package = (
        ModelPackageView(arn=live.arn, version=live.version, approval_status=live.approval_status)
        if live is not None
        else None
    )
    # Only an artifact this deployment put there says what it serves (another owner's, at a
    # conflicting target, says nothing about this one).
    if package is None and _own(desired, artifact) and artifact is not None:
        package = ModelPackageView(arn=artifact.meta(ARTIFACT_PACKAGE) or "")
    return DeploymentStatus(
        observed_generation=desired.generation,
        conditions=build_conditions(
            verdict, desired.generation, previous.conditions if previous else (), now
        ),
        model_package=package,
        endpoint=EndpointView(
            name=host.name,
            arn=host.arn,
            status=host.status,
            endpoint_config_name=host.config_name,
        )
        if host is not None
        else EndpointView(name=desired.host.endpoint_name),
        autoscaling=autoscaling_view(
            scaling,
            observation.scaling,
            execution,
            previous.autoscaling if previous else None,
        )
        if desired.spec.inference_component is not None
        else None,
        placement=_placement(desired, observation, execution),
        history=_history(history, plan, execution, now),
    )
