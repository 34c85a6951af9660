"""What the operator may do to SageMaker, as data. The planner returns these; the reconciler
executes them in order through the gateway and stops at the first failure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

from model_deployment_operator.domain.rendering.config import EndpointConfigSpec
from model_deployment_operator.domain.rendering.model import ModelSpec


@dataclass(frozen=True)
class CreateModel:
    name: str
    spec: ModelSpec
    tags: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class CreateEndpointConfig:
    name: str
    spec: EndpointConfigSpec
    tags: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class CreateEndpoint:
    name: str
    config_name: str
    tags: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class UpdateEndpoint:
    """Always sent with RetainAllVariantProperties=true so an autoscaled instance count is
    kept; `apply_instance_count` excludes DesiredInstanceCount from retention when the spec
    (not an autoscaler) owns the count."""

    name: str
    config_name: str
    apply_instance_count: bool


@dataclass(frozen=True)
class SetInstanceCount:
    """Corrects a hand-changed instance count on a variant the spec sizes (no autoscaling)."""

    endpoint_name: str
    variant_name: str
    instance_count: int


@dataclass(frozen=True)
class DeleteEndpoint:
    name: str


@dataclass(frozen=True)
class TagEndpoint:
    """Marks an existing endpoint as owned (explicit adoption)."""

    name: str
    arn: str
    tags: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class RegisterScalableTarget:
    resource_id: str
    min_capacity: int
    max_capacity: int


@dataclass(frozen=True)
class PutScalingPolicy:
    policy_name: str
    resource_id: str
    target_invocations_per_instance: float
    scale_in_cooldown_seconds: int
    scale_out_cooldown_seconds: int


@dataclass(frozen=True)
class DeregisterScalableTarget:
    """Also removes the target's scaling policies (Application Auto Scaling does so)."""

    resource_id: str


@dataclass(frozen=True)
class DeleteEndpointConfig:
    name: str


@dataclass(frozen=True)
class DeleteModel:
    name: str


Action: TypeAlias = (
    CreateModel
    | CreateEndpointConfig
    | CreateEndpoint
    | UpdateEndpoint
    | SetInstanceCount
    | DeleteEndpoint
    | TagEndpoint
    | RegisterScalableTarget
    | PutScalingPolicy
    | DeregisterScalableTarget
    | DeleteEndpointConfig
    | DeleteModel
)

# Actions that start a deployment: the history records one entry per started deployment.
DEPLOYING_ACTIONS = (CreateEndpoint, UpdateEndpoint)


def describe_action(action: Action) -> str:
    """A short phrase naming the call and its SageMaker object, for messages and logs."""
    match action:
        case CreateModel(name=name):
            return f"CreateModel {name}"
        case CreateEndpointConfig(name=name):
            return f"CreateEndpointConfig {name}"
        case CreateEndpoint(name=name, config_name=config):
            return f"CreateEndpoint {name} (config {config})"
        case UpdateEndpoint(name=name, config_name=config):
            return f"UpdateEndpoint {name} (config {config})"
        case SetInstanceCount(endpoint_name=name, variant_name=variant, instance_count=count):
            return f"UpdateEndpointWeightsAndCapacities {name}/{variant} to {count} instances"
        case DeleteEndpoint(name=name):
            return f"DeleteEndpoint {name}"
        case TagEndpoint(name=name):
            return f"AddTags to endpoint {name}"
        case RegisterScalableTarget(resource_id=rid, min_capacity=low, max_capacity=high):
            return f"RegisterScalableTarget {rid} ({low}-{high})"
        case PutScalingPolicy(policy_name=policy, resource_id=rid):
            return f"PutScalingPolicy {policy} on {rid}"
        case DeregisterScalableTarget(resource_id=rid):
            return f"DeregisterScalableTarget {rid}"
        case DeleteEndpointConfig(name=name):
            return f"DeleteEndpointConfig {name}"
        case DeleteModel(name=name):
            return f"DeleteModel {name}"
