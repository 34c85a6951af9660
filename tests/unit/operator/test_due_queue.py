"""The scheduler's due-time queue, as tables of steps: (method, arguments, expected result).

Times are plain numbers: the queue never reads a clock. `take` hands out what is due at a
time, at most `limit` objects, and counts them as running until `finished`.
"""

from __future__ import annotations

from typing import Any

import pytest

from model_deployment_operator.kopf_adapter.scheduling import DueQueue

ARN_GROUP = "arn:aws:sagemaker:us-east-1:444455556666:model-package-group/fraud"

Step = tuple[str, tuple[Any, ...], Any]

CASES: dict[str, list[Step]] = {
    "a new object is due at once, and handed out once": [
        ("track", ("a", 1, "fraud", 10.0), True),
        ("take_due", (10.0, 16), ["a"]),
        ("take_due", (11.0, 16), []),
    ],
    "a settled object first seen later is first due when asked, not at once": [
        ("track", ("a", 1, "fraud", 10.0, 40.0), False),
        ("track", ("b", 1, "fraud", 10.0), True),
        ("take_due", (10.0, 16), ["b"]),
        ("next_due_at", (), 40.0),
        ("take_due", (40.0, 16), ["a"]),
    ],
    "a first look already past is due now; a spec edit before it makes it due now": [
        ("track", ("a", 1, "fraud", 10.0, 5.0), True),
        ("track", ("b", 1, "fraud", 10.0, 40.0), False),
        ("take_due", (10.0, 16), ["a"]),
        ("track", ("b", 2, "fraud", 11.0), True),
        ("take_due", (11.0, 16), ["b"]),
    ],
    "after a reconcile, due at the time it asked for, not before": [
        ("track", ("a", 1, "fraud", 0.0), True),
        ("take_due", (0.0, 16), ["a"]),
        ("finished", ("a", 60.0, 1.0), None),
        ("take_due", (59.9, 16), []),
        ("next_due_at", (), 60.0),
        ("take_due", (60.0, 16), ["a"]),
    ],
    "a generation change makes it due now; the same trigger (a status change) does not": [
        ("track", ("a", 1, "fraud", 0.0), True),
        ("take_due", (0.0, 16), ["a"]),
        ("finished", ("a", 60.0, 1.0), None),
        ("track", ("a", 1, "fraud", 2.0), False),
        ("take_due", (2.0, 16), []),
        ("track", ("a", 2, "fraud", 3.0), True),
        ("take_due", (3.0, 16), ["a"]),
    ],
    "a change while it is being reconciled: due again as soon as that reconcile ends": [
        ("track", ("a", 1, "fraud", 0.0), True),
        ("take_due", (0.0, 16), ["a"]),
        ("track", ("a", 2, "fraud", 1.0), False),
        ("take_due", (1.0, 16), []),
        ("finished", ("a", 60.0, 2.0), None),
        ("take_due", (2.0, 16), ["a"]),
    ],
    "wake makes known objects due now and ignores unknown ones": [
        ("track", ("a", 1, "", 0.0), True),
        ("track", ("b", 1, "", 0.0), True),
        ("take_due", (0.0, 16), ["a", "b"]),
        ("finished", ("a", 300.0, 1.0), None),
        ("finished", ("b", 300.0, 1.0), None),
        ("wake", (["a", "gone"], 5.0), 1),
        ("take_due", (5.0, 16), ["a"]),
    ],
    "a wake during a reconcile is not lost when it ends": [
        ("track", ("a", 1, "", 0.0), True),
        ("take_due", (0.0, 16), ["a"]),
        ("wake", (["a"], 1.0), 1),
        ("take_due", (1.0, 16), []),
        ("finished", ("a", 300.0, 2.0), None),
        ("take_due", (2.0, 16), ["a"]),
    ],
    "a registry event wakes its group by name or ARN, case-insensitively, and no other": [
        ("track", ("a", 1, "Fraud", 0.0), True),
        ("track", ("b", 1, "churn", 0.0), True),
        ("track", ("c", 1, ARN_GROUP, 0.0), True),
        ("take_due", (0.0, 16), ["a", "b", "c"]),
        ("finished", ("a", 100.0, 1.0), None),
        ("finished", ("b", 100.0, 1.0), None),
        ("finished", ("c", 100.0, 1.0), None),
        ("wake_group", ("FRAUD", 10.0), 2),
        ("take_due", (10.0, 16), ["a", "c"]),
    ],
    "a spec edit moving to another group is woken by the new group's events": [
        ("track", ("a", 1, "fraud", 0.0), True),
        ("take_due", (0.0, 16), ["a"]),
        ("finished", ("a", 100.0, 1.0), None),
        ("track", ("a", 2, "churn", 2.0), True),
        ("take_due", (2.0, 16), ["a"]),
        ("finished", ("a", 100.0, 3.0), None),
        ("wake_group", ("fraud", 4.0), 0),
        ("wake_group", ("churn", 4.0), 1),
    ],
    "a forgotten object is never handed out; its late finish changes nothing": [
        ("track", ("a", 1, "", 0.0), True),
        ("track", ("b", 1, "", 0.0), True),
        ("forget", ("a",), None),
        ("take_due", (0.0, 16), ["b"]),
        ("forget", ("b",), None),
        ("finished", ("b", 10.0, 1.0), None),
        ("take_due", (10.0, 16), []),
        ("next_due_at", (), None),
    ],
    "earliest due first, at most `limit` at a time": [
        ("track", ("a", 1, "", 0.0), True),
        ("track", ("b", 1, "", 0.0), True),
        ("track", ("c", 1, "", 0.0), True),
        ("take_due", (0.0, 3), ["a", "b", "c"]),
        ("finished", ("a", 30.0, 1.0), None),
        ("finished", ("b", 10.0, 1.0), None),
        ("finished", ("c", 20.0, 1.0), None),
        ("take_due", (40.0, 2), ["b", "c"]),
        ("take_due", (40.0, 2), ["a"]),
    ],
    "an object already due keeps its place when woken again": [
        ("track", ("a", 1, "", 5.0), True),
        ("track", ("b", 1, "", 6.0), True),
        ("wake", (["b"], 7.0), 1),
        ("wake", (["a"], 8.0), 1),
        ("take_due", (8.0, 1), ["a"]),
    ],
    "nothing waiting while everything runs": [
        ("track", ("a", 1, "", 0.0), True),
        ("next_due_at", (), 0.0),
        ("take_due", (0.0, 16), ["a"]),
        ("next_due_at", (), None),
        ("wake", (["a"], 1.0), 1),
        ("next_due_at", (), None),
    ],
}


@pytest.mark.parametrize("steps", CASES.values(), ids=CASES.keys())
def test_due_queue(steps: list[Step]) -> None:
    queue = DueQueue()
    for number, (method, arguments, expected) in enumerate(steps, start=1):
        result = getattr(queue, method)(*arguments)
        assert result == expected, f"step {number}: {method}{arguments}"


def test_rescheduling_does_not_grow_the_queue_without_bound() -> None:
    queue = DueQueue()
    for uid in ("a", "b"):
        queue.track(uid, 1, "fraud", 0.0)
    for now in range(1, 2000):
        queue.wake_group("fraud", float(now))
        assert queue.take_due(float(now), 16) == ["a", "b"]
        queue.finished("a", now + 1000.0, float(now))
        queue.finished("b", now + 1000.0, float(now))
    assert len(queue._heap) <= 4 * len(queue) + 64
    assert queue.next_due_at() == 2999.0
