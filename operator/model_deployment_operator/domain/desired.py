"""The desired deployment: a spec bound to its owner, region and policy defaults."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from model_deployment_operator.domain import naming
from model_deployment_operator.domain.naming import DeploymentRef
from model_deployment_operator.domain.registry import PackageVersion
from model_deployment_operator.domain.rendering import target
from model_deployment_operator.domain.rendering.config import EndpointConfigSpec
from model_deployment_operator.domain.rendering.model import ModelDefinition
from model_deployment_operator.domain.rendering.target import render_config, render_model
from model_deployment_operator.domain.scaling.model import ScalingSetup
from model_deployment_operator.domain.scaling.render import scaling_setup
from model_deployment_operator.domain.spec import DeletionPolicy, ModelDeploymentSpec


@dataclass(frozen=True)
class Target:
    """The exact SageMaker objects that serve one package version under the current spec."""

    package: PackageVersion
    model_name: str
    model: ModelDefinition
    config_name: str
    config: EndpointConfigSpec

    @property
    def variant_name(self) -> str:
        return self.config.variant.name

    @property
    def instance_type(self) -> str | None:
        return self.config.variant.instance_type

    @property
    def instance_count(self) -> int | None:
        return self.config.variant.instance_count


@dataclass(frozen=True)
class DesiredDeployment:
    ref: DeploymentRef
    generation: int
    spec: ModelDeploymentSpec
    region: str
    deletion_policy: DeletionPolicy
    # Targets rendered under this spec, by package version: the planner and the observer
    # ask for the same one, tick after tick while the spec stays, and rendering hashes
    # the whole definition into the names.
    _targets: dict[PackageVersion, Target] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    @classmethod
    def build(
        cls,
        ref: DeploymentRef,
        generation: int,
        spec: ModelDeploymentSpec,
        *,
        default_region: str,
        default_deletion_policy: DeletionPolicy,
    ) -> DesiredDeployment:
        return cls(
            ref=ref,
            generation=generation,
            spec=spec,
            region=spec.region or default_region,
            deletion_policy=spec.deletion_policy or default_deletion_policy,
        )

    @cached_property
    def endpoint_name(self) -> str:
        return self.spec.endpoint.name or naming.default_endpoint_name(self.ref)

    @property
    def variant_name(self) -> str:
        return self.spec.endpoint.variant_name

    @property
    def tags(self) -> tuple[tuple[str, str], ...]:
        return tuple(sorted(naming.resource_tags(self.ref, self.spec.tags).items()))

    @property
    def scaling_resource_id(self) -> str:
        return naming.scaling_resource_id(self.endpoint_name, self.variant_name)

    @property
    def scaling(self) -> ScalingSetup | None:
        """The Application Auto Scaling setup the spec asks for (None: none)."""
        return scaling_setup(self.spec, self.endpoint_name)

    def target_for(self, package: PackageVersion) -> Target:
        known = self._targets.get(package)
        if known is None:
            known = self._targets[package] = self._render_target(package)
        return known

    def _render_target(self, package: PackageVersion) -> Target:
        model = render_model(self.spec, package)
        model_name = target.model_name(self.ref, self.endpoint_name, package.version, model)
        config = render_config(self.spec, model_name)
        return Target(
            package=package,
            model_name=model_name,
            model=model,
            config_name=target.config_name(self.ref, self.endpoint_name, package.version, config),
            config=config,
        )
