"""Watches stream real events: through kubectl, and over HTTPS with a client certificate."""

from __future__ import annotations

import json
import queue
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import IO, Any, Self

import pytest

from cluster.widgets import widget
from devcluster import Kubectl
from devcluster.apiclient import ApiClient
from support.cluster_fixtures import KubeconfigFactory

pytestmark = pytest.mark.cluster

EVENT_TIMEOUT = 20.0


class KubectlWatch:
    """`kubectl get ... --watch --output-watch-events -o json` as a stream of events."""

    def __init__(self, kubectl: Kubectl, *args: str) -> None:
        command = kubectl.command("get", *args, "--watch", "--output-watch-events", "-o", "json")
        self._proc = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            env=kubectl.env(),
        )
        self._events: queue.Queue[dict[str, Any] | None] = queue.Queue()
        assert self._proc.stdout is not None
        self._reader = threading.Thread(target=self._read, args=(self._proc.stdout,), daemon=True)
        self._reader.start()

    def _read(self, stream: IO[str]) -> None:
        # kubectl pretty-prints each event over several lines: decode objects as they complete.
        decoder = json.JSONDecoder()
        buffer = ""
        for line in stream:
            buffer += line
            while buffer.strip():
                try:
                    event, end = decoder.raw_decode(buffer.lstrip())
                except ValueError:
                    break
                self._events.put(event)
                buffer = buffer.lstrip()[end:]
        self._events.put(None)

    def next_event(self, timeout: float = EVENT_TIMEOUT) -> dict[str, Any]:
        try:
            event = self._events.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no watch event within {timeout}s") from None
        if event is None:
            stderr = self._proc.stderr.read() if self._proc.stderr else ""
            raise AssertionError(f"kubectl watch ended (exit {self._proc.poll()}): {stderr}")
        return event

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._proc.terminate()
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        self._reader.join(timeout=5)
        for stream in (self._proc.stdout, self._proc.stderr):
            if stream:
                stream.close()


def test_kubectl_watch_streams_custom_resource_events(
    kubectl: Kubectl, widget_crd: str, namespace: str
) -> None:
    kubectl.apply(widget("watched", namespace, size=1))
    with KubectlWatch(kubectl, widget_crd, "-n", namespace) as watch:
        added = watch.next_event()
        assert (added["type"], added["object"]["metadata"]["name"]) == ("ADDED", "watched")

        kubectl(
            "patch",
            widget_crd,
            "watched",
            "-n",
            namespace,
            "--type=merge",
            "-p",
            '{"spec":{"size":7}}',
        )
        modified = watch.next_event()
        assert modified["type"] == "MODIFIED"
        assert modified["object"]["spec"]["size"] == 7

        kubectl(
            "patch",
            widget_crd,
            "watched",
            "-n",
            namespace,
            "--subresource=status",
            "--type=merge",
            "-p",
            '{"status":{"phase":"Done"}}',
        )
        status_event = watch.next_event()
        assert status_event["type"] == "MODIFIED"
        assert status_event["object"]["status"] == {"phase": "Done"}

        kubectl("delete", widget_crd, "watched", "-n", namespace)
        deleted = watch.next_event()
        assert (deleted["type"], deleted["object"]["metadata"]["name"]) == ("DELETED", "watched")


def grant(kubectl: Kubectl, namespace: str, user: str, resources: str, verbs: str) -> None:
    role = f"{user}-{resources}".replace(":", "-")
    kubectl("create", "role", role, "-n", namespace, f"--verb={verbs}", f"--resource={resources}")
    kubectl("create", "rolebinding", role, "-n", namespace, f"--role={role}", f"--user={user}")


def wait_allowed(kubectl: Kubectl, *can_i: str, timeout: float = 15.0) -> None:
    """RBAC is enforced from the API server's informer cache: a new binding takes a moment."""
    deadline = time.monotonic() + timeout
    while kubectl.run("auth", "can-i", *can_i, check=False).strip() != "yes":
        if time.monotonic() > deadline:
            raise AssertionError(f"`auth can-i {' '.join(can_i)}` still not yes after {timeout}s")
        time.sleep(0.2)


@contextmanager
def closing_events(events: Iterator[dict[str, Any]]) -> Iterator[Iterator[dict[str, Any]]]:
    try:
        yield events
    finally:
        close = getattr(events, "close", None)
        if close is not None:
            close()


def test_https_watch_with_a_client_certificate_replays_and_streams(
    kubectl: Kubectl, kubeconfig_factory: KubeconfigFactory, namespace: str
) -> None:
    user = "watcher"
    grant(kubectl, namespace, user, "configmaps", "get,list,watch")
    watcher_config = kubeconfig_factory(user)
    wait_allowed(kubectl.with_kubeconfig(watcher_config), "watch", "configmaps", "-n", namespace)
    client = ApiClient.from_kubeconfig(watcher_config)

    listing = client.get(f"/api/v1/namespaces/{namespace}/configmaps")
    assert listing.status == 200
    since = listing.json()["metadata"]["resourceVersion"]
    kubectl("create", "configmap", "first", "-n", namespace, "--from-literal=k=1")
    kubectl("patch", "configmap", "first", "-n", namespace, "-p", '{"data":{"k":"2"}}')
    kubectl("delete", "configmap", "first", "-n", namespace)

    path = (
        f"/api/v1/namespaces/{namespace}/configmaps"
        f"?watch=true&resourceVersion={since}&timeoutSeconds=60"
    )
    with closing_events(client.watch(path, timeout=EVENT_TIMEOUT)) as events:
        ours = (e for e in events if e["object"]["metadata"]["name"] in ("first", "second"))
        # Everything since the listed resourceVersion is replayed, in order...
        replayed = [next(ours) for _ in range(3)]
        assert [(e["type"], e["object"]["metadata"]["name"]) for e in replayed] == [
            ("ADDED", "first"),
            ("MODIFIED", "first"),
            ("DELETED", "first"),
        ]
        assert replayed[1]["object"]["data"] == {"k": "2"}
        # ...and the same connection then streams new changes as they happen.
        kubectl("create", "configmap", "second", "-n", namespace, "--from-literal=k=3")
        live = next(ours)
        assert (live["type"], live["object"]["metadata"]["name"]) == ("ADDED", "second")


def test_watch_is_subject_to_rbac(
    kubectl: Kubectl, kubeconfig_factory: KubeconfigFactory, namespace: str
) -> None:
    user = "lister-only"
    grant(kubectl, namespace, user, "configmaps", "get,list")
    config = kubeconfig_factory(user)
    wait_allowed(kubectl.with_kubeconfig(config), "list", "configmaps", "-n", namespace)
    client = ApiClient.from_kubeconfig(config)

    assert client.get(f"/api/v1/namespaces/{namespace}/configmaps").status == 200
    with pytest.raises(RuntimeError, match="HTTP 403"):
        next(iter(client.watch(f"/api/v1/namespaces/{namespace}/configmaps?watch=true")))
