"""The token bucket's arithmetic, at moments given as plain numbers."""

from __future__ import annotations

import pytest

from model_deployment_operator.domain.token_bucket import TokenBucket


def grants(bucket: TokenBucket, asked_at: list[float]) -> list[float]:
    """The moment each reservation may be used."""
    return [now + bucket.reserve(now) for now in asked_at]


def most_in_any_window(moments: list[float], window: float) -> int:
    ordered = sorted(moments)
    most = 0
    start = 0
    for end, moment in enumerate(ordered):
        while moment - ordered[start] >= window - 1e-9:
            start += 1
        most = max(most, end - start + 1)
    return most


@pytest.mark.parametrize(
    ("rate", "burst", "asked_at", "expected"),
    [
        # A full bucket lets `burst` calls through at once, then one per 1/rate.
        (2.0, 3, [0, 0, 0, 0, 0], [0, 0, 0, 0.5, 1.0]),
        # Calls spaced at the rate never wait.
        (2.0, 1, [0, 0.5, 1.0, 1.5], [0, 0.5, 1.0, 1.5]),
        # A quiet spell refills the bucket, but never beyond the burst.
        (1.0, 2, [0, 0, 100, 100, 100], [0, 0, 100, 100, 101]),
        # A caller asking later is served after those already queued, not before.
        (1.0, 1, [0, 0, 0, 0.5], [0, 1, 2, 3]),
    ],
)
def test_reservations_follow_rate_and_burst(
    rate: float, burst: int, asked_at: list[float], expected: list[float]
) -> None:
    bucket = TokenBucket(rate, burst, now=0.0)
    assert grants(bucket, asked_at) == pytest.approx(expected)


@pytest.mark.parametrize(("rate", "burst"), [(10.0, 20), (3.0, 1), (0.5, 5)])
def test_a_stampede_never_exceeds_burst_plus_rate_in_any_window(rate: float, burst: int) -> None:
    bucket = TokenBucket(rate, burst, now=0.0)
    # 1,000 callers arriving in clumps: all at once, then a second wave mid-way.
    moments = grants(bucket, [0.0] * 600 + [7.25] * 400)
    for window in (1.0, 5.0, 30.0):
        assert most_in_any_window(moments, window) <= burst + rate * window + 1e-9
    # ... and the budget is used: the last call goes at the rate, not later.
    assert max(moments) == pytest.approx((1000 - burst) / rate)


def test_a_moment_out_of_order_takes_no_tokens_away() -> None:
    bucket = TokenBucket(1.0, 2, now=10.0)
    assert bucket.reserve(10.0) == 0
    # A thread that read the clock before the last caller: no refill, no debt.
    assert bucket.reserve(9.0) == 0
    assert bucket.reserve(10.0) == pytest.approx(1.0)


def test_available_tokens_refill_and_show_zero_while_callers_queue() -> None:
    bucket = TokenBucket(4.0, 8, now=0.0)
    assert bucket.available(0.0) == 8
    for _ in range(10):
        bucket.reserve(0.0)
    assert bucket.available(0.0) == 0
    assert bucket.available(0.25) == 0  # the two queued callers take the first refill
    assert bucket.available(1.0) == pytest.approx(2.0)
    assert bucket.available(60.0) == 8


@pytest.mark.parametrize(("rate", "burst"), [(0.0, 1), (-1.0, 1), (1.0, 0)])
def test_a_bucket_that_could_never_serve_is_refused(rate: float, burst: int) -> None:
    with pytest.raises(ValueError, match="must be"):
        TokenBucket(rate, burst, now=0.0)
