"""A ModelEndpoint's next safe actions, and its teardown. The endpoint rules are those of a
dedicated endpoint (never touch a busy one, create objects under deterministic names before
pointing the endpoint at them); a MultiModel endpoint is also refreshed — moved to a config
of the same settings under a new name, so its instances load the artifacts afresh — once
the artifacts under its prefix have changed and settled, never while it is busy."""

from __future__ import annotations

from dataclasses import dataclass

from model_deployment_operator.domain.actions import (
    Action,
    CreateEndpoint,
    CreateEndpointConfig,
    DeleteEndpoint,
    DeleteEndpointConfig,
    DeleteModel,
    UpdateEndpoint,
)
from model_deployment_operator.domain.fleet.actions import (
    CreateMultiModelModel,
    DeleteArtifact,
    PutRefreshRecord,
)
from model_deployment_operator.domain.fleet.desired import (
    REFRESH_RECORDS,
    REFRESH_SETTLE_SECONDS,
    Artifact,
    DesiredFleet,
    FleetTarget,
)
from model_deployment_operator.domain.model_endpoint_status import HostedView
from model_deployment_operator.domain.observed import (
    EndpointStatus,
    ObservedEndpoint,
    OwnedArtifacts,
)
from model_deployment_operator.domain.reasons import Reason
from model_deployment_operator.domain.verdict import Verdict, blocked, converged, progressing


@dataclass(frozen=True)
class FleetObservation:
    endpoint: ObservedEndpoint | None
    # MultiModel mode: the target models' artifacts under the prefix (None: not read).
    artifacts: tuple[Artifact, ...] | None = None
    # The ModelDeployments placed on this ModelEndpoint.
    hosted: tuple[HostedView, ...] = ()
    # This endpoint's configs and models, read once InService on the target.
    owned: OwnedArtifacts | None = None


_BUSY_REASONS: dict[str, Reason] = {
    EndpointStatus.CREATING: Reason.ENDPOINT_CREATING,
    EndpointStatus.DELETING: Reason.ENDPOINT_DELETING,
}


@dataclass(frozen=True)
class FleetPlan:
    actions: tuple[Action, ...]
    verdict: Verdict
    target: FleetTarget
    refreshing: bool = False


def refresh_record_uri(prefix: str, config_name: str) -> str:
    return f"{prefix}{REFRESH_RECORDS}{config_name}.json"


def plan_fleet(desired: DesiredFleet, observation: FleetObservation) -> FleetPlan:
    artifacts = observation.artifacts or ()
    target = desired.target(artifacts)
    records = tuple(sorted((a.key, a.etag) for a in artifacts))
    endpoint = observation.endpoint
    name = desired.endpoint_name
    if endpoint is None:
        return FleetPlan(
            (
                *_create_objects(desired, target, records),
                CreateEndpoint(name, target.config_name, desired.tags),
            ),
            progressing(
                Reason.ENDPOINT_CREATING,
                f"Creating shared endpoint {name} (config {target.config_name})",
            ),
            target,
        )
    if not endpoint.owned:
        return FleetPlan(
            (),
            blocked(
                Reason.ENDPOINT_NAME_CONFLICT,
                f"Endpoint {name} already exists and {endpoint.ownership.describe()}; the "
                "operator will not touch it. Choose another spec.endpointName",
            ),
            target,
        )
    if endpoint.is_busy:
        return FleetPlan(
            (),
            progressing(
                _BUSY_REASONS.get(endpoint.status, Reason.ENDPOINT_UPDATING),
                f"Shared endpoint {name} is {endpoint.status}; waiting before changing it",
            ),
            target,
        )
    if endpoint.status in (EndpointStatus.FAILED, EndpointStatus.UPDATE_ROLLBACK_FAILED):
        return _failed(endpoint, target)
    if endpoint.config_name != target.config_name:
        return _change(desired, endpoint, target, artifacts, records)
    return FleetPlan(
        _collect(desired, observation.owned, target),
        converged(
            Reason.DEPLOYED,
            f"Shared endpoint {name} is InService (config {target.config_name}) hosting "
            f"{len(observation.hosted)} ModelDeployments",
        ),
        target,
    )


def _create_objects(
    desired: DesiredFleet, target: FleetTarget, records: tuple[tuple[str, str], ...]
) -> tuple[Action, ...]:
    actions: list[Action] = []
    if target.model is not None and target.model_name is not None:
        actions.append(CreateMultiModelModel(target.model_name, target.model, desired.tags))
        # Recorded before the config exists: a crash between the two re-records the same.
        actions.append(
            PutRefreshRecord(
                refresh_record_uri(target.model.artifact_prefix, target.config_name), records
            )
        )
    actions.append(CreateEndpointConfig(target.config_name, target.config, desired.tags))
    return tuple(actions)


def _failed(endpoint: ObservedEndpoint, target: FleetTarget) -> FleetPlan:
    if endpoint.config_name == target.config_name or endpoint.status != EndpointStatus.FAILED:
        return FleetPlan(
            (),
            blocked(
                Reason.ENDPOINT_FAILED,
                f"Shared endpoint {endpoint.name} is {endpoint.status}: "
                f"{endpoint.failure_reason or 'no reason given'}. It is replaced when the "
                "ModelEndpoint's spec changes",
            ),
            target,
        )
    return FleetPlan(
        (DeleteEndpoint(endpoint.name),),
        progressing(
            Reason.REPLACING_FAILED_ENDPOINT,
            f"Deleting Failed shared endpoint {endpoint.name} to create it again with config "
            f"{target.config_name}",
        ),
        target,
    )


def _change(
    desired: DesiredFleet,
    endpoint: ObservedEndpoint,
    target: FleetTarget,
    artifacts: tuple[Artifact, ...],
    records: tuple[tuple[str, str], ...],
) -> FleetPlan:
    newest = min((a.age_seconds for a in artifacts), default=None)
    if desired.multi_model and newest is not None and newest < REFRESH_SETTLE_SECONDS:
        return FleetPlan(
            (),
            progressing(
                Reason.ENDPOINT_UPDATING,
                f"Artifacts of shared endpoint {endpoint.name} changed {newest:.0f}s ago; "
                f"refreshing it once "
                f"they have been still for {REFRESH_SETTLE_SECONDS:g}s, so approvals close "
                "together share one refresh",
            ),
            target,
            refreshing=True,
        )
    what = "refreshing its models" if desired.multi_model else "applying the ModelEndpoint's spec"
    return FleetPlan(
        (
            *_create_objects(desired, target, records),
            UpdateEndpoint(
                endpoint.name,
                target.config_name,
                # Managed instance scaling owns the instance count of an IC endpoint.
                apply_instance_count=desired.spec.managed_instance_scaling is None,
            ),
        ),
        progressing(
            Reason.ENDPOINT_UPDATING,
            f"Updating shared endpoint {endpoint.name} to config {target.config_name}: {what}",
        ),
        target,
        refreshing=desired.multi_model,
    )


def _collect(
    desired: DesiredFleet, owned: OwnedArtifacts | None, target: FleetTarget
) -> tuple[Action, ...]:
    if owned is None:
        return ()
    keep_models = {target.model_name} if target.model_name else set()
    configs = sorted(owned.config_names - {target.config_name})
    return (
        # Records first: a crash between the two leaves a config, listed and deleted on the
        # next tick, rather than a record nothing lists any more.
        *_records_of(desired, configs),
        *(DeleteEndpointConfig(n) for n in configs),
        *(DeleteModel(n) for n in sorted(owned.model_names - keep_models)),
    )


def _records_of(desired: DesiredFleet, config_names: list[str]) -> tuple[Action, ...]:
    """The refresh records of deleted configs: nothing reads them any more."""
    container = desired.spec.multi_model
    if container is None:
        return ()
    prefix = container.artifact_prefix
    return tuple(DeleteArtifact(refresh_record_uri(prefix, n)) for n in config_names)


@dataclass(frozen=True)
class FleetTeardown:
    actions: tuple[Action, ...]
    finished_after_actions: bool
    message: str


def plan_fleet_teardown(desired: DesiredFleet, observation: FleetObservation) -> FleetTeardown:
    """Wait while ModelDeployments are placed on it (deleting it would strand them), then
    delete the endpoint, then its configs and models."""
    if observation.hosted:
        names = ", ".join(sorted(h.name for h in observation.hosted))
        return FleetTeardown(
            (),
            False,
            f"Waiting for the ModelDeployments placed on this ModelEndpoint to be deleted or "
            f"moved first: {names}",
        )
    endpoint = observation.endpoint
    if endpoint is not None and endpoint.owned:
        if endpoint.status == EndpointStatus.DELETING or endpoint.is_busy:
            return FleetTeardown(
                (), False, f"Waiting for shared endpoint {endpoint.name} ({endpoint.status})"
            )
        return FleetTeardown(
            (DeleteEndpoint(endpoint.name),), False, f"Deleting shared endpoint {endpoint.name}"
        )
    owned = observation.owned
    if owned is None:
        return FleetTeardown((), False, "Listing the endpoint configs and models to delete")
    configs = sorted(owned.config_names)
    deletions: tuple[Action, ...] = (
        *_records_of(desired, configs),
        *(DeleteEndpointConfig(n) for n in configs),
        *(DeleteModel(n) for n in sorted(owned.model_names)),
    )
    return FleetTeardown(
        deletions, True, f"Deleted the SageMaker resources of ModelEndpoint {desired.ref}"
    )
