"""Every ModelDeployment of the benchmark's namespace as the API server reports it, from one
list and a watch, with the moment each change arrived.

"Ready on version v" is what a user reads from the status: `status.modelPackage.version` is
v and the Ready condition is True (domain/status.py). Moments are `time.monotonic()` when
the watch event arrived, so a latency measured from them includes the status write and the
API server's delivery, as a user watching `kubectl get mdep -w` would see it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.kube_api import API_GROUP, API_VERSION, PLURAL, BenchKube
from kubernetes import watch
from kubernetes.client.rest import ApiException
from urllib3.exceptions import HTTPError


@dataclass(frozen=True)
class Seen:
    version: int | None
    ready: bool
    status: dict[str, Any]


def seen_of(item: dict[str, Any]) -> Seen:
    status = item.get("status") or {}
    version = (status.get("modelPackage") or {}).get("version")
    ready = any(
        c.get("type") == "Ready" and c.get("status") == "True"
        for c in status.get("conditions") or []
    )
    return Seen(int(version) if version is not None else None, ready, status)


class DeploymentWatch:
    """Runs a watch in a daemon thread from `start()`; relists when the watch expires."""

    def __init__(self, kube: BenchKube, namespace: str) -> None:
        self._kube = kube
        self._namespace = namespace
        self._lock = threading.Condition()
        self._current: dict[str, Seen] = {}
        # (name, version) -> when it was first seen Ready on that version.
        self._ready_on: dict[tuple[str, int], float] = {}
        self._first_ready: dict[str, float] = {}
        self._status_writes: list[float] = []
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="mdep-watch")

    def start(self) -> DeploymentWatch:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()

    def _record(self, name: str, seen: Seen, moment: float) -> None:
        with self._lock:
            before = self._current.get(name)
            if before is not None and before.status != seen.status:
                self._status_writes.append(moment)
            self._current[name] = seen
            if seen.ready:
                self._first_ready.setdefault(name, moment)
                if seen.version is not None:
                    self._ready_on.setdefault((name, seen.version), moment)
            self._lock.notify_all()

    def _forget(self, name: str) -> None:
        with self._lock:
            self._current.pop(name, None)
            self._lock.notify_all()

    def _run(self) -> None:
        while not self._stopped.is_set():
            try:
                items, version = self._kube.list_deployments(self._namespace)
                now = time.monotonic()
                for item in items:
                    self._record(item["metadata"]["name"], seen_of(item), now)
                self._follow(version)
            except (ApiException, OSError, HTTPError):
                # Expired resourceVersion (410), a dropped connection: list again.
                time.sleep(0.5)

    def _follow(self, resource_version: str) -> None:
        stream = watch.Watch().stream(
            self._kube.custom.list_namespaced_custom_object,
            API_GROUP,
            API_VERSION,
            self._namespace,
            PLURAL,
            resource_version=resource_version,
            timeout_seconds=240,
        )
        for event in stream:
            if self._stopped.is_set():
                return
            kind, item = event["type"], event["object"]
            if kind == "ERROR":
                return
            name = item["metadata"]["name"]
            if kind == "DELETED":
                self._forget(name)
            else:
                self._record(name, seen_of(item), time.monotonic())

    # Queries

    def ready_count(self) -> int:
        with self._lock:
            return sum(seen.ready for seen in self._current.values())

    def count(self) -> int:
        with self._lock:
            return len(self._current)

    def ready_on(self, name: str, version: int) -> float | None:
        with self._lock:
            return self._ready_on.get((name, version))

    def first_ready(self, name: str) -> float | None:
        with self._lock:
            return self._first_ready.get(name)

    def first_status_write_after(self, moment: float) -> float | None:
        with self._lock:
            return next((m for m in self._status_writes if m > moment), None)

    def wait(self, done: Callable[[], bool], timeout: float) -> bool:
        """Waits until `done()` (called under no lock) holds, waking on each change."""
        deadline = time.monotonic() + timeout
        while not done():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            with self._lock:
                self._lock.wait(min(remaining, 1.0))
        return True
