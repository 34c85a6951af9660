"""Fixtures for tests that need a Kubernetes API server.

    kube_cluster        session: a local etcd + kube-apiserver (devcluster.ControlPlane) in
                        a temp dir, or the cluster in KUBECONFIG when USE_EXISTING_CLUSTER=true
    kubectl             session: the pinned kubectl as the cluster admin; call it with
                        kubectl arguments, get stdout; `.with_kubeconfig(path)` for others
    namespace           function: a fresh namespace, deleted (without waiting) afterwards
    kubeconfig_factory  session: kubeconfigs for non-admin users and ServiceAccounts
    kube_toolchain      session: paths of the pinned kube-apiserver, etcd, kubectl, helm
                        (for tests that start their own control plane)

Tests that use them carry `@pytest.mark.cluster` (or `e2e`); a test that reaches
kube_cluster without either is marked `cluster` at collection, so `make test-unit`
(`-m "not cluster ..."`) never starts a server by accident. A missing toolchain is built,
with progress on the terminal, rather than skipped: cluster tests never skip silently.
"""

from __future__ import annotations

import json
import re
import secrets
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

from devcluster import (
    ALL_TOOLS,
    Cluster,
    Kubectl,
    Toolchain,
    open_cluster,
    resolve_toolchain,
    service_account_identity,
)

CLUSTER_MARKERS = ("cluster", "e2e")
NAMESPACE_LABEL = "devcluster.test/owned-by"


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # tryfirst: runs before `-m` deselection, so the added marker is honoured by it.
    for item in items:
        fixtures: Sequence[str] = getattr(item, "fixturenames", ())
        if {"kube_cluster", "kube_toolchain"} & set(fixtures) and not any(
            item.get_closest_marker(m) for m in CLUSTER_MARKERS
        ):
            item.add_marker(pytest.mark.cluster)


class _Progress:
    """Print progress lines past pytest's output capture (a cold build takes minutes)."""

    def __init__(self, config: pytest.Config) -> None:
        self._capture = config.pluginmanager.getplugin("capturemanager")
        self._first = True

    def __call__(self, message: str) -> None:
        if self._capture is None:
            print(message, file=sys.stderr, flush=True)
            return
        with self._capture.global_and_fixture_disabled():
            # The first line starts below the test id pytest has already printed.
            lead, self._first = ("\n" if self._first else ""), False
            print(f"{lead}[devcluster] {message}", file=sys.stderr, flush=True)


@pytest.fixture(scope="session")
def kube_toolchain(request: pytest.FixtureRequest) -> Toolchain:
    """The pinned tools, built first if missing (never skipped)."""
    return resolve_toolchain(ALL_TOOLS, progress=_Progress(request.config))


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"received {signal.Signals(signum).name}")


@contextmanager
def _sigterm_runs_teardown() -> Iterator[None]:
    """Turn SIGTERM (CI cancelling a job, `kill`) into KeyboardInterrupt, after which pytest
    still runs fixture teardown; by default SIGTERM ends Python without any cleanup."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@pytest.fixture(scope="session")
def kube_cluster(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    """The API server for the whole test session, stopped (processes gone) at the end.

    Cleanup also happens on test failures, Ctrl-C and SIGTERM; if pytest is SIGKILLed,
    the kernel SIGKILLs etcd and kube-apiserver (started with detach=False).
    """
    state_dir = tmp_path_factory.mktemp("devcluster") / "state"
    with _sigterm_runs_teardown():
        cluster = open_cluster(state_dir, detach=False, progress=_Progress(request.config))
        try:
            yield cluster
        finally:
            cluster.stop()


@pytest.fixture(scope="session")
def kubectl(kube_cluster: Cluster) -> Kubectl:
    """The pinned kubectl as the admin. `kubectl("get", "ns")` returns stdout and raises
    KubectlError (with stderr) on failure; every call has a timeout (60 s by default)."""
    return Kubectl(kube_cluster.kubectl_path, kube_cluster.admin_kubeconfig)


def _namespace_name(node_name: str) -> str:
    base = re.sub(r"[^a-z0-9-]+", "-", node_name.lower()).strip("-")[:40].strip("-")
    return f"t-{base or 'test'}-{secrets.token_hex(3)}"


@pytest.fixture
def namespace(request: pytest.FixtureRequest, kubectl: Kubectl) -> Iterator[str]:
    """A fresh namespace named after the test. Deleted without waiting: a bare API server
    has no namespace controller, so deletion would never finish (envtest behaves alike)."""
    name = _namespace_name(request.node.name)
    kubectl("create", "namespace", name)
    kubectl("label", "namespace", name, f"{NAMESPACE_LABEL}=pytest")
    try:
        yield name
    finally:
        kubectl("delete", "namespace", name, "--wait=false", "--ignore-not-found")


class KubeconfigFactory:
    """Mints kubeconfigs for identities that are not admins; RBAC decides what they may do."""

    def __init__(self, cluster: Cluster, directory: Path) -> None:
        self._cluster = cluster
        self._directory = directory

    def __call__(
        self, user: str, groups: Sequence[str] = (), *, namespace: str | None = None
    ) -> Path:
        out = self._directory / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', user)}-{secrets.token_hex(3)}"
        return self._cluster.kubeconfig_for(user, groups, out=out, namespace=namespace)

    def service_account(self, namespace: str, name: str) -> Path:
        """Authenticates as the ServiceAccount would (user system:serviceaccount:NS:NAME,
        groups system:serviceaccounts and system:serviceaccounts:NS), so RoleBindings to
        that ServiceAccount apply."""
        user, groups = service_account_identity(namespace, name)
        return self(user, groups, namespace=namespace)


@pytest.fixture(scope="session")
def kubeconfig_factory(
    kube_cluster: Cluster, tmp_path_factory: pytest.TempPathFactory
) -> KubeconfigFactory:
    return KubeconfigFactory(kube_cluster, tmp_path_factory.mktemp("kubeconfigs"))


def apply_model_deployment(kubectl: Kubectl, namespace: str) -> dict[str, Any]:
    """A minimal valid ModelDeployment `fraud` in `namespace`, as the API server stored it
    (the product's CRD must be installed)."""
    manifest = {
        "apiVersion": "sagemaker.mlops.dev/v1alpha1",
        "kind": "ModelDeployment",
        "metadata": {"name": "fraud", "namespace": namespace},
        "spec": {
            "modelPackageGroupName": "fraud",
            "executionRoleArn": "arn:aws:iam::123456789012:role/x",
            "endpoint": {"instanceType": "ml.m5.large"},
        },
    }
    kubectl.apply(json.dumps(manifest))
    return dict(kubectl.json("get", "mdep", "fraud", "-n", namespace))
