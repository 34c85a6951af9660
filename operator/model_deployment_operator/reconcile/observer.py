"""One tick's observation of SageMaker for a ModelDeployment: the endpoint and who owns it,
the live config, the registry's choice, and — only when they can matter — autoscaling and
the leftovers of earlier deployments."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from model_deployment_operator.domain import naming
from model_deployment_operator.domain.desired import DesiredDeployment, Target
from model_deployment_operator.domain.endpoint_owner import EndpointOwner
from model_deployment_operator.domain.history import deployment_already_failed
from model_deployment_operator.domain.observed import (
    DeployedConfig,
    EndpointStatus,
    ObservedEndpoint,
    OwnedArtifacts,
)
from model_deployment_operator.domain.ownership import Claim, OwnerPresence, read_claim
from model_deployment_operator.domain.plan import Observation
from model_deployment_operator.domain.policy import VersionSelected
from model_deployment_operator.domain.scaling.model import ObservedScaling
from model_deployment_operator.domain.status import DeploymentStatus
from model_deployment_operator.ports import ClusterDirectory, SageMakerPort
from model_deployment_operator.reconcile.memory import ResourceMemory, SharedCache
from model_deployment_operator.reconcile.registry import RegistryReader


def scaling_key(desired: DesiredDeployment, config_name: str, variant: str) -> tuple[object, ...]:
    """What a verified autoscaling setup was verified against."""
    return (desired.spec.autoscaling, config_name, variant)


class Observer:
    def __init__(
        self,
        cache: SharedCache,
        registry: RegistryReader,
        directory: ClusterDirectory | None,
        scaling_check_seconds: float,
        monotonic: Callable[[], float],
    ) -> None:
        self._cache = cache
        self._registry = registry
        self._directory = directory
        self._scaling_check_seconds = scaling_check_seconds
        self._monotonic = monotonic

    def observe(
        self,
        port: SageMakerPort,
        memory: ResourceMemory,
        desired: DesiredDeployment,
        previous: DeploymentStatus | None,
        now: datetime,
    ) -> Observation:
        endpoint = self.endpoint(port, desired)
        live_config = None
        if endpoint is not None and endpoint.owned and endpoint.config_name:
            live_config = self._config(port, desired.region, endpoint.config_name)
        live_arn = live_config.model_package_arn if live_config is not None else None
        selection, live_package = self._registry.select(port, memory, desired, live_arn, now)
        target = (
            desired.target_for(selection.package)
            if isinstance(selection, VersionSelected)
            else None
        )
        scaling = self._scaling(
            port,
            memory,
            desired,
            endpoint=endpoint,
            live_config=live_config,
            previous=previous,
            target=target,
        )
        artifacts = None
        in_service_on_target = (
            endpoint is not None
            and endpoint.owned
            and endpoint.status == EndpointStatus.IN_SERVICE
            and target is not None
            and endpoint.config_name == target.config_name
        )
        # Leftovers are listed once per deployment, when it has finished.
        if (
            in_service_on_target
            and target is not None
            and memory.collected_config != target.config_name
        ):
            artifacts = self.owned_artifacts(
                port, desired, exclude={target.config_name, target.model_name}
            )
        return Observation(
            selection=selection,
            endpoint=endpoint,
            live_config=live_config,
            live_package=live_package,
            scaling=scaling,
            artifacts=artifacts,
        )

    def endpoint(self, port: SageMakerPort, desired: EndpointOwner) -> ObservedEndpoint | None:
        """The endpoint and who owns it. Described only when its last description may no
        longer hold (reconcile/endpoint_snapshot.py); `desired` is woken by its events."""
        self._cache.endpoints.watch(desired.endpoint_name, desired.ref.uid)
        endpoint = self._cache.endpoints.endpoint(port, desired.endpoint_name)
        if endpoint is None:
            return None
        tags = self._cache.tags(desired.region, endpoint.arn, endpoint.created_at)
        if tags is None:
            tags = port.list_tags(endpoint.arn)
            self._cache.remember_tags(desired.region, endpoint.arn, endpoint.created_at, tags)
        ownership = read_claim(tags, desired.ref)
        owner = ownership.owner
        if ownership.claim is Claim.OTHER and owner is not None:
            # Only the API server can say whether the claimed owner is gone; tags can't.
            if self._directory is None:
                ownership = ownership.with_presence(
                    OwnerPresence.UNKNOWN, "the owner's existence was not checked"
                )
            else:
                ownership = ownership.with_presence(*self._directory.owner_presence(owner))
        return replace(endpoint, ownership=ownership)

    def _config(self, port: SageMakerPort, region: str, name: str) -> DeployedConfig | None:
        cached = self._cache.config(region, name)
        if cached is not None:
            return cached
        config = port.describe_endpoint_config(name)
        if config is not None:
            self._cache.remember_config(region, config)
        return config

    def _scaling(
        self,
        port: SageMakerPort,
        memory: ResourceMemory,
        desired: DesiredDeployment,
        *,
        endpoint: ObservedEndpoint | None,
        live_config: DeployedConfig | None,
        previous: DeploymentStatus | None,
        target: Target | None,
    ) -> ObservedScaling | None:
        """Autoscaling as it is, when it can matter: re-checked every few minutes once
        verified, and always right before an update that could be blocked by it."""
        recorded = previous.autoscaling if previous is not None else None
        if endpoint is None or not endpoint.owned or endpoint.status != EndpointStatus.IN_SERVICE:
            return None
        wanted = desired.scaling
        if wanted is None and recorded is None:
            return None
        variant = (
            live_config.variant_name if live_config is not None else None
        ) or desired.variant_name
        key = scaling_key(desired, endpoint.config_name, variant)
        history = previous.history if previous is not None else ()
        update_pending = (
            target is not None
            and target.config_name != endpoint.config_name
            and not deployment_already_failed(history, target)
        )
        verified = memory.scaling_verified
        if (
            not update_pending
            and verified is not None
            and verified[0] == key
            and self._monotonic() - verified[1] < self._scaling_check_seconds
        ):
            return None
        resource_id = naming.scaling_resource_id(endpoint.name, variant)
        # Scheduled actions and alarms cost a call each: read them only when some are, or
        # were, wanted.
        scheduled = bool(wanted is not None and wanted.scheduled_actions) or bool(
            recorded is not None and recorded.scheduled_actions
        )
        alarms = dict.fromkeys(recorded.alarms if recorded is not None else (), "")
        alarms.update({a.name: a.policy_name for a in (wanted.alarms if wanted else ())})
        return port.describe_scaling(resource_id, scheduled=scheduled, alarms=tuple(alarms.items()))

    def owned_artifacts(
        self, port: SageMakerPort, desired: EndpointOwner, exclude: set[str] | None = None
    ) -> OwnedArtifacts:
        """Configs and models named like this endpoint's and tagged with this object's uid.
        Names in `exclude` (the live target) are kept without a tag check."""
        stem = naming.resource_stem(desired.endpoint_name)
        pattern = naming.owned_name_pattern(desired.endpoint_name)
        skip = exclude or set()

        def owned(candidates: tuple[tuple[str, str], ...]) -> frozenset[str]:
            return frozenset(
                name
                for name, arn in candidates
                if pattern.match(name)
                and (name in skip or naming.is_owned_by(port.list_tags(arn), desired.ref))
            )

        return OwnedArtifacts(
            config_names=owned(port.list_endpoint_config_names(stem)),
            model_names=owned(port.list_model_names(stem)),
        )
