"""`--memory-profile`: the benchmark's operator under tracemalloc, and what its snapshot says.

Each allocation still live at the dump is charged to an owner: the innermost frame of its
traceback outside the standard library (json decoding called by kopf is kopf's; a dict made
by botocore's loader is botocore's), and separately to the innermost frame in our own code
(which call of ours led to it). Tracebacks need depth for both: 40 frames by default.

tracemalloc sees Python's allocations only, and doubles the process's memory with its own
bookkeeping: read shares and sites from the profile, the resident size from a run without it.
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
STANDARD_LIBRARY = tuple(
    {sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["platstdlib"]} | {"<frozen "}
)
MIB = 1024 * 1024


class ProfiledOperator(OperatorProcess):
    """The operator process, started through traced_operator.py."""

    def __init__(self, *, profile_dir: Path, frames: int = 40, **options: Any) -> None:
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
    if filename.startswith(STANDARD_LIBRARY):
        return None
    if OUR_PACKAGE in filename:
        part = filename.split(OUR_PACKAGE, 1)[1].split("/", 1)[0].removesuffix(".py")
        return f"model_deployment_operator/{part}"
    if "/site-packages/" in filename:
        return filename.split("/site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
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
        )

    def lines(self) -> Iterable[str]:
        objects = self.objects
        yield (
            f"traced (live Python allocations): {self.traced_bytes / MIB:.1f} MiB; "
            f"process RSS under tracing {objects['rss_kib'] / 1024:.0f} MiB, of which "
            f"tracemalloc's own bookkeeping {objects['tracemalloc_overhead_bytes'] / MIB:.0f} MiB"
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
