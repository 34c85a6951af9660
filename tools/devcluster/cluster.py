"""Choose between a local control plane and an existing cluster, following envtest.

USE_EXISTING_CLUSTER=true   use the cluster in KUBECONFIG (else ~/.kube/config);
                            start nothing. kubectl and helm are still the pinned ones.
KUBEBUILDER_ASSETS=/dir     take kube-apiserver, etcd and kubectl from /dir instead of
                            building them (see devcluster.toolchain).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol

from devcluster.control_plane import ControlPlane, read_state, write_state
from devcluster.errors import ControlPlaneError, DevclusterError
from devcluster.existing_cluster import ExistingCluster
from devcluster.toolchain import (
    ALL_TOOLS,
    Progress,
    ToolName,
    resolve_toolchain,
    stderr_progress,
)

_TRUE = frozenset({"1", "t", "true", "y", "yes", "on"})
_FALSE = frozenset({"", "0", "f", "false", "n", "no", "off"})


class Cluster(Protocol):
    """What tests and demos need from a cluster, local or existing."""

    @property
    def is_local(self) -> bool: ...

    @property
    def server_url(self) -> str: ...

    @property
    def admin_kubeconfig(self) -> Path: ...

    @property
    def kubectl_path(self) -> Path: ...

    @property
    def helm_path(self) -> Path: ...

    def kubeconfig_for(
        self,
        user: str,
        groups: Sequence[str] = (),
        *,
        out: Path | None = None,
        namespace: str | None = None,
    ) -> Path: ...

    def stop(self) -> None: ...


def use_existing_cluster(env: Mapping[str, str] | None = None) -> bool:
    """Parse USE_EXISTING_CLUSTER like envtest (Go's strconv.ParseBool, plus yes/no/on/off)."""
    raw = (os.environ if env is None else env).get("USE_EXISTING_CLUSTER", "")
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise DevclusterError(f"USE_EXISTING_CLUSTER={raw!r} is not a boolean (use true or false)")


def open_cluster(
    state_dir: Path | None = None,
    *,
    env: Mapping[str, str] | None = None,
    detach: bool = True,
    progress: Progress = stderr_progress,
) -> Cluster:
    """Start a local control plane, or connect to the existing cluster when asked.

    The returned object's stop() stops what was started (nothing, for an existing
    cluster) and removes state_dir. detach: see ControlPlane.
    """
    env = dict(os.environ if env is None else env)
    if use_existing_cluster(env):
        tools: tuple[ToolName, ...] = ("kubectl", "helm")
        toolchain = resolve_toolchain(tools, env=env, progress=progress)
        if state_dir is None:
            state_dir = Path(tempfile.mkdtemp(prefix="devcluster-existing-"))
        _claim_state_dir(state_dir)
        cluster = ExistingCluster.connect(state_dir, toolchain.kubectl, toolchain.helm, env=env)
        write_state(
            state_dir,
            {
                "mode": "existing",
                "server_url": cluster.server_url,
                "tools": {"kubectl": str(toolchain.kubectl), "helm": str(toolchain.helm)},
            },
        )
        return cluster
    toolchain = resolve_toolchain(ALL_TOOLS, env=env, progress=progress)
    return ControlPlane(state_dir, toolchain=toolchain, detach=detach, progress=progress).start()


def _claim_state_dir(state_dir: Path) -> None:
    if state_dir.exists() and any(state_dir.iterdir()) and read_state(state_dir) is None:
        raise ControlPlaneError(f"{state_dir} exists, is not empty and holds no devcluster state")
    state_dir.mkdir(parents=True, exist_ok=True)


def attach(state_dir: Path) -> Cluster | None:
    """The cluster recorded in state_dir by `up`, or None if there is none."""
    state = read_state(state_dir)
    if state is None:
        return None
    if state.get("mode") == "existing":
        tools = state["tools"]
        return ExistingCluster.attach(state_dir, Path(tools["kubectl"]), Path(tools["helm"]))
    return ControlPlane.attach(state_dir)
