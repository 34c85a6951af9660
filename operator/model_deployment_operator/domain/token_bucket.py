"""A token bucket that hands out slots in order of asking.

Pure arithmetic over the moments it is given (no clock read, no lock, no sleep), so it is
tested with plain numbers; sagemaker/call_budget.py wraps it with a lock and a clock.

Each `reserve` takes one token at once and answers how long the caller must wait for it:
the balance may go below zero, and a negative balance is the queue of callers already
promised a later token. Callers are therefore served first come, first served, and a caller
never waits behind one that asked after it.
"""

from __future__ import annotations


class TokenBucket:
    """`rate` tokens per second, holding at most `burst`; starts full at `now`."""

    def __init__(self, rate: float, burst: int, now: float) -> None:
        if rate <= 0:
            msg = f"rate must be positive, not {rate}"
            raise ValueError(msg)
        if burst < 1:
            msg = f"burst must be at least 1, not {burst}"
            raise ValueError(msg)
        self.rate = rate
        self.burst = burst
        self._tokens = float(burst)
        self._updated = now

    def _refill(self, now: float) -> None:
        # A moment earlier than the last one (a clock read out of order across threads)
        # adds nothing rather than taking tokens away.
        if now > self._updated:
            self._tokens = min(float(self.burst), self._tokens + (now - self._updated) * self.rate)
            self._updated = now

    def set_rate(self, rate: float, now: float) -> None:
        """Tokens earned until `now` at the old rate are kept; from now on, `rate`."""
        if rate <= 0:
            msg = f"rate must be positive, not {rate}"
            raise ValueError(msg)
        self._refill(now)
        self.rate = rate

    def reserve(self, now: float) -> float:
        """Take one token; the seconds from `now` until it may be used (0: at once)."""
        self._refill(now)
        self._tokens -= 1.0
        return 0.0 if self._tokens >= 0 else -self._tokens / self.rate

    def available(self, now: float) -> float:
        """Tokens that could be taken at `now` without waiting (0 while callers queue)."""
        self._refill(now)
        return max(0.0, self._tokens)
