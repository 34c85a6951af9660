"""The account-level rate limit (sagemaker-semantics.md §7: "API calls ... can't exceed the
maximum allowed API request rate per account and per Region", answered with
ThrottlingException "Rate exceeded", HTTP 400): a token bucket per account and region,
shared by SageMaker and Application Auto Scaling, set and cleared through the control API."""

from __future__ import annotations

import json
import time
import urllib.error
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from sagemaker_emulator.clock import ManualClock
from sagemaker_emulator.rate_limit import RateLimit, RateLimitSettings
from support.emulator_fixtures import ACCOUNT, REGION, Emulator, client_settings

pytestmark = pytest.mark.emulator

OTHER_ACCOUNT = "444455556666"
OTHER_REGION = "eu-west-1"
# Refills one token a minute: within a test, a bucket holds what `burst` gave it.
NO_REFILL = 1 / 60


def outcome(call: Callable[[], object]) -> str:
    """'ok', or the error code the call was answered with."""
    try:
        call()
    except ClientError as error:
        return str(error.response["Error"]["Code"])
    return "ok"


def assert_throttled(call: Callable[[], object]) -> None:
    with pytest.raises(ClientError) as throttled:
        call()
    error = throttled.value.response["Error"]
    assert (error["Code"], error["Message"]) == ("ThrottlingException", "Rate exceeded")
    assert throttled.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def refused(emulator: Emulator, body: dict[str, Any]) -> tuple[int, str]:
    """The status and error message of a PUT /_emulator/rate-limit the emulator refuses."""
    with pytest.raises(urllib.error.HTTPError) as answer:
        emulator.control.request("PUT", "rate-limit", body)
    return answer.value.code, str(json.loads(answer.value.read())["error"])


def in_account(client: Any, account: str) -> Any:
    """The client's calls made in `account`: the emulator decides the caller's account as
    moto does, and the ``x-moto-account-id`` header names it."""

    def name_account(request: Any, **_: Any) -> None:
        request.headers["x-moto-account-id"] = account

    client.meta.events.register("before-sign", name_account)
    return client


def sagemaker_in_other_account(emulator: Emulator) -> Any:
    """SageMaker as a role of another account sees it: the role is created in that account
    and assumed with STS, so the emulator learns the account from the issued access key."""
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    iam = in_account(boto3.client("iam", **client_settings(emulator.url)), OTHER_ACCOUNT)
    role = iam.create_role(RoleName="deployer", AssumeRolePolicyDocument=json.dumps(trust))
    sts = boto3.client("sts", **client_settings(emulator.url))
    credentials = sts.assume_role(RoleArn=role["Role"]["Arn"], RoleSessionName="rate-limit")[
        "Credentials"
    ]
    settings = client_settings(emulator.url)
    settings.update(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )
    return boto3.client("sagemaker", **settings)


# --------------------------------------------------------------------------- the bucket


def test_bucket_refills_at_the_rate_up_to_the_burst_and_a_throttled_call_takes_nothing() -> None:
    """The bucket itself, on a clock moved by hand: `burst` calls at once, then one per
    1/rate seconds; a quiet spell refills it to `burst` and no further; a throttled call
    does not take a token, so the next one after 1/rate seconds passes."""
    clock = ManualClock()
    limit = RateLimit(clock)
    limit.set(RateLimitSettings(calls_per_second=4.0, burst=2, services=frozenset({"sagemaker"})))

    def admitted(calls: int) -> list[bool]:
        return [limit.admit("sagemaker", ACCOUNT, REGION) is None for _ in range(calls)]

    assert admitted(3) == [True, True, False]
    clock.advance(0.25)
    assert admitted(2) == [True, False]
    clock.advance(10.0)
    assert admitted(3) == [True, True, False]
    assert admitted(5) == [False] * 5
    clock.advance(0.25)
    assert admitted(2) == [True, False]
    assert limit.admit("application-autoscaling", ACCOUNT, REGION) is None  # not covered
    assert limit.describe()["throttled"] == 9


# --------------------------------------------------------------------------- the process


def test_a_rapid_burst_is_throttled_beyond_burst_plus_rate_times_the_window(
    emulator: Emulator,
) -> None:
    """20 calls/s, burst 5: of 40 concurrent calls some are throttled with §7's
    ThrottlingException, and the accepted ones are at most burst + rate * the window they
    were sent in. Every attempt is counted as faulted in /calls and recorded in /callers,
    like injected faults; GET /_emulator/rate-limit counts them too."""
    emulator.control.rate_limit(20, burst=5)
    sagemaker = emulator.sagemaker
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(lambda _: outcome(sagemaker.list_endpoints), range(40)))
    window = time.monotonic() - started
    accepted = outcomes.count("ok")
    throttled = outcomes.count("ThrottlingException")
    assert accepted + throttled == 40
    assert throttled > 0
    assert 5 <= accepted <= 5 + 20 * window
    assert emulator.control.request("GET", "calls") == {
        "calls": {"sagemaker.ListEndpoints": 40},
        "faulted": {"sagemaker.ListEndpoints": throttled},
    }
    assert len(emulator.control.callers()) == 40
    status = emulator.control.rate_limit_status()
    assert status["throttled"] == throttled
    assert [(b["account"], b["region"], b["throttled"]) for b in status["buckets"]] == [
        (ACCOUNT, REGION, throttled)
    ]


def test_calls_paced_under_the_rate_are_never_throttled(emulator: Emulator) -> None:
    """At 10 calls/s against a limit of 20/s with a bucket of one token, every call finds
    the token refilled; the same limit throttles calls sent back to back."""
    emulator.control.rate_limit(20, burst=1)
    paced: list[str] = []
    for _ in range(12):
        paced.append(outcome(emulator.sagemaker.list_endpoints))
        time.sleep(0.1)
    assert paced == ["ok"] * 12
    assert emulator.control.rate_limit_status()["throttled"] == 0
    rapid = [outcome(emulator.sagemaker.list_endpoints) for _ in range(5)]
    assert "ThrottlingException" in rapid


def test_each_account_and_region_has_its_own_bucket(emulator: Emulator) -> None:
    """A role assumed in another account, and the same account in another region, draw
    from buckets of their own: the default account's empty bucket throttles none of them.
    IAM and STS calls are not limited."""
    emulator.control.rate_limit(NO_REFILL, burst=2)
    callers = {
        (ACCOUNT, REGION): emulator.sagemaker,
        (OTHER_ACCOUNT, REGION): sagemaker_in_other_account(emulator),
        (ACCOUNT, OTHER_REGION): boto3.client(
            "sagemaker", **{**client_settings(emulator.url), "region_name": OTHER_REGION}
        ),
    }
    for client in callers.values():
        assert [outcome(client.list_endpoints) for _ in range(2)] == ["ok", "ok"]
        assert_throttled(client.list_endpoints)
    status = emulator.control.rate_limit_status()
    assert {
        (b["account"], b["region"]): b["throttled"] for b in status["buckets"]
    } == dict.fromkeys(callers, 1)
    recorded = {(c["account"], c["region"]) for c in emulator.control.callers()}
    assert set(callers) <= recorded


def test_sagemaker_and_application_auto_scaling_share_the_bucket_unless_told(
    emulator: Emulator,
) -> None:
    """By default both services draw from the account's one bucket; with services
    ["sagemaker"] Application Auto Scaling is never limited."""
    emulator.control.rate_limit(NO_REFILL, burst=2)
    emulator.sagemaker.list_endpoints()
    emulator.autoscaling.describe_scalable_targets(ServiceNamespace="sagemaker")
    assert_throttled(
        lambda: emulator.autoscaling.describe_scalable_targets(ServiceNamespace="sagemaker")
    )
    assert_throttled(emulator.sagemaker.list_endpoints)

    status = emulator.control.rate_limit(NO_REFILL, burst=1, services=["sagemaker"])
    assert status["services"] == ["sagemaker"]
    emulator.sagemaker.list_endpoints()
    for _ in range(3):
        emulator.autoscaling.describe_scalable_targets(ServiceNamespace="sagemaker")
    assert_throttled(emulator.sagemaker.list_endpoints)


def test_a_throttled_call_leaves_the_injected_faults_for_calls_that_get_through(
    emulator: Emulator,
) -> None:
    """The limit is the front door: a call it throttles does not use up a "next N calls"
    fault, which answers the next call the limit lets through."""
    emulator.control.rate_limit(NO_REFILL, burst=1)
    emulator.sagemaker.list_endpoints()
    emulator.control.request(
        "POST", "faults/api", {"error": "server-error", "count": 1, "actions": ["ListEndpoints"]}
    )
    assert_throttled(emulator.sagemaker.list_endpoints)
    assert [rule["count"] for rule in emulator.control.request("GET", "faults")["api"]] == [1]
    emulator.control.clear_rate_limit()
    assert outcome(emulator.sagemaker.list_endpoints) == "InternalFailure"


@pytest.mark.parametrize(
    "remove",
    [
        pytest.param(lambda emulator: emulator.control.clear_rate_limit(), id="DELETE"),
        pytest.param(lambda emulator: emulator.control.rate_limit(0), id="callsPerSecond-0"),
        pytest.param(lambda emulator: emulator.control.reset(), id="reset"),
    ],
)
def test_delete_zero_rate_and_reset_remove_the_limit(
    emulator: Emulator, remove: Callable[[Emulator], object]
) -> None:
    """Once removed, calls are not limited and GET shows callsPerSecond 0; the control API
    itself is never limited, even with the bucket empty."""
    emulator.control.rate_limit(NO_REFILL, burst=1)
    emulator.sagemaker.list_endpoints()
    assert_throttled(emulator.sagemaker.list_endpoints)
    for _ in range(3):
        assert emulator.control.request("GET", "health")["status"] == "ok"
    remove(emulator)
    assert [outcome(emulator.sagemaker.list_endpoints) for _ in range(10)] == ["ok"] * 10
    assert emulator.control.rate_limit_status() == {
        "callsPerSecond": 0,
        "burst": None,
        "services": [],
        "throttled": 0,
        "buckets": [],
    }


def test_burst_defaults_to_one_second_of_calls(emulator: Emulator) -> None:
    status = emulator.control.rate_limit(2.5)
    assert (status["callsPerSecond"], status["burst"]) == (2.5, 3)
    assert status["services"] == ["application-autoscaling", "sagemaker"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"callsPerSecond": -1}, "'callsPerSecond'", id="negative-rate"),
        pytest.param({"callsPerSecond": "fast"}, "'callsPerSecond'", id="rate-not-a-number"),
        pytest.param({"burst": 5}, "'callsPerSecond'", id="rate-missing"),
        pytest.param({"callsPerSecond": 5, "burst": 0}, "'burst'", id="burst-0"),
        pytest.param({"callsPerSecond": 5, "burst": 2.5}, "'burst'", id="burst-fraction"),
        pytest.param({"callsPerSecond": 5, "services": ["ec2"]}, "'services'", id="unknown"),
        pytest.param({"callsPerSecond": 5, "services": []}, "'services'", id="no-services"),
        pytest.param({"callsPerSecond": 5, "services": "sagemaker"}, "'services'", id="a-string"),
        pytest.param({"callsPerSecond": 5, "rate": 3}, "'rate'", id="unknown-field"),
    ],
)
def test_bad_settings_are_refused_naming_the_field_and_keep_the_limit(
    emulator: Emulator, body: dict[str, Any], field: str
) -> None:
    before = emulator.control.rate_limit(20, burst=5)
    status, message = refused(emulator, body)
    assert status == 400
    assert field in message
    assert emulator.control.rate_limit_status() == before
