"""The ModelDeployment status as written to Kubernetes (the contract with users and GitOps)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer
from pydantic.alias_generators import to_camel

HISTORY_LIMIT = 20


def _rfc3339(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


Timestamp = Annotated[datetime, PlainSerializer(_rfc3339, return_type=str)]


class StatusModel(BaseModel):
    # Unknown fields are ignored rather than rejected: a status written by a newer or older
    # operator version must never stop this one from reconciling.
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, frozen=True, extra="ignore"
    )


class ConditionType(StrEnum):
    READY = "Ready"
    RECONCILING = "Reconciling"
    STALLED = "Stalled"


class ConditionStatus(StrEnum):
    TRUE = "True"
    FALSE = "False"
    UNKNOWN = "Unknown"


class Condition(StatusModel):
    type: str
    status: ConditionStatus
    reason: str
    message: str
    observed_generation: int | None = None
    last_transition_time: Timestamp


class ModelPackageView(StatusModel):
    arn: str
    version: int | None = None
    approval_status: str | None = None


class TargetView(StatusModel):
    model_package_arn: str
    version: int
    model_name: str
    endpoint_config_name: str


class EndpointView(StatusModel):
    name: str
    arn: str | None = None
    status: str | None = None
    endpoint_config_name: str | None = None
    failure_reason: str | None = None
    instance_count: int | None = None


class AutoscalingView(StatusModel):
    resource_id: str
    policy_name: str
    min_capacity: int
    max_capacity: int
    # Absent for options that scale on another metric (serverless, async).
    target_invocations_per_instance: float | None = None
    dimension: str | None = None
    scheduled_actions: tuple[str, ...] = ()
    # CloudWatch alarms the operator made for step scaling (deleted with the autoscaling).
    alarms: tuple[str, ...] = ()


class Outcome(StrEnum):
    IN_PROGRESS = "InProgress"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"
    SUPERSEDED = "Superseded"


class Trigger(StrEnum):
    INITIAL_DEPLOYMENT = "InitialDeployment"
    NEW_APPROVAL = "NewApproval"
    ROLLBACK = "Rollback"
    PINNED_VERSION = "PinnedVersion"
    SPEC_CHANGE = "SpecChange"
    RECREATE = "Recreate"
    # The endpoint was moved to another config outside the operator while the desired state
    # stayed the same; the operator moves it back.
    DRIFT_CORRECTION = "DriftCorrection"
    OBSERVED = "Observed"


class HistoryEntry(StatusModel):
    version: int
    model_package_arn: str
    # What the deployment put in place, by placement: the endpoint config of a dedicated
    # endpoint, the inference component's revision, or the multi-model artifact.
    endpoint_config_name: str | None = None
    inference_component: str | None = None
    artifact: str | None = None
    model_name: str | None = None
    started_at: Timestamp
    finished_at: Timestamp | None = None
    outcome: Outcome
    trigger: Trigger | str
    message: str | None = None

    @property
    def revision(self) -> str:
        return self.endpoint_config_name or self.inference_component or self.artifact or ""


class PlacementView(StatusModel):
    """Where a ModelDeployment placed on a shared ModelEndpoint runs."""

    model_endpoint: str
    mode: str
    inference_component: str | None = None
    model_name: str | None = None
    status: str | None = None
    desired_copies: int | None = None
    current_copies: int | None = None
    target_model: str | None = None
    artifact: str | None = None
    served: bool | None = None


class SkippedVersionView(StatusModel):
    """A version newer than the one chosen that approval.requirements skipped."""

    version: int
    requirement: str
    message: str
    eligible_at: Timestamp | None = None


SKIPPED_LIMIT = 10


class RolloutView(StatusModel):
    """The deployment in progress on a dedicated endpoint, while it is Updating or
    RollingBack (docs/rollouts.md): what DescribeEndpoint's PendingDeploymentSummary says."""

    endpoint_config_name: str
    from_endpoint_config_name: str | None = None
    rolling_back: bool = False
    strategy: str | None = None
    step: str | None = None
    phase: str | None = None
    phase_message: str | None = None
    instances_with_traffic: int | None = None
    desired_instances: int | None = None
    bake_ends_at: Timestamp | None = None


class DeploymentStatus(StatusModel):
    observed_generation: int | None = None
    # Where this deployment serves, as recorded on model packages (domain/promotion).
    environment: str | None = None
    conditions: tuple[Condition, ...] = ()
    model_package: ModelPackageView | None = None
    target: TargetView | None = None
    endpoint: EndpointView | None = None
    autoscaling: AutoscalingView | None = None
    placement: PlacementView | None = None
    skipped_versions: Annotated[
        tuple[SkippedVersionView, ...], Field(max_length=SKIPPED_LIMIT)
    ] = ()
    rollout: RolloutView | None = None
    history: Annotated[tuple[HistoryEntry, ...], Field(max_length=HISTORY_LIMIT)] = ()

    def condition(self, kind: ConditionType) -> Condition | None:
        return next((c for c in self.conditions if c.type == kind), None)

    def to_kubernetes(self) -> dict[str, Any]:
        """JSON-ready mapping with camelCase keys, without nulls (the API server prunes them,
        so the stored status has none either)."""
        dumped: dict[str, Any] = self.model_dump(mode="json", by_alias=True, exclude_none=True)
        return dumped


# What the API server returns for a ModelDeployment the operator has never reported on: the
# CRD defaults status to {observedGeneration: 0} so that kstatus (Flux) reads it as
# InProgress rather than Current (see crds/).
UNREPORTED = DeploymentStatus(observed_generation=0)


def parse_status(raw: object) -> DeploymentStatus | None:
    """Read a stored status leniently: an unreadable one is treated as absent (status is a
    report, never the source of truth). The CRD's default placeholder (`UNREPORTED`) is
    absent too, so a first visit is the same whether or not the API server applied the
    default (a CRD installed before the default existed, or an old API server)."""
    if not isinstance(raw, dict) or not raw:
        return None
    try:
        parsed = DeploymentStatus.model_validate(raw)
    except ValueError:
        return None
    return None if parsed == UNREPORTED else parsed
