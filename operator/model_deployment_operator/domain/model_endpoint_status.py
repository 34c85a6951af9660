"""The ModelEndpoint status as written to Kubernetes (the contract with users and GitOps).

The same kstatus conventions as a ModelDeployment's (domain/status.py): observedGeneration,
which the CRD defaults to 0 until the operator first reports, and the conditions Ready
(always), Reconciling and Stalled (only while True).
"""

from __future__ import annotations

from typing import Any

from pydantic import computed_field

from model_deployment_operator.domain.status import (
    Condition,
    ConditionType,
    EndpointView,
    StatusModel,
    Timestamp,
)


class HostedView(StatusModel):
    """One ModelDeployment placed on the ModelEndpoint (spec.endpointRef), as last observed."""

    name: str
    """The ModelDeployment's name (same namespace)."""
    version: int | None = None
    """The model package version it serves here."""
    inference_component_name: str | None = None
    """InferenceComponents mode: its inference component."""
    copy_count: int | None = None
    """InferenceComponents mode: the inference component's current copies."""
    target_model: str | None = None
    """MultiModel mode: the TargetModel callers pass to InvokeEndpoint."""
    status: str | None = None
    """InferenceComponents: the inference component's status; MultiModel: whether the
    artifact is in place."""


class RefreshView(StatusModel):
    """MultiModel mode: the last time the operator made the endpoint reload its models.

    SageMaker keeps serving a loaded model after its artifact is overwritten; the operator
    moves the endpoint to a new endpoint config (same settings, new name) so that the next
    invocation of each target loads the current artifact."""

    config_name: str
    at: Timestamp
    targets: tuple[str, ...] = ()
    """The target models the refreshed config loads (every artifact under the prefix then)."""


class ModelEndpointStatus(StatusModel):
    observed_generation: int | None = None
    conditions: tuple[Condition, ...] = ()
    endpoint: EndpointView | None = None
    hosted: tuple[HostedView, ...] = ()
    last_refresh: RefreshView | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def hosted_count(self) -> int:
        """How many ModelDeployments the endpoint hosts (the HOSTS printer column)."""
        return len(self.hosted)

    def condition(self, kind: ConditionType) -> Condition | None:
        return next((c for c in self.conditions if c.type == kind), None)

    def to_kubernetes(self) -> dict[str, Any]:
        """JSON-ready mapping with camelCase keys, without nulls (the API server prunes them,
        so the stored status has none either)."""
        dumped: dict[str, Any] = self.model_dump(mode="json", by_alias=True, exclude_none=True)
        return dumped


# What the API server returns for a ModelEndpoint the operator has never reported on (the
# CRD's defaults, as for a ModelDeployment).
UNREPORTED = ModelEndpointStatus(observed_generation=0)


def parse_model_endpoint_status(raw: object) -> ModelEndpointStatus | None:
    """Read a stored status leniently: an unreadable one, or the CRD's default placeholder,
    is treated as absent (status is a report, never the source of truth)."""
    if not isinstance(raw, dict) or not raw:
        return None
    # hostedCount is derived from hosted; StatusModel ignores it like any unknown field.
    try:
        parsed = ModelEndpointStatus.model_validate(raw)
    except ValueError:
        return None
    return None if parsed == UNREPORTED else parsed
