"""Endpoints observed in bulk: one ListEndpoints snapshot per AWS identity and region,
refreshed at most every `endpoint_list_seconds` by whichever reconcile needs it first
(the others wait for that one listing), and the last DescribeEndpoint of each endpoint.

A reconcile describes its endpoint only when domain/endpoint_listing.py says the last
description no longer holds: none yet, the endpoint is busy, the listing shows a change or
no longer shows it, the description is older than `endpoint_describe_seconds`; or when
the operator itself acted on the endpoint, or a "SageMaker Endpoint State Change" event
named it, since either drops its description (`forget`).

So an out-of-band change is noticed within endpoint_list_seconds plus the time until the
deployment's next reconcile (registry_poll_seconds), and anything ListEndpoints cannot show
(a change that leaves LastModifiedTime alone) within endpoint_describe_seconds.

Without ListEndpoints (an identity refused it, or it failed) every reconcile describes, as
if there were no snapshot; a refused listing is tried again only after
`endpoint_describe_seconds`.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field

from model_deployment_operator.domain.endpoint_listing import (
    Described,
    Listing,
    describe_reason,
)
from model_deployment_operator.domain.errors import FailureKind, SageMakerCallError
from model_deployment_operator.domain.observed import ObservedEndpoint
from model_deployment_operator.ports import SageMakerPort

log = logging.getLogger(__name__)

# A listing that failed for a passing reason (throttled, 5xx) is tried again after this
# long, or the listing interval when that is shorter; meanwhile every reconcile describes.
FAILED_LISTING_RETRY_SECONDS = 15.0
# How long a reconcile waits for the listing another one has in flight before it
# describes its endpoint instead.
LISTING_WAIT_SECONDS = 30.0


@dataclass
class _Scope:
    """What one port (one AWS identity in one region) has seen."""

    listing: Listing | None = None
    # The listing in flight, set when it has finished (or failed).
    in_flight: threading.Event | None = None
    # No listing is tried before this moment (it was refused or failed).
    retry_at: float = 0.0
    refused_logged: bool = False
    described: dict[str, Described] = field(default_factory=dict)


class EndpointSnapshots:
    def __init__(
        self,
        *,
        list_seconds: float,
        describe_seconds: float,
        monotonic: Callable[[], float],
    ) -> None:
        self._list_seconds = list_seconds
        self._describe_seconds = describe_seconds
        self._monotonic = monotonic
        self._lock = threading.Lock()
        # RegionalGateways hands out one port per region and identity, kept for the
        # process's life; keyed weakly so a port made for one `plan` leaves nothing behind.
        self._scopes: weakref.WeakKeyDictionary[SageMakerPort, _Scope] = weakref.WeakKeyDictionary()
        # When each endpoint's descriptions were last dropped: a describe that started
        # before then must not bring back what it saw.
        self._forgotten_at: dict[str, float] = {}
        # Endpoint name -> uids of the objects that observe it, to wake on its events.
        self._watchers: dict[str, set[str]] = {}

    # ------------------------------------------------------------------ observing

    def endpoint(self, port: SageMakerPort, name: str) -> ObservedEndpoint | None:
        """The endpoint as its last description shows it, described again when needed."""
        key = name.lower()
        listing = self._listing(port)
        with self._lock:
            described = self._scope(port).described.get(key)
        reason = describe_reason(
            name,
            described,
            listing,
            now=self._monotonic(),
            describe_seconds=self._describe_seconds,
        )
        if reason is None and described is not None:
            return described.endpoint
        started = self._monotonic()
        endpoint = port.describe_endpoint(name)
        with self._lock:
            if started >= self._forgotten_at.get(key, float("-inf")):
                self._scope(port).described[key] = Described(endpoint, started)
        return endpoint

    def forget(self, name: str) -> None:
        """The endpoint changed (the operator acted on it, or an event said so): describe it
        at the next look, whichever identity looks."""
        key = name.lower()
        with self._lock:
            self._forgotten_at[key] = self._monotonic()
            for scope in self._scopes.values():
                scope.described.pop(key, None)

    # ------------------------------------------------------------------ who to wake

    def watch(self, name: str, uid: str) -> None:
        with self._lock:
            self._watchers.setdefault(name.lower(), set()).add(uid)

    def watchers(self, name: str) -> tuple[str, ...]:
        with self._lock:
            return tuple(sorted(self._watchers.get(name.lower(), ())))

    def unwatch(self, uid: str) -> None:
        with self._lock:
            for name in [n for n, uids in self._watchers.items() if uid in uids]:
                uids = self._watchers[name]
                uids.discard(uid)
                if not uids:
                    del self._watchers[name]

    # ------------------------------------------------------------------ listing

    def _scope(self, port: SageMakerPort) -> _Scope:
        scope = self._scopes.get(port)
        if scope is None:
            scope = self._scopes[port] = _Scope()
        return scope

    def _fresh(self, scope: _Scope, now: float) -> Listing | None:
        listing = scope.listing
        if listing is not None and now - listing.taken_at < self._list_seconds:
            return listing
        return None

    def _listing(self, port: SageMakerPort) -> Listing | None:
        """A listing younger than the interval: the one held, the one in flight, or a new
        one. None when none can be had (refused, failed, or in flight for too long)."""
        now = self._monotonic()
        with self._lock:
            scope = self._scope(port)
            fresh = self._fresh(scope, now)
            if fresh is not None or now < scope.retry_at:
                return fresh
            waiting = scope.in_flight
            if waiting is None:
                scope.in_flight = threading.Event()
        if waiting is not None:
            waiting.wait(LISTING_WAIT_SECONDS)
            with self._lock:
                return self._fresh(scope, self._monotonic())
        try:
            return self._list(port, scope, now)
        finally:
            with self._lock:
                done, scope.in_flight = scope.in_flight, None
            if done is not None:
                done.set()

    def _list(self, port: SageMakerPort, scope: _Scope, started: float) -> Listing | None:
        try:
            summaries = port.list_endpoints()
        except SageMakerCallError as error:
            refused = error.kind is FailureKind.ACCESS_DENIED
            with self._lock:
                if refused:
                    scope.retry_at = started + self._describe_seconds
                else:
                    retry = min(self._list_seconds, FAILED_LISTING_RETRY_SECONDS)
                    scope.retry_at = started + retry
                log_refusal = refused and not scope.refused_logged
                scope.refused_logged = scope.refused_logged or refused
            if log_refusal:
                log.warning(
                    "ListEndpoints was refused (%s): each endpoint is described at every "
                    "reconcile instead, and listing is tried again in %.0fs; grant "
                    "sagemaker:ListEndpoints (docs/iam.md)",
                    error,
                    self._describe_seconds,
                )
            elif not refused:
                log.info("ListEndpoints failed (%s); endpoints are described meanwhile", error)
            return None
        listing = Listing.of(started, summaries)
        with self._lock:
            scope.listing = listing
            scope.refused_logged = False
        return listing
