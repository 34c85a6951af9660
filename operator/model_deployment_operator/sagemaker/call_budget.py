"""The shared SageMaker call budget: one token bucket per AWS account and region, shared by
every client and thread of the operator process, taken from once per HTTP attempt.

AWS throttles SageMaker control-plane calls per account and region, whichever role or
client makes them, so every identity in one account draws from the same bucket. The bucket
is taken from in botocore's `before-send` event, which fires once per attempt: a retry is a
request AWS counts like any other, and a throttled burst retried outside the budget would
exceed it exactly when staying under matters. botocore's retry backoff (standard or
adaptive) still runs as before; the budget only spaces the attempts it sends.

The configured rate is a ceiling: a throttle response from either service halves the pace
of the whole account and region, which climbs back while no throttle comes
(domain/adaptive_rate.py). One client's throttle slows every client of that account, as
AWS's limit is the account's, not the client's.

A call waits for its token instead of failing. The wait is exposed as
`mdo_sagemaker_call_budget_wait_seconds`, the tokens left as
`mdo_sagemaker_call_budget_tokens`; a warning is logged only when waits grow long.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from typing import Any, Final

from model_deployment_operator import metrics
from model_deployment_operator.domain.adaptive_rate import AdaptiveRate
from model_deployment_operator.domain.token_bucket import TokenBucket
from model_deployment_operator.sagemaker.errors import THROTTLING_CODES

log = logging.getLogger(__name__)

# A wait longer than this means the budget, not SageMaker, sets the operator's pace.
LONG_WAIT_SECONDS: Final = 5.0
# At most one warning per bucket in this long, however many calls wait.
LONG_WAIT_LOG_INTERVAL_SECONDS: Final = 60.0
# The services the budget applies to: SageMaker and Application Auto Scaling control
# planes. S3 (artifacts, reports), CloudWatch (alarms), STS and SQS have quotas of their
# own, far from SageMaker's, and are left to botocore's retries.
BUDGETED_SERVICES: Final = frozenset({"sagemaker", "application-autoscaling"})
UNKNOWN_ACCOUNT: Final = "unknown"
# However often SageMaker throttles, the budget still lets this many calls a second through
# (or the configured rate, if lower): the calls that find out when throttling has ended.
FLOOR_CALLS_PER_SECOND: Final = 1.0

_ROLE_ARN: Final = re.compile(r"^arn:aws[a-zA-Z-]*:(?:iam|sts)::(\d{12}):")


def account_of_arn(arn: str) -> str | None:
    """The account of an IAM role or STS assumed-role ARN."""
    match = _ROLE_ARN.match(arn)
    return match.group(1) if match else None


class CallBudget:
    """One account and region's bucket, safe to share between threads."""

    def __init__(
        self,
        account: str,
        region: str,
        *,
        rate: float,
        burst: int,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.account = account
        self.region = region
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._bucket = TokenBucket(rate, burst, clock())
        self._pace = AdaptiveRate(rate, min(rate, FLOOR_CALLS_PER_SECOND), clock())
        self._long_waits = 0
        self._last_warning: float | None = None
        self._wait_seconds = metrics.CALL_BUDGET_WAIT.labels(account, region)
        metrics.CALL_BUDGET_TOKENS.labels(account, region).set_function(self.available)
        metrics.CALL_BUDGET_RATE.labels(account, region).set_function(self._current_rate)

    @property
    def rate(self) -> float:
        """The configured rate: the most the budget ever allows."""
        return self._pace.ceiling

    def _current_rate(self) -> float:
        with self._lock:
            return self._paced(self._clock())

    def _paced(self, now: float) -> float:
        """Under the lock: the bucket refilling at the pace allowed at `now`."""
        pace = self._pace.rate(now)
        if pace != self._bucket.rate:
            self._bucket.set_rate(pace, now)
        return pace

    def throttled(self) -> None:
        """SageMaker or Auto Scaling throttled a call in this account and region."""
        with self._lock:
            now = self._clock()
            before = self._paced(now)
            if not self._pace.throttled(now):
                return
            after = self._paced(now)
        log.info(
            "SageMaker throttled a call in account %s, region %s: the call budget slows "
            "from %.1f to %.1f calls/s and climbs back to %g while no throttle comes",
            self.account,
            self.region,
            before,
            after,
            self.rate,
        )

    @property
    def burst(self) -> int:
        return self._bucket.burst

    def available(self) -> float:
        with self._lock:
            return self._bucket.available(self._clock())

    def take(self) -> float:
        """Wait for one token; the seconds waited."""
        with self._lock:
            now = self._clock()
            self._paced(now)
            wait = self._bucket.reserve(now)
            long_waits = self._long_waits_to_report(now) if wait > LONG_WAIT_SECONDS else 0
        self._wait_seconds.observe(wait)
        if long_waits:
            log.warning(
                "SageMaker calls in account %s, region %s wait %.0fs for the call budget of "
                "%g calls/s (%d waits over %.0fs since the last warning); raise "
                "MDO_SAGEMAKER_CALLS_PER_SECOND if the account's quotas allow it",
                self.account,
                self.region,
                wait,
                self.rate,
                long_waits,
                LONG_WAIT_SECONDS,
            )
        if wait > 0:
            self._sleep(wait)
        return wait

    def _long_waits_to_report(self, now: float) -> int:
        """Under the lock: count a long wait; the count to warn about, or 0 (not yet)."""
        self._long_waits += 1
        if self._last_warning is not None and now - self._last_warning < (
            LONG_WAIT_LOG_INTERVAL_SECONDS
        ):
            return 0
        self._last_warning = now
        count, self._long_waits = self._long_waits, 0
        return count

    def hook(self, client: Any) -> None:
        """Take a token before every HTTP attempt `client` sends (retries included)."""
        if client.meta.service_model.service_name not in BUDGETED_SERVICES:
            return

        def wait_for_token(**_: Any) -> None:
            # Returning None lets botocore send the request; anything else would replace it.
            self.take()

        def notice_throttling(*, response: Any = None, **_: Any) -> None:
            # Called after every attempt, before botocore's retry handler decides; returning
            # None leaves that decision to it.
            if response is None:
                return
            _, parsed = response
            code = (parsed or {}).get("Error", {}).get("Code")
            if code in THROTTLING_CODES:
                self.throttled()

        client.meta.events.register("before-send", wait_for_token)
        client.meta.events.register("needs-retry", notice_throttling)


class CallBudgets:
    """The process's buckets, one per (account, region), made on first use. `rate` 0
    turns the budget off."""

    def __init__(
        self,
        *,
        rate: float,
        burst: int,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._rate = rate
        self._burst = burst
        self._clock = clock
        self._sleep = sleep
        self._budgets: dict[tuple[str, str], CallBudget] = {}
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self._rate > 0

    def __call__(self, account: str, region: str) -> CallBudget:
        with self._lock:
            budget = self._budgets.get((account, region))
            if budget is None:
                budget = CallBudget(
                    account,
                    region,
                    rate=self._rate,
                    burst=self._burst,
                    clock=self._clock,
                    sleep=self._sleep,
                )
                self._budgets[(account, region)] = budget
                log.info(
                    "SageMaker call budget for account %s, region %s: %g calls/s, burst %d",
                    account,
                    region,
                    self._rate,
                    self._burst,
                )
            return budget
