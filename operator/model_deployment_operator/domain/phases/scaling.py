"""Phase: the variant's autoscaling (scalable target and policy) in line with
spec.autoscaling; and the scalable target an update must deregister first."""

from __future__ import annotations

from model_deployment_operator.domain.actions import (
    Action,
    DeregisterScalableTarget,
    PutScalingPolicy,
    RegisterScalableTarget,
)
from model_deployment_operator.domain.desired import DesiredDeployment, Target
from model_deployment_operator.domain.plan import Memory, Observation

TARGET_TRACKING_METRIC = "SageMakerVariantInvocationsPerInstance"


def target_blocking_update(observation: Observation, target: Target) -> str | None:
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


def plan_scaling(
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
