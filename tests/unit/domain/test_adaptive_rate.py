"""The call budget's pace: the configured rate until a throttle, halved by each throttle a
second or more after the last decrease, never below the floor, and back to the ceiling
in RECOVERY_SECONDS of quiet."""

from __future__ import annotations

import pytest

from model_deployment_operator.domain.adaptive_rate import RECOVERY_SECONDS, AdaptiveRate


def test_the_configured_rate_holds_while_nothing_is_throttled() -> None:
    pace = AdaptiveRate(150, 1, now=0)
    assert pace.rate(0) == 150
    assert pace.rate(3600) == 150


EARNED_PER_SECOND = 150 / RECOVERY_SECONDS


@pytest.mark.parametrize(
    ("throttles", "rate_after"),
    [
        ((10.0,), 75.0),  # one throttle halves it
        # Answers to calls sent before the decrease: the rate keeps climbing back.
        ((10.0, 10.2, 10.9), 75.0 + 0.9 * EARNED_PER_SECOND),
        ((10.0, 11.0), (75.0 + EARNED_PER_SECOND) / 2),  # a second later: the next signal
        (tuple(10.0 + i for i in range(20)), 10.0),  # not below the floor
    ],
)
def test_throttles_halve_the_rate(throttles: tuple[float, ...], rate_after: float) -> None:
    pace = AdaptiveRate(150, 10, now=0)
    for moment in throttles:
        pace.throttled(moment)
    assert pace.rate(throttles[-1]) == pytest.approx(rate_after)


def test_quiet_time_earns_the_rate_back_steadily() -> None:
    pace = AdaptiveRate(150, 1, now=0)
    assert pace.throttled(10)
    assert pace.rate(10) == 75
    assert pace.rate(10 + RECOVERY_SECONDS / 4) == pytest.approx(112.5)
    assert pace.rate(10 + RECOVERY_SECONDS / 2) == 150
    assert pace.rate(10 + RECOVERY_SECONDS) == 150


def test_a_repeated_signal_does_not_count_as_a_decrease() -> None:
    pace = AdaptiveRate(150, 1, now=0)
    assert pace.throttled(5)
    assert not pace.throttled(5.5)
    floor = AdaptiveRate(1, 1, now=0)
    assert not floor.throttled(5)  # already at the floor


def test_a_moment_out_of_order_earns_nothing() -> None:
    pace = AdaptiveRate(100, 1, now=0)
    pace.throttled(30)
    assert pace.rate(20) == 50


@pytest.mark.parametrize(("ceiling", "floor"), [(10, 0), (10, 20), (0, 0)])
def test_floor_and_ceiling_must_make_sense(ceiling: float, floor: float) -> None:
    with pytest.raises(ValueError, match="floor"):
        AdaptiveRate(ceiling, floor, now=0)
