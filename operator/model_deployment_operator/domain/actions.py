"""What the operator may do to SageMaker, as data. The planner returns these; the reconciler
executes them in order through the gateway and stops at the first failure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

from model_deployment_operator.domain.fleet.actions import (
    SHARED_ACTIONS,
    SharedAction,
    describe_shared_action,
)
from model_deployment_operator.domain.rendering.config import EndpointConfigSpec
from model_deployment_operator.domain.rendering.deployment_config import DeploymentConfig
from model_deployment_operator.domain.rendering.model import ModelDefinition
from model_deployment_operator.domain.scaling.actions import (
    ScalingAction,
    describe_scaling_action,
)


@dataclass(frozen=True)
class CreateModel:
    name: str
    spec: ModelDefinition
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
    (not an autoscaler) owns the count. `deployment_config` is spec.rollout's DeploymentConfig
    (None: SageMaker's default, all at once)."""

    name: str
    config_name: str
    apply_instance_count: bool
    deployment_config: DeploymentConfig | None = None


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
class DeleteEndpointConfig:
    name: str


@dataclass(frozen=True)
class DeleteModel:
    name: str


@dataclass(frozen=True)
class RejectModelPackage:
    """UpdateModelPackage with ModelApprovalStatus Rejected and ApprovalDescription (spec.rollout
    onFailedRollout RejectVersion). The gateway reads the version first and leaves one that is
    already Rejected alone, so a retry after a crash sends it at most once."""

    arn: str
    version: int
    description: str


Action: TypeAlias = (
    CreateModel
    | CreateEndpointConfig
    | CreateEndpoint
    | UpdateEndpoint
    | SetInstanceCount
    | DeleteEndpoint
    | TagEndpoint
    | ScalingAction
    | SharedAction
    | DeleteEndpointConfig
    | DeleteModel
    | RejectModelPackage
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
        case UpdateEndpoint(name=name, config_name=config, deployment_config=rollout):
            how = f"; {rollout.describe()}" if rollout is not None else ""
            return f"UpdateEndpoint {name} (config {config}{how})"
        case SetInstanceCount(endpoint_name=name, variant_name=variant, instance_count=count):
            return f"UpdateEndpointWeightsAndCapacities {name}/{variant} to {count} instances"
        case DeleteEndpoint(name=name):
            return f"DeleteEndpoint {name}"
        case TagEndpoint(name=name):
            return f"AddTags to endpoint {name}"
        case DeleteEndpointConfig(name=name):
            return f"DeleteEndpointConfig {name}"
        case DeleteModel(name=name):
            return f"DeleteModel {name}"
        case RejectModelPackage(arn=arn):
            return f"UpdateModelPackage {arn} (ModelApprovalStatus Rejected)"
    if isinstance(action, SHARED_ACTIONS):
        return describe_shared_action(action)
    return describe_scaling_action(action)
