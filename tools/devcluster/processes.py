"""Detached background processes that can be found and stopped again by a later command.

Each process is started in its own session (so it survives the CLI's exit and a Ctrl-C in
the terminal that started it) and recorded as (pid, start time). The start time, read
from /proc, guards against signalling an unrelated process that reused the pid.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_PROC = Path("/proc")
_PR_SET_PDEATHSIG = 1


def _proc_stat(pid: int) -> tuple[str, int] | None:
    """(state letter, start time in clock ticks) from /proc/<pid>/stat, or None."""
    try:
        raw = (_PROC / str(pid) / "stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    # The command name is in parentheses and may contain spaces; fields follow the last ')'.
    fields = raw.rsplit(")", 1)[-1].split()
    try:
        return fields[0], int(fields[19])
    except (IndexError, ValueError):
        return None


def start_ticks(pid: int) -> int | None:
    stat = _proc_stat(pid)
    return None if stat is None else stat[1]


@dataclass(frozen=True)
class ProcessRecord:
    """What a later command needs to find a process again."""

    name: str
    pid: int
    start_ticks: int | None
    log: str

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "pid": self.pid,
            "start_ticks": self.start_ticks,
            "log": self.log,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ProcessRecord:
        ticks = data.get("start_ticks")
        return cls(
            name=str(data["name"]),
            pid=int(data["pid"]),
            start_ticks=None if ticks is None else int(ticks),
            log=str(data.get("log", "")),
        )


def is_alive(record: ProcessRecord) -> bool:
    """True if the recorded process still runs (not exited, not a zombie, pid not reused)."""
    stat = _proc_stat(record.pid)
    if stat is None:
        if _PROC.is_dir():
            return False
        try:  # no procfs (not Linux): best effort
            os.kill(record.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    state, ticks = stat
    if state in ("Z", "X"):
        _reap(record.pid)
        return False
    return record.start_ticks is None or ticks == record.start_ticks


def _reap(pid: int) -> None:
    # Only succeeds for our own children; anything else is reaped by its parent or init.
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def _parent_death_signal() -> Callable[[], None] | None:
    """A preexec function asking Linux to SIGKILL the child when we die, or None.

    SIGKILL, not SIGTERM: etcd and kube-apiserver would get it at the same moment, and
    kube-apiserver's graceful shutdown hangs once etcd is gone (measured: > 40 s). The
    data is throwaway. Resolved before fork, so the child only makes one system call.
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    prctl.restype = ctypes.c_int

    def set_pdeathsig() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)

    return set_pdeathsig


def spawn(
    name: str,
    argv: Sequence[str],
    log_path: Path,
    *,
    env: Mapping[str, str] | None = None,
    die_with_parent: bool = False,
) -> tuple[subprocess.Popen[bytes], ProcessRecord]:
    """Start argv in its own session, stdout and stderr appended to log_path.

    die_with_parent=False (the CLI's `up`): it outlives us and is stopped by a later
    command. die_with_parent=True (tests): Linux SIGKILLs it if the thread that started
    it dies, so even a SIGKILLed test run leaves no server behind.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    preexec = _parent_death_signal() if die_with_parent else None
    with log_path.open("ab") as log:
        proc = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
            env=None if env is None else dict(env),
            preexec_fn=preexec,  # noqa: PLW1509 - one async-signal-safe prctl call
        )
    return proc, ProcessRecord(name, proc.pid, start_ticks(proc.pid), str(log_path))


def _signal(record: ProcessRecord, sig: signal.Signals) -> None:
    if not is_alive(record):
        return
    with contextlib.suppress(ProcessLookupError):
        # Each process leads its own session and process group; signal the whole group
        # so nothing it may have started is left behind.
        if os.getpgid(record.pid) == record.pid:
            os.killpg(record.pid, sig)
        else:
            os.kill(record.pid, sig)


def _wait_gone(records: Sequence[ProcessRecord], timeout: float) -> list[ProcessRecord]:
    deadline = time.monotonic() + timeout
    while True:
        alive = [r for r in records if is_alive(r)]
        if not alive or time.monotonic() >= deadline:
            return alive
        time.sleep(0.05)


def terminate(
    records: Sequence[ProcessRecord],
    *,
    grace: float = 15.0,
    popens: Mapping[int, subprocess.Popen[bytes]] | None = None,
) -> list[str]:
    """SIGTERM each process (in the given order), wait up to `grace`, then SIGKILL.

    Returns the names of processes that needed SIGKILL. A process that already exited
    is skipped. Popen objects, when we still hold them, are waited on to reap zombies.
    """
    killed: list[str] = []
    for record in records:
        _signal(record, signal.SIGTERM)
        if _wait_gone([record], grace):
            _signal(record, signal.SIGKILL)
            killed.append(record.name)
            _wait_gone([record], 5.0)
    for popen in (popens or {}).values():
        with contextlib.suppress(subprocess.TimeoutExpired):
            popen.wait(timeout=5.0)
    return killed
