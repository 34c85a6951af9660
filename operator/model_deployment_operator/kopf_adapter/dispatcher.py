"""One thread hands due objects to a bounded pool of reconciling threads.

It sleeps until the earliest due time, or until woken (a new object, a spec edit, a
registry event, a reconcile that finished or woke another object), and never longer than
the heartbeat, which the liveness probe reads. With nothing due it wakes once per
heartbeat, whatever the number of objects.
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from model_deployment_operator.kopf_adapter.scheduling import Schedule

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 30.0
# The soonest a reconcile may ask to run again: never a hot loop, whatever it returns
# (wakes and spec edits still make an object due at once).
MIN_REQUEUE_SECONDS = 1.0

# Reconciles one object (by uid); returns the seconds until it is due again.
Job = Callable[[str], float]


class Dispatcher:
    def __init__(
        self,
        schedule: Schedule,
        job: Job,
        *,
        workers: int,
        failure_delay: float,
        heartbeat_seconds: float = HEARTBEAT_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._schedule = schedule
        self._job = job
        self._workers = workers
        self._failure_delay = failure_delay
        self._heartbeat = heartbeat_seconds
        self._monotonic = monotonic
        self._pool: ThreadPoolExecutor | None = None
        self._thread: threading.Thread | None = None
        self._context: contextvars.Context | None = None
        self._lock = threading.Lock()
        self.last_beat: float | None = None

    @property
    def workers(self) -> int:
        return self._workers

    def adopt_context(self, context: contextvars.Context) -> None:
        """The context variables every reconcile runs with (kopf's, for posting Events
        from the reconciling threads); the first one offered is kept."""
        with self._lock:
            if self._context is None:
                self._context = context

    def start(self) -> None:
        with self._lock:
            if self._thread is not None:
                return
            self._pool = ThreadPoolExecutor(
                max_workers=self._workers, thread_name_prefix="reconcile"
            )
            self._thread = threading.Thread(target=self._loop, name="dispatcher", daemon=True)
            self.last_beat = self._monotonic()
            self._thread.start()

    def stop(self) -> None:
        """Hand out nothing more and wait for the reconciles under way to end."""
        self._schedule.stop()
        with self._lock:
            thread, pool = self._thread, self._pool
        if thread is not None:
            thread.join()
        if pool is not None:
            pool.shutdown(wait=True)

    @property
    def alive(self) -> bool:
        thread = self._thread
        return thread is not None and thread.is_alive()

    def seconds_since_heartbeat(self) -> float | None:
        last = self.last_beat
        return None if last is None else self._monotonic() - last

    def _loop(self) -> None:
        schedule = self._schedule
        pool = self._pool
        assert pool is not None  # noqa: S101 - set before the thread starts
        while not schedule.stopping:
            now = self._monotonic()
            self.last_beat = now
            free = self._workers - schedule.in_flight
            for uid in schedule.take_due(now, free) if free > 0 else ():
                pool.submit(self._run, uid)
            schedule.wait(now + self._heartbeat, now, self._workers)

    def _run(self, uid: str) -> None:
        due_in = self._failure_delay
        try:
            with self._lock:
                context = self._context
            due_in = context.copy().run(self._job, uid) if context else self._job(uid)
        except Exception:
            # A bug surfacing as an exception is retried after a pause, never in a hot loop.
            log.exception("Reconcile of %s failed; retrying in %.0fs", uid, due_in)
        finally:
            self._schedule.finished(uid, self._monotonic() + max(due_in, MIN_REQUEUE_SECONDS))
