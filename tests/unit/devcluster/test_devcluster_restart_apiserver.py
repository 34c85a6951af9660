"""ControlPlane.restart_apiserver(): kube-apiserver stops and comes back on the same URL
with the same etcd, which keeps running.

Stand-in etcd and kube-apiserver (small Python servers answering /health over HTTP and
everything over HTTPS with the plane's serving certificate) keep this a fast unit test;
`make chaos` restarts the real binaries.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from devcluster import ControlPlane, ControlPlaneError
from devcluster.processes import is_alive
from devcluster.toolchain import Tool, Toolchain, ToolName

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")

FAKE_ETCD = """#!{python}
import json, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

flags = dict(a[2:].split("=", 1) for a in sys.argv[1:] if a.startswith("--") and "=" in a)
url = urlsplit(flags["listen-client-urls"])

class Health(BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({{"health": "true"}}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

ThreadingHTTPServer((url.hostname, url.port), Health).serve_forever()
"""

FAKE_APISERVER = """#!{python}
import os, ssl, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

flags = dict(a[2:].split("=", 1) for a in sys.argv[1:] if a.startswith("--") and "=" in a)
with open({starts!r}, "a") as starts:
    starts.write(f"{{os.getpid()}} {{flags['secure-port']}}\\n")
if os.path.exists({refuse!r}):
    print("error: refusing to start (stand-in told to fail)", flush=True)
    sys.exit(1)

class Ok(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass

server = ThreadingHTTPServer((flags["bind-address"], int(flags["secure-port"])), Ok)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(flags["tls-cert-file"], flags["tls-private-key-file"])
server.socket = context.wrap_socket(server.socket, server_side=True)
server.serve_forever()
"""


def script(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(0o755)
    return path


def fake_toolchain(tmp_path: Path) -> Toolchain:
    bindir = tmp_path / "bin"
    bindir.mkdir()
    apiserver = FAKE_APISERVER.format(
        python=sys.executable, starts=str(tmp_path / "starts"), refuse=str(tmp_path / "refuse")
    )
    paths: dict[ToolName, Path] = {
        "etcd": script(bindir / "etcd", FAKE_ETCD.format(python=sys.executable)),
        "kube-apiserver": script(bindir / "kube-apiserver", apiserver),
        "kubectl": script(bindir / "kubectl", "#!/bin/sh\nexit 1\n"),
        "helm": script(bindir / "helm", "#!/bin/sh\nexit 1\n"),
    }
    return Toolchain({name: Tool(name, path, "fake", "cache") for name, path in paths.items()})


@pytest.fixture
def plane(tmp_path: Path) -> Iterator[ControlPlane]:
    progress: list[str] = []
    control_plane = ControlPlane(
        tmp_path / "state",
        toolchain=fake_toolchain(tmp_path),
        detach=False,
        start_timeout=20,
        progress=progress.append,
    )
    with control_plane:
        yield control_plane


def test_restart_keeps_url_and_etcd_and_replaces_the_apiserver_process(
    plane: ControlPlane, tmp_path: Path
) -> None:
    before = {r.name: r for r in plane.processes}
    url = plane.server_url

    down = plane.restart_apiserver(grace=5)

    after = {r.name: r for r in plane.processes}
    assert down > 0
    assert plane.server_url == url
    assert after["etcd"] == before["etcd"]
    assert is_alive(after["etcd"])
    assert after["kube-apiserver"].pid != before["kube-apiserver"].pid
    assert not is_alive(before["kube-apiserver"])
    assert is_alive(after["kube-apiserver"])
    assert plane.admin_client().get("/readyz").status == 200
    starts = (tmp_path / "starts").read_text().split("\n")
    ports = {line.split()[1] for line in starts if line}
    assert len([line for line in starts if line]) == 2
    assert ports == {url.rsplit(":", 1)[1]}, "restarted on the same port"
    # The state file names the new process, so `down` (or a test teardown) stops it.
    state = json.loads((plane.state_dir / "state.json").read_text())
    recorded = {p["name"]: p["pid"] for p in state["processes"]}
    assert recorded == {"etcd": before["etcd"].pid, "kube-apiserver": after["kube-apiserver"].pid}


def test_restart_twice_then_stop_leaves_nothing_running(plane: ControlPlane) -> None:
    plane.restart_apiserver(grace=5)
    plane.restart_apiserver(grace=5)
    records = plane.processes
    assert [r.name for r in records] == ["etcd", "kube-apiserver"]
    plane.stop()
    assert not any(is_alive(r) for r in records)


def test_an_apiserver_that_does_not_come_back_is_reported_with_its_log(
    plane: ControlPlane, tmp_path: Path
) -> None:
    (tmp_path / "refuse").touch()
    with pytest.raises(ControlPlaneError) as failure:
        plane.restart_apiserver(grace=5)
    message = str(failure.value)
    assert "kube-apiserver exited during start-up" in message
    assert "refusing to start" in message


def test_restart_needs_the_plane_that_started_the_server(tmp_path: Path) -> None:
    with pytest.raises(ControlPlaneError, match="has not been started"):
        ControlPlane(tmp_path / "never").restart_apiserver()


def test_an_attached_handle_cannot_restart(plane: ControlPlane) -> None:
    attached = ControlPlane.attach(plane.state_dir)
    with pytest.raises(ControlPlaneError, match="needs the ControlPlane object that started"):
        attached.restart_apiserver()
    assert all(is_alive(r) for r in plane.processes)
