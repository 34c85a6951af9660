"""The shared call budget against the emulator: concurrent callers acting as the operator and
as a tenant role of the same account never exceed the budget, measured from the emulator's
own record of when each request arrived; another region has a bucket of its own; under
throttling every call still succeeds and the retries stay within the budget too."""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest

from model_deployment_operator.domain.tenancy import AwsIdentity
from model_deployment_operator.sagemaker.call_budget import CallBudgets
from model_deployment_operator.sagemaker.gateway import RegionalGateways
from support.emulator_fixtures import ACCOUNT, REGION, Emulator, client_settings

pytestmark = pytest.mark.emulator

RATE, BURST = 20.0, 5
OTHER_REGION = "eu-west-1"
TENANT = AwsIdentity(
    role_arn=f"arn:aws:iam::{ACCOUNT}:role/mdo-tenant-team-a",
    external_id="model-deployment-operator:team-a",
    session_name="mdo-team-a-fraud",
    session_tags=(("mdo-namespace", "team-a"),),
    session_seconds=3600,
)


@pytest.fixture
def gateways(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> RegionalGateways:
    for name, value in emulator.environment().items():
        monkeypatch.setenv(name, value)
    operator = {"AWS": f"arn:aws:iam::{ACCOUNT}:role/operator"}
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": operator,
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"sts:ExternalId": TENANT.external_id}},
            },
            {"Effect": "Allow", "Principal": operator, "Action": "sts:TagSession"},
        ],
    }
    iam = boto3.client("iam", **client_settings(emulator.url))
    iam.create_role(RoleName="mdo-tenant-team-a", AssumeRolePolicyDocument=json.dumps(trust))
    return RegionalGateways(
        retry_mode="standard",
        max_attempts=8,
        pool_size=16,
        budgets=CallBudgets(rate=RATE, burst=BURST),
    )


def run_concurrently(callers: list[Callable[[], object]], calls_each: int) -> None:
    def repeat(call: Callable[[], object]) -> None:
        for _ in range(calls_each):
            call()

    with ThreadPoolExecutor(max_workers=len(callers)) as pool:
        for done in [pool.submit(repeat, call) for call in callers]:
            done.result()


def arrivals(calls: list[dict[str, Any]], region: str) -> list[float]:
    return sorted(
        c["at"]
        for c in calls
        if c["service"] == "sagemaker" and c["region"] == region and c["account"] == ACCOUNT
    )


def most_in_any_second(moments: list[float]) -> int:
    most, start = 0, 0
    for end, moment in enumerate(moments):
        while moment - moments[start] >= 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most


def assert_within_budget(moments: list[float]) -> None:
    # One token per 1/RATE after the burst; arrival times jitter by a request or two
    # between the client's send and the emulator's record.
    assert most_in_any_second(moments) <= BURST + RATE + 2
    span = moments[-1] - moments[0]
    assert span >= (len(moments) - BURST) / RATE * 0.9


def test_callers_of_one_account_share_the_budget_whatever_their_identity(
    emulator: Emulator, gateways: RegionalGateways
) -> None:
    operator = gateways(REGION)
    tenant = gateways(REGION, TENANT)
    elsewhere = gateways(OTHER_REGION)
    emulator.control.request("DELETE", "callers")
    callers: list[Callable[[], object]] = [
        lambda: operator.describe_endpoint("not-there"),
        lambda: tenant.describe_endpoint("not-there"),
    ] * 5
    callers += [lambda: elsewhere.describe_endpoint("not-there")] * 2
    run_concurrently(callers, calls_each=12)
    calls = emulator.control.callers()
    principals = {c["principal"] for c in calls if c["action"] == "DescribeEndpoint"}
    assert len(principals) == 2  # the operator's key and the tenant's session
    here = arrivals(calls, REGION)
    assert len(here) == 120
    assert_within_budget(here)
    # The other region's 24 calls had their own bucket: never queued behind these 120.
    there = arrivals(calls, OTHER_REGION)
    assert len(there) == 24
    assert there[-1] - there[0] < (24 - BURST) / RATE + 1.0


def test_under_throttling_every_call_succeeds_and_retries_stay_within_the_budget(
    emulator: Emulator, gateways: RegionalGateways
) -> None:
    operator = gateways(REGION)
    tenant = gateways(REGION, TENANT)
    emulator.control.request("DELETE", "callers")
    emulator.control.reset_calls()
    # A fifth throttled at random: one call throttled on all 8 attempts is then a one in
    # 400,000 event; with the budget slowing to its floor, retries of one call often
    # follow each other, and at 0.3 a run of eight in the seeded sequence failed a run.
    emulator.control.throttle(probability=0.2, actions=["DescribeEndpoint"], seed=11)
    callers: list[Callable[[], object]] = [
        lambda: operator.describe_endpoint("not-there"),
        lambda: tenant.describe_endpoint("not-there"),
    ] * 3
    run_concurrently(callers, calls_each=10)  # each answers None: no error escapes
    faulted = emulator.control.request("GET", "calls")["faulted"]["sagemaker.DescribeEndpoint"]
    moments = arrivals(emulator.control.callers(), REGION)
    assert faulted > 0
    assert len(moments) == 60 + faulted
    assert_within_budget(moments)
