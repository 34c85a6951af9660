"""Desired + observed -> the next safe actions and a verdict on where the deployment stands.

The planner never asks SageMaker for anything and never waits: it looks at one observation
and returns what is safe to do *now*. Rules it encodes (see design.md §5):

- an endpoint that is busy (Creating, Updating, ...) is never mutated; a Failed one accepts
  only DeleteEndpoint, and is replaced only when the desired state changes;
- models and configs are created under deterministic names before the endpoint points at them;
- a deployment that failed is not retried for the same target (SageMaker's internal-error
  failures excepted);
- an endpoint this ModelDeployment does not own is never touched unless adoption is asked for;
- autoscaling is deregistered before an update that changes the instance type or the variant;
- old models and configs are deleted only when the endpoint is InService on the target, and
  the previous deployment's pair is kept for a fast rollback.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from model_deployment_operator.domain.actions import (
    Action,
    CreateEndpoint,
    CreateEndpointConfig,
    CreateModel,
    DeleteEndpoint,
    DeleteEndpointConfig,
    DeleteModel,
    DeregisterScalableTarget,
    PutScalingPolicy,
    RegisterScalableTarget,
    SetInstanceCount,
    TagEndpoint,
    UpdateEndpoint,
)
from model_deployment_operator.domain.desired import DesiredDeployment, Target
from model_deployment_operator.domain.naming import ownership_tags
from model_deployment_operator.domain.observed import (
    RETRYABLE_FAILURE_PREFIX,
    DeployedConfig,
    EndpointStatus,
    ObservedEndpoint,
    ObservedScaling,
    OwnedArtifacts,
)
from model_deployment_operator.domain.policy import NoVersionAllowed, Selection
from model_deployment_operator.domain.reasons import Reason
from model_deployment_operator.domain.registry import PackageVersion
from model_deployment_operator.domain.spec import ApprovalPolicy
from model_deployment_operator.domain.status import (
    AutoscalingView,
    HistoryEntry,
    Outcome,
    Trigger,
)
from model_deployment_operator.domain.verdict import Verdict, blocked, converged, progressing

TARGET_TRACKING_METRIC = "SageMakerVariantInvocationsPerInstance"


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


# --------------------------------------------------------------------------- history


def settle_history(
    history: Sequence[HistoryEntry], endpoint: ObservedEndpoint | None, now: datetime
) -> tuple[HistoryEntry, ...]:
    """Decide the outcome of the deployment in progress from what SageMaker shows now."""
    if not history or history[0].outcome is not Outcome.IN_PROGRESS:
        return tuple(history)
    entry = history[0]
    outcome: Outcome | None = None
    message: str | None = None
    if endpoint is None:
        outcome, message = Outcome.FAILED, "The endpoint disappeared before the deployment finished"
    elif endpoint.status == EndpointStatus.FAILED:
        outcome = Outcome.FAILED
        message = endpoint.failure_reason or "SageMaker marked the endpoint Failed"
    elif endpoint.status == EndpointStatus.UPDATE_ROLLBACK_FAILED:
        outcome = Outcome.FAILED
        message = endpoint.failure_reason or "The update and its rollback failed"
    elif endpoint.status == EndpointStatus.IN_SERVICE:
        if endpoint.config_name == entry.endpoint_config_name:
            # Keep the note the deployment started with (why it started); only a failure
            # replaces it, with what went wrong.
            outcome, message = Outcome.SUCCEEDED, entry.message
        else:
            outcome = Outcome.FAILED
            message = endpoint.failure_reason or (
                f"SageMaker kept endpoint config {endpoint.config_name}"
            )
    if outcome is None:
        return tuple(history)
    settled = entry.model_copy(update={"outcome": outcome, "finished_at": now, "message": message})
    return (settled, *history[1:])


def _failed_attempt(history: Sequence[HistoryEntry], target: Target) -> HistoryEntry | None:
    """The latest attempt, if it was this very target and it failed for a reason worth
    not repeating."""
    if not history:
        return None
    last = history[0]
    if last.endpoint_config_name != target.config_name or last.outcome is not Outcome.FAILED:
        return None
    if (last.message or "").startswith(RETRYABLE_FAILURE_PREFIX):
        return None
    return last


def deployment_already_failed(history: Sequence[HistoryEntry], target: Target) -> bool:
    """True when the latest attempt was this target and failed in a way not worth repeating:
    the planner will not start it again until the desired state changes."""
    return _failed_attempt(history, target) is not None


def _previous_deployment(history: Sequence[HistoryEntry], target: Target) -> HistoryEntry | None:
    return next(
        (
            h
            for h in history
            if h.outcome is Outcome.SUCCEEDED and h.endpoint_config_name != target.config_name
        ),
        None,
    )


def _last_deployed(history: Sequence[HistoryEntry]) -> HistoryEntry | None:
    """The newest deployment that succeeded or is under way: the config the endpoint is on,
    as far as the operator knows."""
    return next((h for h in history if h.outcome in (Outcome.SUCCEEDED, Outcome.IN_PROGRESS)), None)


def _moved_outside(
    endpoint: ObservedEndpoint, target: Target, history: Sequence[HistoryEntry]
) -> bool:
    """The endpoint left the config the operator last deployed although the desired state
    still names that config (its name hashes everything in it): someone else moved it."""
    last = _last_deployed(history)
    return (
        last is not None
        and last.endpoint_config_name == target.config_name
        and endpoint.config_name != last.endpoint_config_name
    )


def deployment_trigger(
    desired: DesiredDeployment,
    target: Target,
    observation: Observation,
    history: Sequence[HistoryEntry],
) -> Trigger:
    if observation.endpoint is None:
        ever_deployed = any(h.outcome is Outcome.SUCCEEDED for h in history)
        return Trigger.RECREATE if ever_deployed else Trigger.INITIAL_DEPLOYMENT
    # Before comparing versions: a hand-made move to another version's config is not an
    # approval or a rollback, and one within the version is not a spec change.
    if _moved_outside(observation.endpoint, target, history):
        return Trigger.DRIFT_CORRECTION
    live = observation.live_package
    if live is None or live.group_name != target.package.group_name:
        return Trigger.SPEC_CHANGE
    if live.version == target.package.version:
        return Trigger.SPEC_CHANGE
    if desired.spec.approval.policy is ApprovalPolicy.PINNED:
        return Trigger.PINNED_VERSION
    if target.package.version > live.version:
        return Trigger.NEW_APPROVAL
    return Trigger.ROLLBACK


def _drift_note(
    trigger: Trigger,
    desired: DesiredDeployment,
    endpoint: ObservedEndpoint | None,
    history: Sequence[HistoryEntry],
) -> str | None:
    """The history message of a deployment that undoes a change made outside the operator."""
    name = desired.endpoint_name
    if trigger is Trigger.DRIFT_CORRECTION and endpoint is not None:
        return f"Endpoint {name} was moved to config {endpoint.config_name} outside the operator"
    newest = history[0] if history else None
    # Only the newest entry tells: after a failure the operator may have deleted the Failed
    # endpoint itself, to replace it.
    if trigger is Trigger.RECREATE and newest is not None and newest.outcome is Outcome.SUCCEEDED:
        return (
            f"Endpoint {name} disappeared outside the operator while serving version "
            f"{newest.version} (config {newest.endpoint_config_name})"
        )
    return None


def deployment_start(
    desired: DesiredDeployment,
    target: Target,
    observation: Observation,
    history: Sequence[HistoryEntry],
) -> DeploymentStart:
    trigger = deployment_trigger(desired, target, observation, history)
    note = _drift_note(trigger, desired, observation.endpoint, history)
    return DeploymentStart(target, trigger, note)


# --------------------------------------------------------------------------- reconcile


def plan_reconcile(desired: DesiredDeployment, observation: Observation, memory: Memory) -> Plan:
    """The next safe actions towards `desired`, given one fresh observation."""
    endpoint = observation.endpoint
    name = desired.endpoint_name
    if endpoint is not None and not endpoint.owned:
        return _plan_foreign_endpoint(desired, endpoint)
    selection = observation.selection
    if isinstance(selection, NoVersionAllowed):
        return _plan_without_version(observation, selection)
    target = desired.target_for(selection.package)
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
        return Plan(
            (),
            progressing(Reason.ENDPOINT_UPDATING, _busy_message(endpoint)),
            target,
        )
    if status == EndpointStatus.FAILED:
        return _plan_failed_endpoint(endpoint, target, history)
    if status == EndpointStatus.UPDATE_ROLLBACK_FAILED:
        return Plan(
            (),
            blocked(
                Reason.ENDPOINT_FAILED,
                f"Endpoint {name} is UpdateRollbackFailed: {endpoint.failure_reason or ''} "
                "It serves a mix of configs; resolve it in SageMaker, then the operator resumes",
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


def _plan_foreign_endpoint(desired: DesiredDeployment, endpoint: ObservedEndpoint) -> Plan:
    ownership = endpoint.ownership
    asked = desired.spec.endpoint.adopt_existing
    if asked and ownership.adoptable:
        tags = tuple(sorted(ownership_tags(desired.ref).items()))
        return Plan(
            (TagEndpoint(endpoint.name, endpoint.arn, tags),),
            progressing(
                Reason.ADOPTING_ENDPOINT,
                f"Adopting existing endpoint {endpoint.name} (spec.endpoint.adoptExisting is "
                f"true and {ownership.describe()}): tagging it as owned by this "
                "ModelDeployment",
            ),
        )
    if ownership.adoptable:
        remedy = (
            "Choose another spec.endpoint.name, or set spec.endpoint.adoptExisting: true "
            "to take it over"
        )
    elif asked:
        remedy = (
            "spec.endpoint.adoptExisting only takes an endpoint nobody claims or whose "
            "owner no longer exists; choose another spec.endpoint.name"
        )
    else:
        remedy = "Choose another spec.endpoint.name"
    return Plan(
        (),
        blocked(
            Reason.ENDPOINT_NAME_CONFLICT,
            f"Endpoint {endpoint.name} already exists and {ownership.describe()}; the "
            f"operator will not touch it. {remedy}",
        ),
    )


def _plan_without_version(observation: Observation, selection: NoVersionAllowed) -> Plan:
    endpoint = observation.endpoint
    message = selection.message
    if endpoint is not None:
        live = observation.live_package
        serving = (
            f"version {live.version} ({live.approval_status})"
            if live is not None
            else f"config {endpoint.config_name}"
        )
        message = (
            f"{message}; endpoint {endpoint.name} keeps serving {serving} and is not torn down"
        )
    verdict = (
        progressing(selection.reason, message)
        if selection.transient
        else blocked(selection.reason, message)
    )
    return Plan((), verdict)


def _creation_actions(desired: DesiredDeployment, target: Target) -> tuple[Action, ...]:
    return (
        CreateModel(
            target.model_name,
            target.package.arn,
            desired.spec.execution_role_arn,
            desired.tags,
        ),
        CreateEndpointConfig(
            target.config_name,
            target.model_name,
            target.variant_name,
            target.instance_type,
            target.instance_count,
            desired.tags,
        ),
    )


def _plan_create(
    desired: DesiredDeployment,
    observation: Observation,
    target: Target,
    history: Sequence[HistoryEntry],
) -> Plan:
    name = desired.endpoint_name
    failed = _failed_attempt(history, target)
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


def _target_blocking_update(observation: Observation, target: Target) -> str | None:
    """The scalable target to deregister first, if any: SageMaker refuses an update that
    changes the instance type of, or removes, a variant that is an autoscaling target."""
    scaling = observation.scaling
    live = observation.live_config
    if scaling is None or scaling.target is None or live is None:
        return None
    changes_variant = live.variant_name != target.variant_name
    if changes_variant or live.instance_type != target.instance_type:
        return scaling.target.resource_id
    return None


def _plan_update(
    desired: DesiredDeployment, observation: Observation, memory: Memory, target: Target
) -> Plan:
    endpoint = observation.endpoint
    assert endpoint is not None  # noqa: S101 - guaranteed by plan_reconcile
    failed = _failed_attempt(memory.history, target)
    live = observation.live_package
    serving = f"version {live.version}" if live is not None else f"config {endpoint.config_name}"
    if failed is not None:
        return Plan(
            _plan_scaling(desired, observation, memory),
            blocked(
                Reason.UPDATE_FAILED,
                f"Updating endpoint {endpoint.name} to version {target.package.version} "
                f"(config {target.config_name}) failed and SageMaker kept {serving} (config "
                f"{endpoint.config_name}): {failed.message}. The update is not retried until "
                "the desired state changes",
            ),
            target,
        )
    actions: list[Action] = list(_creation_actions(desired, target))
    blocking_target = _target_blocking_update(observation, target)
    if blocking_target is not None:
        actions.append(DeregisterScalableTarget(blocking_target))
    actions.append(
        UpdateEndpoint(
            endpoint.name,
            target.config_name,
            apply_instance_count=desired.spec.autoscaling is None,
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


def _plan_scaling(
    desired: DesiredDeployment, observation: Observation, memory: Memory
) -> tuple[Action, ...]:
    """Bring the variant's scalable target and policy in line with spec.autoscaling."""
    scaling = observation.scaling
    if scaling is None:
        return ()
    wanted = desired.spec.autoscaling
    resource_id = desired.scaling_resource_id
    if wanted is None:
        ours = scaling.policy is not None or memory.recorded_scaling is not None
        if scaling.target is not None and ours:
            return (DeregisterScalableTarget(scaling.target.resource_id),)
        return ()
    actions: list[Action] = []
    target = scaling.target
    if (
        target is None
        or target.resource_id != resource_id
        or (target.min_capacity, target.max_capacity) != (wanted.min_capacity, wanted.max_capacity)
    ):
        actions.append(
            RegisterScalableTarget(resource_id, wanted.min_capacity, wanted.max_capacity)
        )
    policy = scaling.policy
    if (
        policy is None
        or policy.resource_id != resource_id
        or policy.target_value != wanted.target_invocations_per_instance
        or policy.scale_in_cooldown != wanted.scale_in_cooldown_seconds
        or policy.scale_out_cooldown != wanted.scale_out_cooldown_seconds
        or policy.metric_type != TARGET_TRACKING_METRIC
    ):
        actions.append(
            PutScalingPolicy(
                desired.scaling_policy_name,
                resource_id,
                wanted.target_invocations_per_instance,
                wanted.scale_in_cooldown_seconds,
                wanted.scale_out_cooldown_seconds,
            )
        )
    return tuple(actions)


def _plan_garbage_collection(
    observation: Observation, memory: Memory, target: Target
) -> tuple[Action, ...]:
    artifacts = observation.artifacts
    if artifacts is None:
        return ()
    keep_configs = {target.config_name}
    keep_models = {target.model_name}
    previous = _previous_deployment(memory.history, target)
    if previous is not None:
        keep_configs.add(previous.endpoint_config_name)
        if previous.model_name:
            keep_models.add(previous.model_name)
    configs = sorted(artifacts.config_names - keep_configs)
    models = sorted(artifacts.model_names - keep_models)
    return (
        *(DeleteEndpointConfig(name) for name in configs),
        *(DeleteModel(name) for name in models),
    )


def _plan_in_service_on_target(
    desired: DesiredDeployment, observation: Observation, memory: Memory, target: Target
) -> Plan:
    endpoint = observation.endpoint
    assert endpoint is not None  # noqa: S101 - guaranteed by plan_reconcile
    actions: list[Action] = []
    variant = endpoint.variant(target.variant_name)
    count_drifted = (
        desired.spec.autoscaling is None
        and memory.recorded_scaling is None
        and variant is not None
        and variant.desired_instance_count is not None
        and variant.desired_instance_count != target.instance_count
    )
    if count_drifted:
        actions.append(SetInstanceCount(endpoint.name, target.variant_name, target.instance_count))
    scaling_actions = _plan_scaling(desired, observation, memory)
    actions.extend(scaling_actions)
    actions.extend(_plan_garbage_collection(observation, memory, target))
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


# --------------------------------------------------------------------------- teardown


@dataclass(frozen=True)
class TeardownPlan:
    actions: tuple[Action, ...]
    # True when, once `actions` succeed, nothing owned is left in SageMaker.
    finished_after_actions: bool
    message: str


def plan_teardown(
    desired: DesiredDeployment,
    endpoint: ObservedEndpoint | None,
    scaling: ObservedScaling | None,
    artifacts: OwnedArtifacts | None,
) -> TeardownPlan:
    """Delete everything this ModelDeployment owns, endpoint first, then configs and models.

    An endpoint it does not own is left alone; its own configs and models still go.
    """
    if endpoint is not None and endpoint.owned:
        if endpoint.status == EndpointStatus.DELETING:
            return TeardownPlan(
                (), False, f"Waiting for SageMaker to delete endpoint {endpoint.name}"
            )
        if endpoint.is_busy:
            waiting = (
                f"Waiting for endpoint {endpoint.name} to leave {endpoint.status} to delete it"
            )
            return TeardownPlan((), False, waiting)
        actions: list[Action] = []
        if scaling is not None and scaling.target is not None:
            actions.append(DeregisterScalableTarget(scaling.target.resource_id))
        actions.append(DeleteEndpoint(endpoint.name))
        return TeardownPlan(
            tuple(actions), False, f"Deleting endpoint {endpoint.name} and its autoscaling"
        )
    if artifacts is None:
        return TeardownPlan((), False, "Listing the endpoint configs and models to delete")
    deletions: tuple[Action, ...] = (
        *(DeleteEndpointConfig(n) for n in sorted(artifacts.config_names)),
        *(DeleteModel(n) for n in sorted(artifacts.model_names)),
    )
    if deletions:
        names = ", ".join(sorted(artifacts.config_names | artifacts.model_names))
        return TeardownPlan(deletions, True, f"Deleting endpoint configs and models: {names}")
    return TeardownPlan((), True, f"All SageMaker resources of {desired.ref} are deleted")
