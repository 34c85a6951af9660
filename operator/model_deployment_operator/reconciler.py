"""The reconcile loop for one ModelDeployment: observe SageMaker, plan, act, derive status.

Level-based: every tick observes afresh. The caches here only save AWS calls, never replace
observation of anything that can change behind the operator's back:
- endpoint configs (and the model package behind them) are immutable, cached by name;
- an endpoint's ownership tags are cached per endpoint incarnation (ARN + creation time);
- the registry is read at most once per registry poll interval (sooner after a spec change
  or a registry event);
- a converged autoscaling setup is re-checked every few minutes, and always right before an
  update that could be blocked by it;
- old configs and models are listed once per deployment, when it has finished.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from model_deployment_operator import metrics
from model_deployment_operator.domain import naming
from model_deployment_operator.domain.actions import (
    Action,
    DeregisterScalableTarget,
    PutScalingPolicy,
    RegisterScalableTarget,
    TagEndpoint,
)
from model_deployment_operator.domain.desired import DesiredDeployment, Target
from model_deployment_operator.domain.errors import (
    AssumeRoleError,
    ClusterReadError,
    FailureKind,
    SageMakerCallError,
)
from model_deployment_operator.domain.events import EventRecord, derive_events
from model_deployment_operator.domain.naming import DeploymentRef
from model_deployment_operator.domain.observed import (
    DeployedConfig,
    EndpointStatus,
    ObservedEndpoint,
    ObservedScaling,
    OwnedArtifacts,
)
from model_deployment_operator.domain.ownership import Claim, OwnerPresence, read_claim
from model_deployment_operator.domain.planner import (
    Memory,
    Observation,
    deployment_already_failed,
    plan_reconcile,
    plan_teardown,
    settle_history,
)
from model_deployment_operator.domain.policy import (
    NoVersionAllowed,
    Selection,
    VersionSelected,
    registry_scan_is_sufficient,
    select_version,
)
from model_deployment_operator.domain.reasons import Reason
from model_deployment_operator.domain.registry import (
    PackageGroup,
    PackageVersion,
    versioned_package_arn,
)
from model_deployment_operator.domain.reporting import (
    Execution,
    assume_role_verdict,
    derive_status,
    invalid_spec_verdict,
    namespace_unreadable_verdict,
    status_with_verdict,
    verdict_for_error,
)
from model_deployment_operator.domain.spec import (
    ApprovalPolicy,
    DeletionPolicy,
    InvalidSpecError,
    parse_spec,
)
from model_deployment_operator.domain.status import DeploymentStatus, parse_status
from model_deployment_operator.domain.tenancy import (
    OPERATOR_IDENTITY,
    ROLE_ANNOTATION,
    AwsIdentity,
    IdentityRefused,
    TenancyPolicy,
    identity_for,
)
from model_deployment_operator.domain.verdict import (
    Verdict,
    VerdictKind,
    blocked,
    progressing,
)
from model_deployment_operator.ports import ClusterDirectory, SageMakerPort, SageMakerPortFactory

log = logging.getLogger(__name__)

REGISTRY_PAGE_SIZE = 25
MAX_REGISTRY_PAGES = 40


@dataclass(frozen=True)
class ReconcilerSettings:
    default_region: str
    default_deletion_policy: DeletionPolicy = DeletionPolicy.DELETE
    registry_poll_seconds: float = 60.0
    busy_poll_seconds: float = 15.0
    scaling_check_seconds: float = 300.0
    jitter_fraction: float = 0.1


@dataclass(frozen=True)
class ReconcileOutcome:
    status: DeploymentStatus
    events: tuple[EventRecord, ...]
    requeue_after: float
    verdict: VerdictKind


@dataclass(frozen=True)
class TeardownOutcome:
    finished: bool
    message: str
    events: tuple[EventRecord, ...]
    requeue_after: float
    status: DeploymentStatus | None = None


@dataclass(frozen=True)
class Preview:
    desired: DesiredDeployment
    observation: Observation
    actions: tuple[Action, ...]
    verdict: Verdict


@dataclass
class _RegistryRead:
    key: tuple[object, ...]
    read_at: float
    versions: tuple[PackageVersion, ...]
    group: PackageGroup | None


@dataclass
class _ResourceMemory:
    """Per-ModelDeployment process memory: saves calls, never decides behaviour alone."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    registry: _RegistryRead | None = None
    scaling_verified: tuple[tuple[object, ...], float] | None = None
    collected_config: str | None = None
    consecutive_transient_failures: int = 0


class Reconciler:
    def __init__(
        self,
        ports: SageMakerPortFactory,
        settings: ReconcilerSettings,
        *,
        clock: Callable[[], datetime],
        monotonic: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
        directory: ClusterDirectory | None = None,
        tenancy: TenancyPolicy | None = None,
    ) -> None:
        self._ports = ports
        self._settings = settings
        # Without a directory (the `plan` command), every call uses the ambient identity
        # and no claimed owner can be proven gone.
        self._directory = directory
        self._tenancy = tenancy or TenancyPolicy()
        self._clock = clock
        self._monotonic = monotonic
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not security
        self._lock = threading.Lock()
        self._resources: dict[str, _ResourceMemory] = {}
        self._groups: dict[tuple[str, str], PackageGroup] = {}
        self._configs: dict[tuple[str, str], DeployedConfig] = {}
        self._owners: dict[tuple[str, str, object], dict[str, str]] = {}

    # ------------------------------------------------------------------ public API

    def reconcile(
        self, ref: DeploymentRef, generation: int, raw_spec: object, raw_status: object
    ) -> ReconcileOutcome:
        started = time.perf_counter()
        memory = self._memory(ref.uid)
        with memory.lock:
            outcome = self._reconcile(memory, ref, generation, raw_spec, parse_status(raw_status))
        metrics.RECONCILES.labels(outcome.verdict).inc()
        metrics.RECONCILE_SECONDS.observe(time.perf_counter() - started)
        return outcome

    def teardown(
        self, ref: DeploymentRef, generation: int, raw_spec: object, raw_status: object
    ) -> TeardownOutcome:
        """One step of deleting what this ModelDeployment owns; call until `finished`."""
        memory = self._memory(ref.uid)
        with memory.lock:
            outcome = self._teardown(ref, generation, raw_spec)
        if outcome.finished:
            return outcome
        verdict = progressing(Reason.DELETING, outcome.message)
        status = status_with_verdict(parse_status(raw_status), verdict, generation, self._now())
        return replace(outcome, status=status)

    def preview(
        self, ref: DeploymentRef, generation: int, raw_spec: object, raw_status: object
    ) -> Preview:
        """Observe SageMaker and plan, without changing anything (the `plan` command)."""
        spec = parse_spec(raw_spec)
        desired = DesiredDeployment.build(
            ref,
            generation,
            spec,
            default_region=self._settings.default_region,
            default_deletion_policy=self._settings.default_deletion_policy,
        )
        previous = parse_status(raw_status)
        port = self._ports(desired.region, OPERATOR_IDENTITY)
        observation = self._observe(port, _ResourceMemory(), desired, previous)
        history = settle_history(
            previous.history if previous is not None else (), observation.endpoint, self._now()
        )
        recorded = previous.autoscaling if previous is not None else None
        plan = plan_reconcile(desired, observation, Memory(history, recorded))
        return Preview(
            desired=desired, observation=observation, actions=plan.actions, verdict=plan.verdict
        )

    def forget(self, uid: str) -> None:
        """Drop process memory of a deleted ModelDeployment."""
        with self._lock:
            self._resources.pop(uid, None)

    def registry_changed(self, group_name: str) -> None:
        """A registry event arrived for this group: read it on the next tick."""
        lowered = group_name.lower()
        with self._lock:
            for memory in self._resources.values():
                read = memory.registry
                if (
                    read is not None
                    and read.group is not None
                    and read.group.name.lower() == lowered
                ):
                    memory.registry = None

    # ------------------------------------------------------------------ reconcile

    def _reconcile(
        self,
        memory: _ResourceMemory,
        ref: DeploymentRef,
        generation: int,
        raw_spec: object,
        previous: DeploymentStatus | None,
    ) -> ReconcileOutcome:
        now = self._now()
        try:
            spec = parse_spec(raw_spec)
        except InvalidSpecError as error:
            status = status_with_verdict(
                previous, invalid_spec_verdict(str(error)), generation, now
            )
            return self._outcome(previous, status, (), self._settings.registry_poll_seconds)
        desired = DesiredDeployment.build(
            ref,
            generation,
            spec,
            default_region=self._settings.default_region,
            default_deletion_policy=self._settings.default_deletion_policy,
        )
        port = self._port(desired)
        if isinstance(port, Verdict):
            status = status_with_verdict(previous, port, generation, now)
            delay = (
                self._retry_delay(memory, FailureKind.TRANSIENT)
                if port.kind is VerdictKind.UNAVAILABLE
                else self._settings.registry_poll_seconds
            )
            return self._outcome(previous, status, (), delay)
        history = previous.history if previous is not None else ()
        try:
            observation = self._observe(port, memory, desired, previous)
        except SageMakerCallError as error:
            verdict = verdict_for_error(
                error, f"{error.operation} for {desired.ref}", self._settings.registry_poll_seconds
            )
            status = status_with_verdict(previous, verdict, generation, now)
            return self._outcome(previous, status, (), self._retry_delay(memory, error.kind))
        settled = settle_history(history, observation.endpoint, now)
        recorded = previous.autoscaling if previous is not None else None
        plan = plan_reconcile(desired, observation, Memory(settled, recorded))
        execution = self._execute(port, desired, plan.actions)
        self._remember_after_execution(memory, desired, observation, plan.target, execution)
        status = derive_status(
            desired=desired,
            observation=observation,
            plan=plan,
            execution=execution,
            history=settled,
            previous=previous,
            now=now,
            retry_seconds=self._settings.registry_poll_seconds,
        )
        if plan.deployment is not None and execution.succeeded and execution.error is None:
            metrics.DEPLOYMENTS_STARTED.labels(plan.deployment.trigger).inc()
        kind = execution.error.kind if execution.error is not None else None
        state = status_verdict(status)
        if kind is None:
            memory.consecutive_transient_failures = 0
        changed = (
            previous is None
            or previous.conditions != status.conditions
            or bool(execution.succeeded)
            or execution.error is not None
        )
        # A steady state is logged at DEBUG: one line per resource per poll would drown
        # what matters in a cluster with hundreds of ModelDeployments.
        log.log(
            logging.INFO if changed else logging.DEBUG,
            "Reconciled %s: %s",
            desired.ref,
            _ready_message(status),
            extra={
                "modeldeployment": str(desired.ref),
                "endpoint": desired.endpoint_name,
                "verdict": str(state),
                "actions": [type(a).__name__ for a in execution.succeeded],
                "failed_action": type(execution.failed_action).__name__
                if execution.failed_action is not None
                else None,
            },
        )
        if kind is not None:
            requeue = self._retry_delay(memory, kind)
        elif state in (VerdictKind.PROGRESSING, VerdictKind.UNAVAILABLE):
            requeue = self._settings.busy_poll_seconds
        else:
            requeue = self._settings.registry_poll_seconds
        events = derive_events(previous, status, execution.succeeded)
        return self._outcome(previous, status, events, requeue)

    def _outcome(
        self,
        previous: DeploymentStatus | None,
        status: DeploymentStatus,
        events: tuple[EventRecord, ...],
        requeue_after: float,
    ) -> ReconcileOutcome:
        if not events:
            events = derive_events(previous, status, ())
        return ReconcileOutcome(
            status=status,
            events=events,
            requeue_after=self._jittered(requeue_after),
            verdict=status_verdict(status),
        )

    def _retry_delay(self, memory: _ResourceMemory, kind: FailureKind) -> float:
        if kind is FailureKind.TRANSIENT:
            memory.consecutive_transient_failures += 1
            doublings = min(memory.consecutive_transient_failures - 1, 10)
            backoff = self._settings.busy_poll_seconds * float(2**doublings)
            return min(backoff, self._settings.registry_poll_seconds)
        if kind is FailureKind.BUSY:
            return self._settings.busy_poll_seconds
        return self._settings.registry_poll_seconds

    # ------------------------------------------------------------------ observation

    def _observe(
        self,
        port: SageMakerPort,
        memory: _ResourceMemory,
        desired: DesiredDeployment,
        previous: DeploymentStatus | None,
    ) -> Observation:
        endpoint = port.describe_endpoint(desired.endpoint_name)
        if endpoint is not None:
            endpoint = self._with_ownership(port, desired, endpoint)
        live_config = None
        if endpoint is not None and endpoint.owned and endpoint.config_name:
            live_config = self._config(port, desired.region, endpoint.config_name)
        selection, live_package = self._read_registry(port, memory, desired, live_config)
        target = (
            desired.target_for(selection.package)
            if isinstance(selection, VersionSelected)
            else None
        )
        scaling = self._observe_scaling(
            port=port,
            memory=memory,
            desired=desired,
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
        if (
            in_service_on_target
            and target is not None
            and memory.collected_config != target.config_name
        ):
            artifacts = self._owned_artifacts(
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

    def _with_ownership(
        self, port: SageMakerPort, desired: DesiredDeployment, endpoint: ObservedEndpoint
    ) -> ObservedEndpoint:
        key = (desired.region, endpoint.arn, endpoint.created_at)
        with self._lock:
            tags = self._owners.get(key)
        if tags is None:
            tags = port.list_tags(endpoint.arn)
            with self._lock:
                self._owners[key] = tags
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
        with self._lock:
            cached = self._configs.get((region, name))
        if cached is not None:
            return cached
        config = port.describe_endpoint_config(name)
        if config is not None:
            with self._lock:
                self._configs[(region, name)] = config
        return config

    def _group(self, port: SageMakerPort, region: str, name_or_arn: str) -> PackageGroup | None:
        with self._lock:
            cached = self._groups.get((region, name_or_arn))
        if cached is not None:
            return cached
        group = port.describe_package_group(name_or_arn)
        if group is not None:
            with self._lock:
                self._groups[(region, name_or_arn)] = group
        return group

    def _read_registry(
        self,
        port: SageMakerPort,
        memory: _ResourceMemory,
        desired: DesiredDeployment,
        live_config: DeployedConfig | None,
    ) -> tuple[Selection, PackageVersion | None]:
        spec = desired.spec
        approval = spec.approval
        key = (
            desired.region,
            spec.model_package_group_name,
            approval.policy,
            approval.pinned_version,
        )
        read = memory.registry
        fresh_for = self._settings.registry_poll_seconds * 0.8
        if read is None or read.key != key or self._monotonic() - read.read_at > fresh_for:
            read = self._scan_registry(port, desired, key, live_config)
            memory.registry = read
        if read.group is None:
            return (
                NoVersionAllowed(
                    Reason.MODEL_PACKAGE_GROUP_NOT_FOUND,
                    f"Model package group {spec.model_package_group_name} does not exist in "
                    f"region {desired.region}, or the operator's IAM role may not describe it",
                ),
                None,
            )
        live_arn = live_config.model_package_arn if live_config is not None else None
        live_package = next(
            (v for v in read.versions if v.arn.lower() == (live_arn or "").lower()), None
        )
        return select_version(approval, read.group.name, read.versions), live_package

    def _scan_registry(
        self,
        port: SageMakerPort,
        desired: DesiredDeployment,
        key: tuple[object, ...],
        live_config: DeployedConfig | None,
    ) -> _RegistryRead:
        spec = desired.spec
        group = self._group(port, desired.region, spec.model_package_group_name)
        if group is None:
            return _RegistryRead(key, self._monotonic(), (), None)
        live_version = _version_in_group(group, live_config)
        approval = spec.approval
        if approval.policy is ApprovalPolicy.PINNED and approval.pinned_version is not None:
            wanted = {approval.pinned_version}
            if live_version is not None:
                wanted.add(live_version)
            found = (
                port.describe_package(versioned_package_arn(group.arn, v)) for v in sorted(wanted)
            )
            versions = tuple(v for v in found if v is not None)
            return _RegistryRead(key, self._monotonic(), versions, group)
        collected: list[PackageVersion] = []
        token: str | None = None
        for _ in range(MAX_REGISTRY_PAGES):
            page, token = port.list_package_versions(
                spec.model_package_group_name, token, REGISTRY_PAGE_SIZE
            )
            collected.extend(page)
            if token is None or registry_scan_is_sufficient(approval, live_version, collected):
                break
        return _RegistryRead(key, self._monotonic(), tuple(collected), group)

    def _observe_scaling(
        self,
        *,
        port: SageMakerPort,
        memory: _ResourceMemory,
        desired: DesiredDeployment,
        endpoint: ObservedEndpoint | None,
        live_config: DeployedConfig | None,
        previous: DeploymentStatus | None,
        target: Target | None,
    ) -> ObservedScaling | None:
        recorded = previous.autoscaling if previous is not None else None
        if endpoint is None or not endpoint.owned or endpoint.status != EndpointStatus.IN_SERVICE:
            return None
        if desired.spec.autoscaling is None and recorded is None:
            return None
        variant = (
            live_config.variant_name if live_config is not None else None
        ) or desired.variant_name
        key = (desired.spec.autoscaling, endpoint.config_name, variant)
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
            and self._monotonic() - verified[1] < self._settings.scaling_check_seconds
        ):
            return None
        resource_id = naming.scaling_resource_id(endpoint.name, variant)
        scalable = port.describe_scalable_target(resource_id)
        policy = (
            port.describe_scaling_policy(
                resource_id, naming.scaling_policy_name(endpoint.name, variant)
            )
            if scalable is not None
            else None
        )
        return ObservedScaling(target=scalable, policy=policy)

    def _owned_artifacts(
        self, port: SageMakerPort, desired: DesiredDeployment, exclude: set[str] | None = None
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

    # ------------------------------------------------------------------ acting

    def _execute(
        self, port: SageMakerPort, desired: DesiredDeployment, actions: tuple[Action, ...]
    ) -> Execution:
        succeeded: list[Action] = []
        for action in actions:
            try:
                port.apply(action)
            except SageMakerCallError as error:
                log.warning(
                    "SageMaker refused %s for %s: %s",
                    type(action).__name__,
                    desired.ref,
                    error,
                    extra={"modeldeployment": str(desired.ref), "failure_kind": str(error.kind)},
                )
                return Execution(tuple(succeeded), action, error)
            succeeded.append(action)
            if isinstance(action, TagEndpoint):
                with self._lock:
                    self._owners = {k: v for k, v in self._owners.items() if k[1] != action.arn}
        return Execution(tuple(succeeded))

    def _remember_after_execution(
        self,
        memory: _ResourceMemory,
        desired: DesiredDeployment,
        observation: Observation,
        target: Target | None,
        execution: Execution,
    ) -> None:
        endpoint = observation.endpoint
        if observation.scaling is not None and endpoint is not None and execution.error is None:
            touched = any(
                isinstance(a, (RegisterScalableTarget, PutScalingPolicy, DeregisterScalableTarget))
                for a in execution.succeeded
            )
            variant = (
                observation.live_config.variant_name
                if observation.live_config is not None
                else None
            ) or desired.variant_name
            key = (desired.spec.autoscaling, endpoint.config_name, variant)
            # After applying, check again on the next tick; after a clean check, rest.
            memory.scaling_verified = None if touched else (key, self._monotonic())
        if observation.artifacts is not None and execution.error is None and target is not None:
            memory.collected_config = target.config_name

    # ------------------------------------------------------------------ teardown

    def _teardown(self, ref: DeploymentRef, generation: int, raw_spec: object) -> TeardownOutcome:
        try:
            spec = parse_spec(raw_spec)
        except InvalidSpecError as error:
            # Without a readable spec the endpoint name is unknown: nothing can be found to
            # delete safely, so release the object rather than block its deletion forever.
            message = f"Spec unreadable ({error}); no SageMaker resources were deleted"
            return TeardownOutcome(True, message, (), 0)
        desired = DesiredDeployment.build(
            ref,
            generation,
            spec,
            default_region=self._settings.default_region,
            default_deletion_policy=self._settings.default_deletion_policy,
        )
        if desired.deletion_policy is DeletionPolicy.RETAIN:
            message = (
                f"deletionPolicy is Retain: endpoint {desired.endpoint_name}, its configs, "
                "models and autoscaling are left in SageMaker"
            )
            return TeardownOutcome(True, message, (), 0)
        port = self._port(desired)
        if isinstance(port, Verdict):
            message = f"Cannot delete the SageMaker resources yet: {port.message}"
            return TeardownOutcome(
                False, message, (), self._jittered(self._settings.registry_poll_seconds)
            )
        try:
            endpoint = port.describe_endpoint(desired.endpoint_name)
            if endpoint is not None:
                endpoint = self._with_ownership(port, desired, endpoint)
            scaling = None
            artifacts = None
            if endpoint is not None and endpoint.owned:
                variant = endpoint.variants[0].name if endpoint.variants else desired.variant_name
                resource_id = naming.scaling_resource_id(endpoint.name, variant)
                scaling = ObservedScaling(port.describe_scalable_target(resource_id), None)
            else:
                artifacts = self._owned_artifacts(port, desired)
        except SageMakerCallError as error:
            return TeardownOutcome(
                False,
                f"Could not observe SageMaker to delete {desired.endpoint_name}: {error}",
                (),
                self._jittered(self._settings.busy_poll_seconds),
            )
        plan = plan_teardown(desired, endpoint, scaling, artifacts)
        execution = self._execute(port, desired, plan.actions)
        events = derive_events(None, DeploymentStatus(), execution.succeeded)
        if execution.error is not None:
            verdict = verdict_for_error(
                execution.error,
                f"{execution.error.operation} while deleting {desired.ref}",
                self._settings.busy_poll_seconds,
            )
            return TeardownOutcome(
                False, verdict.message, events, self._jittered(self._settings.busy_poll_seconds)
            )
        finished = plan.finished_after_actions
        if finished:
            self.forget(ref.uid)
        return TeardownOutcome(
            finished, plan.message, events, self._jittered(self._settings.busy_poll_seconds)
        )

    # ------------------------------------------------------------------ identity

    def _identity(self, ref: DeploymentRef) -> AwsIdentity | Verdict:
        """The AWS identity to act as for `ref`, or why there is none."""
        if self._directory is None:
            return OPERATOR_IDENTITY
        try:
            requested = self._directory.namespace_annotation(ref.namespace, ROLE_ANNOTATION)
        except ClusterReadError as error:
            return namespace_unreadable_verdict(error)
        chosen = identity_for(self._tenancy, ref, requested)
        if isinstance(chosen, IdentityRefused):
            return blocked(chosen.reason, chosen.message)
        return chosen

    def _port(self, desired: DesiredDeployment) -> SageMakerPort | Verdict:
        identity = self._identity(desired.ref)
        if isinstance(identity, Verdict):
            return identity
        try:
            return self._ports(desired.region, identity)
        except AssumeRoleError as error:
            return assume_role_verdict(
                error, identity, desired.ref.namespace, self._settings.registry_poll_seconds
            )

    # ------------------------------------------------------------------ helpers

    def _memory(self, uid: str) -> _ResourceMemory:
        with self._lock:
            memory = self._resources.get(uid)
            if memory is None:
                memory = self._resources[uid] = _ResourceMemory()
            return memory

    def _now(self) -> datetime:
        return self._clock().replace(microsecond=0)

    def _jittered(self, seconds: float) -> float:
        spread = seconds * self._settings.jitter_fraction
        return max(1.0, seconds + self._rng.uniform(-spread, spread))


def status_verdict(status: DeploymentStatus) -> VerdictKind:
    conditions: Mapping[str, Any] = {c.type: c for c in status.conditions}
    if "Stalled" in conditions:
        return VerdictKind.BLOCKED
    ready = conditions.get("Ready")
    if ready is not None and ready.status == "True":
        return VerdictKind.CONVERGED
    if ready is not None and ready.status == "Unknown":
        return VerdictKind.UNAVAILABLE
    return VerdictKind.PROGRESSING


def _ready_message(status: DeploymentStatus) -> str:
    ready = next((c for c in status.conditions if c.type == "Ready"), None)
    return f"{ready.reason}: {ready.message}" if ready is not None else "no conditions"


def _version_in_group(group: PackageGroup, live_config: DeployedConfig | None) -> int | None:
    if live_config is None or live_config.model_package_arn is None:
        return None
    prefix = versioned_package_arn(group.arn, 0)[: -len("0")]
    arn = live_config.model_package_arn.lower()
    if not arn.startswith(prefix.lower()):
        return None
    tail = arn[len(prefix) :]
    return int(tail) if tail.isdigit() else None
