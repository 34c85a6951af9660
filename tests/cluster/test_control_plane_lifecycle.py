"""Start-up and shutdown of the local control plane, through the API and the CLI.

These start their own etcd + kube-apiserver (a few seconds each), independent of the
session's kube_cluster, and always with USE_EXISTING_CLUSTER unset.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from devcluster import ControlPlane, ControlPlaneError, Kubectl, Toolchain
from devcluster.ports import is_listening
from devcluster.processes import ProcessRecord, is_alive
from devcluster.toolchain import ToolName

pytestmark = [pytest.mark.cluster, pytest.mark.slow]


def cli(*args: str, env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("USE_EXISTING_CLUSTER", "KUBECONFIG")}
    return subprocess.run(
        [sys.executable, "-m", "devcluster", *args],
        env={**env, **(env_extra or {})},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_stop_ends_every_process_frees_the_port_and_removes_files(
    kube_toolchain: Toolchain, tmp_path: Path
) -> None:
    state_dir = tmp_path / "plane"
    plane = ControlPlane(state_dir, toolchain=kube_toolchain, detach=False, progress=lambda _: None)
    with plane:
        records = plane.processes
        assert [r.name for r in records] == ["etcd", "kube-apiserver"]
        assert all(is_alive(r) for r in records)
        # Detached: each leads its own session, so a terminal's Ctrl-C does not reach it.
        assert all(os.getsid(r.pid) == r.pid for r in records)
        port = int(plane.server_url.rsplit(":", 1)[1])
        assert is_listening(port)
        assert set(plane.log_files) == {"etcd", "kube-apiserver"}
        assert plane.log_files["kube-apiserver"].stat().st_size > 0
        assert plane.startup_seconds is not None
        assert plane.startup_seconds < 60

    assert not any(is_alive(r) for r in records)
    assert not is_listening(port)
    assert not state_dir.exists()
    plane.stop()  # idempotent


def test_stop_runs_when_the_body_fails(kube_toolchain: Toolchain, tmp_path: Path) -> None:
    state_dir = tmp_path / "failing"
    seen: list[ProcessRecord] = []

    def body() -> None:
        with ControlPlane(
            state_dir, toolchain=kube_toolchain, detach=False, progress=lambda _: None
        ) as plane:
            seen.extend(plane.processes)
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        body()
    assert len(seen) == 2
    assert not any(is_alive(r) for r in seen)
    assert not state_dir.exists()


def test_a_second_start_on_a_running_state_dir_is_refused(
    kube_toolchain: Toolchain, tmp_path: Path
) -> None:
    with ControlPlane(
        tmp_path / "s", toolchain=kube_toolchain, detach=False, progress=lambda _: None
    ) as first:
        second = ControlPlane(
            tmp_path / "s", toolchain=kube_toolchain, detach=False, progress=lambda _: None
        )
        with pytest.raises(ControlPlaneError, match="already running"):
            second.start()
        assert first.is_running()


def test_cli_up_detaches_and_down_cleans_up(kube_toolchain: Toolchain, tmp_path: Path) -> None:
    state_dir = tmp_path / "local"

    up = cli("up", "--state-dir", str(state_dir))
    assert up.returncode == 0, up.stderr
    assert f"export KUBECONFIG={state_dir / 'kubeconfig'}" in up.stdout
    assert "control plane up at https://127.0.0.1:" in up.stderr
    try:
        # The CLI has exited; the control plane keeps running without it.
        attached = ControlPlane.attach(state_dir)
        assert attached.is_running()
        admin = Kubectl(kube_toolchain.kubectl, state_dir / "kubeconfig")
        assert "default" in admin("get", "namespace", "default", "-o", "name")

        again = cli("up", "--state-dir", str(state_dir))
        assert again.returncode == 0, again.stderr
        assert "already running" in again.stdout

        status = cli("status", "--state-dir", str(state_dir))
        assert status.returncode == 0
        assert "kube-apiserver" in status.stdout
        assert "NOT RUNNING" not in status.stdout

        user_config = tmp_path / "frank.kubeconfig"
        minted = cli(
            "kubeconfig",
            "--state-dir",
            str(state_dir),
            "--user",
            "frank",
            "--group",
            "devs",
            "--out",
            str(user_config),
        )
        assert minted.returncode == 0, minted.stderr
        assert oct(user_config.stat().st_mode & 0o777) == "0o600"
        frank = admin.with_kubeconfig(user_config)
        assert frank.json("auth", "whoami")["status"]["userInfo"]["groups"] == [
            "devs",
            "system:authenticated",
        ]
        with pytest.raises(Exception, match="forbidden"):
            frank("get", "namespaces")

        sa_config = tmp_path / "sa.kubeconfig"
        minted_sa = cli(
            "kubeconfig",
            "--state-dir",
            str(state_dir),
            "--service-account",
            "team:bot",
            "--out",
            str(sa_config),
        )
        assert minted_sa.returncode == 0, minted_sa.stderr
        user = admin.with_kubeconfig(sa_config).json("auth", "whoami")["status"]["userInfo"]
        assert user["username"] == "system:serviceaccount:team:bot"
    finally:
        down = cli("down", "--state-dir", str(state_dir))
    assert down.returncode == 0, down.stderr
    assert not any(is_alive(r) for r in attached.processes)
    assert not state_dir.exists()

    again_down = cli("down", "--state-dir", str(state_dir))
    assert again_down.returncode == 0
    assert "nothing to stop" in again_down.stdout


def test_cli_up_refuses_a_directory_it_did_not_create(
    tmp_path: Path, kube_toolchain: Toolchain
) -> None:
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "precious.txt").write_text("keep me")

    up = cli("up", "--state-dir", str(foreign))
    down = cli("down", "--state-dir", str(foreign))

    assert up.returncode == 1
    assert "holds no devcluster state" in up.stderr
    assert down.returncode == 1
    assert (foreign / "precious.txt").read_text() == "keep me"


def test_kubebuilder_assets_are_used_instead_of_the_cache(
    kube_toolchain: Toolchain, tmp_path: Path
) -> None:
    assets = tmp_path / "assets"
    assets.mkdir()
    tools: tuple[ToolName, ...] = ("kube-apiserver", "etcd", "kubectl")
    for tool in tools:
        try:
            os.link(kube_toolchain.path(tool), assets / tool)
        except OSError:  # another file system
            shutil.copy2(kube_toolchain.path(tool), assets / tool)
    state_dir = tmp_path / "with-assets"

    up = cli("up", "--state-dir", str(state_dir), env_extra={"KUBEBUILDER_ASSETS": str(assets)})
    try:
        assert up.returncode == 0, up.stderr
        state = ControlPlane.attach(state_dir)
        exes = {r.name: Path(f"/proc/{r.pid}/exe").resolve() for r in state.processes}
        assert exes == {"etcd": assets / "etcd", "kube-apiserver": assets / "kube-apiserver"}
        assert state.kubectl_path == assets / "kubectl"
    finally:
        cli("down", "--state-dir", str(state_dir))
