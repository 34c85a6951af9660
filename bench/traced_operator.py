"""Runs the operator under tracemalloc (started before anything is imported) and dumps a
snapshot whenever the benchmark asks for one.

    python bench/traced_operator.py PROFILE_DIR FRAMES run --namespace ...

Writing PROFILE_DIR/request asks for a dump: a thread takes a snapshot (after a full
garbage collection, so only live objects count), writes PROFILE_DIR/snapshot.tracemalloc
and PROFILE_DIR/objects.json (live objects by type from the garbage collector), then
PROFILE_DIR/done. Standard library only: it runs in the operator's own interpreter.
"""

from __future__ import annotations

import sys
import tracemalloc

if __name__ == "__main__":
    tracemalloc.start(int(sys.argv[2]))

import gc
import json
import runpy
import threading
import time
from collections import Counter
from pathlib import Path


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
    threading.Thread(target=serve_requests, args=(directory,), daemon=True).start()
    sys.argv = ["model_deployment_operator", *sys.argv[3:]]
    runpy.run_module("model_deployment_operator", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
