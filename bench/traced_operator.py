"""Runs the operator under tracemalloc and dumps a snapshot whenever the benchmark asks.

    python bench/traced_operator.py PROFILE_DIR FRAMES run --namespace ...

The operator's modules are imported first and tracing starts after, with FRAMES frames per
traceback: the snapshot then holds what the running operator allocated (for the objects it
manages, and what it loads lazily, such as botocore's service models), not its imports,
whose size is the resident size when tracing started (written to
`tracing-started-rss-kib`). Tracing the imports too would take minutes: each allocation
records its traceback, and imports allocate a lot at depth.

A thread watches PROFILE_DIR: writing `request` there asks for a dump. After a full garbage
collection, so only live objects count, it writes `snapshot.tracemalloc` and
`objects.json` (live objects by type from the garbage collector, and the resident size),
then `done`. Standard library only, besides the operator itself.
"""

from __future__ import annotations

import gc
import importlib
import json
import runpy
import sys
import threading
import time
import tracemalloc
from collections import Counter
from pathlib import Path

# What `run` imports (cli.command_run and what it reaches), so none of it is traced.
PRELOADED = (
    "model_deployment_operator.cli",
    "model_deployment_operator.kopf_adapter.operator",
    "model_deployment_operator.kube.claims",
    "model_deployment_operator.kube.directory",
    "model_deployment_operator.kube.leader_lease",
    "model_deployment_operator.observability",
    "model_deployment_operator.sagemaker.registry_events",
)


def _resident_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


def dump(directory: Path) -> None:
    gc.collect()
    snapshot = tracemalloc.take_snapshot()
    snapshot.dump(str(directory / "snapshot.tracemalloc"))
    counts: Counter[str] = Counter()
    sizes: Counter[str] = Counter()
    for item in gc.get_objects():
        kind = type(item)
        key = f"{kind.__module__}.{kind.__qualname__}"
        counts[key] += 1
        sizes[key] += sys.getsizeof(item)
    current, peak = tracemalloc.get_traced_memory()
    summary = {
        "traced_bytes": current,
        "traced_peak_bytes": peak,
        "tracemalloc_overhead_bytes": tracemalloc.get_tracemalloc_memory(),
        "rss_kib": _resident_kib("VmRSS"),
        "peak_rss_kib": _resident_kib("VmHWM"),
        "gc_objects": sum(counts.values()),
        "types": [[key, n, sizes[key]] for key, n in counts.most_common(60)],
    }
    (directory / "objects.json").write_text(json.dumps(summary, indent=1))


def serve_requests(directory: Path) -> None:
    request = directory / "request"
    while True:
        if request.exists():
            request.unlink()
            dump(directory)
            (directory / "done").write_text(str(time.time()))
        time.sleep(0.5)


def main() -> None:
    directory = Path(sys.argv[1])
    directory.mkdir(parents=True, exist_ok=True)
    frames = int(sys.argv[2])
    for module in PRELOADED:
        importlib.import_module(module)
    (directory / "tracing-started-rss-kib").write_text(str(_resident_kib("VmRSS")))
    tracemalloc.start(frames)
    threading.Thread(target=serve_requests, args=(directory,), daemon=True).start()
    sys.argv = ["model_deployment_operator", *sys.argv[3:]]
    runpy.run_module("model_deployment_operator", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
