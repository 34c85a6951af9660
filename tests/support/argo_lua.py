"""Running Argo CD resource customization scripts through argo-lua (tools/go/argo-lua):
Argo CD's gopher-lua with the libraries Argo CD opens, its reading of what a script returns,
and, for an action, the JSON merge patch Argo CD's API server computes from the live object
to the returned one."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

Mode = Literal["health", "action", "patch", "discovery"]


class LuaError(Exception):
    """argo-lua exited 1: the script failed, or Argo CD would reject what it returned. The
    message is what Argo CD reports (the script's error text)."""


def _json_default(value: object) -> str:
    # YAML test data may hold unquoted timestamps; Kubernetes serves them as RFC 3339.
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    raise TypeError(f"not JSON: {value!r}")


def as_served(obj: Any) -> Any:
    """An object as the API server would hand it to Argo CD: plain JSON types."""
    return json.loads(json.dumps(obj, default=_json_default))


@dataclass(frozen=True)
class ArgoLua:
    binary: Path

    def run(self, mode: Mode, script: Path, obj: Mapping[str, Any]) -> Any:
        proc = subprocess.run(
            [str(self.binary), mode, str(script)],
            input=json.dumps(obj, default=_json_default),
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        if proc.returncode == 1:
            raise LuaError(proc.stderr.strip().removeprefix("argo-lua: "))
        if proc.returncode != 0:
            raise RuntimeError(f"argo-lua exited {proc.returncode}: {proc.stderr}")
        return json.loads(proc.stdout)

    def discovery(self, script: Path, obj: Mapping[str, Any]) -> list[dict[str, Any]]:
        """The actions offered, as Argo CD lists them (sorted by name)."""
        actions: list[dict[str, Any]] = self.run("discovery", script, obj)
        return actions

    def action(self, script: Path, obj: Mapping[str, Any]) -> dict[str, Any]:
        """The object an action returns, as Argo CD reads it."""
        result: dict[str, Any] = self.run("action", script, obj)
        return result

    def merge_patch(self, script: Path, obj: Mapping[str, Any]) -> dict[str, Any]:
        """The JSON merge patch Argo CD sends to the resource when the action runs."""
        patch: dict[str, Any] = self.run("patch", script, obj)
        return patch
