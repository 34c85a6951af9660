"""The operator as a real process: `python -m model_deployment_operator run`."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Self

FAKE_AWS_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class OperatorProcess:
    """Starts the operator with a kubeconfig and an AWS endpoint, waits until its liveness
    endpoint answers, and stops (or kills) it."""

    def __init__(
        self,
        *,
        kubeconfig: Path,
        aws_endpoint_url: str,
        log_file: Path,
        namespaces: Sequence[str] = (),
        settings: Mapping[str, str] | None = None,
        aws_access_key_id: str = FAKE_AWS_ENVIRONMENT["AWS_ACCESS_KEY_ID"],
        extra_environment: Mapping[str, str] | None = None,
    ) -> None:
        """`extra_environment`: variables beyond the MDO_* settings, such as those the
        container image sets (the benchmark runs the operator as the image would)."""
        # The emulator tells callers apart by access key: a test that checks who made which
        # call gives the operator a key of its own.
        self.aws_access_key_id = aws_access_key_id
        self.kubeconfig = kubeconfig
        self.aws_endpoint_url = aws_endpoint_url
        self.log_file = log_file
        self.namespaces = tuple(namespaces)
        self.settings = dict(settings or {})
        self.extra_environment = dict(extra_environment or {})
        self.health_port = free_port()
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def command(self) -> list[str]:
        scope = [arg for ns in self.namespaces for arg in ("--namespace", ns)] or ["-A"]
        return [
            sys.executable,
            "-m",
            "model_deployment_operator",
            "run",
            *scope,
            "--health-bind",
            f"127.0.0.1:{self.health_port}",
        ]

    def environment(self) -> dict[str, str]:
        inherited = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("AWS_", "MDO_")) and k != "KUBECONFIG"
        }
        return {
            **inherited,
            **FAKE_AWS_ENVIRONMENT,
            "AWS_ACCESS_KEY_ID": self.aws_access_key_id,
            "AWS_ENDPOINT_URL": self.aws_endpoint_url,
            "KUBECONFIG": str(self.kubeconfig),
            **{f"MDO_{key.upper()}": value for key, value in self.settings.items()},
            **self.extra_environment,
        }

    def start(self, timeout: float = 60.0) -> Self:
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_file.open("ab")
        self._process = subprocess.Popen(
            self.command(), env=self.environment(), stdout=self._log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                msg = f"operator exited with {self._process.returncode}:\n{self.logs()[-4000:]}"
                raise RuntimeError(msg)
            if self.healthy():
                return self
            time.sleep(0.2)
        self.stop()
        msg = f"operator not healthy after {timeout}s:\n{self.logs()[-4000:]}"
        raise RuntimeError(msg)

    def healthy(self) -> bool:
        url = f"http://127.0.0.1:{self.health_port}/healthz"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return bool(response.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def kill(self) -> None:
        """SIGKILL: no clean-up, exactly like a node failure or an OOM kill."""
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGKILL)
            self._process.wait(timeout=10)
        self._close_log()

    def stop(self, timeout: float = 20.0) -> None:
        process = self._process
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        self._close_log()

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def logs(self) -> str:
        try:
            return self.log_file.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
