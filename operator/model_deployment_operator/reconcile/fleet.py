"""The reconcile loop for one ModelEndpoint: identity -> observe (the shared endpoint, the
artifacts under a multi-model prefix, the ModelDeployments placed on it) -> plan -> execute
-> status; and its teardown, which waits while ModelDeployments are placed on it."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from model_deployment_operator.domain.errors import ClusterReadError, SageMakerCallError
from model_deployment_operator.domain.events import EventRecord
from model_deployment_operator.domain.fleet.desired import DesiredFleet
from model_deployment_operator.domain.fleet.hosted import hosted_view
from model_deployment_operator.domain.fleet.plan import (
    FleetObservation,
    FleetPlan,
    plan_fleet,
    plan_fleet_teardown,
)
from model_deployment_operator.domain.fleet.status import fleet_events, fleet_status
from model_deployment_operator.domain.model_endpoint_status import (
    HostedView,
    ModelEndpointStatus,
    parse_model_endpoint_status,
)
from model_deployment_operator.domain.naming import DeploymentRef
from model_deployment_operator.domain.observed import EndpointStatus
from model_deployment_operator.domain.reasons import Reason
from model_deployment_operator.domain.reporting import (
    Execution,
    build_conditions,
    invalid_spec_verdict,
    namespace_unreadable_verdict,
    verdict_for_error,
)
from model_deployment_operator.domain.spec import InvalidSpecError
from model_deployment_operator.domain.spec.model_endpoint import parse_model_endpoint_spec
from model_deployment_operator.domain.verdict import Verdict, VerdictKind, progressing
from model_deployment_operator.ports import ClusterDirectory, SageMakerPort
from model_deployment_operator.reconcile.executor import execute
from model_deployment_operator.reconcile.identity import Identities
from model_deployment_operator.reconcile.memory import SharedCache
from model_deployment_operator.reconcile.observer import Observer
from model_deployment_operator.reconcile.outcomes import ReconcilerSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FleetOutcome:
    status: ModelEndpointStatus
    events: tuple[EventRecord, ...]
    requeue_after: float
    finished: bool = False
    message: str = ""


class FleetReconciler:
    def __init__(
        self,
        settings: ReconcilerSettings,
        *,
        identities: Identities,
        observer: Observer,
        cache: SharedCache,
        directory: ClusterDirectory | None,
        clock: Callable[[], datetime],
        rng: random.Random | None = None,
    ) -> None:
        self._settings = settings
        self._identities = identities
        self._observer = observer
        self._cache = cache
        self._directory = directory
        self._clock = clock
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not security
        # ModelEndpoint uid -> the config whose leftovers were collected: listing them costs
        # calls per object, so it is done once per change of config.
        self._collected: dict[str, str] = {}

    def _desired(self, ref: DeploymentRef, generation: int, raw_spec: object) -> DesiredFleet:
        return DesiredFleet.build(
            ref,
            generation,
            parse_model_endpoint_spec(raw_spec),
            default_region=self._settings.default_region,
            default_deletion_policy=self._settings.default_deletion_policy,
        )

    def _observe(
        self, port: SageMakerPort, desired: DesiredFleet, now: datetime
    ) -> FleetObservation:
        endpoint = self._observer.endpoint(port, desired)
        container = desired.spec.multi_model
        artifacts = (
            port.list_artifacts(container.artifact_prefix, now) if container is not None else None
        )
        hosted: tuple[HostedView, ...] = ()
        if self._directory is not None:
            placed = self._directory.placed_on(desired.ref.namespace, desired.ref.name)
            hosted = tuple(hosted_view(d) for d in placed)
        owned = None
        config_name = desired.target(artifacts or ()).config_name
        if (
            endpoint is not None
            and endpoint.owned
            and endpoint.status == EndpointStatus.IN_SERVICE
            and endpoint.config_name == config_name
            and self._collected.get(desired.ref.uid) != config_name
        ):
            owned = self._observer.owned_artifacts(port, desired)
        return FleetObservation(endpoint, artifacts, hosted, owned)

    def reconcile(
        self, ref: DeploymentRef, generation: int, raw_spec: object, raw_status: object
    ) -> FleetOutcome:
        now = self._clock().replace(microsecond=0)
        previous = parse_model_endpoint_status(raw_status)
        try:
            desired = self._desired(ref, generation, raw_spec)
        except InvalidSpecError as error:
            return self._stopped(previous, invalid_spec_verdict(str(error)), generation, now)
        port = self._identities.port(desired)
        if isinstance(port, Verdict):
            return self._stopped(previous, port, generation, now)
        try:
            observation = self._observe(port, desired, now)
        except SageMakerCallError as error:
            verdict = verdict_for_error(
                error,
                f"{error.operation} for ModelEndpoint {ref}",
                self._settings.registry_poll_seconds,
            )
            return self._stopped(previous, verdict, generation, now)
        except ClusterReadError as error:
            return self._stopped(previous, namespace_unreadable_verdict(error), generation, now)
        plan = plan_fleet(desired, observation)
        execution = execute(port, desired, plan.actions, self._cache)
        if observation.owned is not None and execution.error is None:
            self._collected[ref.uid] = plan.target.config_name
        verdict = plan.verdict
        if execution.error is not None and execution.failed_action is not None:
            verdict = verdict_for_error(
                execution.error,
                f"{type(execution.failed_action).__name__} for ModelEndpoint {ref}",
                self._settings.registry_poll_seconds,
            )
        status = fleet_status(
            generation=generation,
            observation=observation,
            plan=plan,
            verdict=verdict,
            succeeded=execution.succeeded,
            previous=previous,
            now=now,
        )
        if execution.succeeded or previous is None or previous.conditions != status.conditions:
            log.info(
                "Reconciled ModelEndpoint %s: %s: %s",
                ref,
                verdict.reason,
                verdict.message,
                extra={
                    "modelendpoint": str(ref),
                    "actions": [type(a).__name__ for a in execution.succeeded],
                },
            )
        return FleetOutcome(
            status,
            fleet_events(previous, status, execution.succeeded, plan.refreshing),
            self._requeue(verdict, plan, observation, execution),
        )

    def _requeue(
        self,
        verdict: Verdict,
        plan: FleetPlan,
        observation: FleetObservation,
        execution: Execution,
    ) -> float:
        busy = verdict.kind in (VerdictKind.PROGRESSING, VerdictKind.UNAVAILABLE) or plan.refreshing
        if busy and self._woken_by_event(verdict, plan, observation, execution):
            busy = False  # the slow poll is only a safety net
        seconds = self._settings.busy_poll_seconds if busy else self._settings.registry_poll_seconds
        spread = seconds * self._settings.jitter_fraction
        return max(1.0, seconds + self._rng.uniform(-spread, spread))

    def _woken_by_event(
        self,
        verdict: Verdict,
        plan: FleetPlan,
        observation: FleetObservation,
        execution: Execution,
    ) -> bool:
        """Waiting only on the endpoint's transition, which its state-change event will
        announce (MDO_ENDPOINT_EVENTS). Not after an action of this tick (what it started
        is seen at the next describe), nor while a multi-model refresh waits for its
        artifacts, which no endpoint event announces."""
        endpoint = observation.endpoint
        return (
            self._settings.endpoint_events
            and verdict.kind is VerdictKind.PROGRESSING
            and endpoint is not None
            and endpoint.is_busy
            and not plan.refreshing
            and not execution.succeeded
        )

    def _stopped(
        self,
        previous: ModelEndpointStatus | None,
        verdict: Verdict,
        generation: int,
        now: datetime,
    ) -> FleetOutcome:
        base = previous or ModelEndpointStatus()
        status = base.model_copy(
            update={
                "observed_generation": generation,
                "conditions": build_conditions(verdict, generation, base.conditions, now),
            }
        )
        delay = (
            self._settings.busy_poll_seconds
            if verdict.kind is VerdictKind.UNAVAILABLE
            else self._settings.registry_poll_seconds
        )
        return FleetOutcome(status, fleet_events(previous, status, (), False), delay)

    def teardown(
        self, ref: DeploymentRef, generation: int, raw_spec: object, raw_status: object
    ) -> FleetOutcome:
        now = self._clock().replace(microsecond=0)
        previous = parse_model_endpoint_status(raw_status)
        base = previous or ModelEndpointStatus()
        try:
            desired = self._desired(ref, generation, raw_spec)
        except InvalidSpecError as error:
            message = f"Spec unreadable ({error}); no SageMaker resources were deleted"
            return FleetOutcome(base, (), 0, finished=True, message=message)
        try:
            placed = self._directory.placed_on(ref.namespace, ref.name) if self._directory else ()
        except ClusterReadError as error:
            return self._deleting(base, generation, now, f"Could not list: {error}")
        hosted = tuple(hosted_view(d) for d in placed)
        if hosted:
            # Whatever the deletion policy: deleting it now would strand them.
            waiting = plan_fleet_teardown(desired, FleetObservation(None, None, hosted, None))
            outcome = self._deleting(base, generation, now, waiting.message)
            return replace(outcome, status=outcome.status.model_copy(update={"hosted": hosted}))
        if desired.deletion_policy.value == "Retain":
            message = (
                f"deletionPolicy is Retain: shared endpoint {desired.endpoint_name} and its "
                "configs and models are left in SageMaker"
            )
            return FleetOutcome(base, (), 0, finished=True, message=message)
        port = self._identities.port(desired)
        if isinstance(port, Verdict):
            return self._deleting(base, generation, now, f"Cannot delete yet: {port.message}")
        try:
            endpoint = self._observer.endpoint(port, desired)
            owned = (
                self._observer.owned_artifacts(port, desired)
                if endpoint is None or not endpoint.owned
                else None
            )
        except SageMakerCallError as error:
            return self._deleting(base, generation, now, f"Could not observe: {error}")
        plan = plan_fleet_teardown(desired, FleetObservation(endpoint, None, hosted, owned))
        execution = execute(port, desired, plan.actions, self._cache)
        if execution.error is None and plan.finished_after_actions:
            self._collected.pop(ref.uid, None)
            return FleetOutcome(base, (), 0, finished=True, message=plan.message)
        message = plan.message if execution.error is None else str(execution.error)
        outcome = self._deleting(base, generation, now, message)
        events = fleet_events(previous, outcome.status, execution.succeeded, False)
        return FleetOutcome(outcome.status, events, outcome.requeue_after, message=message)

    def _deleting(
        self, base: ModelEndpointStatus, generation: int, now: datetime, message: str
    ) -> FleetOutcome:
        verdict = progressing(Reason.DELETING, message)
        status = base.model_copy(
            update={
                "observed_generation": generation,
                "conditions": build_conditions(verdict, generation, base.conditions, now),
            }
        )
        return FleetOutcome(status, (), self._settings.busy_poll_seconds, message=message)
