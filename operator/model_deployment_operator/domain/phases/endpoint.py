"""Phase: the endpoint's transitions. Create it, wait while SageMaker works, replace a Failed
one when the desired state changes, update it to the target config, or, InService on the
target, keep its instance count and hand over to scaling and garbage collection.

SageMaker rules (design.md §5): a busy endpoint is never mutated; a Failed one accepts only
DeleteEndpoint; a deployment that failed is not retried for the same target; models and
configs are created under deterministic names before the endpoint points at them."""

from __future__ import annotations

from collections.abc import Sequence

from model_deployment_operator.domain.actions import (
    Action,
    CreateEndpoint,
    CreateEndpointConfig,
    CreateModel,
    DeleteEndpoint,
    SetInstanceCount,
    UpdateEndpoint,
)
from model_deployment_operator.domain.desired import DesiredDeployment, Target
from model_deployment_operator.domain.history import deployment_start, failed_attempt
from model_deployment_operator.domain.observed import (
    RETRYABLE_FAILURE_PREFIX,
    EndpointStatus,
    ObservedEndpoint,
)
from model_deployment_operator.domain.phases.garbage import plan_garbage_collection
from model_deployment_operator.domain.phases.scaling import plan_scaling, target_blocking_update
from model_deployment_operator.domain.phases.transitions import refused_change
from model_deployment_operator.domain.plan import Memory, Observation, Plan
from model_deployment_operator.domain.reasons import Reason
from model_deployment_operator.domain.rendering.deployment_config import render_deployment_config
from model_deployment_operator.domain.rollout.failure import rolled_back_update
from model_deployment_operator.domain.rollout.progress import rollout_progress
from model_deployment_operator.domain.status import HistoryEntry, Trigger
from model_deployment_operator.domain.verdict import blocked, converged, progressing


def plan_endpoint(
    desired: DesiredDeployment, observation: Observation, memory: Memory, target: Target
) -> Plan:
    """The next step for an endpoint this ModelDeployment owns (or will create)."""
    endpoint = observation.endpoint
    name = desired.endpoint_name
    history = memory.history
    if endpoint is None:
        return _plan_create(desired, observation, target, history)
    status = endpoint.status
    if status == EndpointStatus.DELETING:
        return Plan(
            (),
            progressing(
                Reason.ENDPOINT_DELETING,
                f"Endpoint {name} is Deleting; it will be created again with config "
                f"{target.config_name} once SageMaker has removed it",
            ),
            target,
        )
    if status == EndpointStatus.CREATING:
        return Plan(
            (),
            progressing(
                Reason.ENDPOINT_CREATING,
                f"Endpoint {name} is Creating with config "
                f"{endpoint.pending_config_name or endpoint.config_name}",
            ),
            target,
        )
    if endpoint.is_busy:
        message = rollout_progress(endpoint, observation.observed_at) or _busy_message(endpoint)
        return Plan((), progressing(Reason.ENDPOINT_UPDATING, message), target)
    if status == EndpointStatus.FAILED:
        return _plan_failed_endpoint(endpoint, target, history)
    if status == EndpointStatus.UPDATE_ROLLBACK_FAILED:
        return Plan(
            (),
            blocked(
                Reason.UPDATE_ROLLBACK_FAILED,
                f"Endpoint {name} is UpdateRollbackFailed: both an update and SageMaker's "
                "rollback of it failed, and it serves a mix of old and new instances. "
                f"{endpoint.failure_reason or ''} Resolve it in SageMaker (delete "
                "the endpoint, or update it to a config), then the operator resumes",
            ),
            target,
        )
    if endpoint.config_name != target.config_name:
        return _plan_update(desired, observation, memory, target)
    return _plan_in_service_on_target(desired, observation, memory, target)


def _busy_message(endpoint: ObservedEndpoint) -> str:
    if endpoint.pending_config_name and endpoint.pending_config_name != endpoint.config_name:
        return (
            f"Endpoint {endpoint.name} is {endpoint.status}: moving from config "
            f"{endpoint.config_name} to {endpoint.pending_config_name}"
        )
    return f"Endpoint {endpoint.name} is {endpoint.status}; waiting before changing it"


def _creation_actions(desired: DesiredDeployment, target: Target) -> tuple[Action, ...]:
    return (
        CreateModel(target.model_name, target.model, desired.tags),
        CreateEndpointConfig(target.config_name, target.config, desired.tags),
    )


def _plan_create(
    desired: DesiredDeployment,
    observation: Observation,
    target: Target,
    history: Sequence[HistoryEntry],
) -> Plan:
    name = desired.endpoint_name
    failed = failed_attempt(history, target)
    if failed is not None:
        return Plan(
            (),
            blocked(
                Reason.ENDPOINT_FAILED,
                f"Creating endpoint {name} with version {target.package.version} (config "
                f"{target.config_name}) failed: {failed.message}. It is retried when the "
                "desired state changes",
            ),
            target,
        )
    start = deployment_start(desired, target, observation, history)
    return Plan(
        (
            *_creation_actions(desired, target),
            CreateEndpoint(name, target.config_name, desired.tags),
        ),
        progressing(
            Reason.ENDPOINT_CREATING,
            f"Creating endpoint {name} serving version {target.package.version} of model "
            f"package group {target.package.group_name} (config {target.config_name})",
        ),
        target,
        start,
    )


def _plan_failed_endpoint(
    endpoint: ObservedEndpoint, target: Target, history: Sequence[HistoryEntry]
) -> Plan:
    last = history[0] if history else None
    attempted = last.endpoint_config_name if last is not None else endpoint.config_name
    retryable = (endpoint.failure_reason or "").startswith(RETRYABLE_FAILURE_PREFIX)
    if attempted == target.config_name and not retryable:
        return Plan(
            (),
            blocked(
                Reason.ENDPOINT_FAILED,
                f"Endpoint {endpoint.name} is Failed: "
                f"{endpoint.failure_reason or 'no reason given'}. It is replaced when the "
                "desired state changes (a newer approved version or a spec change)",
            ),
            target,
        )
    return Plan(
        (DeleteEndpoint(endpoint.name),),
        progressing(
            Reason.REPLACING_FAILED_ENDPOINT,
            f"Deleting Failed endpoint {endpoint.name} to create it again with version "
            f"{target.package.version} (config {target.config_name})",
        ),
        target,
    )


def _plan_update(
    desired: DesiredDeployment, observation: Observation, memory: Memory, target: Target
) -> Plan:
    endpoint = observation.endpoint
    assert endpoint is not None  # noqa: S101 - guaranteed by plan_reconcile
    failed = failed_attempt(memory.history, target)
    live = observation.live_package
    serving = f"version {live.version}" if live is not None else f"config {endpoint.config_name}"
    if failed is not None:
        rolled_back = rolled_back_update(desired, endpoint, target, failed, serving)
        if rolled_back is not None:
            rejection = () if rolled_back.rejection is None else (rolled_back.rejection,)
            return Plan(
                (*rejection, *_scaling_actions(desired, observation, memory)),
                rolled_back.verdict,
                target,
            )
        return Plan(
            _scaling_actions(desired, observation, memory),
            blocked(
                Reason.UPDATE_FAILED,
                f"Updating endpoint {endpoint.name} to version {target.package.version} "
                f"(config {target.config_name}) failed and SageMaker kept {serving} (config "
                f"{endpoint.config_name}): {failed.message}. The update is not retried until "
                "the desired state changes",
            ),
            target,
        )
    refused = refused_change(observation.live_config, target)
    if refused is not None:
        return Plan(
            (),
            blocked(
                Reason.ENDPOINT_CHANGE_NOT_SUPPORTED,
                f"Endpoint {endpoint.name} keeps serving {serving} (config "
                f"{endpoint.config_name}): the spec asks for config {target.config_name}, but "
                f"{refused.change} ({refused.source}). To make this change, deploy it to a new "
                "endpoint (a new ModelDeployment, or this one re-created, with another "
                "spec.endpoint.name) and delete this one; or set spec.endpoint back to the "
                "live hosting shape",
            ),
            target,
        )
    actions: list[Action] = list(_creation_actions(desired, target))
    blocking = target_blocking_update(observation.scaling, observation.live_config, target)
    if blocking is not None:
        actions.append(blocking)
    actions.append(
        UpdateEndpoint(
            endpoint.name,
            target.config_name,
            apply_instance_count=desired.spec.autoscaling is None,
            deployment_config=render_deployment_config(desired.spec.rollout),
        )
    )
    start = deployment_start(desired, target, observation, memory.history)
    trigger = start.trigger
    what = {
        Trigger.ROLLBACK: f"rolling back from {serving}"
        + (f" ({live.approval_status})" if live is not None else ""),
        Trigger.NEW_APPROVAL: f"newer approved version replaces {serving}",
        Trigger.PINNED_VERSION: f"pinned version replaces {serving}",
        Trigger.DRIFT_CORRECTION: f"it was moved to config {endpoint.config_name} outside "
        "the operator",
    }.get(trigger, f"spec change; was config {endpoint.config_name}")
    return Plan(
        tuple(actions),
        progressing(
            Reason.ENDPOINT_UPDATING,
            f"Updating endpoint {endpoint.name} to version {target.package.version} "
            f"(config {target.config_name}): {what}",
        ),
        target,
        start,
    )


def _scaling_actions(
    desired: DesiredDeployment, observation: Observation, memory: Memory
) -> tuple[Action, ...]:
    return plan_scaling(
        desired.scaling,
        observation.scaling,
        registered_before=memory.recorded_scaling is not None,
    )


def _plan_in_service_on_target(
    desired: DesiredDeployment, observation: Observation, memory: Memory, target: Target
) -> Plan:
    endpoint = observation.endpoint
    assert endpoint is not None  # noqa: S101 - guaranteed by plan_reconcile
    actions: list[Action] = []
    variant = endpoint.variant(target.variant_name)
    wanted_count = target.instance_count  # None for serverless: nothing to keep
    count_drifted = (
        wanted_count is not None
        and desired.spec.autoscaling is None
        and memory.recorded_scaling is None
        and variant is not None
        and variant.desired_instance_count is not None
        and variant.desired_instance_count != wanted_count
    )
    if count_drifted and wanted_count is not None:
        actions.append(SetInstanceCount(endpoint.name, target.variant_name, wanted_count))
    actions.extend(_scaling_actions(desired, observation, memory))
    actions.extend(plan_garbage_collection(observation, memory, target))
    version = target.package.version
    group = target.package.group_name
    if count_drifted:
        assert variant is not None  # noqa: S101
        verdict = progressing(
            Reason.ENDPOINT_UPDATING,
            f"Endpoint {endpoint.name} variant {target.variant_name} runs "
            f"{variant.desired_instance_count} instances; setting it back to the spec's "
            f"{target.instance_count}",
        )
    else:
        verdict = converged(
            Reason.DEPLOYED,
            f"Endpoint {endpoint.name} is InService serving version {version} of model "
            f"package group {group} (config {target.config_name})",
        )
    return Plan(tuple(actions), verdict, target)
