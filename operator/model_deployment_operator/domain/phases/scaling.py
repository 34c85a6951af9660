"""Phase: the variant's autoscaling in line with what the spec renders for its hosting
option (domain/scaling/); and the scalable target an update must deregister first.

Only what the operator made is ever removed: policies, scheduled actions and alarms whose
names carry the operator's prefix, and a scalable target it registered (it has one of the
operator's policies, or the status recorded registering it)."""

from __future__ import annotations

from model_deployment_operator.domain.actions import Action
from model_deployment_operator.domain.desired import Target
from model_deployment_operator.domain.observed import DeployedConfig
from model_deployment_operator.domain.scaling.actions import (
    DeleteAlarms,
    DeleteScalingPolicy,
    DeleteScheduledAction,
    DeregisterScalableTarget,
    PutMetricAlarm,
    PutScalingPolicy,
    PutScheduledAction,
    RegisterScalableTarget,
)
from model_deployment_operator.domain.scaling.model import (
    OWNED_PREFIX,
    ObservedScaling,
    ScalingSetup,
)


def target_blocking_update(
    scaling: ObservedScaling | None, live: DeployedConfig | None, target: Target
) -> DeregisterScalableTarget | None:
    """The scalable target to deregister first, if any: SageMaker refuses an update that
    changes the instance type or hosting of, or removes, a variant that is an autoscaling
    target."""
    if scaling is None or scaling.target is None or live is None:
        return None
    changes_variant = live.variant_name != target.variant_name
    if changes_variant or live.instance_type != target.instance_type:
        return DeregisterScalableTarget(scaling.target.resource_id, scaling.target.dimension)
    return None


def _is_ours(name: str) -> bool:
    return name.startswith(OWNED_PREFIX)


def plan_scaling(
    wanted: ScalingSetup | None, observed: ObservedScaling | None, *, registered_before: bool
) -> tuple[Action, ...]:
    """Actions that bring `observed` to `wanted` (None: no autoscaling). `observed` None:
    not read this tick, nothing to do."""
    if observed is None:
        return ()
    stale_alarms = tuple(a.alarm.name for a in observed.alarms if _is_ours(a.alarm.name))
    if wanted is None:
        target = observed.target
        ours = registered_before or any(_is_ours(p.name) for p, _ in observed.policies)
        actions: list[Action] = []
        if target is not None and ours:
            actions.append(DeregisterScalableTarget(target.resource_id, target.dimension))
        if stale_alarms:
            actions.append(DeleteAlarms(stale_alarms))
        return tuple(actions)
    return _converge(wanted, observed)


def _converge(wanted: ScalingSetup, observed: ObservedScaling) -> tuple[Action, ...]:
    rid, dimension = wanted.resource_id, wanted.dimension
    actions: list[Action] = []
    target = observed.target
    registered = (
        target is not None
        and target.resource_id == rid
        and target.dimension == dimension
        and (target.min_capacity, target.max_capacity) == (wanted.min_capacity, wanted.max_capacity)
    )
    if not registered:
        actions.append(
            RegisterScalableTarget(rid, dimension, wanted.min_capacity, wanted.max_capacity)
        )
    wanted_policies = {p.name for p in wanted.policies}
    for policy in wanted.policies:
        existing = observed.policy(policy.name)
        if existing is None or existing[0] != policy:
            actions.append(PutScalingPolicy(rid, dimension, policy))
    actions.extend(
        DeleteScalingPolicy(rid, dimension, policy.name)
        for policy, _ in observed.policies
        if _is_ours(policy.name) and policy.name not in wanted_policies
    )
    wanted_scheduled = {a.name for a in wanted.scheduled_actions}
    existing_scheduled = set(observed.scheduled_actions)
    actions.extend(
        PutScheduledAction(rid, dimension, action)
        for action in wanted.scheduled_actions
        if action not in existing_scheduled
    )
    actions.extend(
        DeleteScheduledAction(rid, dimension, action.name)
        for action in observed.scheduled_actions
        if _is_ours(action.name) and action.name not in wanted_scheduled
    )
    # An alarm acts on its policy's ARN, which exists only once the policy does: it is put
    # on the tick after the policy (scaling is read again right after it changes).
    existing_alarms = {a.alarm.name: a for a in observed.alarms}
    for alarm in wanted.alarms:
        acted_on = observed.policy(alarm.policy_name)
        if acted_on is None:
            continue
        _, arn = acted_on
        current = existing_alarms.get(alarm.name)
        if current is None or current.alarm != alarm or current.actions != (arn,):
            actions.append(PutMetricAlarm(alarm, arn))
    unwanted = tuple(
        name
        for name in existing_alarms
        if _is_ours(name) and name not in {a.name for a in wanted.alarms}
    )
    if unwanted:
        actions.append(DeleteAlarms(unwanted))
    return tuple(actions)
