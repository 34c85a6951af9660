"""SageMaker and Application Auto Scaling state as observed in one reconcile tick."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from model_deployment_operator.domain.ownership import NOBODY, Ownership
from model_deployment_operator.domain.rendering.deployment_config import DeploymentConfig
from model_deployment_operator.domain.rollout.observed import PendingDeployment, VariantPhase


class EndpointStatus(StrEnum):
    OUT_OF_SERVICE = "OutOfService"
    CREATING = "Creating"
    UPDATING = "Updating"
    SYSTEM_UPDATING = "SystemUpdating"
    ROLLING_BACK = "RollingBack"
    IN_SERVICE = "InService"
    DELETING = "Deleting"
    FAILED = "Failed"
    UPDATE_ROLLBACK_FAILED = "UpdateRollbackFailed"


# SageMaker refuses mutations in these states ("Cannot update in-progress endpoint"); the
# operator waits instead of calling and failing.
BUSY_STATUSES = frozenset(
    {
        EndpointStatus.CREATING,
        EndpointStatus.UPDATING,
        EndpointStatus.SYSTEM_UPDATING,
        EndpointStatus.ROLLING_BACK,
        EndpointStatus.DELETING,
        EndpointStatus.OUT_OF_SERVICE,
    }
)

# A failure reason with this prefix is SageMaker's own internal error, worth retrying.
RETRYABLE_FAILURE_PREFIX = "Request to service failed"


@dataclass(frozen=True)
class ObservedVariant:
    name: str
    desired_instance_count: int | None
    current_instance_count: int | None
    phases: tuple[VariantPhase, ...] = ()
    """VariantStatus: what the live fleet is doing (a rolling batch terminating it...)."""


@dataclass(frozen=True)
class ObservedEndpoint:
    name: str
    arn: str
    status: str
    config_name: str
    # As the gateway returns it, nobody's; the reconciler fills in what the tags claim.
    ownership: Ownership = NOBODY
    failure_reason: str | None = None
    pending_config_name: str | None = None
    variants: tuple[ObservedVariant, ...] = ()
    created_at: datetime | None = None
    last_modified_at: datetime | None = None
    """LastModifiedTime: changes with every change SageMaker makes to the endpoint."""
    pending_deployment: PendingDeployment | None = None
    """PendingDeploymentSummary: the deployment in progress (Updating, RollingBack)."""
    last_deployment_config: DeploymentConfig | None = None
    """LastDeploymentConfig: the DeploymentConfig of the latest UpdateEndpoint."""

    @property
    def owned(self) -> bool:
        return self.ownership.owned

    @property
    def is_busy(self) -> bool:
        return self.status in BUSY_STATUSES

    def variant(self, name: str) -> ObservedVariant | None:
        return next((v for v in self.variants if v.name == name), None)


@dataclass(frozen=True)
class DeployedConfig:
    """Immutable facts about an endpoint config (safe to cache by name forever)."""

    name: str
    model_name: str | None
    variant_name: str | None
    instance_type: str | None
    initial_instance_count: int | None
    model_package_arn: str | None
    serverless: bool = False
    async_inference: bool = False


@dataclass(frozen=True)
class OwnedArtifacts:
    """Endpoint configs and models whose names this endpoint's deployments produce and whose
    tags name this ModelDeployment as owner."""

    config_names: frozenset[str]
    model_names: frozenset[str]
