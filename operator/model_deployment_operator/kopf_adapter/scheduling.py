"""When each ModelDeployment (and ModelEndpoint) is next due for a reconcile.

kopf timers fire on a fixed, short tick; this schedule decides which ticks do work. A
resource is due when its requeue time has passed, when its generation changed (a spec
edit is acted on at the next tick), when a registry event woke its model package group, or
(a ModelEndpoint) when a placed ModelDeployment changed its artifacts.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass
class _Entry:
    generation: int
    due_at: float
    group: str


class Schedule:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, _Entry] = {}
        self.last_tick_at: float | None = None

    def is_due(self, uid: str, generation: int, now: float) -> bool:
        with self._lock:
            self.last_tick_at = now
            entry = self._entries.get(uid)
            return entry is None or entry.generation != generation or now >= entry.due_at

    def reconciled(self, uid: str, generation: int, group: str, due_at: float) -> None:
        with self._lock:
            self._entries[uid] = _Entry(generation, due_at, group.lower())

    def wake_group(self, group: str) -> int:
        """Make every resource deploying from this group due now; returns how many."""
        lowered = group.lower()
        with self._lock:
            woken = 0
            for entry in self._entries.values():
                if entry.group == lowered or entry.group.endswith(f"/{lowered}"):
                    entry.due_at = 0.0
                    woken += 1
            return woken

    def wake(self, uids: tuple[str, ...]) -> None:
        """Make these resources due now (a ModelEndpoint whose artifacts a placed
        ModelDeployment changed)."""
        with self._lock:
            for uid in uids:
                entry = self._entries.get(uid)
                if entry is not None:
                    entry.due_at = 0.0

    def forget(self, uid: str) -> None:
        with self._lock:
            self._entries.pop(uid, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
