"""A placed ModelDeployment bound to its identity and to the ModelEndpoint it is placed on,
and what a package version becomes there: an inference component running a Model made from
the package, or the package's artifact copied under the endpoint's prefix."""

from __future__ import annotations

from dataclasses import dataclass

from model_deployment_operator.domain import naming
from model_deployment_operator.domain.naming import DeploymentRef
from model_deployment_operator.domain.registry import PackageVersion
from model_deployment_operator.domain.rendering import target as rendering
from model_deployment_operator.domain.rendering.inference_component import (
    BatchSize,
    ComponentSpec,
    ComputeRequirements,
    InferenceComponentTarget,
    RollingUpdate,
)
from model_deployment_operator.domain.rendering.model import ModelDefinition
from model_deployment_operator.domain.rendering.target import render_model
from model_deployment_operator.domain.shared_observed import (
    ARTIFACT_OWNER,
    ARTIFACT_OWNER_UID,
    ARTIFACT_PACKAGE,
    HostEndpoint,
)
from model_deployment_operator.domain.spec import DeletionPolicy, ModelDeploymentSpec
from model_deployment_operator.domain.spec.placement import CapacitySizeSpec


@dataclass(frozen=True)
class ComponentTarget:
    package: PackageVersion
    model_name: str
    model: ModelDefinition
    component: InferenceComponentTarget

    @property
    def revision(self) -> str:
        digest = naming.short_hash(repr(self.component.spec.compute), str(self.component.spec))
        return f"{self.component.name}@{self.model_name}/{digest}"


@dataclass(frozen=True)
class ArtifactTarget:
    package: PackageVersion
    source: str  # the package's artifact
    destination: str  # <prefix><targetModel>
    key: str  # the TargetModel
    metadata: tuple[tuple[str, str], ...]

    @property
    def revision(self) -> str:
        return f"{self.key}@v{self.package.version}"


def _batch(size: CapacitySizeSpec | None) -> BatchSize | None:
    return BatchSize(str(size.type), size.value) if size is not None else None


@dataclass(frozen=True)
class PlacedDeployment:
    ref: DeploymentRef
    generation: int
    spec: ModelDeploymentSpec
    host: HostEndpoint
    region: str
    deletion_policy: DeletionPolicy

    @property
    def endpoint_name(self) -> str:
        """The shared endpoint's name (what the endpoint observer reads)."""
        return self.host.endpoint_name

    @property
    def component_name(self) -> str:
        return naming.default_endpoint_name(self.ref)

    @property
    def tags(self) -> tuple[tuple[str, str], ...]:
        return tuple(sorted(naming.resource_tags(self.ref, self.spec.tags).items()))

    def component_target(self, package: PackageVersion) -> ComponentTarget:
        wanted = self.spec.inference_component
        assert wanted is not None  # noqa: S101 - only for InferenceComponent placements
        model = render_model(self.spec, package)
        model_name = rendering.model_name(self.ref, self.component_name, package.version, model)
        rolling = wanted.rolling_update
        component = InferenceComponentTarget(
            name=self.component_name,
            endpoint_name=self.host.endpoint_name,
            variant_name=self.host.variant_name,
            spec=ComponentSpec(
                model_name=model_name,
                compute=ComputeRequirements(
                    memory_mb=wanted.memory_mb,
                    cpu_cores=wanted.cpu_cores,
                    max_memory_mb=wanted.max_memory_mb,
                    accelerator_devices=wanted.accelerator_devices,
                ),
                startup_timeout_seconds=wanted.startup_timeout_seconds,
            ),
            copy_count=wanted.copy_count,
            rolling_update=RollingUpdate(
                maximum_batch_size=BatchSize(
                    str(rolling.maximum_batch_size.type), rolling.maximum_batch_size.value
                ),
                wait_interval_seconds=rolling.wait_interval_seconds,
                rollback_maximum_batch_size=_batch(rolling.rollback_maximum_batch_size),
                maximum_execution_timeout_seconds=rolling.maximum_execution_timeout_seconds,
                alarms=tuple(rolling.alarms),
            )
            if rolling is not None
            else None,
        )
        return ComponentTarget(package, model_name, model, component)

    def artifact_target(self, package: PackageVersion, source: str) -> ArtifactTarget:
        wanted = self.spec.multi_model
        assert wanted is not None  # noqa: S101 - only for MultiModel placements
        prefix = self.host.artifact_prefix or ""
        return ArtifactTarget(
            package=package,
            source=source,
            destination=f"{prefix}{wanted.target_model}",
            key=wanted.target_model,
            metadata=(
                (ARTIFACT_OWNER, str(self.ref)),
                (ARTIFACT_OWNER_UID, self.ref.uid),
                (ARTIFACT_PACKAGE, package.arn),
            ),
        )
