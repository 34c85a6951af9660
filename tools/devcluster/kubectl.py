"""Run the pinned kubectl against one kubeconfig, with timeouts and readable failures."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from devcluster.errors import DevclusterError

DEFAULT_TIMEOUT: Final = 60.0


class KubectlError(DevclusterError):
    """kubectl exited non-zero (or timed out); carries its stderr."""

    def __init__(self, args: Sequence[str], returncode: int | None, stderr: str) -> None:
        self.args_used = tuple(args)
        self.returncode = returncode
        self.stderr = stderr
        status = "timed out" if returncode is None else f"exited {returncode}"
        super().__init__(f"kubectl {' '.join(args)} {status}: {stderr.strip()}")


@dataclass(frozen=True)
class Kubectl:
    """`kubectl --kubeconfig=<kubeconfig> ...`; the ambient KUBECONFIG is never used."""

    path: Path
    kubeconfig: Path
    timeout: float = DEFAULT_TIMEOUT

    def with_kubeconfig(self, kubeconfig: Path) -> Kubectl:
        return Kubectl(self.path, kubeconfig, self.timeout)

    def command(self, *args: str) -> list[str]:
        return [str(self.path), f"--kubeconfig={self.kubeconfig}", *args]

    def env(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k != "KUBECONFIG"}
        env["KUBECONFIG"] = str(self.kubeconfig)
        return {**env, **(extra or {})}

    def run(
        self,
        *args: str,
        input: str | None = None,
        timeout: float | None = None,
        check: bool = True,
    ) -> str:
        """Run kubectl; return stdout. Raises KubectlError on a non-zero exit or a timeout."""
        try:
            proc = subprocess.run(
                self.command(*args),
                input=input,
                capture_output=True,
                text=True,
                timeout=timeout or self.timeout,
                env=self.env(),
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            stderr = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else ""
            raise KubectlError(args, None, stderr or f"no result after {exc.timeout}s") from exc
        if check and proc.returncode != 0:
            raise KubectlError(args, proc.returncode, proc.stderr)
        return proc.stdout

    def __call__(self, *args: str, input: str | None = None, timeout: float | None = None) -> str:
        return self.run(*args, input=input, timeout=timeout)

    def json(self, *args: str, timeout: float | None = None) -> Any:
        """Run with `-o json` and parse the output."""
        return json.loads(self.run(*args, "-o", "json", timeout=timeout))

    def apply(self, manifest: str | Mapping[str, Any], *, timeout: float | None = None) -> str:
        text = manifest if isinstance(manifest, str) else json.dumps(manifest)
        return self.run("apply", "-f", "-", input=text, timeout=timeout)
