"""When each ModelDeployment (and ModelEndpoint) is next due for a reconcile.

One due-time queue for every object the watch delivered, instead of one kopf timer per
object: an idle operator costs the same with ten objects as with a thousand. An object is
due now when it is new, when its trigger changed (its generation, that is a spec edit; or
whether another installation holds it), when a registry event woke its model package
group, or (a ModelEndpoint) when a placed ModelDeployment changed its artifacts; otherwise
at the time its last reconcile asked for. A status-only change (our own status patch
coming back through the watch) changes no trigger and so makes nothing due.

`DueQueue` is the pure part (callers pass the time); `Schedule` makes it thread-safe and
wakes the one dispatcher (kopf_adapter/dispatcher.py) when an object became due earlier.
"""

from __future__ import annotations

import heapq
import threading
import time
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

# Rebuild the heap once stale items (left by rescheduling) outnumber live entries this much.
_COMPACT_FACTOR = 4


@dataclass
class _Entry:
    trigger: Hashable
    group: str
    due_at: float
    # Bumped whenever due_at changes: heap items with an older sequence are stale.
    sequence: int = 0
    running: bool = False
    # Woken, or its trigger changed, while a reconcile of it ran: due again at once after.
    again: bool = False


def _in_group(entry_group: str, group: str) -> bool:
    """A group is named by name or by ARN (…:model-package-group/NAME); events name it."""
    return entry_group == group or entry_group.endswith(f"/{group}")


class DueQueue:
    """Objects by uid, ordered by due time; an object handed out is not handed out again
    until `finished` (never two reconciles of one object at once). Not thread-safe."""

    def __init__(self) -> None:
        self._entries: dict[str, _Entry] = {}
        self._heap: list[tuple[float, int, str]] = []
        self._sequence = 0

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, uid: object) -> bool:
        return uid in self._entries

    @property
    def running(self) -> int:
        return sum(1 for entry in self._entries.values() if entry.running)

    def track(
        self,
        uid: str,
        trigger: Hashable,
        group: str,
        now: float,
        first_due_at: float | None = None,
    ) -> bool:
        """The watch delivered this object. Returns True when that made it due now: it is
        new (unless `first_due_at` puts its first reconcile later), or its trigger changed."""
        entry = self._entries.get(uid)
        lowered = group.lower()
        if entry is None:
            due_at = now if first_due_at is None else max(now, first_due_at)
            self._entries[uid] = _Entry(trigger, lowered, due_at)
            self._push(uid, self._entries[uid], due_at)
            return due_at <= now
        entry.group = lowered
        if entry.trigger == trigger:
            return False
        entry.trigger = trigger
        return self._make_due(uid, entry, now)

    def take_due(self, now: float, limit: int) -> list[str]:
        """Up to `limit` objects due at `now`, earliest first; they count as running."""
        taken: list[str] = []
        while self._heap and len(taken) < limit and self._heap[0][0] <= now:
            _, sequence, uid = heapq.heappop(self._heap)
            entry = self._entries.get(uid)
            if entry is None or entry.running or entry.sequence != sequence:
                continue  # forgotten, or rescheduled since this item was pushed
            entry.running = True
            entry.again = False
            taken.append(uid)
        return taken

    def finished(self, uid: str, due_at: float, now: float) -> None:
        """A reconcile handed out by `take_due` ended; next due at `due_at`, or now if it
        was woken or changed meanwhile."""
        entry = self._entries.get(uid)
        if entry is None:
            return
        entry.running = False
        self._push(uid, entry, min(due_at, now) if entry.again else due_at)

    def wake(self, uids: Iterable[str], now: float) -> int:
        """Make these objects due now; returns how many are known."""
        woken = 0
        for uid in uids:
            entry = self._entries.get(uid)
            if entry is not None:
                self._make_due(uid, entry, now)
                woken += 1
        return woken

    def wake_group(self, group: str, now: float) -> int:
        """Make every object deploying from this model package group due now."""
        lowered = group.lower()
        return self.wake(
            [uid for uid, entry in self._entries.items() if _in_group(entry.group, lowered)], now
        )

    def forget(self, uid: str) -> None:
        """Deleted, left the watch, or being deleted (kopf's delete handler takes over)."""
        self._entries.pop(uid, None)

    def next_due_at(self) -> float | None:
        """When the earliest object not running is due; None when none is waiting."""
        while self._heap:
            due_at, sequence, uid = self._heap[0]
            entry = self._entries.get(uid)
            if entry is not None and not entry.running and entry.sequence == sequence:
                return due_at
            heapq.heappop(self._heap)
        return None

    def _make_due(self, uid: str, entry: _Entry, now: float) -> bool:
        if entry.running:
            entry.again = True
            return False
        if entry.due_at <= now:
            return False  # already due: its place in the queue stands
        self._push(uid, entry, now)
        return True

    def _push(self, uid: str, entry: _Entry, due_at: float) -> None:
        self._sequence += 1
        entry.due_at = due_at
        entry.sequence = self._sequence
        heapq.heappush(self._heap, (due_at, self._sequence, uid))
        if len(self._heap) > _COMPACT_FACTOR * len(self._entries) + 64:
            self._heap = [
                (e.due_at, e.sequence, u) for u, e in self._entries.items() if not e.running
            ]
            heapq.heapify(self._heap)


class Schedule:
    """A thread-safe DueQueue the watch, the registry events, the reconciles and the
    dispatcher share; changes that make an object due earlier wake the dispatcher."""

    def __init__(self) -> None:
        self._queue = DueQueue()
        self._changed = threading.Condition()
        # Handed out by take_due and not yet finished, forgotten objects included: their
        # thread is busy all the same.
        self._in_flight = 0
        self._stopping = False

    def __len__(self) -> int:
        with self._changed:
            return len(self._queue)

    def __contains__(self, uid: object) -> bool:
        with self._changed:
            return uid in self._queue

    @property
    def in_flight(self) -> int:
        with self._changed:
            return self._in_flight

    def track(
        self,
        uid: str,
        trigger: Hashable,
        group: str,
        now: float | None = None,
        first_due_at: float | None = None,
    ) -> bool:
        with self._changed:
            earliest = self._queue.next_due_at()
            due = self._queue.track(uid, trigger, group, _now(now), first_due_at)
            if due or self._queue.next_due_at() != earliest:
                # Due now, or due before what the dispatcher is sleeping until (a settled
                # object first seen, its first look spread over a poll).
                self._changed.notify_all()
            return due

    def take_due(self, now: float, limit: int) -> list[str]:
        with self._changed:
            taken = self._queue.take_due(now, limit)
            self._in_flight += len(taken)
            return taken

    def finished(self, uid: str, due_at: float, now: float | None = None) -> None:
        """Each object `take_due` handed out is finished exactly once."""
        with self._changed:
            self._in_flight -= 1
            self._queue.finished(uid, due_at, _now(now))
            self._changed.notify_all()

    def wake(self, uids: Iterable[str], now: float | None = None) -> int:
        """Make these objects due now (a ModelEndpoint whose artifacts a placed
        ModelDeployment changed); returns how many are known."""
        uids = tuple(uids)
        if not uids:
            return 0
        with self._changed:
            woken = self._queue.wake(uids, _now(now))
            self._changed.notify_all()
            return woken

    def wake_group(self, group: str, now: float | None = None) -> int:
        """Make every object deploying from this group due now; returns how many."""
        with self._changed:
            woken = self._queue.wake_group(group, _now(now))
            self._changed.notify_all()
            return woken

    def forget(self, uid: str) -> None:
        with self._changed:
            self._queue.forget(uid)

    def wait(self, until: float, now: float, capacity: int) -> None:
        """Block until `until`; sooner when an object falls due while fewer than `capacity`
        reconciles run, when one finishes, when something is woken, or on `stop`."""
        with self._changed:
            if self._stopping:
                return
            deadline = until
            if self._in_flight < capacity:
                next_due = self._queue.next_due_at()
                if next_due is not None:
                    deadline = min(until, next_due)
            if deadline > now:
                self._changed.wait(deadline - now)

    def stop(self) -> None:
        with self._changed:
            self._stopping = True
            self._changed.notify_all()

    @property
    def stopping(self) -> bool:
        with self._changed:
            return self._stopping


def _now(now: float | None) -> float:
    return time.monotonic() if now is None else now
