"""Start-up failures are reported with the logs and leave nothing behind.

Stand-in etcd/kube-apiserver scripts fail on purpose; the happy path runs the real
binaries in tests/cluster.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from devcluster import ControlPlane, ControlPlaneError
from devcluster.__main__ import main
from devcluster.control_plane import Layout, Ports, apiserver_args, etcd_args
from devcluster.processes import ProcessRecord, is_alive, start_ticks
from devcluster.toolchain import Tool, Toolchain, ToolName

# The pid file appears whole or not at all: the control plane may kill the fake between
# the shell creating a file and writing to it.
SLEEPING_APISERVER = (
    "#!/bin/sh\necho $$ > {pidfile}.new\nmv {pidfile}.new {pidfile}\nexec sleep 60\n"
)


def script(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(0o755)
    return path


def toolchain(tmp_path: Path, etcd: str) -> Toolchain:
    bindir = tmp_path / "bin"
    bindir.mkdir(parents=True, exist_ok=True)
    apiserver = SLEEPING_APISERVER.format(pidfile=tmp_path / "apiserver.pid")
    paths: dict[ToolName, Path] = {
        "etcd": script(bindir / "etcd", etcd),
        "kube-apiserver": script(bindir / "kube-apiserver", apiserver),
        "kubectl": script(bindir / "kubectl", "#!/bin/sh\nexit 1\n"),
        "helm": script(bindir / "helm", "#!/bin/sh\nexit 1\n"),
    }
    return Toolchain({name: Tool(name, path, "fake", "cache") for name, path in paths.items()})


def assert_apiserver_stopped(tmp_path: Path) -> None:
    pidfile = tmp_path / "apiserver.pid"
    if pidfile.exists():
        pid = int(pidfile.read_text())
        assert not is_alive(ProcessRecord("kube-apiserver", pid, start_ticks(pid), ""))


def test_etcd_failure_shows_its_log_and_cleans_up(tmp_path: Path) -> None:
    etcd = "#!/bin/sh\necho 'member has already been bootstrapped: the disk is on fire'\nexit 1\n"
    state_dir = tmp_path / "state"
    plane = ControlPlane(state_dir, toolchain=toolchain(tmp_path, etcd), progress=lambda _: None)

    with pytest.raises(ControlPlaneError) as failure:
        plane.start()

    message = str(failure.value)
    assert "etcd exited during start-up" in message
    assert "the disk is on fire" in message
    assert "etcd.log" in message
    assert not state_dir.exists()
    assert_apiserver_stopped(tmp_path)


def test_port_conflicts_are_retried_with_new_ports(tmp_path: Path) -> None:
    attempts = tmp_path / "attempts"
    etcd = (
        f"#!/bin/sh\necho x >> {attempts}\n"
        "echo 'listen tcp 127.0.0.1:2379: bind: address already in use'\nexit 1\n"
    )
    progress: list[str] = []
    plane = ControlPlane(
        tmp_path / "state", toolchain=toolchain(tmp_path, etcd), progress=progress.append
    )

    with pytest.raises(ControlPlaneError, match="no free ports after 3 attempts"):
        plane.start()

    assert attempts.read_text().count("x") == 3
    assert sum("retrying with other ports" in line for line in progress) == 3
    assert_apiserver_stopped(tmp_path)


def test_a_start_timeout_names_the_process_and_shows_its_log(tmp_path: Path) -> None:
    etcd = "#!/bin/sh\necho 'waiting for a quorum that never comes'\nexec sleep 60\n"
    plane = ControlPlane(
        tmp_path / "state",
        toolchain=toolchain(tmp_path, etcd),
        start_timeout=1.0,
        progress=lambda _: None,
    )

    with pytest.raises(ControlPlaneError) as failure:
        plane.start()

    assert "etcd was not healthy within 1s" in str(failure.value)
    assert "waiting for a quorum that never comes" in str(failure.value)
    assert not plane.processes
    assert_apiserver_stopped(tmp_path)


def test_refuses_a_non_empty_directory_it_did_not_create(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    plane = ControlPlane(tmp_path, toolchain=toolchain(tmp_path / "x", "#!/bin/sh\n"))

    with pytest.raises(ControlPlaneError, match="holds no devcluster state"):
        plane.start()
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_attach_without_state_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ControlPlaneError, match="no local control plane recorded"):
        ControlPlane.attach(tmp_path)


def test_everything_listens_on_loopback_only() -> None:
    layout = Layout(Path("/state"))
    ports = Ports(etcd_client=1001, etcd_peer=1002, apiserver=1003)
    etcd = etcd_args(Path("/bin/etcd"), layout, ports)
    apiserver = apiserver_args(Path("/bin/kube-apiserver"), layout, ports)

    urls = [a.split("=", 1)[1] for a in etcd if "-urls=" in a or "initial-cluster=" in a]
    assert urls
    assert all("127.0.0.1" in url for url in urls)
    assert "--unsafe-no-fsync=true" in etcd
    for flag in (
        "--bind-address=127.0.0.1",
        "--advertise-address=127.0.0.1",
        "--secure-port=1003",
        "--etcd-servers=http://127.0.0.1:1001",
        "--authorization-mode=RBAC",
        "--endpoint-reconciler-type=none",
        "--disable-admission-plugins=ServiceAccount",
        "--client-ca-file=/state/pki/ca.crt",
        "--service-account-signing-key-file=/state/pki/sa.key",
    ):
        assert flag in apiserver
    # Every address in every flag is loopback (the service IP range is not a listener).
    addresses = {
        ip
        for arg in [*etcd, *apiserver]
        if not arg.startswith("--service-cluster-ip-range=")
        for ip in re.findall(r"(?:=|//)(\d+\.\d+\.\d+\.\d+|\[[0-9a-f:]*\])", arg)
    }
    assert addresses == {"127.0.0.1"}


def test_cli_down_without_state_and_clear_cli_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["down", "--state-dir", str(tmp_path / "missing")]) == 0
    assert "nothing to stop" in capsys.readouterr().out

    assert main(["status", "--state-dir", str(tmp_path / "missing")]) == 3
    assert "not running" in capsys.readouterr().out

    out = tmp_path / "k"
    assert main(["kubeconfig", "--state-dir", str(tmp_path), "--user", "a", "--out", str(out)]) == 1
    assert "run `up` first" in capsys.readouterr().err

    assert main(["which", "etcd", "--cache-dir", str(tmp_path / "empty")]) == 1
    assert "python -m devcluster build" in capsys.readouterr().err

    assert main(["build", "kubelet"]) == 1
    assert "unknown tool(s) kubelet" in capsys.readouterr().err
