"""What a process costs, read from /proc: resident memory (now and at its peak) and CPU time.

The kernel keeps the peak resident set size itself (VmHWM), so the peak needs no sampling
and cannot miss a short spike between samples.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

CLOCK_TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


def _status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    msg = f"/proc/{pid}/status has no {field}"
    raise LookupError(msg)


def resident_mib(pid: int) -> float:
    return _status_kib(pid, "VmRSS") / 1024


def peak_resident_mib(pid: int) -> float:
    return _status_kib(pid, "VmHWM") / 1024


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time the process has used (its threads included)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    # The command name (field 2) is in parentheses and may hold spaces: split after it.
    fields = stat[stat.rindex(")") + 2 :].split()
    utime, stime = int(fields[11]), int(fields[12])
    return (utime + stime) / CLOCK_TICKS_PER_SECOND


@dataclass(frozen=True)
class CpuWindow:
    """CPU time and wall time at the start of a window; `share()` is the mean share of one
    core the process used since."""

    pid: int
    cpu_at_start: float
    wall_at_start: float

    @classmethod
    def start(cls, pid: int) -> CpuWindow:
        return cls(pid, cpu_seconds(pid), time.monotonic())

    def share(self) -> float:
        wall = time.monotonic() - self.wall_at_start
        return (cpu_seconds(self.pid) - self.cpu_at_start) / wall if wall > 0 else 0.0
