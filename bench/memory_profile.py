"""`--memory-profile`: the benchmark's operator under tracemalloc, and what its snapshot says.

Each allocation still live at the dump is charged to an owner: the innermost frame of its
traceback outside the standard library (json decoding called by kopf is kopf's; a dict made
by botocore's loader is botocore's), and separately to the innermost frame in our own code
(which call of ours led to it), when one is among the traceback's frames (8 by default).

The traced operator is a second one, started once the measured operator has converged the
deployments and stopped: tracing slows every allocation, so it would distort (and on a
busy machine stall) the convergence. Started on N settled deployments it builds the same
per-object state: kopf's, the reconciler's memory, the clients. Tracing starts after its
imports (bench/traced_operator.py); their size is the resident size then, reported beside
the profile. tracemalloc sees Python's allocations only and adds its own bookkeeping: read
shares and sites from the profile, the resident size and CPU from the untraced run.
"""

from __future__ import annotations

import json
import sys
import sysconfig
import time
import tracemalloc
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devstack.operator_process import OperatorProcess

LAUNCHER = Path(__file__).with_name("traced_operator.py")
OUR_PACKAGE = "/model_deployment_operator/"
# Not "platstdlib": in a virtualenv that is the environment's lib/, site-packages included.
# "<string>": code that dataclasses and namedtuple generate.
STANDARD_LIBRARY = (sysconfig.get_paths()["stdlib"], "<frozen ", "<string>")
MIB = 1024 * 1024


class ProfiledOperator(OperatorProcess):
    """The operator process, started through traced_operator.py."""

    def __init__(self, *, profile_dir: Path, frames: int = 8, **options: Any) -> None:
        super().__init__(**options)
        self.profile_dir = profile_dir
        self.frames = frames

    def command(self) -> list[str]:
        plain = super().command()
        module_at = plain.index("model_deployment_operator")
        launcher = [str(LAUNCHER), str(self.profile_dir), str(self.frames)]
        return [sys.executable, *launcher, *plain[module_at + 1 :]]

    def dump(self, timeout: float = 300.0) -> Path:
        done = self.profile_dir / "done"
        done.unlink(missing_ok=True)
        (self.profile_dir / "request").write_text("dump")
        deadline = time.monotonic() + timeout
        while not done.exists():
            if time.monotonic() > deadline:
                msg = f"the traced operator wrote no snapshot within {timeout:.0f}s"
                raise TimeoutError(msg)
            time.sleep(0.5)
        return self.profile_dir


def owner_of(filename: str) -> str | None:
    """A package name for third-party code, `model_deployment_operator/<part>` for ours,
    None for the standard library."""
    if OUR_PACKAGE in filename:
        part = filename.split(OUR_PACKAGE, 1)[1].split("/", 1)[0].removesuffix(".py")
        return f"model_deployment_operator/{part}"
    if "/site-packages/" in filename:
        return filename.split("/site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
    if filename.startswith(STANDARD_LIBRARY):
        return None
    return filename


@dataclass(frozen=True)
class Share:
    key: str
    size: int
    count: int


def _top(sizes: Counter[str], counts: Counter[str], limit: int) -> list[Share]:
    return [Share(key, size, counts[key]) for key, size in sizes.most_common(limit)]


@dataclass(frozen=True)
class MemoryProfile:
    traced_bytes: int
    by_owner: list[Share]
    by_our_call_site: list[Share]
    by_line: list[Share]
    objects: dict[str, Any]
    rss_kib_when_tracing_started: int

    @classmethod
    def read(cls, directory: Path, limit: int = 25) -> MemoryProfile:
        snapshot = tracemalloc.Snapshot.load(str(directory / "snapshot.tracemalloc"))
        snapshot = snapshot.filter_traces([tracemalloc.Filter(False, tracemalloc.__file__)])
        owners: Counter[str] = Counter()
        owner_counts: Counter[str] = Counter()
        ours: Counter[str] = Counter()
        our_counts: Counter[str] = Counter()
        for stat in snapshot.statistics("traceback"):
            frames = list(stat.traceback)  # oldest first
            owner = next(
                (o for o in (owner_of(f.filename) for f in reversed(frames)) if o), "<stdlib>"
            )
            owners[owner] += stat.size
            owner_counts[owner] += stat.count
            site = next(
                (f"{_short(f.filename)}:{f.lineno}" for f in reversed(frames) if _ours(f)),
                f"(no frame of ours; {owner})",
            )
            ours[site] += stat.size
            our_counts[site] += stat.count
        by_line = [
            Share(f"{_short(s.traceback[-1].filename)}:{s.traceback[-1].lineno}", s.size, s.count)
            for s in snapshot.statistics("lineno")[:limit]
        ]
        return cls(
            traced_bytes=sum(owners.values()),
            by_owner=_top(owners, owner_counts, limit),
            by_our_call_site=_top(ours, our_counts, limit),
            by_line=by_line,
            objects=json.loads((directory / "objects.json").read_text()),
            rss_kib_when_tracing_started=int(
                (directory / "tracing-started-rss-kib").read_text() or 0
            ),
        )

    def lines(self) -> Iterable[str]:
        objects = self.objects
        yield (
            f"RSS when tracing started (operator imported, not yet running): "
            f"{self.rss_kib_when_tracing_started / 1024:.0f} MiB; at the snapshot "
            f"{objects['rss_kib'] / 1024:.0f} MiB, of which tracemalloc's own bookkeeping "
            f"{objects['tracemalloc_overhead_bytes'] / MIB:.0f} MiB"
        )
        yield (
            f"live Python allocations made since tracing started: {self.traced_bytes / MIB:.1f} MiB"
        )
        for title, shares in (
            ("by owner (innermost frame outside the standard library)", self.by_owner),
            (
                "by our call site (innermost frame in model_deployment_operator)",
                self.by_our_call_site,
            ),
            ("by allocating line", self.by_line),
        ):
            yield f"\n{title}:"
            for share in shares:
                yield (
                    f"  {share.size / MIB:8.2f} MiB {100 * share.size / self.traced_bytes:5.1f}%"
                    f" {share.count:>9} blocks  {share.key}"
                )
        yield f"\nlive objects the garbage collector tracks: {objects['gc_objects']}; by type:"
        for key, count, size in objects["types"][:30]:
            yield f"  {count:>9} {size / MIB:8.2f} MiB (shallow)  {key}"


def _ours(frame: tracemalloc.Frame) -> bool:
    return OUR_PACKAGE in frame.filename


def _short(filename: str) -> str:
    for marker in ("/site-packages/", "/operator/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


def main() -> None:
    """Reads a dump again: python -m bench.memory_profile PROFILE_DIR"""
    print("\n".join(MemoryProfile.read(Path(sys.argv[1])).lines()))


if __name__ == "__main__":
    main()
