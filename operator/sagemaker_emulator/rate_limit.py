"""An account-level request-rate limit, set through the control API.

AWS throttles SageMaker control-plane calls per account and region, whoever sends them:
"API calls ... can't exceed the maximum allowed API request rate per account and per
Region" (reference §7), answered with ThrottlingException "Rate exceeded" (HTTP 400). The
real rates are not published, so the emulator takes the rate it is given.

The limit is a token bucket per (account, region) of the caller, shared by every service it
covers (SageMaker and Application Auto Scaling unless told otherwise), refilled continuously
at ``calls_per_second`` up to ``burst`` tokens. A call that finds less than one token is
throttled and takes none, so a client that keeps calling too fast is throttled for as long
as it does and one that slows below the rate is never throttled again; the random and
next-N faults of faults.py cannot show that difference.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from sagemaker_emulator.clock import Clock
from sagemaker_emulator.errors import AwsError, throttling

# The control-plane services whose account-level throttling the limit models. SageMaker
# Runtime is left out: InvokeEndpoint is limited per endpoint (its instances, a serverless
# endpoint's MaxConcurrency) and answers with errors of its own (reference §7).
LIMITABLE_SERVICES: Final = ("sagemaker", "application-autoscaling")


@dataclass(frozen=True)
class RateLimitSettings:
    calls_per_second: float
    burst: int
    services: frozenset[str]

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> RateLimitSettings | None:
        """The settings a control-API body asks for, None for no limit (``callsPerSecond``
        0). ValueError names the field that is wrong. ``burst`` defaults to one second of
        calls, ``services`` to every limitable service."""
        unknown_fields = sorted(set(payload) - {"callsPerSecond", "burst", "services"})
        if unknown_fields:
            raise ValueError(
                f"unknown field(s) {unknown_fields}: give 'callsPerSecond', 'burst', 'services'"
            )
        if "callsPerSecond" not in payload:
            raise ValueError("'callsPerSecond' is required (0 removes the limit)")
        rate = payload["callsPerSecond"]
        if (
            isinstance(rate, bool)
            or not isinstance(rate, int | float)
            or not math.isfinite(rate)
            or rate < 0
        ):
            raise ValueError(
                "'callsPerSecond' must be a finite number of at least 0 (0 removes the limit)"
            )
        burst = payload.get("burst")
        if burst is None:
            burst = max(1, math.ceil(rate))
        if isinstance(burst, bool) or not isinstance(burst, int) or burst < 1:
            raise ValueError("'burst' must be an integer of at least 1")
        services = payload.get("services")
        chosen = LIMITABLE_SERVICES if services is None else services
        if (
            not isinstance(chosen, list | tuple)
            or not chosen
            or not all(isinstance(s, str) for s in chosen)
        ):
            raise ValueError(f"'services' must be a non-empty list of {list(LIMITABLE_SERVICES)}")
        unknown = sorted(set(chosen) - set(LIMITABLE_SERVICES))
        if unknown:
            raise ValueError(
                f"'services' may name only {list(LIMITABLE_SERVICES)}; unknown: {unknown}"
            )
        if rate == 0:
            return None
        return cls(float(rate), burst, frozenset(chosen))


@dataclass
class _Bucket:
    tokens: float
    refilled_at: float
    throttled: int = 0


class RateLimit:
    """The limit, or none; thread-safe, checked once per AWS call."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._settings: RateLimitSettings | None = None
        self._buckets: dict[tuple[str, str], _Bucket] = {}

    def set(self, settings: RateLimitSettings) -> None:
        """Replace the limit; every bucket starts full again."""
        with self._lock:
            self._settings = settings
            self._buckets.clear()

    def clear(self) -> None:
        with self._lock:
            self._settings = None
            self._buckets.clear()

    def admit(self, service: str, account: str, region: str) -> AwsError | None:
        """Take a token for this call, or the ThrottlingException to answer it with."""
        settings = self._settings
        if settings is None or service not in settings.services:  # no lock when off
            return None
        now = self._clock.now()
        with self._lock:
            if self._settings is not settings:  # replaced meanwhile: let this one through
                return None
            bucket = self._buckets.get((account, region))
            if bucket is None:
                bucket = self._buckets[account, region] = _Bucket(settings.burst, now)
            # max(): a wall clock stepped back must not drain the bucket.
            elapsed = max(0.0, now - bucket.refilled_at)
            bucket.tokens = min(
                float(settings.burst), bucket.tokens + elapsed * settings.calls_per_second
            )
            bucket.refilled_at = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return None
            bucket.throttled += 1
            return throttling()

    def describe(self) -> dict[str, Any]:
        """The limit, how many calls it throttled, and each bucket's tokens as of now."""
        now = self._clock.now()
        with self._lock:
            settings = self._settings
            buckets = sorted(
                (key, bucket.tokens, bucket.refilled_at, bucket.throttled)
                for key, bucket in self._buckets.items()
            )
        if settings is None:
            return {
                "callsPerSecond": 0,
                "burst": None,
                "services": [],
                "throttled": 0,
                "buckets": [],
            }
        rate, burst = settings.calls_per_second, settings.burst
        return {
            "callsPerSecond": rate,
            "burst": burst,
            "services": sorted(settings.services),
            "throttled": sum(throttled for *_, throttled in buckets),
            "buckets": [
                {
                    "account": account,
                    "region": region,
                    "tokens": round(min(burst, tokens + max(0.0, now - at) * rate), 3),
                    "throttled": throttled,
                }
                for (account, region), tokens, at, throttled in buckets
            ],
        }
