"""Leader election over a coordination.k8s.io/v1 Lease with the `kubernetes` client.

Every write is a create or a replace carrying the resourceVersion just read, so the API
server refuses (409) whichever of two replicas writes second: at most one holds the Lease.
The timing rules live in `domain.leader_election`; this module reads, writes and waits.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import kubernetes.client
import kubernetes.config
from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import HTTPError

from model_deployment_operator.domain.leader_election import (
    LeaseRecord,
    LeaseTimings,
    Move,
    Sighting,
    must_step_down,
    next_step,
    sighted,
    transitions_after,
)

log = logging.getLogger(__name__)

NOT_FOUND = 404
CONFLICT = 409
IN_CLUSTER_NAMESPACE_FILE = Path("/var/run/secrets/kubernetes.io/serviceaccount/namespace")


def own_namespace() -> str | None:
    """The namespace of the pod this process runs in, or None outside a pod."""
    try:
        return IN_CLUSTER_NAMESPACE_FILE.read_text().strip() or None
    except OSError:
        return None


def new_identity() -> str:
    """The pod name (a pod's hostname) plus a random part: a container restarted in the
    same pod is a new candidate, not the holder its predecessor was."""
    return f"{socket.gethostname()}_{uuid.uuid4().hex[:12]}"


def _micro_time(moment: datetime) -> str:
    """A MicroTime as the API server parses it (always six fractional digits)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Round(StrEnum):
    HELD = "Held"  # we hold the Lease after this round
    HELD_BY_OTHER = "HeldByOther"  # another replica holds it
    FAILED = "Failed"  # the API server was unreachable, refused, or another write won


class LeaseElector:
    """One candidate for the Lease `namespace/name`. `client`: an ApiClient, or a function
    making one on first use (as KubernetesDirectory)."""

    def __init__(
        self,
        client: Any,
        *,
        namespace: str,
        name: str,
        identity: str,
        timings: LeaseTimings,
        monotonic: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._client_source = client
        self._api: Any = None
        self.namespace = namespace
        self.name = name
        self.identity = identity
        self.timings = timings
        self._monotonic = monotonic
        self._wall_clock = wall_clock
        self._sighting: Sighting | None = None
        self._holder: str | None = None
        self._released = False
        # When the last round that ended holding the Lease started (our monotonic clock).
        self.last_held_at: float | None = None
        # Rounds and the release must not interleave: each is read-then-write.
        self._lock = threading.Lock()

    @property
    def lease(self) -> str:
        return f"{self.namespace}/{self.name}"

    def holder(self) -> str | None:
        """Who held the Lease at the last read (None: nobody, or not read yet)."""
        return self._holder

    def _coordination(self) -> Any:
        if self._api is None:
            source = self._client_source
            client = source() if callable(source) else source
            self._api = kubernetes.client.CoordinationV1Api(client)
        return self._api

    def _read(self, timeout: float) -> tuple[LeaseRecord | None, Any]:
        try:
            lease = self._coordination().read_namespaced_lease(
                self.name, self.namespace, _request_timeout=timeout
            )
        except ApiException as error:
            if error.status == NOT_FOUND:
                return None, None
            raise
        spec = lease.spec
        record = LeaseRecord(
            holder=spec.holder_identity or None,
            lease_duration_seconds=float(spec.lease_duration_seconds or 0),
            transitions=int(spec.lease_transitions or 0),
            resource_version=str(lease.metadata.resource_version),
        )
        return record, lease

    def _body(self, record: LeaseRecord | None, lease: Any, *, holder: str | None) -> Any:
        now = _micro_time(self._wall_clock())
        spec: dict[str, Any] = {
            "holderIdentity": holder,
            "leaseDurationSeconds": int(self.timings.lease_duration) if holder else 1,
            "renewTime": now,
            "leaseTransitions": transitions_after(record, self.identity),
        }
        keeps_holder = record is not None and record.holder == self.identity
        if keeps_holder and lease.spec.acquire_time is not None:
            spec["acquireTime"] = _micro_time(lease.spec.acquire_time)
        else:
            spec["acquireTime"] = now
        metadata: dict[str, Any] = {"name": self.name, "namespace": self.namespace}
        if record is not None:
            metadata["resourceVersion"] = record.resource_version
        return {
            "apiVersion": "coordination.k8s.io/v1",
            "kind": "Lease",
            "metadata": metadata,
            "spec": spec,
        }

    def try_acquire_or_renew(self, timeout: float | None = None) -> Round:
        """One round: read the Lease, and write it if we hold it or may take it. `timeout`
        bounds each of the two requests (default: the retry period)."""
        timeout = timeout if timeout is not None else max(1.0, self.timings.retry_period)
        with self._lock:
            if self._released:
                return Round.FAILED
            started_at = self._monotonic()
            try:
                record, lease = self._read(timeout)
                now = self._monotonic()
                if record is not None:
                    self._sighting = sighted(record, self._sighting, now)
                    self._holder = record.holder
                step = next_step(record, self.identity, self._sighting, now)
                if step.move is Move.WAIT:
                    return Round.HELD_BY_OTHER
                body = self._body(record, lease, holder=self.identity)
                api = self._coordination()
                if step.move is Move.CREATE:
                    api.create_namespaced_lease(self.namespace, body, _request_timeout=timeout)
                else:
                    api.replace_namespaced_lease(
                        self.name, self.namespace, body, _request_timeout=timeout
                    )
                if step.move is not Move.RENEW:
                    previous = record.holder if record is not None else None
                    log.info(
                        "Acquired Lease %s as %s (previous holder: %s)",
                        self.lease,
                        self.identity,
                        previous or "none",
                    )
                self._holder = self.identity
                self.last_held_at = started_at
                return Round.HELD
            except ApiException as error:
                if error.status == CONFLICT:
                    log.info("Lease %s was written by another replica first", self.lease)
                else:
                    log.warning("Lease %s: %s %s", self.lease, error.status, error.reason)
                return Round.FAILED
            except (HTTPError, OSError, kubernetes.config.ConfigException) as error:
                log.warning("Lease %s unreachable: %s", self.lease, error)
                return Round.FAILED

    def wait_until_leader(self, stop: threading.Event) -> bool:
        """Block until this replica holds the Lease (True) or `stop` is set (False)."""
        announced: str | None = None
        while not stop.is_set():
            if self.try_acquire_or_renew() is Round.HELD:
                return True
            if self._holder is not None and self._holder != announced:
                announced = self._holder
                log.info("Standing by: Lease %s is held by %s", self.lease, announced)
            stop.wait(self.timings.retry_period)
        return False

    def keep_leading(self, on_lost: Callable[[str], None], stop: threading.Event) -> None:
        """Renew every retry period until `stop`; call `on_lost` (once, then return) when
        another replica holds the Lease or no renewal succeeded within the renew deadline."""
        while True:
            last = self.last_held_at if self.last_held_at is not None else float("-inf")
            left = last + self.timings.renew_deadline - self._monotonic()
            # A round never runs past the deadline: the wait and both requests fit in it.
            if stop.wait(max(0.0, min(self.timings.retry_period, left))):
                return
            left = last + self.timings.renew_deadline - self._monotonic()
            outcome = self.try_acquire_or_renew(timeout=max(0.2, min(left / 4, 2.0)))
            if stop.is_set():
                return
            if outcome is Round.HELD:
                continue
            if outcome is Round.HELD_BY_OTHER:
                on_lost(f"Lease {self.lease} is now held by {self._holder}")
                return
            if must_step_down(last, self._monotonic(), self.timings):
                on_lost(
                    f"Lease {self.lease} not renewed for {self.timings.renew_deadline:g}s "
                    "(the renew deadline)"
                )
                return

    def release(self) -> None:
        """Hand the Lease back on a clean shutdown: an empty holder lets a standby take it
        at its next read instead of waiting for the lease to expire."""
        with self._lock:
            self._released = True
            try:
                record, lease = self._read(timeout=2.0)
                if record is None or record.holder != self.identity:
                    return
                body = self._body(record, lease, holder=None)
                self._coordination().replace_namespaced_lease(
                    self.name, self.namespace, body, _request_timeout=2.0
                )
                log.info("Released Lease %s", self.lease)
            except (ApiException, HTTPError, OSError) as error:
                log.warning("Could not release Lease %s (it will expire): %s", self.lease, error)
