"""kopf handlers: per kind (ModelDeployment, ModelEndpoint), one timer drives reconciliation
and one delete handler drives teardown."""

from __future__ import annotations

import logging
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
from model_deployment_operator.kopf_adapter.scheduling import Schedule
from model_deployment_operator.kopf_adapter.status_writer import write_status
from model_deployment_operator.kopf_adapter.watched import WatchedObjects
from model_deployment_operator.ports import Leadership, ObjectClaims, RegistryEventSource
from model_deployment_operator.reconcile import Reconciler
from model_deployment_operator.settings import OperatorSettings

log = logging.getLogger(__name__)

PLURAL = MODEL_DEPLOYMENTS
ENDPOINT_PLURAL = MODEL_ENDPOINTS
FINALIZER = f"{GROUP}/finalizer"


@dataclass
class OperatorContext:
    """Everything the handlers share, passed to kopf as the operator memo."""

    settings: OperatorSettings
    reconciler: Reconciler
    schedule: Schedule = field(default_factory=Schedule)
    events: RegistryEventSource | None = None
    # Set when several replicas elect a leader: kopf runs only while this one leads.
    leadership: Leadership | None = None
    # kopf's threads for the (synchronous) handlers, known once kopf is configured.
    handler_executor: Executor | None = None
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


def note_watch_event(*, type: Any, meta: Any, memo: Any, **_: Any) -> None:
    """Every watch event of both kinds: remember the object's latest version, and whether
    it left the watch (deleted, or relabelled out of the selector)."""
    _context(memo).watched.seen(
        meta["uid"], str(meta.get("resourceVersion") or ""), gone=type == "DELETED"
    )


def _is_stale(context: OperatorContext, meta: Any) -> bool:
    return not context.watched.is_current(meta["uid"], str(meta.get("resourceVersion") or ""))


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
        # A refused claim (the object changed since kopf read it) is retried at the next
        # tick with the newer object, which may by then carry another installation's claim.
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


def reconcile_tick(
    *, body: Any, meta: Any, spec: Any, status: Any, patch: Any, memo: Any, **_: Any
) -> None:
    """Runs every tick for every ModelDeployment; does work only when it is due."""
    if meta.get("deletionTimestamp"):
        return
    context = _context(memo)
    uid = meta["uid"]
    generation = int(meta.get("generation") or 0)
    if not context.schedule.is_due(uid, generation, time.monotonic()):
        return
    if _is_stale(context, meta) or not is_ours(context, body, meta, _ref(meta)):
        return
    outcome = context.reconciler.reconcile(_ref(meta), generation, dict(spec), dict(status))
    write_status(patch.status, status, outcome.status)
    post_events(body, outcome.events)
    context.schedule.reconciled(
        uid,
        generation,
        str(spec.get("modelPackageGroupName", "")),
        time.monotonic() + outcome.requeue_after,
    )
    context.schedule.wake(outcome.wake)
    metrics.MANAGED_RESOURCES.set(len(context.schedule))


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


def reconcile_endpoint_tick(
    *, body: Any, meta: Any, spec: Any, status: Any, patch: Any, memo: Any, **_: Any
) -> None:
    """Runs every tick for every ModelEndpoint; does work only when it is due."""
    if meta.get("deletionTimestamp"):
        return
    context = _context(memo)
    uid = meta["uid"]
    generation = int(meta.get("generation") or 0)
    if not context.schedule.is_due(uid, generation, time.monotonic()):
        return
    if _is_stale(context, meta) or not is_ours(context, body, meta, _endpoint_ref(meta)):
        return
    outcome = context.reconciler.reconcile_endpoint(
        _endpoint_ref(meta), generation, dict(spec), dict(status)
    )
    write_status(patch.status, status, outcome.status)
    post_events(body, outcome.events)
    context.schedule.reconciled(uid, generation, "", time.monotonic() + outcome.requeue_after)
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


def health_probe(*, memo: Any, **_: Any) -> dict[str, Any]:
    """Liveness: fails when resources are managed but no timer tick has run for a long while
    (a stalled watch or a wedged event loop), so the kubelet restarts the operator."""
    context = _context(memo)
    managed = len(context.schedule)
    last = context.schedule.last_tick_at
    quiet_for = None if last is None else time.monotonic() - last
    limit = max(120.0, 30 * context.settings.tick_seconds)
    if managed and quiet_for is not None and quiet_for > limit:
        message = f"No reconcile tick for {quiet_for:.0f}s while managing {managed} resources"
        raise RuntimeError(message)
    result: dict[str, Any] = {"managed": managed, "secondsSinceLastTick": quiet_for}
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
