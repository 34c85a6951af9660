"""kopf handlers and the scheduler's job: per kind (ModelDeployment, ModelEndpoint), kopf's
watch feeds the schedule (note_watch_event), the dispatcher reconciles due objects
(reconcile_due), and one delete handler drives teardown."""

from __future__ import annotations

import contextvars
import logging
import random
import threading
import time
from collections.abc import Iterable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any

import kopf

from model_deployment_operator import metrics
from model_deployment_operator.domain.api_group import (
    GROUP,
    MODEL_DEPLOYMENTS,
    MODEL_ENDPOINT,
    MODEL_ENDPOINTS,
)
from model_deployment_operator.domain.endpoint_events import endpoint_change_from_event
from model_deployment_operator.domain.events import EventRecord
from model_deployment_operator.domain.installation import (
    CONFLICT_REASON,
    ClaimState,
    claim_of,
    conflict_message,
)
from model_deployment_operator.domain.naming import DeploymentRef
from model_deployment_operator.domain.registry_events import group_from_event
from model_deployment_operator.kopf_adapter.dispatcher import HEARTBEAT_SECONDS, Dispatcher
from model_deployment_operator.kopf_adapter.scheduling import Schedule
from model_deployment_operator.kopf_adapter.status_writer import (
    KubernetesStatus,
    status_changes,
    write_status,
)
from model_deployment_operator.kopf_adapter.watched import WatchedObject, WatchedObjects
from model_deployment_operator.ports import (
    Leadership,
    ObjectClaims,
    RegistryEventSource,
    StatusPatches,
)
from model_deployment_operator.reconcile import Reconciler
from model_deployment_operator.settings import OperatorSettings

log = logging.getLogger(__name__)
# Spreads the first reconciles of settled objects; not security.
_first_look_rng = random.Random()  # noqa: S311

PLURAL = MODEL_DEPLOYMENTS
ENDPOINT_PLURAL = MODEL_ENDPOINTS
FINALIZER = f"{GROUP}/finalizer"
# After a claim refused because the object had changed: its newer version arrives with the
# watch within this.
CLAIM_RETRY_SECONDS = 1.0


@dataclass
class OperatorContext:
    """Everything the handlers share, passed to kopf as the operator memo."""

    settings: OperatorSettings
    reconciler: Reconciler
    # Writes the reconciles' status (kube.status_patches).
    statuses: StatusPatches
    schedule: Schedule = field(default_factory=Schedule)
    events: RegistryEventSource | None = None
    # Set when several replicas elect a leader: kopf runs only while this one leads.
    leadership: Leadership | None = None
    # kopf's threads for the (synchronous) delete handlers, known once kopf is configured.
    handler_executor: Executor | None = None
    # Hands due objects to the reconciling threads; runs while kopf runs (start_scheduler).
    dispatcher: Dispatcher | None = None
    stop: threading.Event = field(default_factory=threading.Event)
    # Writes this installation's claim on objects; None: objects are reconciled unclaimed.
    claims: ObjectClaims | None = None
    # (uid, holder) of the conflicts already reported, so each is reported once.
    reported_conflicts: set[tuple[str, str]] = field(default_factory=set)
    watched: WatchedObjects = field(default_factory=WatchedObjects)


def _context(memo: Any) -> OperatorContext:
    context = memo["context"]
    assert isinstance(context, OperatorContext)  # noqa: S101 - wiring invariant
    return context


def _ref(meta: Any) -> DeploymentRef:
    return DeploymentRef(namespace=meta["namespace"], name=meta["name"], uid=meta["uid"])


def _endpoint_ref(meta: Any) -> DeploymentRef:
    return DeploymentRef(
        namespace=meta["namespace"], name=meta["name"], uid=meta["uid"], kind=MODEL_ENDPOINT
    )


def post_events(body: Any, events: Iterable[EventRecord]) -> None:
    for event in events:
        kopf.event(body, type=event.type, reason=event.reason, message=event.message[:1024])


async def note_watch_event(*, type: Any, body: Any, memo: Any, **_: Any) -> None:
    """Every watch event of both kinds feeds the scheduler: the object's latest version is
    kept for its reconciles, and a new object or a changed trigger makes it due now. An
    object deleted, relabelled out of the selector, or being deleted (kopf's delete handler
    takes over) leaves the schedule. Async: it is light, and runs for every event."""
    context = _context(memo)
    if context.dispatcher is not None:
        # kopf's Event queue lives in context variables set for its per-object tasks.
        context.dispatcher.adopt_context(contextvars.copy_context())
    uid = str(body["metadata"]["uid"])
    latest = context.watched.seen(body, gone=type == "DELETED")
    if type == "DELETED" or (latest is not None and latest.deleting):
        context.schedule.forget(uid)
    elif latest is not None:
        context.schedule.track(
            uid,
            _trigger(context, latest),
            _group(latest),
            first_due_at=_first_look(context, latest),
        )
    metrics.MANAGED_RESOURCES.set(len(context.schedule))


def _trigger(context: OperatorContext, latest: WatchedObject) -> tuple[int, bool, bool]:
    """What makes an object due at once when it changes: its generation (a spec edit; a
    status or other metadata change does not move it), whether another installation holds
    it (its manual release hands the object over without waiting), and whether it carries
    the finalizer (kopf adds it just after the object's first event)."""
    held = claim_of(latest.meta.get("annotations"), context.settings.installation)
    return latest.generation, held.claim is ClaimState.OTHERS, FINALIZER in latest.finalizers


def _first_look(context: OperatorContext, latest: WatchedObject) -> float | None:
    """When to first reconcile an object this process has not seen: now, unless this
    installation claimed it and its status says it is Ready on its current generation (a
    restart, or a standby taking over a settled fleet). Those are spread over one registry
    poll, as the previous leader polled them, so new and changed objects are not queued
    behind a thousand re-observations and the call budget is not spent all at once. A wake
    or spec edit still makes them due now. Another installation's object is looked at now:
    that costs no SageMaker call and reports the conflict at once."""
    claim = claim_of(latest.meta.get("annotations"), context.settings.installation).claim
    if claim is not ClaimState.OURS:
        return None
    status = latest.status
    ready = any(
        c.get("type") == "Ready" and c.get("status") == "True"
        for c in status.get("conditions") or ()
        if isinstance(c, dict)
    )
    if not ready or status.get("observedGeneration") != latest.generation:
        return None
    spread = context.settings.registry_poll_seconds
    return time.monotonic() + _first_look_rng.uniform(0.0, spread)


def _group(latest: WatchedObject) -> str:
    if latest.kind == MODEL_ENDPOINT:
        return ""
    return str(latest.spec.get("modelPackageGroupName") or "")


def is_ours(context: OperatorContext, body: Any, meta: Any, ref: DeploymentRef) -> bool:
    """Whether this installation may act on the object: it claimed it before, or claims it
    now. An object another installation claimed is left alone and the conflict reported
    once (a Warning Event and a log line), never with a status write."""
    installation = context.settings.installation
    verdict = claim_of(meta.get("annotations"), installation)
    if verdict.claim is ClaimState.OURS:
        return True
    if verdict.claim is ClaimState.UNCLAIMED:
        if context.claims is None:
            return True
        # A refused claim (the object changed since the watch delivered it) is retried a
        # busy poll later with the newer object, which may carry another installation's claim.
        claimed = context.claims.claim(ref, str(meta.get("resourceVersion") or ""))
        if claimed:
            log.info(
                "Installation %s claimed %s %s",
                installation,
                ref.kind,
                ref,
                extra={"installation": installation, "kind": ref.kind, "object": str(ref)},
            )
        return claimed
    holder = verdict.holder or ""
    if (ref.uid, holder) not in context.reported_conflicts:
        context.reported_conflicts.add((ref.uid, holder))
        message = conflict_message(ref.kind, ref.namespace, ref.name, holder, installation)
        log.warning(
            message,
            extra={"installation": installation, "claimed_by": holder, "object": str(ref)},
        )
        kopf.warn(body, reason=CONFLICT_REASON, message=message[:1024])
    return False


def reconcile_due(context: OperatorContext, uid: str) -> float:
    """The dispatcher's job: reconcile one due object as the watch last delivered it, write
    what changed in its status, post its Events; returns when it is due again."""
    settings = context.settings
    latest = context.watched.latest(uid)
    if latest is None or latest.deleting:
        context.schedule.forget(uid)
        return settings.registry_poll_seconds
    if FINALIZER not in latest.finalizers:
        # Nothing is created in SageMaker before a deletion is sure to reach the delete
        # handler; the finalizer's arrival changes the trigger and makes it due at once.
        return settings.registry_poll_seconds
    body, meta = latest.body, latest.meta
    endpoint = latest.kind == MODEL_ENDPOINT
    ref = _endpoint_ref(meta) if endpoint else _ref(meta)
    if not is_ours(context, body, meta, ref):
        held = claim_of(meta.get("annotations"), settings.installation)
        # Held by another installation: its release comes through the watch and makes the
        # object due at once. A refused claim: the object changed since the watch delivered
        # it (typically kopf's own annotations on a new object, a moment earlier), so the
        # newer version is in hand within a second; waiting a busy poll delayed every new
        # object a new leader found by 15 s.
        if held.claim is ClaimState.OTHERS:
            return settings.registry_poll_seconds
        return CLAIM_RETRY_SECONDS
    if endpoint:
        fleet = context.reconciler.reconcile_endpoint(
            ref, latest.generation, latest.spec, latest.status
        )
        _write_status(context, latest, ref, fleet.status)
        post_events(body, fleet.events)
        return fleet.requeue_after
    outcome = context.reconciler.reconcile(ref, latest.generation, latest.spec, latest.status)
    _write_status(context, latest, ref, outcome.status)
    post_events(body, outcome.events)
    context.schedule.wake(outcome.wake)
    return outcome.requeue_after


def _write_status(
    context: OperatorContext, read: WatchedObject, ref: DeploymentRef, new: KubernetesStatus
) -> None:
    """Only what changed since the version the reconcile read; nothing at all when nothing
    did. The stored object returned is the newest version known until the watch catches up."""
    changes = status_changes(read.status, new)
    if not changes:
        return
    if context.watched.latest(ref.uid) is None:
        return  # left the watch while reconciling: no longer this installation's to write
    stored = context.statuses.patch_status(ref, changes)
    if stored is not None:
        context.watched.refreshed(stored)


def delete_resource(
    *, body: Any, meta: Any, spec: Any, status: Any, patch: Any, memo: Any, **_: Any
) -> None:
    """Deletes what the ModelDeployment owns (or nothing, with Retain), then lets Kubernetes
    remove the object by returning."""
    context = _context(memo)
    _wait_unless_ours(context, body, meta, _ref(meta))
    outcome = context.reconciler.teardown(
        _ref(meta), int(meta.get("generation") or 0), dict(spec), dict(status)
    )
    post_events(body, outcome.events)
    context.schedule.wake(outcome.wake)
    if not outcome.finished:
        if outcome.status is not None:
            write_status(patch.status, status, outcome.status)
        raise kopf.TemporaryError(outcome.message, delay=outcome.requeue_after)
    kopf.info(body, reason="Deleted", message=outcome.message[:1024])
    context.schedule.forget(meta["uid"])
    context.reconciler.forget(meta["uid"])
    context.watched.forget(meta["uid"])
    metrics.MANAGED_RESOURCES.set(len(context.schedule))


def delete_endpoint(
    *, body: Any, meta: Any, spec: Any, status: Any, patch: Any, memo: Any, **_: Any
) -> None:
    """Deletes the shared endpoint once no ModelDeployment is placed on it (or nothing,
    with Retain), then lets Kubernetes remove the ModelEndpoint by returning."""
    context = _context(memo)
    _wait_unless_ours(context, body, meta, _endpoint_ref(meta))
    outcome = context.reconciler.teardown_endpoint(
        _endpoint_ref(meta), int(meta.get("generation") or 0), dict(spec), dict(status)
    )
    post_events(body, outcome.events)
    if not outcome.finished:
        write_status(patch.status, status, outcome.status)
        raise kopf.TemporaryError(outcome.message, delay=outcome.requeue_after)
    kopf.info(body, reason="Deleted", message=outcome.message[:1024])
    context.schedule.forget(meta["uid"])
    context.watched.forget(meta["uid"])
    metrics.MANAGED_RESOURCES.set(len(context.schedule))


def _wait_unless_ours(context: OperatorContext, body: Any, meta: Any, ref: DeploymentRef) -> None:
    """Teardown of another installation's object: returning would remove the finalizer
    (shared by every installation) before its owner deleted what it runs in SageMaker, so
    wait instead; the owner's teardown removes the object."""
    if not is_ours(context, body, meta, ref):
        raise kopf.TemporaryError(
            f"{ref.kind} {ref} belongs to another installation",
            delay=max(60.0, context.settings.busy_poll_seconds),
        )


def start_scheduler(context: OperatorContext) -> Dispatcher:
    """Called when kopf starts (after this replica became the leader, if there are
    several): from now on due objects are reconciled."""
    settings = context.settings
    dispatcher = Dispatcher(
        context.schedule,
        lambda uid: reconcile_due(context, uid),
        workers=settings.workers,
        failure_delay=settings.busy_poll_seconds,
    )
    context.dispatcher = dispatcher
    dispatcher.start()
    return dispatcher


def stop_scheduler(context: OperatorContext) -> None:
    """Hand out no more reconciles and wait for those under way: a leader must not hand
    the Lease over while one may still call SageMaker."""
    if context.dispatcher is not None:
        context.dispatcher.stop()


def health_probe(*, memo: Any, **_: Any) -> dict[str, Any]:
    """Liveness: fails when the dispatcher has stopped beating (it wakes at least every
    HEARTBEAT_SECONDS, busy or idle), so the kubelet restarts a wedged operator."""
    context = _context(memo)
    dispatcher = context.dispatcher
    quiet_for = None if dispatcher is None else dispatcher.seconds_since_heartbeat()
    if dispatcher is not None and not context.schedule.stopping:
        limit = 4 * HEARTBEAT_SECONDS
        if not dispatcher.alive or (quiet_for is not None and quiet_for > limit):
            message = f"The reconcile dispatcher has not run for {quiet_for or 0:.0f}s"
            raise RuntimeError(message)
    result: dict[str, Any] = {
        "managed": len(context.schedule),
        "reconciling": context.schedule.in_flight,
        "secondsSinceHeartbeat": quiet_for,
    }
    if context.leadership is not None:
        # kopf (and so this probe) runs only on the leader.
        result.update(leader=True, identity=context.leadership.identity)
    return result


def listen_for_registry_events(context: OperatorContext) -> None:
    """Background thread: wake the deployments of a group when its registry changes."""
    source = context.events
    if source is None:
        return
    failures = 0
    while not context.stop.is_set():
        try:
            messages = source.receive(wait_seconds=10)
        except Exception as error:  # noqa: BLE001 - a listener must outlive any one failure
            failures += 1
            delay = min(60.0, 2.0**failures)
            log.warning("Registry event queue unavailable (%s); retrying in %.0fs", error, delay)
            context.stop.wait(delay)
            continue
        failures = 0
        for message in messages:
            changed = endpoint_change_from_event(message.body)
            if changed is not None:
                context.schedule.wake(context.reconciler.endpoint_changed(changed.endpoint_name))
                continue
            group = group_from_event(message.body)
            if group is None:
                continue
            context.reconciler.registry_changed(group)
            woken = context.schedule.wake_group(group)
            log.info(
                "Registry event for model package group %s woke %d ModelDeployments",
                group,
                woken,
                extra={"model_package_group": group, "woken": woken},
            )
        source.delete(messages)
