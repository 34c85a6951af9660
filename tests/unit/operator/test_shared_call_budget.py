"""The shared call budget (sagemaker/call_budget.py): thread safety and fairness on the real
clock, the botocore hook on real clients (retries included), metrics and accounts.

Clients here answer from a `before-send` handler registered after the budget's, so no
request leaves the process; the budget's own handler runs exactly as it does against AWS.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import botocore.session
import pytest
from botocore.awsrequest import AWSResponse
from botocore.compat import HTTPHeaders
from botocore.config import Config
from prometheus_client import REGISTRY

from model_deployment_operator.domain.adaptive_rate import RECOVERY_SECONDS
from model_deployment_operator.sagemaker.call_budget import (
    CallBudget,
    CallBudgets,
    account_of_arn,
)


class SteppedTime:
    """A clock that moves only when the budget sleeps: waits are recorded, not slept."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def answering(client: Any, answers: list[tuple[int, bytes]]) -> list[str]:
    """Answer `client`'s requests with `answers` in turn; the operations sent, per attempt."""
    sent: list[str] = []

    def answer(*, event_name: str, request: Any, **_: Any) -> AWSResponse:
        sent.append(event_name.rsplit(".", 1)[-1])
        status, body = answers.pop(0) if len(answers) > 1 else answers[0]
        response = AWSResponse(request.url, status, HTTPHeaders(), None)
        response._content = body  # type: ignore[attr-defined]
        return response

    client.meta.events.register("before-send", answer)
    return sent


def client(service: str) -> Any:
    session = botocore.session.get_session()
    return session.create_client(
        service,
        region_name="eu-west-1",
        aws_access_key_id="key",
        aws_secret_access_key="secret",
        config=Config(retries={"mode": "standard", "total_max_attempts": 4}),
    )


def test_threads_share_one_rate_and_are_served_in_turn() -> None:
    rate, burst, threads, calls = 200.0, 2, 4, 25
    budget = CallBudget("111122223333", "eu-west-1", rate=rate, burst=burst)
    granted: dict[int, list[float]] = {n: [] for n in range(threads)}
    start = time.monotonic()

    def caller(n: int) -> None:
        for _ in range(calls):
            budget.take()
            granted[n].append(time.monotonic() - start)

    workers = [threading.Thread(target=caller, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    moments = sorted(m for thread in granted.values() for m in thread)
    # Rate: 100 calls need (100 - burst) / rate = 0.49 s at least; sleeping can only be late.
    assert moments[-1] >= (threads * calls - burst) / rate - 0.01
    for index in range(burst, len(moments)):
        assert moments[index] >= (index + 1 - burst) / rate - 0.01
    # Fairness: threads are served in turn, so each got about half of its calls in the first
    # half of all grants; none was starved while another was rushed through.
    halfway = moments[len(moments) // 2]
    for thread in granted.values():
        early = sum(1 for moment in thread if moment < halfway)
        assert calls * 0.25 <= early <= calls * 0.75


def test_a_call_waits_for_its_token_and_the_wait_is_measured() -> None:
    time_ = SteppedTime()
    budget = CallBudget(
        "444455556666", "ap-south-1", rate=5.0, burst=2, clock=time_.clock, sleep=time_.sleep
    )
    labels = {"account": "444455556666", "region": "ap-south-1"}
    waits = [budget.take() for _ in range(4)]
    assert waits == pytest.approx([0, 0, 0.2, 0.2])
    assert time_.slept == pytest.approx([0.2, 0.2])
    sample = REGISTRY.get_sample_value
    assert sample("mdo_sagemaker_call_budget_wait_seconds_count", labels) == 4
    assert sample("mdo_sagemaker_call_budget_wait_seconds_sum", labels) == pytest.approx(0.4)
    assert sample("mdo_sagemaker_call_budget_tokens", labels) == 0
    time_.now += 10
    assert sample("mdo_sagemaker_call_budget_tokens", labels) == 2


def test_long_waits_are_logged_once_a_minute(caplog: pytest.LogCaptureFixture) -> None:
    time_ = SteppedTime()
    budget = CallBudget(
        "777788889999", "us-west-2", rate=1.0, burst=1, clock=time_.clock, sleep=lambda _: None
    )
    with caplog.at_level("WARNING"):
        for _ in range(30):  # nobody sleeps: the queue grows to 29 s
            budget.take()
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1
    assert "account 777788889999, region us-west-2 wait 6s" in warnings[0]


def test_every_attempt_of_a_budgeted_client_takes_a_token_retries_included() -> None:
    time_ = SteppedTime()
    budgets = CallBudgets(rate=1.0, burst=1, clock=time_.clock, sleep=time_.sleep)
    budget = budgets("111122223333", "eu-west-1")
    sagemaker = client("sagemaker")
    budget.hook(sagemaker)
    throttled = b'{"__type": "ThrottlingException", "message": "Rate exceeded"}'
    sent = answering(sagemaker, [(400, throttled), (400, throttled), (200, b"{}")])
    sagemaker.list_endpoints()
    assert sent == ["ListEndpoints"] * 3
    # Three attempts, one token each: the first at hand, then one per second.
    assert time_.slept == pytest.approx([1.0, 1.0], abs=0.05)


def test_one_bucket_per_account_and_region_and_only_for_sagemaker_and_autoscaling() -> None:
    time_ = SteppedTime()
    budgets = CallBudgets(rate=1.0, burst=1, clock=time_.clock, sleep=time_.sleep)
    assert budgets("111122223333", "eu-west-1") is budgets("111122223333", "eu-west-1")
    assert budgets("111122223333", "eu-west-1") is not budgets("111122223333", "us-east-1")
    assert budgets("111122223333", "eu-west-1") is not budgets("222233334444", "eu-west-1")
    budget = budgets("111122223333", "eu-west-1")
    clients = {service: client(service) for service in ("application-autoscaling", "s3")}
    for each in clients.values():
        budget.hook(each)
    answering(clients["application-autoscaling"], [(200, b"{}")])
    answering(clients["s3"], [(200, b"<ListAllMyBucketsResult/>")])
    for _ in range(3):
        clients["s3"].list_buckets()
    assert time_.slept == []
    for _ in range(3):
        clients["application-autoscaling"].describe_scalable_targets(ServiceNamespace="sagemaker")
    assert time_.slept == pytest.approx([1.0, 1.0])
    assert not CallBudgets(rate=0, burst=1).enabled


@pytest.mark.parametrize(
    ("arn", "account"),
    [
        ("arn:aws:iam::111122223333:role/mdo-tenant-team-a", "111122223333"),
        ("arn:aws-cn:iam::222233334444:role/path/to/role", "222233334444"),
        ("arn:aws:sts::333344445555:assumed-role/operator/session", "333344445555"),
        ("arn:aws:sagemaker:us-east-1:111122223333:endpoint/x", None),
        ("not an arn", None),
    ],
)
def test_the_account_of_a_role(arn: str, account: str | None) -> None:
    assert account_of_arn(arn) == account


def test_a_throttle_slows_every_client_of_the_account_until_quiet_earns_the_rate_back() -> None:
    time_ = SteppedTime()
    budget = CallBudgets(rate=10.0, burst=1, clock=time_.clock, sleep=time_.sleep)(
        "444455556666", "eu-west-1"
    )
    sagemaker, autoscaling = client("sagemaker"), client("application-autoscaling")
    for budgeted in (sagemaker, autoscaling):
        budget.hook(budgeted)
    throttled = b'{"__type": "ThrottlingException", "message": "Rate exceeded"}'
    answering(sagemaker, [(400, throttled), (200, b"{}")])
    answering(autoscaling, [(200, b"{}")])
    rate = REGISTRY.get_sample_value(
        "mdo_sagemaker_call_budget_rate", {"account": "444455556666", "region": "eu-west-1"}
    )
    assert rate == 10.0

    sagemaker.list_endpoints()  # throttled once, then answered
    time_.slept.clear()
    for _ in range(3):
        autoscaling.describe_scalable_targets(ServiceNamespace="sagemaker")
    # Another service's client of the same account waits at the halved pace.
    assert time_.slept[-1] == pytest.approx(1 / 5.0, rel=0.1)
    assert REGISTRY.get_sample_value(
        "mdo_sagemaker_call_budget_rate", {"account": "444455556666", "region": "eu-west-1"}
    ) == pytest.approx(5.0, rel=0.1)

    time_.now += RECOVERY_SECONDS
    time_.slept.clear()
    for _ in range(3):
        autoscaling.describe_scalable_targets(ServiceNamespace="sagemaker")
    assert time_.slept[-1] == pytest.approx(1 / 10.0, rel=0.01)


def test_other_errors_leave_the_pace_alone() -> None:
    time_ = SteppedTime()
    budget = CallBudget(
        "111122223333", "eu-west-2", rate=10.0, burst=1, clock=time_.clock, sleep=time_.sleep
    )
    sagemaker = client("sagemaker")
    budget.hook(sagemaker)
    missing = b'{"__type": "ValidationException", "message": "Could not find endpoint"}'
    answering(sagemaker, [(400, missing)])
    for _ in range(3):
        with pytest.raises(sagemaker.exceptions.ClientError):
            sagemaker.describe_endpoint(EndpointName="gone")
    assert time_.slept[-1] == pytest.approx(1 / 10.0, rel=0.01)
