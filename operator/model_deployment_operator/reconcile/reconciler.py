"""The reconcile loop for one ModelDeployment: observe SageMaker, plan, act, derive status,
in that order, with one status written per tick.

Level-based: every tick observes afresh; process memory (reconcile/memory.py) only saves
calls. Each step is a unit of its own: identity (which AWS role acts), observation
(observer.py, registry.py), the plan (domain/planner.py), execution (executor.py), status
(domain/reporting.py); teardown.py deletes on deletion. A ModelDeployment placed on a
shared ModelEndpoint is reconciled by placed.py; the ModelEndpoint itself by fleet.py.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from model_deployment_operator import metrics
from model_deployment_operator.domain.actions import RejectModelPackage
from model_deployment_operator.domain.desired import DesiredDeployment
from model_deployment_operator.domain.errors import FailureKind, SageMakerCallError
from model_deployment_operator.domain.events import EventRecord, derive_events
from model_deployment_operator.domain.history import settle_history
from model_deployment_operator.domain.naming import DeploymentRef
from model_deployment_operator.domain.placed.desired import PlacedDeployment
from model_deployment_operator.domain.placed.host import host_from_status
from model_deployment_operator.domain.plan import Memory, Observation, Plan
from model_deployment_operator.domain.planner import plan_reconcile
from model_deployment_operator.domain.policy import Selection
from model_deployment_operator.domain.promotion.selection import waiting_for_requirements
from model_deployment_operator.domain.promotion.view import (
    environment_of,
    skip_events,
    with_promotion,
)
from model_deployment_operator.domain.reasons import Reason
from model_deployment_operator.domain.reporting import (
    Execution,
    derive_status,
    invalid_spec_verdict,
    status_with_verdict,
    verdict_for_error,
)
from model_deployment_operator.domain.scaling.actions import SCALING_ACTIONS
from model_deployment_operator.domain.spec import InvalidSpecError, ModelDeploymentSpec, parse_spec
from model_deployment_operator.domain.spec.placement import Placement
from model_deployment_operator.domain.status import DeploymentStatus, HistoryEntry, parse_status
from model_deployment_operator.domain.tenancy import OPERATOR_IDENTITY, TenancyPolicy
from model_deployment_operator.domain.verdict import Verdict, VerdictKind, progressing
from model_deployment_operator.ports import ClusterDirectory, SageMakerPortFactory
from model_deployment_operator.reconcile.endpoint_snapshot import EndpointSnapshots
from model_deployment_operator.reconcile.executor import execute
from model_deployment_operator.reconcile.fleet import FleetOutcome, FleetReconciler
from model_deployment_operator.reconcile.identity import Identities
from model_deployment_operator.reconcile.memory import MemoryBook, ResourceMemory, SharedCache
from model_deployment_operator.reconcile.observer import Observer, scaling_key
from model_deployment_operator.reconcile.outcomes import (
    Preview,
    ReconcileOutcome,
    ReconcilerSettings,
    TeardownOutcome,
    ready_message,
    status_verdict,
)
from model_deployment_operator.reconcile.placed import PlacedReconciler, PlacedTick
from model_deployment_operator.reconcile.promotion import PromotionJudge, ServingRecorder
from model_deployment_operator.reconcile.registry import RegistryReader
from model_deployment_operator.reconcile.registry_cache import RegistryCache
from model_deployment_operator.reconcile.teardown import tear_down

log = logging.getLogger(__name__)


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
        self._clock = clock
        self._monotonic = monotonic
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not security
        self._cache = SharedCache(
            EndpointSnapshots(
                list_seconds=settings.endpoint_list_seconds,
                describe_seconds=settings.endpoint_describe_seconds,
                monotonic=monotonic,
            )
        )
        self._memories = MemoryBook()
        self._identities = Identities(
            ports, directory, tenancy or TenancyPolicy(), settings.registry_poll_seconds
        )
        self._promotion = PromotionJudge(settings.registry_poll_seconds, monotonic)
        # One registry read per group and poll interval, shared by every ModelDeployment.
        self._registry_cache = RegistryCache(settings.registry_poll_seconds, monotonic)
        registry = RegistryReader(self._registry_cache, self._identities.identity, self._promotion)
        self._serving = ServingRecorder(self._now)
        self._observer = Observer(
            self._cache, registry, directory, settings.scaling_check_seconds, monotonic
        )
        self._placed = PlacedReconciler(
            settings,
            identities=self._identities,
            observer=self._observer,
            registry=registry,
            cache=self._cache,
            directory=directory,
            monotonic=monotonic,
        )
        self._fleet = FleetReconciler(
            settings,
            identities=self._identities,
            observer=self._observer,
            cache=self._cache,
            directory=directory,
            clock=clock,
            rng=self._rng,
        )

    # ------------------------------------------------------------------ public API

    def reconcile(
        self, ref: DeploymentRef, generation: int, raw_spec: object, raw_status: object
    ) -> ReconcileOutcome:
        started = time.perf_counter()
        memory = self._memories.of(ref.uid)
        with memory.lock:
            outcome = self._reconcile(memory, ref, generation, raw_spec, parse_status(raw_status))
            woken = memory.take_registry_wake()
            if woken:
                # The group changed: its other deployments act on it now, not at their polls.
                outcome = replace(outcome, wake=(*outcome.wake, *woken))
        metrics.RECONCILES.labels(outcome.verdict).inc()
        metrics.RECONCILE_SECONDS.observe(time.perf_counter() - started)
        return outcome

    def teardown(
        self, ref: DeploymentRef, generation: int, raw_spec: object, raw_status: object
    ) -> TeardownOutcome:
        """One step of deleting what this ModelDeployment owns; call until `finished`."""
        memory = self._memories.of(ref.uid)
        with memory.lock:
            try:
                spec = parse_spec(raw_spec)
                if spec.placement is not Placement.DEDICATED:
                    return self._tear_down_placed(ref, generation, spec, raw_status)
                desired = self._desired(ref, generation, raw_spec)
            except InvalidSpecError as error:
                # Without a readable spec the endpoint name is unknown: nothing can be found
                # to delete safely, so release the object rather than block its deletion.
                message = f"Spec unreadable ({error}); no SageMaker resources were deleted"
                return TeardownOutcome(True, message, (), 0)
            outcome = tear_down(
                desired,
                identities=self._identities,
                observer=self._observer,
                cache=self._cache,
                settings=self._settings,
                jittered=self._jittered,
            )
            if outcome.finished:
                self._record_stopped(ref, spec, desired, raw_status)
        if outcome.finished:
            self.forget(ref.uid)
            return outcome
        verdict = progressing(Reason.DELETING, outcome.message)
        status = status_with_verdict(parse_status(raw_status), verdict, generation, self._now())
        return replace(outcome, status=status)

    def _tear_down_placed(
        self, ref: DeploymentRef, generation: int, spec: ModelDeploymentSpec, raw_status: object
    ) -> TeardownOutcome:
        previous = parse_status(raw_status)
        host = self._placed.host(ref, spec)
        if isinstance(host, Verdict):
            # The ModelEndpoint is gone (or unreadable): where the deployment was placed is
            # in its status.
            recorded = host_from_status(
                spec, previous, default_region=self._settings.default_region
            )
            if recorded is None:
                message = (
                    f"Nothing of {ref} was placed on a shared endpoint ({host.message}); no "
                    "SageMaker resources were deleted"
                )
                return TeardownOutcome(True, message, (), 0)
            host = recorded
        placed = self._placed.placed(ref, generation, spec, host)
        step = self._placed.teardown(placed, previous)
        if step.finished:
            self._record_stopped(ref, spec, placed, raw_status)
            self.forget(ref.uid)
            return TeardownOutcome(True, step.message, (), 0, wake=step.wake)
        verdict = progressing(Reason.DELETING, step.message)
        status = status_with_verdict(previous, verdict, generation, self._now())
        return TeardownOutcome(
            False,
            step.message,
            (),
            self._jittered(self._settings.busy_poll_seconds),
            status,
            wake=step.wake,
        )

    # ------------------------------------------------------------------ ModelEndpoints

    def reconcile_endpoint(
        self, ref: DeploymentRef, generation: int, raw_spec: object, raw_status: object
    ) -> FleetOutcome:
        """A tick of a ModelEndpoint (the shared endpoint itself)."""
        memory = self._memories.of(ref.uid)
        with memory.lock:
            outcome = self._fleet.reconcile(ref, generation, raw_spec, raw_status)
        metrics.RECONCILES.labels(status_verdict(outcome.status)).inc()
        return outcome

    def teardown_endpoint(
        self, ref: DeploymentRef, generation: int, raw_spec: object, raw_status: object
    ) -> FleetOutcome:
        """One step of deleting a ModelEndpoint; waits while deployments are placed on it."""
        memory = self._memories.of(ref.uid)
        with memory.lock:
            outcome = self._fleet.teardown(ref, generation, raw_spec, raw_status)
        if outcome.finished:
            self.forget(ref.uid)
        return outcome

    def preview(
        self, ref: DeploymentRef, generation: int, raw_spec: object, raw_status: object
    ) -> Preview:
        """Observe SageMaker and plan, without changing anything (the `plan` command)."""
        desired = self._desired(ref, generation, raw_spec)
        previous = parse_status(raw_status)
        port = self._ports(desired.region, OPERATOR_IDENTITY)
        now = self._now()
        observation = self._observer.observe(port, ResourceMemory(), desired, previous, now)
        plan, _ = self._plan(desired, observation, previous, now)
        return Preview(
            desired=desired, observation=observation, actions=plan.actions, verdict=plan.verdict
        )

    def forget(self, uid: str) -> None:
        """Drop process memory of a deleted ModelDeployment."""
        self._memories.forget(uid)
        self._cache.endpoints.unwatch(uid)

    def endpoint_changed(self, endpoint_name: str) -> tuple[str, ...]:
        """An endpoint state-change event named this endpoint: describe it at the next
        look. Returns the uids of the ModelDeployments and ModelEndpoints that observe it,
        to reconcile now."""
        self._cache.endpoints.forget(endpoint_name)
        return self._cache.endpoints.watchers(endpoint_name)

    def registry_changed(self, group_name: str) -> None:
        """A registry event arrived for this group: the next tick of any of its
        deployments reads it afresh (once, for all of them)."""
        self._registry_cache.invalidate(group_name)
        self._promotion.forget_group(group_name)

    # ------------------------------------------------------------------ reconcile

    def _desired(self, ref: DeploymentRef, generation: int, raw_spec: object) -> DesiredDeployment:
        return self._build_desired(ref, generation, parse_spec(raw_spec))

    def _build_desired(
        self, ref: DeploymentRef, generation: int, spec: ModelDeploymentSpec
    ) -> DesiredDeployment:
        return DesiredDeployment.build(
            ref,
            generation,
            spec,
            default_region=self._settings.default_region,
            default_deletion_policy=self._settings.default_deletion_policy,
        )

    @staticmethod
    def _remembered_spec(memory: ResourceMemory, raw_spec: object) -> ModelDeploymentSpec:
        remembered = memory.parsed_spec
        if remembered is not None and remembered[0] == raw_spec:
            return remembered[1]
        spec = parse_spec(raw_spec)
        # Kept as handed over, not copied: the watch replaces an object's body when it
        # changes and never edits one in place (kopf_adapter/watched.py).
        memory.parsed_spec = (raw_spec, spec)
        return spec

    def _remembered_desired(
        self,
        memory: ResourceMemory,
        ref: DeploymentRef,
        generation: int,
        spec: ModelDeploymentSpec,
    ) -> DesiredDeployment:
        remembered = memory.desired
        if (
            remembered is not None
            and remembered.spec is spec
            and remembered.generation == generation
            and remembered.ref == ref
        ):
            return remembered
        memory.desired = self._build_desired(ref, generation, spec)
        return memory.desired

    def _plan(
        self,
        desired: DesiredDeployment,
        observation: Observation,
        previous: DeploymentStatus | None,
        now: datetime,
    ) -> tuple[Plan, tuple[HistoryEntry, ...]]:
        """The plan, and the history it saw (the deployment in progress settled)."""
        history = previous.history if previous is not None else ()
        settled = settle_history(history, observation.endpoint, now)
        recorded = previous.autoscaling if previous is not None else None
        observed = replace(observation, observed_at=now)
        return plan_reconcile(desired, observed, Memory(settled, recorded)), settled

    def _reconcile(
        self,
        memory: ResourceMemory,
        ref: DeploymentRef,
        generation: int,
        raw_spec: object,
        previous: DeploymentStatus | None,
    ) -> ReconcileOutcome:
        now = self._now()
        try:
            spec = self._remembered_spec(memory, raw_spec)
            if spec.placement is not Placement.DEDICATED:
                return self._reconcile_placed(
                    memory, ref, generation, spec, previous=previous, now=now
                )
            desired = self._remembered_desired(memory, ref, generation, spec)
        except InvalidSpecError as error:
            verdict = invalid_spec_verdict(str(error))
            return self._stopped(memory, previous, verdict, generation, now)
        port = self._identities.port(desired)
        if isinstance(port, Verdict):
            return self._stopped(memory, previous, port, generation, now)
        try:
            observation = self._observer.observe(port, memory, desired, previous, now)
        except SageMakerCallError as error:
            verdict = verdict_for_error(
                error, f"{error.operation} for {desired.ref}", self._settings.registry_poll_seconds
            )
            status = status_with_verdict(previous, verdict, generation, now)
            return self._outcome(previous, status, (), self._retry_delay(memory, error.kind))
        plan, settled = self._plan(desired, observation, previous, now)
        execution = execute(port, desired, plan.actions, self._cache)
        self._remember_after_execution(memory, desired, observation, plan, execution)
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
        environment = self._environment(ref, spec)
        status = with_promotion(status, environment, observation.selection)
        self._serving.record(
            port,
            memory,
            ref.uid,
            environment,
            status.history,
            moved_from=previous.environment if previous is not None else None,
        )
        if plan.deployment is not None and execution.succeeded and execution.error is None:
            metrics.DEPLOYMENTS_STARTED.labels(plan.deployment.trigger).inc()
        self._log(desired, previous, status, execution)
        kind = execution.error.kind if execution.error is not None else None
        state = status_verdict(status)
        if kind is None:
            memory.consecutive_transient_failures = 0
            requeue = (
                self._settings.busy_poll_seconds
                if state in (VerdictKind.PROGRESSING, VerdictKind.UNAVAILABLE)
                and not self._woken_by_event(state, observation, execution)
                else self._settings.registry_poll_seconds
            )
        else:
            requeue = self._retry_delay(memory, kind)
        if waiting_for_requirements(observation.selection) and kind is None:
            # A soak may last a day: look at the registry at its pace, and again at the
            # moment a time requirement passes.
            requeue = self._settings.registry_poll_seconds
        requeue = min(requeue, self._until_recheck(observation.selection, now))
        events = derive_events(previous, status, execution.succeeded)
        events = (*events, *skip_events(previous, status))
        return self._outcome(previous, status, events, requeue)

    def _reconcile_placed(
        self,
        memory: ResourceMemory,
        ref: DeploymentRef,
        generation: int,
        spec: ModelDeploymentSpec,
        *,
        previous: DeploymentStatus | None,
        now: datetime,
    ) -> ReconcileOutcome:
        host = self._placed.host(ref, spec)
        if isinstance(host, Verdict):
            return self._stopped(memory, previous, host, generation, now)
        desired = self._placed.placed(ref, generation, spec, host)
        tick = self._placed.reconcile(memory, desired, previous, now)
        if isinstance(tick, Verdict):
            return self._stopped(memory, previous, tick, generation, now)
        environment = self._environment(ref, spec)
        status = with_promotion(tick.status, environment, tick.selection)
        port = self._identities.port(desired)
        if not isinstance(port, Verdict):
            self._serving.record(
                port,
                memory,
                ref.uid,
                environment,
                status.history,
                moved_from=previous.environment if previous is not None else None,
            )
        tick = replace(tick, status=status, events=(*tick.events, *skip_events(previous, status)))
        outcome = self._placed_outcome(memory, previous, tick)
        if tick.selection is None:
            return outcome
        recheck = self._until_recheck(tick.selection, now)
        return replace(outcome, requeue_after=min(outcome.requeue_after, recheck))

    def _woken_by_event(
        self, state: VerdictKind, observation: Observation, execution: Execution
    ) -> bool:
        """Waiting on an endpoint in transition, which will announce its next status with
        an event (MDO_ENDPOINT_EVENTS): the slow poll is only a safety net then. After an
        action, look again soon: what it started is seen at the next describe."""
        endpoint = observation.endpoint
        return (
            self._settings.endpoint_events
            and state is VerdictKind.PROGRESSING
            and endpoint is not None
            and endpoint.is_busy
            and not execution.succeeded
        )

    def _placed_outcome(
        self, memory: ResourceMemory, previous: DeploymentStatus | None, tick: PlacedTick
    ) -> ReconcileOutcome:
        if tick.failure is None:
            memory.consecutive_transient_failures = 0
            state = status_verdict(tick.status)
            requeue = (
                self._settings.busy_poll_seconds
                if state in (VerdictKind.PROGRESSING, VerdictKind.UNAVAILABLE)
                else self._settings.registry_poll_seconds
            )
        else:
            requeue = self._retry_delay(memory, tick.failure)
        return replace(self._outcome(previous, tick.status, tick.events, requeue), wake=tick.wake)

    def _stopped(
        self,
        memory: ResourceMemory,
        previous: DeploymentStatus | None,
        verdict: Verdict,
        generation: int,
        now: datetime,
    ) -> ReconcileOutcome:
        """The tick could not get as far as SageMaker (unreadable spec, no AWS identity):
        keep what was reported and replace the conditions."""
        status = status_with_verdict(previous, verdict, generation, now)
        if verdict.kind is VerdictKind.UNAVAILABLE:
            delay = self._retry_delay(memory, FailureKind.TRANSIENT)
        elif verdict.kind is VerdictKind.PROGRESSING:
            # Waiting on something else (a ModelEndpoint being created): look again soon.
            delay = self._settings.busy_poll_seconds
        else:
            delay = self._settings.registry_poll_seconds
        self._log_verdict(verdict, previous, status)
        return self._outcome(previous, status, (), delay)

    def _log(
        self,
        desired: DesiredDeployment,
        previous: DeploymentStatus | None,
        status: DeploymentStatus,
        execution: Execution,
    ) -> None:
        changed = (
            previous is None
            or previous.conditions != status.conditions
            or bool(execution.succeeded)
            or execution.error is not None
        )
        # A steady state is logged at DEBUG: one line per resource per poll would drown
        # what matters in a cluster with hundreds of ModelDeployments. Not even composed
        # when DEBUG is off: that is every settled deployment's every poll.
        if not changed and not log.isEnabledFor(logging.DEBUG):
            return
        log.log(
            logging.INFO if changed else logging.DEBUG,
            "Reconciled %s: %s",
            desired.ref,
            ready_message(status),
            extra={
                "modeldeployment": str(desired.ref),
                "endpoint": desired.endpoint_name,
                "verdict": str(status_verdict(status)),
                "actions": [type(a).__name__ for a in execution.succeeded],
                "failed_action": type(execution.failed_action).__name__
                if execution.failed_action is not None
                else None,
            },
        )

    def _log_verdict(
        self, verdict: Verdict, previous: DeploymentStatus | None, status: DeploymentStatus
    ) -> None:
        changed = previous is None or previous.conditions != status.conditions
        log.log(
            logging.INFO if changed else logging.DEBUG,
            "Stopped before SageMaker: %s: %s",
            verdict.reason,
            verdict.message,
            extra={"verdict": str(verdict.kind), "reason": str(verdict.reason)},
        )

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

    def _retry_delay(self, memory: ResourceMemory, kind: FailureKind) -> float:
        if kind is FailureKind.TRANSIENT:
            memory.consecutive_transient_failures += 1
            doublings = min(memory.consecutive_transient_failures - 1, 10)
            backoff = self._settings.busy_poll_seconds * float(2**doublings)
            return min(backoff, self._settings.registry_poll_seconds)
        if kind is FailureKind.BUSY:
            return self._settings.busy_poll_seconds
        return self._settings.registry_poll_seconds

    def _remember_after_execution(
        self,
        memory: ResourceMemory,
        desired: DesiredDeployment,
        observation: Observation,
        plan: Plan,
        execution: Execution,
    ) -> None:
        endpoint = observation.endpoint
        target = plan.target
        if observation.scaling is not None and endpoint is not None and execution.error is None:
            touched = any(isinstance(a, SCALING_ACTIONS) for a in execution.succeeded)
            variant = (
                observation.live_config.variant_name
                if observation.live_config is not None
                else None
            ) or desired.variant_name
            key = scaling_key(desired, endpoint.config_name, variant)
            # After applying, check again on the next tick; after a clean check, rest.
            memory.scaling_verified = None if touched else (key, self._monotonic())
        if observation.artifacts is not None and execution.error is None and target is not None:
            memory.collected_config = target.config_name
        if any(isinstance(a, RejectModelPackage) for a in execution.succeeded):
            # The version this tick rejected must not be selected again from a stale read,
            # nor judged from its details as read before: as if a registry event came.
            self.registry_changed(desired.spec.group_name)

    # ------------------------------------------------------------------ promotion

    def _environment(self, ref: DeploymentRef, spec: ModelDeploymentSpec) -> str:
        return environment_of(spec.environment, self._settings.environment, ref.namespace)

    def _until_recheck(self, selection: Selection, now: datetime) -> float:
        """Seconds until a skipped version's time requirement passes (a second after, so
        the clock has surely passed it), or infinity."""
        moments = [s.failure.eligible_at for s in selection.skipped if s.failure.eligible_at]
        if not moments:
            return float("inf")
        return max(1.0, (min(moments) - now).total_seconds() + 1.0)

    def _record_stopped(
        self,
        ref: DeploymentRef,
        spec: ModelDeploymentSpec,
        desired: DesiredDeployment | PlacedDeployment,
        raw_status: object,
    ) -> None:
        """The deployment is gone: what it served no longer serves here through it."""
        previous = parse_status(raw_status)
        if previous is None or not previous.history:
            return
        port = self._identities.port(desired)
        if isinstance(port, Verdict):
            return
        environment = previous.environment or self._environment(ref, spec)
        self._serving.stopped(port, ref.uid, environment, previous.history, self._now())

    # ------------------------------------------------------------------ helpers

    def _now(self) -> datetime:
        return self._clock().replace(microsecond=0)

    def _jittered(self, seconds: float) -> float:
        spread = seconds * self._settings.jitter_fraction
        return max(1.0, seconds + self._rng.uniform(-spread, spread))
