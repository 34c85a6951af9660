"""A ModelEndpoint bound to its identity, region and defaults, and rendered into the
SageMaker objects it owns: the EndpointConfig (and, in MultiModel mode, the Model running
the shared container)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from model_deployment_operator.domain import naming
from model_deployment_operator.domain.naming import DeploymentRef
from model_deployment_operator.domain.rendering.config import (
    EndpointConfigSpec,
    InstanceHosting,
    ManagedScaling,
    VariantSpec,
)
from model_deployment_operator.domain.spec import DeletionPolicy
from model_deployment_operator.domain.spec.model_endpoint import EndpointMode, ModelEndpointSpec

# Artifacts under a multi-model prefix that appeared or changed less than this long ago
# wait for others: approvals that arrive close together share one refresh.
REFRESH_SETTLE_SECONDS = 10.0
# Under the artifact prefix, where the operator records what each refresh loaded.
REFRESH_RECORDS = ".mdo-refresh/"


@dataclass(frozen=True)
class MultiModelContainer:
    """The Model of a MultiModel endpoint: one container that loads any target model
    from the prefix on its first invocation."""

    image: str
    artifact_prefix: str
    execution_role_arn: str
    cache_enabled: bool
    environment: tuple[tuple[str, str], ...] = ()

    def hash_parts(self) -> tuple[str, ...]:
        env = "\x1e".join(f"{k}={v}" for k, v in self.environment)
        cache = "cache" if self.cache_enabled else "no-cache"
        return (self.image, self.artifact_prefix, self.execution_role_arn, cache, env)


@dataclass(frozen=True)
class Artifact:
    """An object under a multi-model prefix (a target model's artifact)."""

    key: str  # relative to the prefix: the TargetModel callers pass
    etag: str
    age_seconds: float


def refresh_token(artifacts: tuple[Artifact, ...]) -> str:
    """What identifies the set of artifacts a refresh loads: equal sets, equal tokens."""
    text = "\n".join(f"{a.key}={a.etag}" for a in sorted(artifacts, key=lambda a: a.key))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class FleetTarget:
    config_name: str
    config: EndpointConfigSpec
    model_name: str | None = None
    model: MultiModelContainer | None = None


@dataclass(frozen=True)
class DesiredFleet:
    ref: DeploymentRef
    generation: int
    spec: ModelEndpointSpec
    region: str
    deletion_policy: DeletionPolicy

    @classmethod
    def build(
        cls,
        ref: DeploymentRef,
        generation: int,
        spec: ModelEndpointSpec,
        *,
        default_region: str,
        default_deletion_policy: DeletionPolicy,
    ) -> DesiredFleet:
        return cls(
            ref=ref,
            generation=generation,
            spec=spec,
            region=spec.region or default_region,
            deletion_policy=spec.deletion_policy or default_deletion_policy,
        )

    @property
    def endpoint_name(self) -> str:
        return self.spec.endpoint_name or naming.default_endpoint_name(self.ref)

    @property
    def multi_model(self) -> bool:
        return self.spec.mode is EndpointMode.MULTI_MODEL

    @property
    def tags(self) -> tuple[tuple[str, str], ...]:
        return tuple(sorted(naming.resource_tags(self.ref, self.spec.tags).items()))

    def _name(self, *parts: str) -> str:
        # Version 0: no model package is behind a fleet object; the names still match the
        # pattern garbage collection lists this endpoint's objects by.
        digest = naming.short_hash("fleet", self.ref.uid, *parts)
        return f"{naming.resource_stem(self.endpoint_name)}-v0-{digest}"

    def target(self, artifacts: tuple[Artifact, ...] = ()) -> FleetTarget:
        """The endpoint config (and model) for the current spec; in MultiModel mode, one
        whose instances load `artifacts` as they are now."""
        spec = self.spec
        scaling = spec.managed_instance_scaling
        hosting = InstanceHosting(
            instance_type=spec.instance_type,
            initial_instance_count=spec.initial_instance_count,
            managed_scaling=ManagedScaling(
                min_instances=scaling.min_instance_count,
                max_instances=scaling.max_instance_count,
                scale_in_strategy=str(scaling.scale_in_policy.strategy)
                if scaling.scale_in_policy
                else None,
                scale_in_max_step=scaling.scale_in_policy.maximum_step_size
                if scaling.scale_in_policy
                else None,
                scale_in_cooldown_minutes=scaling.scale_in_policy.cooldown_minutes
                if scaling.scale_in_policy
                else None,
            )
            if scaling is not None
            else None,
        )
        container = spec.multi_model
        if container is None:
            config = EndpointConfigSpec(
                VariantSpec(spec.variant_name, None, hosting),
                execution_role_arn=spec.execution_role_arn,
            )
            return FleetTarget(self._name("config", *config.hash_parts()), config)
        model = MultiModelContainer(
            image=container.image,
            artifact_prefix=container.artifact_prefix,
            execution_role_arn=spec.execution_role_arn,
            cache_enabled=str(container.model_cache_setting) == "Enabled",
            environment=tuple(sorted(container.environment.items())),
        )
        model_name = self._name("model", *model.hash_parts())
        config = EndpointConfigSpec(
            VariantSpec(spec.variant_name, model_name, hosting),
            refresh_token=refresh_token(artifacts),
        )
        return FleetTarget(self._name("config", *config.hash_parts()), config, model_name, model)
