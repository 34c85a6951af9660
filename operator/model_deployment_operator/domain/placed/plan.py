"""The plan of a placed ModelDeployment as data, and the history of its deployments: which
revision (inference component model, or multi-model artifact) each one put in place, and how
it ended."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from model_deployment_operator.domain.actions import Action
from model_deployment_operator.domain.observed import (
    RETRYABLE_FAILURE_PREFIX,
    ObservedEndpoint,
    OwnedArtifacts,
)
from model_deployment_operator.domain.placed.desired import ArtifactTarget, ComponentTarget
from model_deployment_operator.domain.policy import Selection
from model_deployment_operator.domain.registry import PackageVersion
from model_deployment_operator.domain.scaling.model import ObservedScaling
from model_deployment_operator.domain.shared_observed import (
    ARTIFACT_PACKAGE,
    ObservedArtifact,
    ObservedComponent,
)
from model_deployment_operator.domain.spec import ApprovalPolicy
from model_deployment_operator.domain.status import HistoryEntry, Outcome, Trigger
from model_deployment_operator.domain.verdict import Verdict

PlacedTarget = ComponentTarget | ArtifactTarget


@dataclass(frozen=True)
class PlacedObservation:
    selection: Selection
    # The shared endpoint (the ModelEndpoint owns it; this deployment never changes it).
    host: ObservedEndpoint | None
    live_package: PackageVersion | None = None
    component: ObservedComponent | None = None
    artifact: ObservedArtifact | None = None
    # MultiModel: the selected package's artifact, and whether the shared endpoint's current
    # config loads the artifact now under this deployment's target model.
    artifact_source: str | None = None
    served: bool = False
    scaling: ObservedScaling | None = None
    models: OwnedArtifacts | None = None


@dataclass(frozen=True)
class PlacedStart:
    target: PlacedTarget
    trigger: Trigger


@dataclass(frozen=True)
class PlacedPlan:
    actions: tuple[Action, ...]
    verdict: Verdict
    target: PlacedTarget | None = None
    start: PlacedStart | None = None


def entry_for(
    target: PlacedTarget,
    trigger: Trigger | str,
    now: datetime,
    outcome: Outcome,
    message: str | None = None,
) -> HistoryEntry:
    placed: dict[str, str] = (
        {"inference_component": target.revision}
        if isinstance(target, ComponentTarget)
        else {"artifact": target.revision}
    )
    return HistoryEntry(
        version=target.package.version,
        model_package_arn=target.package.arn,
        model_name=target.model_name if isinstance(target, ComponentTarget) else None,
        started_at=now,
        finished_at=None if outcome is Outcome.IN_PROGRESS else now,
        outcome=outcome,
        trigger=trigger,
        message=message,
        **placed,
    )


def failed_attempt(history: Sequence[HistoryEntry], target: PlacedTarget) -> HistoryEntry | None:
    if not history:
        return None
    last = history[0]
    if last.revision != target.revision or last.outcome is not Outcome.FAILED:
        return None
    if (last.message or "").startswith(RETRYABLE_FAILURE_PREFIX):
        return None
    return last


def placed_trigger(
    policy: ApprovalPolicy,
    live: PackageVersion | None,
    target: PlacedTarget,
    history: Sequence[HistoryEntry],
) -> Trigger:
    if live is None:
        served = any(h.outcome is Outcome.SUCCEEDED for h in history)
        return Trigger.RECREATE if served else Trigger.INITIAL_DEPLOYMENT
    if live.group_name != target.package.group_name or live.version == target.package.version:
        return Trigger.SPEC_CHANGE
    if policy is ApprovalPolicy.PINNED:
        return Trigger.PINNED_VERSION
    return Trigger.NEW_APPROVAL if target.package.version > live.version else Trigger.ROLLBACK


Kind = Literal["component", "artifact"]


def settle_placed(
    history: Sequence[HistoryEntry], observation: PlacedObservation, now: datetime
) -> tuple[HistoryEntry, ...]:
    """Decide the outcome of the deployment in progress from what SageMaker (or S3) shows."""
    if not history or history[0].outcome is not Outcome.IN_PROGRESS:
        return tuple(history)
    entry = history[0]
    outcome, message = _component_outcome(entry, observation.component)
    if entry.artifact:
        outcome, message = _artifact_outcome(entry, observation)
    if outcome is None:
        return tuple(history)
    settled = entry.model_copy(update={"outcome": outcome, "finished_at": now, "message": message})
    return (settled, *history[1:])


def _component_outcome(
    entry: HistoryEntry, component: ObservedComponent | None
) -> tuple[Outcome | None, str | None]:
    if component is None:
        return Outcome.FAILED, "The inference component disappeared before the deployment finished"
    if component.status == "Failed":
        return Outcome.FAILED, component.failure_reason or "SageMaker marked it Failed"
    if component.status != "InService" or component.spec is None:
        return None, None
    if component.spec.model_name == entry.model_name:
        return Outcome.SUCCEEDED, entry.message
    return Outcome.FAILED, component.failure_reason or (
        f"SageMaker kept model {component.spec.model_name}"
    )


def _artifact_outcome(
    entry: HistoryEntry, observation: PlacedObservation
) -> tuple[Outcome | None, str | None]:
    artifact = observation.artifact
    if artifact is None:
        return Outcome.FAILED, "The artifact disappeared before the endpoint was refreshed"
    if observation.served and artifact.meta(ARTIFACT_PACKAGE) == entry.model_package_arn:
        return Outcome.SUCCEEDED, entry.message
    return None, None
