"""etcd + kube-apiserver on 127.0.0.1, started in the background and stopped again.

The state directory holds everything about one running control plane:

    state.json          ports, pids and tool paths (what `down` needs)
    pki/                CA, serving cert, admin cert, service-account signing key
    etcd-data/          etcd's data directory (fsync disabled: throwaway data)
    logs/               etcd.log, kube-apiserver.log
    kubeconfig          the admin kubeconfig (O=system:masters)
    users/              kubeconfigs minted by kubeconfig_for()

No controllers run (no kube-controller-manager, no scheduler): objects are stored and
watched, RBAC and admission are enforced, but there is no garbage collection, namespace
deletion never completes and pods never run, as with controller-runtime's envtest.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Self

from devcluster import pki
from devcluster.apiclient import ApiClient
from devcluster.errors import ControlPlaneError
from devcluster.kubeconfig import build_kubeconfig, write_kubeconfig
from devcluster.ports import LOOPBACK, free_ports
from devcluster.processes import ProcessRecord, is_alive, spawn, terminate
from devcluster.toolchain import (
    ALL_TOOLS,
    Progress,
    Toolchain,
    format_duration,
    resolve_toolchain,
    stderr_progress,
)

STATE_FILE: Final = "state.json"
STATE_FORMAT: Final = 1
DEFAULT_START_TIMEOUT: Final = 120.0
PORT_ATTEMPTS: Final = 3
LOG_TAIL_LINES: Final = 40
SERVICE_CLUSTER_IP_RANGE: Final = "10.0.0.0/24"

_ADDRESS_IN_USE = re.compile(r"address already in use", re.IGNORECASE)
_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9_.-]+")


def tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return f"(no log at {path})"
    return "\n".join(text.splitlines()[-lines:]) or f"({path} is empty)"


class _PortInUseError(ControlPlaneError):
    """A process could not bind its port; retry with fresh ports."""


@dataclass(frozen=True)
class Ports:
    etcd_client: int
    etcd_peer: int
    apiserver: int


@dataclass(frozen=True)
class Layout:
    """Where things live inside a state directory."""

    root: Path

    @property
    def state_file(self) -> Path:
        return self.root / STATE_FILE

    @property
    def pki(self) -> Path:
        return self.root / "pki"

    @property
    def etcd_data(self) -> Path:
        return self.root / "etcd-data"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def admin_kubeconfig(self) -> Path:
        return self.root / "kubeconfig"

    @property
    def users(self) -> Path:
        return self.root / "users"

    def cert(self, name: str) -> Path:
        return self.pki / f"{name}.crt"

    def key(self, name: str) -> Path:
        return self.pki / f"{name}.key"


def read_state(state_dir: Path) -> dict[str, Any] | None:
    """The parsed state.json, or None if the directory holds no devcluster state."""
    path = Layout(state_dir).state_file
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise ControlPlaneError(
            f"{path} is unreadable ({exc}); remove {state_dir} by hand"
        ) from exc
    if not isinstance(data, dict) or data.get("format") != STATE_FORMAT:
        raise ControlPlaneError(f"{path} is not a devcluster state file (format {STATE_FORMAT})")
    return data


def write_state(state_dir: Path, state: dict[str, Any]) -> None:
    path = Layout(state_dir).state_file
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"format": STATE_FORMAT, **state}, indent=2) + "\n", "utf-8")
    tmp.replace(path)


def remove_state_dir(state_dir: Path) -> None:
    """Remove a state directory, but only one that devcluster created."""
    if not state_dir.exists():
        return
    if not Layout(state_dir).state_file.exists() and any(state_dir.iterdir()):
        raise ControlPlaneError(
            f"{state_dir} has no {STATE_FILE}; not removing a directory devcluster did not create"
        )
    shutil.rmtree(state_dir, ignore_errors=True)


def user_kubeconfig_name(user: str) -> str:
    return _UNSAFE_FILENAME.sub("_", user).strip("_") or "user"


class ControlPlane:
    """A local etcd + kube-apiserver. Use as a context manager, or start()/stop().

    With state_dir=None a temporary directory is used. The processes run in their own
    session. With detach=True (the default, for `up`) they outlive this Python process and
    are stopped by a later ControlPlane.attach(state_dir).stop(). With detach=False (test
    fixtures) they are also SIGKILLed by the kernel if the thread that called start()
    dies without stopping them, e.g. when the test run is killed.
    """

    def __init__(
        self,
        state_dir: Path | None = None,
        *,
        toolchain: Toolchain | None = None,
        start_timeout: float = DEFAULT_START_TIMEOUT,
        detach: bool = True,
        progress: Progress = stderr_progress,
    ) -> None:
        self._requested_dir = state_dir
        self._detach = detach
        self._layout: Layout | None = None
        self._toolchain = toolchain
        self._start_timeout = start_timeout
        self._progress = progress
        self._records: list[ProcessRecord] = []
        self._popens: dict[int, subprocess.Popen[bytes]] = {}
        self._server_url: str | None = None
        self._ports: Ports | None = None
        self._kubectl: Path | None = None
        self._helm: Path | None = None
        self.startup_seconds: float | None = None

    # -- attaching to a control plane started by another process -----------------------

    @classmethod
    def attach(cls, state_dir: Path) -> ControlPlane:
        """A handle on the control plane recorded in state_dir (raises if there is none)."""
        state = read_state(state_dir)
        if state is None or state.get("mode") != "local":
            raise ControlPlaneError(f"no local control plane recorded in {state_dir}")
        plane = cls(state_dir)
        plane._layout = Layout(state_dir.resolve())
        plane._records = [ProcessRecord.from_json(p) for p in state.get("processes", [])]
        plane._server_url = state.get("server_url")
        tools = state.get("tools", {})
        plane._kubectl = Path(tools["kubectl"]) if "kubectl" in tools else None
        plane._helm = Path(tools["helm"]) if "helm" in tools else None
        return plane

    # -- properties -------------------------------------------------------------------

    @property
    def is_local(self) -> bool:
        return True

    @property
    def state_dir(self) -> Path:
        return self._require_layout().root

    @property
    def server_url(self) -> str:
        if self._server_url is None:
            raise ControlPlaneError("the control plane has not been started")
        return self._server_url

    @property
    def admin_kubeconfig(self) -> Path:
        return self._require_layout().admin_kubeconfig

    @property
    def ca_file(self) -> Path:
        return self._require_layout().cert("ca")

    @property
    def kubectl_path(self) -> Path:
        if self._kubectl is None:
            raise ControlPlaneError("kubectl is not known until the control plane is started")
        return self._kubectl

    @property
    def helm_path(self) -> Path:
        if self._helm is None:
            raise ControlPlaneError("helm is not known until the control plane is started")
        return self._helm

    @property
    def processes(self) -> tuple[ProcessRecord, ...]:
        return tuple(self._records)

    @property
    def log_files(self) -> dict[str, Path]:
        return {r.name: Path(r.log) for r in self._records}

    def is_running(self) -> bool:
        return bool(self._records) and all(is_alive(r) for r in self._records)

    def _require_layout(self) -> Layout:
        if self._layout is None:
            raise ControlPlaneError("the control plane has not been started")
        return self._layout

    # -- lifecycle --------------------------------------------------------------------

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> Self:
        if self._records:
            raise ControlPlaneError("this control plane is already started")
        started = time.monotonic()
        toolchain = self._toolchain or resolve_toolchain(ALL_TOOLS, progress=self._progress)
        self._toolchain = toolchain
        self._kubectl, self._helm = toolchain.kubectl, toolchain.helm
        self._layout = self._prepare_state_dir()
        try:
            self._write_pki()
            for attempt in range(1, PORT_ATTEMPTS + 1):
                ports = Ports(*free_ports(3))
                try:
                    self._launch(toolchain, ports)
                    break
                except _PortInUseError as exc:
                    self._progress(f"    {exc}; retrying with other ports ({attempt})")
                    self._terminate()
                    self._reset_logs_and_data()
            else:
                raise ControlPlaneError(f"no free ports after {PORT_ATTEMPTS} attempts")
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - started
        self._progress(
            f"==> control plane up at {self.server_url} in {format_duration(self.startup_seconds)}"
        )
        return self

    def stop(self) -> None:
        """Stop kube-apiserver, then etcd (TERM, then KILL), and remove the state directory."""
        self._terminate()
        if self._layout is not None:
            remove_state_dir(self._layout.root)
        self._layout = None
        self._server_url = None
        self._ports = None

    def restart_apiserver(self, *, grace: float = 15.0) -> float:
        """Stop kube-apiserver (SIGTERM, SIGKILL after `grace` seconds) and start it again
        with the same flags, port, certificates and etcd; return how long it was down (from
        the stop signal until /readyz answers again).

        etcd keeps running, so every object survives and clients reconnect to the same URL,
        as after an API server upgrade or crash. Only for a control plane this object
        started: a handle from attach() does not know the tool paths and ports.
        """
        layout = self._require_layout()
        toolchain, ports = self._toolchain, self._ports
        if toolchain is None or ports is None:
            raise ControlPlaneError(
                "restart_apiserver() needs the ControlPlane object that started the server"
            )
        by_name = {r.name: r for r in self._records}
        apiserver, etcd = by_name.get("kube-apiserver"), by_name.get("etcd")
        if apiserver is None or etcd is None or not is_alive(etcd):
            raise ControlPlaneError("cannot restart kube-apiserver: etcd is not running")
        started = time.monotonic()
        popen = self._popens.pop(apiserver.pid, None)
        killed = terminate([apiserver], grace=grace, popens={apiserver.pid: popen} if popen else {})
        if killed:
            self._progress("    kube-apiserver needed SIGKILL to stop")
        self._records.remove(apiserver)
        deadline = time.monotonic() + self._start_timeout
        restarted = self._spawn(
            "kube-apiserver", apiserver_args(toolchain.kube_apiserver, layout, ports), ports
        )
        self._wait_http(restarted, self.admin_client(), "/readyz", deadline, [etcd])
        down = time.monotonic() - started
        self._progress(
            f"    kube-apiserver restarted at {self.server_url} ({format_duration(down)} down)"
        )
        return down

    def _terminate(self) -> None:
        # kube-apiserver first, so it does not log etcd connection errors while stopping.
        order = sorted(self._records, key=lambda r: r.name != "kube-apiserver")
        killed = terminate(order, popens=self._popens)
        if killed:
            self._progress(f"    needed SIGKILL: {', '.join(killed)}")
        self._records, self._popens = [], {}

    # -- start-up steps ---------------------------------------------------------------

    def _prepare_state_dir(self) -> Layout:
        if self._requested_dir is None:
            return Layout(Path(tempfile.mkdtemp(prefix="devcluster-")))
        root = self._requested_dir.resolve()
        if root.exists():
            state = read_state(root)
            if state is None and any(root.iterdir()):
                raise ControlPlaneError(
                    f"{root} exists, is not empty and holds no devcluster state; "
                    "choose another --state-dir"
                )
            if state is not None:
                stale = [ProcessRecord.from_json(p) for p in state.get("processes", [])]
                if any(is_alive(r) for r in stale):
                    raise ControlPlaneError(
                        f"a control plane is already running from {root}; stop it first "
                        f"(python -m devcluster down --state-dir {self._requested_dir})"
                    )
                shutil.rmtree(root)
        root.mkdir(parents=True, exist_ok=True)
        layout = Layout(root)
        write_state(root, {"mode": "local", "processes": []})
        return layout

    def _write_pki(self) -> None:
        layout = self._require_layout()
        layout.pki.mkdir(mode=0o700)
        ca = pki.create_ca()
        ca.write(layout.cert("ca"), layout.key("ca"))
        pki.create_serving_cert(ca).write(layout.cert("apiserver"), layout.key("apiserver"))
        pki.create_client_cert(ca, pki.ADMIN_USER, pki.ADMIN_GROUPS).write(
            layout.cert("admin"), layout.key("admin")
        )
        sa_private, sa_public = pki.create_signing_key()
        pki.write_private(layout.key("sa"), sa_private)
        (layout.pki / "sa.pub").write_bytes(sa_public)

    def _reset_logs_and_data(self) -> None:
        layout = self._require_layout()
        shutil.rmtree(layout.etcd_data, ignore_errors=True)
        shutil.rmtree(layout.logs, ignore_errors=True)

    def _record_state(self, ports: Ports) -> None:
        layout = self._require_layout()
        write_state(
            layout.root,
            {
                "mode": "local",
                "server_url": f"https://{LOOPBACK}:{ports.apiserver}",
                "etcd_url": f"http://{LOOPBACK}:{ports.etcd_client}",
                "processes": [r.to_json() for r in self._records],
                "tools": {"kubectl": str(self.kubectl_path), "helm": str(self.helm_path)},
                "pid_of_starter": os.getpid(),
            },
        )

    def _spawn(self, name: str, argv: list[str], ports: Ports) -> ProcessRecord:
        layout = self._require_layout()
        popen, record = spawn(
            name, argv, layout.logs / f"{name}.log", die_with_parent=not self._detach
        )
        self._records.append(record)
        self._popens[record.pid] = popen
        self._record_state(ports)  # recorded at once, so `down` can clean up a failed start
        return record

    def _launch(self, toolchain: Toolchain, ports: Ports) -> None:
        layout = self._require_layout()
        t0 = time.monotonic()
        deadline = t0 + self._start_timeout
        etcd = self._spawn("etcd", etcd_args(toolchain.etcd, layout, ports), ports)
        # kube-apiserver retries its etcd connection, so both start at once; etcd is
        # still checked first, so that an etcd failure is reported as one.
        apiserver = self._spawn(
            "kube-apiserver", apiserver_args(toolchain.kube_apiserver, layout, ports), ports
        )
        self._wait_etcd(etcd, ports, deadline, others=[apiserver])
        self._ports = ports
        elapsed = format_duration(time.monotonic() - t0)
        self._progress(f"    etcd ready on {LOOPBACK}:{ports.etcd_client} ({elapsed})")
        self._server_url = f"https://{LOOPBACK}:{ports.apiserver}"
        client = self.admin_client()
        self._wait_http(apiserver, client, "/readyz", deadline, [etcd])
        self._wait_http(apiserver, client, "/api/v1/namespaces/default", deadline, [etcd])
        write_kubeconfig(
            layout.admin_kubeconfig,
            build_kubeconfig(
                self.server_url,
                layout.cert("ca").read_bytes(),
                pki.KeyPair.read(layout.cert("admin"), layout.key("admin")),
                pki.ADMIN_USER,
            ),
        )
        self._progress(
            f"    kube-apiserver ready at {self.server_url} "
            f"({format_duration(time.monotonic() - t0)})"
        )

    def _failure(self, record: ProcessRecord, what: str) -> ControlPlaneError:
        log = Path(record.log)
        text = tail(log)
        if _ADDRESS_IN_USE.search(text):
            return _PortInUseError(f"{record.name} could not bind its port")
        return ControlPlaneError(
            f"{record.name} {what}. Last {LOG_TAIL_LINES} lines of {log}:\n{text}"
        )

    def _check_alive(self, records: Sequence[ProcessRecord]) -> None:
        for record in records:
            if not is_alive(record):
                raise self._failure(record, "exited during start-up")

    def _wait_etcd(
        self,
        etcd: ProcessRecord,
        ports: Ports,
        deadline: float,
        others: Sequence[ProcessRecord] = (),
    ) -> None:
        url = f"http://{LOOPBACK}:{ports.etcd_client}/health"
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        last = "no answer"
        while time.monotonic() < deadline:
            self._check_alive([etcd, *others])
            try:
                with opener.open(url, timeout=2) as response:
                    body = json.loads(response.read())
                    if body.get("health") == "true":
                        return
                    last = f"health={body.get('health')!r}"
            except (OSError, ValueError) as exc:
                last = str(exc)
            time.sleep(0.1)
        raise self._failure(etcd, f"was not healthy within {self._start_timeout:.0f}s ({last})")

    def _wait_http(
        self,
        process: ProcessRecord,
        client: ApiClient,
        path: str,
        deadline: float,
        others: Sequence[ProcessRecord],
    ) -> None:
        last = "no answer"
        while time.monotonic() < deadline:
            self._check_alive([process, *others])
            try:
                response = client.get(path, timeout=5)
                if response.status == 200:
                    return
                last = f"HTTP {response.status}: {response.body[:300].decode(errors='replace')}"
            except OSError as exc:
                last = str(exc)
            time.sleep(0.2)
        raise self._failure(
            process, f"did not answer {path} within {self._start_timeout:.0f}s (last: {last})"
        )

    # -- clients and identities -------------------------------------------------------

    def admin_client(self) -> ApiClient:
        layout = self._require_layout()
        return ApiClient(
            self.server_url, layout.cert("ca"), layout.cert("admin"), layout.key("admin")
        )

    def client_for(self, user: str, groups: Sequence[str] = ()) -> ApiClient:
        """An HTTPS client authenticated as user/groups (cert files kept in the state dir)."""
        layout = self._require_layout()
        name = f"user-{user_kubeconfig_name(user)}"
        ca = pki.KeyPair.read(layout.cert("ca"), layout.key("ca"))
        pki.create_client_cert(ca, user, groups).write(layout.cert(name), layout.key(name))
        return ApiClient(self.server_url, layout.cert("ca"), layout.cert(name), layout.key(name))

    def kubeconfig_for(
        self,
        user: str,
        groups: Sequence[str] = (),
        *,
        out: Path | None = None,
        namespace: str | None = None,
    ) -> Path:
        """Mint a kubeconfig for a (non-admin) user: client cert CN=user, O=groups.

        The API server adds `system:authenticated`. Nothing is granted: RBAC bindings
        decide what the user may do. Written to `out`, or to users/<user>.kubeconfig.
        """
        layout = self._require_layout()
        ca = pki.KeyPair.read(layout.cert("ca"), layout.key("ca"))
        client = pki.create_client_cert(ca, user, groups)
        path = out or layout.users / f"{user_kubeconfig_name(user)}.kubeconfig"
        config = build_kubeconfig(self.server_url, ca.cert_pem, client, user, namespace=namespace)
        return write_kubeconfig(path, config)


def etcd_args(etcd: Path, layout: Layout, ports: Ports) -> list[str]:
    client = f"http://{LOOPBACK}:{ports.etcd_client}"
    peer = f"http://{LOOPBACK}:{ports.etcd_peer}"
    return [
        str(etcd),
        "--name=devcluster",
        f"--data-dir={layout.etcd_data}",
        f"--listen-client-urls={client}",
        f"--advertise-client-urls={client}",
        f"--listen-peer-urls={peer}",
        f"--initial-advertise-peer-urls={peer}",
        f"--initial-cluster=devcluster={peer}",
        "--initial-cluster-state=new",
        "--unsafe-no-fsync=true",
        "--log-level=warn",
    ]


def apiserver_args(apiserver: Path, layout: Layout, ports: Ports) -> list[str]:
    server = f"https://{LOOPBACK}:{ports.apiserver}"
    return [
        str(apiserver),
        f"--etcd-servers=http://{LOOPBACK}:{ports.etcd_client}",
        f"--bind-address={LOOPBACK}",
        f"--secure-port={ports.apiserver}",
        # With a loopback bind address kube-apiserver would otherwise advertise the
        # default-route interface's address; keep everything on loopback.
        f"--advertise-address={LOOPBACK}",
        # Endpoints may not hold loopback addresses, so the `kubernetes` Service
        # endpoint reconciler would only log errors.
        "--endpoint-reconciler-type=none",
        f"--cert-dir={layout.pki}",
        f"--tls-cert-file={layout.cert('apiserver')}",
        f"--tls-private-key-file={layout.key('apiserver')}",
        f"--client-ca-file={layout.cert('ca')}",
        f"--service-account-issuer={server}",
        f"--service-account-key-file={layout.pki / 'sa.pub'}",
        f"--service-account-signing-key-file={layout.key('sa')}",
        "--authorization-mode=RBAC",
        # No controller creates `default` ServiceAccounts, so pods would be rejected.
        "--disable-admission-plugins=ServiceAccount",
        f"--service-cluster-ip-range={SERVICE_CLUSTER_IP_RANGE}",
        "--allow-privileged=true",
    ]
