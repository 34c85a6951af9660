"""The plan as data: what one tick observed, what the operator remembers, and the actions
plus verdict the planner returns. Frozen dataclasses, compared in table tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from model_deployment_operator.domain.actions import Action
from model_deployment_operator.domain.desired import Target
from model_deployment_operator.domain.observed import (
    DeployedConfig,
    ObservedEndpoint,
    OwnedArtifacts,
)
from model_deployment_operator.domain.policy import Selection
from model_deployment_operator.domain.registry import PackageVersion
from model_deployment_operator.domain.scaling.model import ObservedScaling
from model_deployment_operator.domain.status import AutoscalingView, HistoryEntry, Trigger
from model_deployment_operator.domain.verdict import Verdict


@dataclass(frozen=True)
class Observation:
    """Everything one tick read. `scaling` and `artifacts` are None when not read this tick
    (the reconciler reads them only when they can matter)."""

    selection: Selection
    endpoint: ObservedEndpoint | None
    live_config: DeployedConfig | None = None
    live_package: PackageVersion | None = None
    scaling: ObservedScaling | None = None
    artifacts: OwnedArtifacts | None = None
    observed_at: datetime | None = None
    """When the tick observed (the domain reads no clock): how long a bake has left."""


@dataclass(frozen=True)
class Memory:
    """The little the operator remembers in status: what it deployed and registered."""

    history: tuple[HistoryEntry, ...] = ()
    recorded_scaling: AutoscalingView | None = None


@dataclass(frozen=True)
class DeploymentStart:
    target: Target
    trigger: Trigger
    # Recorded in the history entry: why this deployment started when the trigger alone does
    # not say (what the endpoint was found like after a change outside the operator).
    message: str | None = None


@dataclass(frozen=True)
class Plan:
    actions: tuple[Action, ...]
    verdict: Verdict
    target: Target | None = None
    deployment: DeploymentStart | None = None


@dataclass(frozen=True)
class TeardownPlan:
    actions: tuple[Action, ...]
    # True when, once `actions` succeed, nothing owned is left in SageMaker.
    finished_after_actions: bool
    message: str
