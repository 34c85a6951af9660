"""The reconcile loop for a ModelDeployment placed on a shared ModelEndpoint: find the host
(its ModelEndpoint, and the endpoint that ModelEndpoint owns), observe this deployment's
inference component or multi-model artifact, read the registry, plan, act, derive status.
And its teardown, which deletes only what this ModelDeployment put on the shared endpoint.

The ModelEndpoint owns the endpoint; a placed deployment never changes it. In MultiModel
mode it copies the artifact and wakes the ModelEndpoint, whose refresh makes the instances
load it (reconcile/fleet.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from model_deployment_operator.domain.api_group import MODEL_ENDPOINT
from model_deployment_operator.domain.errors import (
    ClusterReadError,
    FailureKind,
    SageMakerCallError,
)
from model_deployment_operator.domain.events import EventRecord, derive_events
from model_deployment_operator.domain.fleet.actions import CopyArtifact, DeleteArtifact
from model_deployment_operator.domain.fleet.plan import refresh_record_uri
from model_deployment_operator.domain.naming import DeploymentRef
from model_deployment_operator.domain.observed import EndpointStatus, ObservedEndpoint
from model_deployment_operator.domain.ownership import read_claim
from model_deployment_operator.domain.placed.component import wanted_scaling
from model_deployment_operator.domain.placed.desired import PlacedDeployment
from model_deployment_operator.domain.placed.events import placed_action_events
from model_deployment_operator.domain.placed.host import host_endpoint
from model_deployment_operator.domain.placed.plan import PlacedObservation, settle_placed
from model_deployment_operator.domain.placed.planner import plan_placed
from model_deployment_operator.domain.placed.status import placed_status
from model_deployment_operator.domain.placed.teardown import plan_placed_teardown
from model_deployment_operator.domain.policy import Selection, VersionSelected
from model_deployment_operator.domain.reasons import Reason
from model_deployment_operator.domain.reporting import (
    namespace_unreadable_verdict,
    status_with_verdict,
    verdict_for_error,
)
from model_deployment_operator.domain.scaling.actions import SCALING_ACTIONS
from model_deployment_operator.domain.scaling.component import component_resource_id
from model_deployment_operator.domain.scaling.model import ObservedScaling
from model_deployment_operator.domain.shared_observed import (
    ARTIFACT_OWNER_UID,
    ARTIFACT_PACKAGE,
    HostEndpoint,
    ObservedArtifact,
    ObservedComponent,
)
from model_deployment_operator.domain.spec import ModelDeploymentSpec
from model_deployment_operator.domain.status import DeploymentStatus
from model_deployment_operator.domain.verdict import Verdict, progressing
from model_deployment_operator.ports import ClusterDirectory, SageMakerPort
from model_deployment_operator.reconcile.executor import execute
from model_deployment_operator.reconcile.identity import Identities
from model_deployment_operator.reconcile.memory import ResourceMemory, SharedCache
from model_deployment_operator.reconcile.observer import Observer
from model_deployment_operator.reconcile.outcomes import ReconcilerSettings
from model_deployment_operator.reconcile.registry import RegistryReader

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PlacedTick:
    """What one tick of a placed deployment produced, for the Reconciler to schedule."""

    status: DeploymentStatus
    events: tuple[EventRecord, ...]
    failure: FailureKind | None
    # The ModelEndpoint to reconcile soon: its artifacts changed.
    wake: tuple[str, ...] = ()
    # What the approval policy chose this tick (None when the tick stopped before).
    selection: Selection | None = None


@dataclass(frozen=True)
class PlacedTeardownStep:
    finished: bool
    message: str
    wake: tuple[str, ...] = ()


@dataclass(frozen=True)
class _ComponentOwner:
    """The names of a component's Models start with the component's name, as a dedicated
    deployment's start with its endpoint's: listed and collected the same way."""

    ref: DeploymentRef
    region: str
    endpoint_name: str


@dataclass(frozen=True)
class _HostOwner:
    ref: DeploymentRef
    region: str
    endpoint_name: str


class PlacedReconciler:
    def __init__(
        self,
        settings: ReconcilerSettings,
        *,
        identities: Identities,
        observer: Observer,
        registry: RegistryReader,
        cache: SharedCache,
        directory: ClusterDirectory | None,
        monotonic: Callable[[], float],
    ) -> None:
        self._settings = settings
        self._identities = identities
        self._observer = observer
        self._registry = registry
        self._cache = cache
        self._directory = directory
        self._monotonic = monotonic

    # ------------------------------------------------------------------ reconcile

    def host(self, ref: DeploymentRef, spec: ModelDeploymentSpec) -> HostEndpoint | Verdict:
        if self._directory is None or spec.endpoint_ref is None:
            return progressing(
                Reason.WAITING_FOR_MODEL_ENDPOINT,
                "The ModelEndpoint cannot be read without the Kubernetes API server",
            )
        try:
            found = self._directory.model_endpoint(ref.namespace, spec.endpoint_ref.name)
        except ClusterReadError as error:
            return namespace_unreadable_verdict(error)
        return host_endpoint(
            spec,
            ref.namespace,
            found,
            default_region=self._settings.default_region,
            installation=self._settings.installation,
        )

    def placed(
        self, ref: DeploymentRef, generation: int, spec: ModelDeploymentSpec, host: HostEndpoint
    ) -> PlacedDeployment:
        return PlacedDeployment(
            ref=ref,
            generation=generation,
            spec=spec,
            host=host,
            region=host.region or self._settings.default_region,
            deletion_policy=spec.deletion_policy or self._settings.default_deletion_policy,
        )

    def reconcile(
        self,
        memory: ResourceMemory,
        desired: PlacedDeployment,
        previous: DeploymentStatus | None,
        now: datetime,
    ) -> PlacedTick | Verdict:
        """A tick; a Verdict when it stopped before SageMaker (no identity)."""
        port = self._identities.port(desired)
        if isinstance(port, Verdict):
            return port
        try:
            observation = self._observe(port, memory, desired, previous, now)
        except SageMakerCallError as error:
            verdict = verdict_for_error(
                error, f"{error.operation} for {desired.ref}", self._settings.registry_poll_seconds
            )
            status = status_with_verdict(previous, verdict, desired.generation, now)
            return PlacedTick(status, (), error.kind)
        except ClusterReadError as error:
            verdict = namespace_unreadable_verdict(error)
            status = status_with_verdict(previous, verdict, desired.generation, now)
            return PlacedTick(status, (), FailureKind.TRANSIENT)
        if isinstance(observation, Verdict):
            status = status_with_verdict(previous, observation, desired.generation, now)
            return PlacedTick(status, derive_events(previous, status, ()), None)
        history = settle_placed(previous.history if previous else (), observation, now)
        registered_before = previous is not None and previous.autoscaling is not None
        plan = plan_placed(desired, observation, history, registered_before=registered_before)
        execution = execute(port, desired, plan.actions, self._cache)
        scaling = wanted_scaling(desired) if desired.spec.inference_component else None
        status = placed_status(
            desired=desired,
            observation=observation,
            plan=plan,
            execution=execution,
            history=history,
            previous=previous,
            scaling=scaling,
            now=now,
            retry_seconds=self._settings.registry_poll_seconds,
        )
        if execution.error is None:
            touched = any(isinstance(a, SCALING_ACTIONS) for a in execution.succeeded)
            if observation.scaling is not None:
                memory.scaling_verified = (
                    None
                    if touched
                    else (
                        self._scaling_key(desired, observation.component),
                        self._monotonic(),
                    )
                )
            if observation.models is not None and plan.target is not None:
                memory.collected_config = plan.target.revision
        changed_artifacts = any(
            isinstance(a, CopyArtifact | DeleteArtifact) for a in execution.succeeded
        )
        if changed_artifacts or previous is None or previous.conditions != status.conditions:
            log.info(
                "Reconciled %s on ModelEndpoint %s: %s",
                desired.ref,
                desired.host.name,
                plan.verdict.message,
                extra={
                    "modeldeployment": str(desired.ref),
                    "modelendpoint": desired.host.name,
                    "actions": [type(a).__name__ for a in execution.succeeded],
                },
            )
        return PlacedTick(
            status,
            (
                *derive_events(previous, status, execution.succeeded),
                *placed_action_events(execution.succeeded, status.history),
            ),
            execution.error.kind if execution.error is not None else None,
            (desired.host.uid,) if changed_artifacts else (),
            observation.selection,
        )

    # ------------------------------------------------------------------ observe

    def _observe(
        self,
        port: SageMakerPort,
        memory: ResourceMemory,
        desired: PlacedDeployment,
        previous: DeploymentStatus | None,
        now: datetime,
    ) -> PlacedObservation | Verdict:
        host = self._host_endpoint(port, desired)
        if host is not None and not host.owned:
            return progressing(
                Reason.WAITING_FOR_MODEL_ENDPOINT,
                f"Endpoint {host.name} is not ModelEndpoint {desired.host.name}'s (it "
                f"{host.ownership.describe()}); see the ModelEndpoint's status",
            )
        component: ObservedComponent | None = None
        artifact: ObservedArtifact | None = None
        live_arn: str | None = None
        served = False
        if desired.spec.inference_component is not None:
            component = self._component(port, desired)
            if component is not None and component.ownership.owned and component.spec:
                live_arn = self._package_of_model(port, desired.region, component.spec.model_name)
        else:
            artifact = port.artifact(self._destination(desired))
            if artifact is not None and artifact.meta(ARTIFACT_OWNER_UID) == desired.ref.uid:
                live_arn = artifact.meta(ARTIFACT_PACKAGE)
                served = self._served(port, desired, host, artifact)
        selection, live_package = self._registry.select(port, memory, desired, live_arn, now)
        source = None
        if desired.spec.multi_model is not None and isinstance(selection, VersionSelected):
            source = self._package_artifact(port, desired.region, selection.package.arn)
        scaling = self._scaling(port, memory, desired, component, previous)
        models = None
        if (
            component is not None
            and component.ownership.owned
            and component.status == "InService"
            and isinstance(selection, VersionSelected)
        ):
            target = desired.component_target(selection.package)
            if component.spec == target.component.spec and (
                memory.collected_config != target.revision
            ):
                owner = _ComponentOwner(desired.ref, desired.region, desired.component_name)
                models = self._observer.owned_artifacts(port, owner, exclude={target.model_name})
        return PlacedObservation(
            selection=selection,
            host=host,
            live_package=live_package,
            component=component,
            artifact=artifact,
            artifact_source=source,
            served=served,
            scaling=scaling,
            models=models,
        )

    def _host_endpoint(
        self, port: SageMakerPort, desired: PlacedDeployment
    ) -> ObservedEndpoint | None:
        """The shared endpoint, with its ownership seen from its ModelEndpoint."""
        host = desired.host
        owner = _HostOwner(
            DeploymentRef(desired.ref.namespace, host.name, host.uid, MODEL_ENDPOINT),
            desired.region,
            host.endpoint_name,
        )
        return self._observer.endpoint(port, owner)

    def _component(
        self, port: SageMakerPort, desired: PlacedDeployment
    ) -> ObservedComponent | None:
        component = port.describe_inference_component(desired.component_name)
        if component is None:
            return None
        tags = self._cache.tags(desired.region, component.arn, "component")
        if tags is None:
            tags = port.list_tags(component.arn)
            # Only a claim of ours is remembered: a component is never re-tagged to us.
            if read_claim(tags, desired.ref).owned:
                self._cache.remember_tags(desired.region, component.arn, "component", tags)
        return _with_ownership(component, desired.ref, tags)

    def _package_of_model(self, port: SageMakerPort, region: str, model_name: str) -> str | None:
        known, package = self._cache.model_packages.get(region, model_name)
        if known:
            return package
        package = port.model_package_of(model_name)
        if package is not None:
            self._cache.model_packages.put(region, model_name, package)
        return package

    def _package_artifact(self, port: SageMakerPort, region: str, package_arn: str) -> str | None:
        known, uri = self._cache.package_artifacts.get(region, package_arn)
        if known:
            return uri
        uri = port.package_artifact(package_arn)
        self._cache.package_artifacts.put(region, package_arn, uri)
        return uri

    @staticmethod
    def _destination(desired: PlacedDeployment) -> str:
        target = desired.spec.multi_model
        assert target is not None  # noqa: S101 - only for MultiModel placements
        return f"{desired.host.artifact_prefix or ''}{target.target_model}"

    def _served(
        self,
        port: SageMakerPort,
        desired: PlacedDeployment,
        host: ObservedEndpoint | None,
        artifact: ObservedArtifact,
    ) -> bool:
        """Whether the endpoint's current config makes its instances load this artifact:
        the ModelEndpoint recorded, before creating that config, what it loads."""
        target = desired.spec.multi_model
        prefix = desired.host.artifact_prefix
        if host is None or not host.config_name or target is None or prefix is None:
            return False
        if host.status != EndpointStatus.IN_SERVICE:
            return False
        uri = refresh_record_uri(prefix, host.config_name)
        known, record = self._cache.refresh_records.get(desired.region, uri)
        if not known:
            record = port.refresh_record(uri)
            if record is not None:
                self._cache.refresh_records.put(desired.region, uri, record)
        return record is not None and record.get(target.target_model) == artifact.etag

    def _scaling_key(
        self, desired: PlacedDeployment, component: ObservedComponent | None
    ) -> tuple[object, ...]:
        model = component.spec.model_name if component and component.spec else None
        return (desired.spec.autoscaling, model)

    def _scaling(
        self,
        port: SageMakerPort,
        memory: ResourceMemory,
        desired: PlacedDeployment,
        component: ObservedComponent | None,
        previous: DeploymentStatus | None,
    ) -> ObservedScaling | None:
        """The component's copy scaling, when it can matter, re-checked every few minutes
        once verified (as a dedicated endpoint's)."""
        if component is None or not component.ownership.owned or component.status != "InService":
            return None
        wanted = wanted_scaling(desired)
        recorded = previous.autoscaling if previous is not None else None
        if wanted is None and recorded is None:
            return None
        verified = memory.scaling_verified
        if (
            verified is not None
            and verified[0] == self._scaling_key(desired, component)
            and self._monotonic() - verified[1] < self._settings.scaling_check_seconds
        ):
            return None
        alarms = dict.fromkeys(recorded.alarms if recorded is not None else (), "")
        alarms.update({a.name: a.policy_name for a in (wanted.alarms if wanted else ())})
        return port.describe_scaling(
            component_resource_id(desired.component_name),
            scheduled=False,
            alarms=tuple(alarms.items()),
        )

    # ------------------------------------------------------------------ teardown

    def teardown(
        self, desired: PlacedDeployment, previous: DeploymentStatus | None
    ) -> PlacedTeardownStep:
        """One step of deleting what this deployment put on the shared endpoint."""
        if desired.deletion_policy.value == "Retain":
            what = (
                f"inference component {desired.component_name} and its models are"
                if desired.spec.inference_component is not None
                else f"artifact {self._destination(desired)} is"
            )
            return PlacedTeardownStep(True, f"deletionPolicy is Retain: {what} left in place")
        port = self._identities.port(desired)
        if isinstance(port, Verdict):
            return PlacedTeardownStep(False, f"Cannot delete yet: {port.message}")
        try:
            component = scaling = models = artifact = None
            if desired.spec.inference_component is not None:
                component = self._component(port, desired)
                recorded = previous.autoscaling if previous is not None else None
                if component is not None and component.ownership.owned:
                    alarms = tuple((a, "") for a in (recorded.alarms if recorded else ()))
                    scaling = port.describe_scaling(
                        component_resource_id(desired.component_name),
                        scheduled=False,
                        alarms=alarms,
                    )
                else:
                    owner = _ComponentOwner(desired.ref, desired.region, desired.component_name)
                    models = self._observer.owned_artifacts(port, owner)
            elif desired.host.artifact_prefix is not None:
                artifact = port.artifact(self._destination(desired))
        except SageMakerCallError as error:
            return PlacedTeardownStep(False, f"Could not observe: {error}")
        plan = plan_placed_teardown(
            desired, component=component, scaling=scaling, models=models, artifact=artifact
        )
        execution = execute(port, desired, plan.actions, self._cache)
        wake = (
            (desired.host.uid,)
            if any(isinstance(a, DeleteArtifact) for a in execution.succeeded)
            else ()
        )
        if execution.error is not None:
            return PlacedTeardownStep(False, str(execution.error), wake)
        return PlacedTeardownStep(plan.finished_after_actions, plan.message, wake)


def _with_ownership(
    component: ObservedComponent, ref: DeploymentRef, tags: dict[str, str]
) -> ObservedComponent:
    return replace(component, ownership=read_claim(tags, ref))
