"""The dispatcher with a real Schedule and real threads: objects are reconciled when due,
never two reconciles of one object at once, never more at once than the pool's size, and
it stops only once the reconciles under way have ended."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator

import pytest

from model_deployment_operator.kopf_adapter.dispatcher import Dispatcher
from model_deployment_operator.kopf_adapter.scheduling import Schedule


class Reconciles:
    """The dispatcher's job: records who ran, how many at once, and may hold them."""

    def __init__(self, requeue_after: float = 60.0) -> None:
        self.requeue_after = requeue_after
        self.runs: Counter[str] = Counter()
        self.running: Counter[str] = Counter()
        self.most_at_once = 0
        self.most_of_one_at_once = 0
        self.release = threading.Event()
        self.release.set()
        self.fail: set[str] = set()
        self._lock = threading.Lock()

    def __call__(self, uid: str) -> float:
        with self._lock:
            self.runs[uid] += 1
            self.running[uid] += 1
            self.most_at_once = max(self.most_at_once, sum(self.running.values()))
            self.most_of_one_at_once = max(self.most_of_one_at_once, self.running[uid])
        try:
            self.release.wait(10)
            if uid in self.fail:
                msg = f"bug reconciling {uid}"
                raise RuntimeError(msg)
            return self.requeue_after
        finally:
            with self._lock:
                self.running[uid] -= 1


def eventually(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)


@pytest.fixture
def schedule() -> Schedule:
    return Schedule()


def started(
    schedule: Schedule, job: Reconciles, workers: int = 4, heartbeat: float = 30.0
) -> Dispatcher:
    dispatcher = Dispatcher(
        schedule, job, workers=workers, failure_delay=0.3, heartbeat_seconds=heartbeat
    )
    dispatcher.start()
    return dispatcher


@pytest.fixture
def job() -> Iterator[Reconciles]:
    reconciles = Reconciles()
    yield reconciles
    reconciles.release.set()


def test_new_objects_are_reconciled_at_once_and_again_when_due(
    schedule: Schedule, job: Reconciles
) -> None:
    job.requeue_after = 0.0  # asks for a hot loop: gets the one-second floor
    dispatcher = started(schedule, job)
    for uid in ("a", "b", "c"):
        schedule.track(uid, 1, "fraud")
    eventually(lambda: all(job.runs[uid] >= 1 for uid in "abc"))
    time.sleep(0.5)
    assert all(job.runs[uid] == 1 for uid in "abc")
    eventually(lambda: all(job.runs[uid] >= 2 for uid in "abc"))
    dispatcher.stop()
    assert schedule.in_flight == 0


def test_an_object_whose_first_look_is_spread_is_reconciled_at_that_moment(
    schedule: Schedule, job: Reconciles
) -> None:
    """A settled object first seen by a new leader is due a little later; the dispatcher,
    asleep with nothing due, must wake for it rather than at its next heartbeat."""
    dispatcher = started(schedule, job)
    time.sleep(0.2)  # asleep, nothing due
    tracked_at = time.monotonic()
    schedule.track("settled", 1, "fraud", first_due_at=tracked_at + 0.5)
    eventually(lambda: job.runs["settled"] == 1, timeout=5)
    assert 0.4 <= time.monotonic() - tracked_at < 2.0
    dispatcher.stop()


def test_one_object_is_never_reconciled_twice_at_once(schedule: Schedule, job: Reconciles) -> None:
    job.release.clear()
    dispatcher = started(schedule, job)
    schedule.track("a", 1, "fraud")
    eventually(lambda: job.runs["a"] == 1)
    for generation in range(2, 6):  # spec edits and wakes while it runs
        schedule.track("a", generation, "fraud")
        schedule.wake(["a"])
        schedule.wake_group("fraud")
    time.sleep(0.1)
    assert job.runs["a"] == 1
    job.release.set()
    # Once more for everything that happened meanwhile, not once per wake.
    eventually(lambda: job.runs["a"] == 2)
    time.sleep(0.1)
    dispatcher.stop()
    assert job.runs["a"] == 2
    assert job.most_of_one_at_once == 1


def test_no_more_reconciles_at_once_than_workers(schedule: Schedule, job: Reconciles) -> None:
    job.release.clear()
    dispatcher = started(schedule, job, workers=2)
    for uid in "abcde":
        schedule.track(uid, 1, "")
    eventually(lambda: sum(job.runs.values()) == 2)
    time.sleep(0.1)
    assert sum(job.runs.values()) == 2
    job.release.set()
    eventually(lambda: all(job.runs[uid] == 1 for uid in "abcde"))
    dispatcher.stop()
    assert job.most_at_once == 2


def test_a_failing_reconcile_is_retried_after_a_pause(schedule: Schedule, job: Reconciles) -> None:
    job.fail.add("a")
    dispatcher = started(schedule, job)
    schedule.track("a", 1, "")
    eventually(lambda: job.runs["a"] == 1)
    time.sleep(0.5)
    assert job.runs["a"] == 1, "not in a hot loop"
    eventually(lambda: job.runs["a"] == 2, timeout=3)
    dispatcher.stop()


def test_stop_waits_for_the_reconciles_under_way(schedule: Schedule, job: Reconciles) -> None:
    job.release.clear()
    dispatcher = started(schedule, job)
    schedule.track("a", 1, "")
    eventually(lambda: job.runs["a"] == 1)
    stopper = threading.Thread(target=dispatcher.stop)
    stopper.start()
    time.sleep(0.1)
    assert stopper.is_alive(), "returned while a reconcile was still running"
    schedule.track("b", 1, "")
    job.release.set()
    stopper.join(5)
    assert not stopper.is_alive()
    assert job.runs["b"] == 0, "nothing new is handed out once stopping"
    assert not dispatcher.alive


def test_an_idle_dispatcher_still_beats(schedule: Schedule, job: Reconciles) -> None:
    dispatcher = started(schedule, job, heartbeat=0.05)
    schedule.track("a", 1, "")
    eventually(lambda: job.runs["a"] == 1)
    first = dispatcher.last_beat
    eventually(lambda: dispatcher.last_beat != first)
    quiet = dispatcher.seconds_since_heartbeat()
    assert quiet is not None
    assert quiet < 1
    dispatcher.stop()
    assert job.runs["a"] == 1, "beating is not reconciling"
