"""The pace the call budget allows: its configured rate until SageMaker throttles, then
halved, and climbing back steadily while no throttle comes (additive increase,
multiplicative decrease, as TCP and botocore's adaptive retry mode pace their senders).

AWS publishes no SageMaker control-plane rates and throttles per account and region,
whoever calls: the configured rate is a ceiling, and a throttle response is the account
saying that, with the pipelines and people sharing it, it is too much now. Throttles
answer requests sent at the old pace, so those arriving within a second of a decrease are
the same signal and do not halve the rate again.

Pure arithmetic over the moments it is given, like domain/token_bucket.py.
"""

from __future__ import annotations

from typing import Final

DECREASE_FACTOR: Final = 0.5
# Throttles this soon after a decrease answer calls sent before it.
SAME_SIGNAL_SECONDS: Final = 1.0
# From the floor back to the ceiling without a throttle.
RECOVERY_SECONDS: Final = 60.0


class AdaptiveRate:
    """Starts at `ceiling` calls per second; never below `floor`."""

    def __init__(self, ceiling: float, floor: float, now: float) -> None:
        if not 0 < floor <= ceiling:
            msg = f"need 0 < floor <= ceiling, not floor {floor}, ceiling {ceiling}"
            raise ValueError(msg)
        self.ceiling = ceiling
        self.floor = floor
        self._rate = ceiling
        self._since = now
        self._last_decrease: float | None = None

    def rate(self, now: float) -> float:
        """The rate at `now`: the last decrease's, plus what the quiet time since earned."""
        if now > self._since and self._rate < self.ceiling:
            earned = (now - self._since) * self.ceiling / RECOVERY_SECONDS
            self._rate = min(self.ceiling, self._rate + earned)
            self._since = now
        elif now > self._since:
            self._since = now
        return self._rate

    def throttled(self, now: float) -> bool:
        """A call was throttled at `now`; whether that lowered the rate."""
        if self._last_decrease is not None and now - self._last_decrease < SAME_SIGNAL_SECONDS:
            return False
        current = self.rate(now)
        self._rate = max(self.floor, current * DECREASE_FACTOR)
        self._last_decrease = now
        return self._rate < current
