"""Status derivation: one tick's observation, plan and execution -> the status to write.

kstatus conventions: Ready is always present; Reconciling and Stalled appear only while
True; exactly one of Ready=True, Reconciling=True, Stalled=True holds after every tick.
lastTransitionTime moves only when a condition's status changes, so an unchanged state
writes an identical status (no churn for etcd, Argo CD or Flux).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from model_deployment_operator.domain.actions import (
    DEPLOYING_ACTIONS,
    Action,
    CreateEndpoint,
    CreateEndpointConfig,
    CreateModel,
    DeleteEndpoint,
    SetInstanceCount,
    UpdateEndpoint,
    describe_action,
)
from model_deployment_operator.domain.desired import DesiredDeployment, Target
from model_deployment_operator.domain.errors import (
    AssumeRoleError,
    ClusterReadError,
    FailureKind,
    SageMakerCallError,
)
from model_deployment_operator.domain.plan import Observation, Plan
from model_deployment_operator.domain.reasons import Reason
from model_deployment_operator.domain.rollout.progress import rollout_view
from model_deployment_operator.domain.scaling.actions import (
    DeregisterScalableTarget,
    PutMetricAlarm,
    PutScalingPolicy,
    PutScheduledAction,
    RegisterScalableTarget,
)
from model_deployment_operator.domain.scaling.instance import INVOCATIONS_METRIC
from model_deployment_operator.domain.scaling.model import (
    OWNED_PREFIX,
    ObservedScaling,
    Policy,
    ScalingSetup,
    TargetTracking,
)
from model_deployment_operator.domain.status import (
    HISTORY_LIMIT,
    AutoscalingView,
    Condition,
    ConditionStatus,
    ConditionType,
    DeploymentStatus,
    EndpointView,
    HistoryEntry,
    ModelPackageView,
    Outcome,
    TargetView,
    Trigger,
)
from model_deployment_operator.domain.tenancy import ROLE_ANNOTATION, AwsIdentity
from model_deployment_operator.domain.verdict import (
    Verdict,
    VerdictKind,
    blocked,
    progressing,
    unavailable,
)

# Actions that set autoscaling up (the status then shows the spec's setup).
SCALING_CHANGES = (RegisterScalableTarget, PutScalingPolicy, PutScheduledAction, PutMetricAlarm)
# Actions whose rejection means the deployment of that target failed.
_DEPLOYMENT_CHAIN = (CreateModel, CreateEndpointConfig, CreateEndpoint, UpdateEndpoint)
_PACKAGE_VERSION = re.compile(r"/(\d+)$")


@dataclass(frozen=True)
class Execution:
    """What the reconciler did with a plan: the actions that succeeded, in order, and the
    error that stopped it, if any."""

    succeeded: tuple[Action, ...] = ()
    failed_action: Action | None = None
    error: SageMakerCallError | None = None


# --------------------------------------------------------------------------- conditions


def build_conditions(
    verdict: Verdict,
    generation: int,
    previous: Sequence[Condition],
    now: datetime,
) -> tuple[Condition, ...]:
    before = {c.type: c for c in previous}

    def condition(kind: ConditionType, status: ConditionStatus) -> Condition:
        earlier = before.get(kind)
        unchanged = earlier is not None and earlier.status == status
        return Condition(
            type=kind,
            status=status,
            reason=verdict.reason,
            message=verdict.message,
            observed_generation=generation,
            last_transition_time=earlier.last_transition_time if unchanged and earlier else now,
        )

    ready_status = {
        VerdictKind.CONVERGED: ConditionStatus.TRUE,
        VerdictKind.UNAVAILABLE: ConditionStatus.UNKNOWN,
    }.get(verdict.kind, ConditionStatus.FALSE)
    conditions = [condition(ConditionType.READY, ready_status)]
    if verdict.kind in (VerdictKind.PROGRESSING, VerdictKind.UNAVAILABLE):
        conditions.append(condition(ConditionType.RECONCILING, ConditionStatus.TRUE))
    if verdict.kind is VerdictKind.BLOCKED:
        conditions.append(condition(ConditionType.STALLED, ConditionStatus.TRUE))
    return tuple(conditions)


def verdict_for_error(error: SageMakerCallError, doing: str, retry_seconds: float) -> Verdict:
    """Turn a refused call into a verdict. `doing` names the call and its object."""
    detail = f"{error.code}: {error.message}"
    match error.kind:
        case FailureKind.TRANSIENT:
            return unavailable(
                Reason.SAGEMAKER_UNAVAILABLE,
                f"SageMaker did not complete {doing} ({detail}); retrying with backoff",
            )
        case FailureKind.BUSY:
            return progressing(
                Reason.ENDPOINT_UPDATING,
                f"SageMaker refused {doing} because the endpoint is busy ({detail}); "
                "waiting for it to settle",
            )
        case FailureKind.ACCESS_DENIED:
            return blocked(
                Reason.ACCESS_DENIED,
                f"SageMaker denied {doing} ({detail}). Grant this permission to the "
                f"operator's IAM role; the operator retries every {retry_seconds:g}s",
            )
        case FailureKind.REJECTED:
            return blocked(
                Reason.SAGEMAKER_REJECTED,
                f"SageMaker rejected {doing} ({detail}). Fix the ModelDeployment spec or the "
                "model package; this target is not retried until the desired state changes",
            )


def assume_role_verdict(
    error: AssumeRoleError, identity: AwsIdentity, namespace: str, retry_seconds: float
) -> Verdict:
    """STS refused a tenant role, or did not answer."""
    detail = f"{error.code}: {error.message}"
    role = error.role_arn
    if error.kind is FailureKind.TRANSIENT:
        return unavailable(
            Reason.SAGEMAKER_UNAVAILABLE,
            f"STS did not complete AssumeRole of role {role} for namespace {namespace} "
            f"({detail}); retrying with backoff",
        )
    return blocked(
        Reason.TENANT_ROLE_NOT_ASSUMABLE,
        f"The operator could not assume role {role} for namespace {namespace} ({detail}). "
        "The role's trust policy must let the operator's role call sts:AssumeRole and "
        f"sts:TagSession with ExternalId {identity.external_id!r}; retried every "
        f"{retry_seconds:g}s",
    )


def namespace_unreadable_verdict(error: ClusterReadError) -> Verdict:
    """The namespace's role annotation could not be read."""
    if error.forbidden:
        return blocked(
            Reason.NAMESPACE_NOT_READABLE,
            f"The operator may not read {error.what} ({error.detail}) to find the AWS role "
            f"it should act as ({ROLE_ANNOTATION}); grant its ServiceAccount get on "
            "namespaces (the chart's RBAC does)",
        )
    return unavailable(
        Reason.KUBERNETES_UNAVAILABLE,
        f"Could not read {error.what} to find the AWS role to act as ({error.detail}); "
        "retrying with backoff",
    )


def invalid_spec_verdict(message: str) -> Verdict:
    return blocked(Reason.INVALID_SPEC, f"The spec is invalid: {message}")


# --------------------------------------------------------------------------- history


def _started(execution: Execution) -> bool:
    return any(isinstance(a, DEPLOYING_ACTIONS) for a in execution.succeeded)


def _entry(
    target: Target,
    trigger: Trigger | str,
    now: datetime,
    outcome: Outcome,
    message: str | None = None,
) -> HistoryEntry:
    return HistoryEntry(
        version=target.package.version,
        model_package_arn=target.package.arn,
        endpoint_config_name=target.config_name,
        model_name=target.model_name,
        started_at=now,
        finished_at=None if outcome is Outcome.IN_PROGRESS else now,
        outcome=outcome,
        trigger=trigger,
        message=message,
    )


def update_history(
    history: Sequence[HistoryEntry],
    plan: Plan,
    execution: Execution,
    now: datetime,
) -> tuple[HistoryEntry, ...]:
    """Record a deployment that started, failed at the first call, or was found live."""
    entries = list(history)
    deployment = plan.deployment
    if deployment is not None and _started(execution):
        if entries and entries[0].outcome is Outcome.IN_PROGRESS:
            entries[0] = entries[0].model_copy(
                update={"outcome": Outcome.SUPERSEDED, "finished_at": now}
            )
        entries.insert(
            0,
            _entry(
                deployment.target,
                deployment.trigger,
                now,
                Outcome.IN_PROGRESS,
                deployment.message,
            ),
        )
    elif (
        deployment is not None
        and execution.error is not None
        and execution.error.kind is FailureKind.REJECTED
        and isinstance(execution.failed_action, _DEPLOYMENT_CHAIN)
    ):
        message = f"SageMaker rejected {describe_action(execution.failed_action)}: " + (
            f"{execution.error.code}: {execution.error.message}"
        )
        entries.insert(
            0, _entry(deployment.target, deployment.trigger, now, Outcome.FAILED, message)
        )
    elif plan.verdict.kind is VerdictKind.CONVERGED and plan.target is not None:
        latest_success = next((h for h in entries if h.outcome is Outcome.SUCCEEDED), None)
        if latest_success is None or latest_success.endpoint_config_name != plan.target.config_name:
            entries.insert(0, _entry(plan.target, Trigger.OBSERVED, now, Outcome.SUCCEEDED))
    return tuple(entries[:HISTORY_LIMIT])


# --------------------------------------------------------------------------- views


def _live_package_view(observation: Observation) -> ModelPackageView | None:
    if observation.endpoint is None:
        return None
    live = observation.live_package
    if live is not None:
        return ModelPackageView(
            arn=live.arn, version=live.version, approval_status=live.approval_status
        )
    config = observation.live_config
    if config is None or config.model_package_arn is None:
        return None
    match = _PACKAGE_VERSION.search(config.model_package_arn)
    return ModelPackageView(
        arn=config.model_package_arn, version=int(match.group(1)) if match else None
    )


def _endpoint_view(
    desired: DesiredDeployment, observation: Observation, execution: Execution
) -> EndpointView:
    endpoint = observation.endpoint
    if endpoint is None:
        view = EndpointView(name=desired.endpoint_name)
    else:
        variant = endpoint.variant(desired.variant_name) or (
            endpoint.variants[0] if endpoint.variants else None
        )
        view = EndpointView(
            name=endpoint.name,
            arn=endpoint.arn,
            status=endpoint.status,
            endpoint_config_name=endpoint.config_name,
            failure_reason=endpoint.failure_reason,
            instance_count=variant.desired_instance_count if variant is not None else None,
        )
    # Show the state the calls just made have put the endpoint in, rather than the one
    # observed before them; the next tick confirms it.
    for action in execution.succeeded:
        match action:
            case CreateEndpoint(config_name=config):
                view = view.model_copy(
                    update={"status": "Creating", "endpoint_config_name": config}
                )
            case UpdateEndpoint() | SetInstanceCount():
                view = view.model_copy(update={"status": "Updating"})
            case DeleteEndpoint():
                view = view.model_copy(update={"status": "Deleting"})
            case _:
                pass
    return view


def _view_of(
    *,
    resource_id: str,
    dimension: str,
    capacity: tuple[int, int],
    policies: tuple[Policy, ...],
    scheduled: tuple[str, ...],
    alarms: tuple[str, ...],
) -> AutoscalingView:
    invocations = next(
        (
            p.target_value
            for p in policies
            if isinstance(p, TargetTracking) and p.predefined_metric == INVOCATIONS_METRIC
        ),
        None,
    )
    return AutoscalingView(
        resource_id=resource_id,
        policy_name=policies[0].name if policies else "",
        min_capacity=capacity[0],
        max_capacity=capacity[1],
        target_invocations_per_instance=invocations,
        dimension=dimension,
        scheduled_actions=scheduled,
        alarms=alarms,
    )


def autoscaling_view(
    wanted: ScalingSetup | None,
    scaling: ObservedScaling | None,
    execution: Execution,
    previous: AutoscalingView | None,
) -> AutoscalingView | None:
    """What status.autoscaling says after a tick: what was just applied, else what was
    observed of the operator's own policies, else what was recorded before."""
    if any(isinstance(a, DeregisterScalableTarget) for a in execution.succeeded):
        return None
    applied = any(isinstance(a, SCALING_CHANGES) for a in execution.succeeded)
    if applied and execution.error is None and wanted is not None:
        return _view_of(
            resource_id=wanted.resource_id,
            dimension=wanted.dimension,
            capacity=(wanted.min_capacity, wanted.max_capacity),
            policies=wanted.policies,
            scheduled=tuple(a.name for a in wanted.scheduled_actions),
            alarms=tuple(a.name for a in wanted.alarms),
        )
    if scaling is None:
        return previous
    target = scaling.target
    if target is None:
        return None
    owned = tuple(p for p, _ in scaling.policies if p.name.startswith(OWNED_PREFIX))
    if not owned:
        return previous
    return _view_of(
        resource_id=target.resource_id,
        dimension=str(target.dimension),
        capacity=(target.min_capacity, target.max_capacity),
        policies=owned,
        scheduled=tuple(
            a.name for a in scaling.scheduled_actions if a.name.startswith(OWNED_PREFIX)
        ),
        alarms=tuple(a.alarm.name for a in scaling.alarms),
    )


def _target_view(target: Target | None) -> TargetView | None:
    if target is None:
        return None
    return TargetView(
        model_package_arn=target.package.arn,
        version=target.package.version,
        model_name=target.model_name,
        endpoint_config_name=target.config_name,
    )


# --------------------------------------------------------------------------- status


def derive_status(
    *,
    desired: DesiredDeployment,
    observation: Observation,
    plan: Plan,
    execution: Execution,
    history: Sequence[HistoryEntry],
    previous: DeploymentStatus | None,
    now: datetime,
    retry_seconds: float,
) -> DeploymentStatus:
    """The status after one reconcile tick. `history` is the settled history the plan saw."""
    verdict = plan.verdict
    if execution.error is not None and execution.failed_action is not None:
        verdict = verdict_for_error(
            execution.error, describe_action(execution.failed_action), retry_seconds
        )
    previous_conditions = previous.conditions if previous is not None else ()
    return DeploymentStatus(
        observed_generation=desired.generation,
        conditions=build_conditions(verdict, desired.generation, previous_conditions, now),
        model_package=_live_package_view(observation),
        target=_target_view(plan.target),
        endpoint=_endpoint_view(desired, observation, execution),
        autoscaling=autoscaling_view(
            desired.scaling,
            observation.scaling,
            execution,
            previous.autoscaling if previous is not None else None,
        ),
        rollout=rollout_view(observation.endpoint),
        history=update_history(history, plan, execution, now),
    )


def status_with_verdict(
    previous: DeploymentStatus | None, verdict: Verdict, generation: int, now: datetime
) -> DeploymentStatus:
    """Keep what was last reported and replace only the conditions: used when the tick could
    not observe SageMaker (throttled, access denied) or could not read the spec."""
    base = previous or DeploymentStatus()
    return base.model_copy(
        update={
            "observed_generation": generation,
            "conditions": build_conditions(verdict, generation, base.conditions, now),
        }
    )
