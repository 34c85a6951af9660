"""Per-action call counters, read by benchmarks to count the operator's AWS calls."""

from __future__ import annotations

import threading
from collections import Counter


class CallCounts:
    """Counts every AWS call by ``service.Action``. Calls answered with an injected fault
    are counted in ``calls`` like any other and also in ``faulted``, so callers can tell
    attempts from served requests."""

    def __init__(self) -> None:
        self._calls: Counter[str] = Counter()
        self._faulted: Counter[str] = Counter()
        self._lock = threading.Lock()

    def record(self, key: str, *, faulted: bool) -> None:
        with self._lock:
            self._calls[key] += 1
            if faulted:
                self._faulted[key] += 1

    def snapshot(self) -> dict[str, dict[str, int]]:
        with self._lock:
            return {"calls": dict(self._calls), "faulted": dict(self._faulted)}

    def reset(self) -> None:
        with self._lock:
            self._calls.clear()
            self._faulted.clear()
