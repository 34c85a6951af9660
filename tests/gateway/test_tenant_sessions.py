"""Tenant sessions (sagemaker/identities.py) against the emulator's STS: assumed once and
reused, renewed before they expire, and a refusal reported as such.

The passage of 50 minutes is the one thing a test cannot wait for: botocore's own clock
(`botocore.credentials._local_now`) is moved forward for it, and named here as the fake it is.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import boto3
import botocore.credentials
import botocore.session
import pytest
from botocore.config import Config

from model_deployment_operator.domain.errors import AssumeRoleError, FailureKind
from model_deployment_operator.domain.tenancy import AwsIdentity
from model_deployment_operator.sagemaker.identities import TenantSession
from support.emulator_fixtures import REGION, Emulator, client_settings

pytestmark = pytest.mark.emulator

ROLE = "arn:aws:iam::123456789012:role/mdo-tenant-team-a"
IDENTITY = AwsIdentity(
    role_arn=ROLE,
    external_id="model-deployment-operator:team-a",
    session_name="mdo-team-a-fraud",
    session_tags=(("mdo-namespace", "team-a"), ("mdo-modeldeployment", "fraud")),
    session_seconds=3600,
)


def trust(external_id: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": "arn:aws:iam::123456789012:role/operator"},
                    "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"sts:ExternalId": external_id}},
                },
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": "arn:aws:iam::123456789012:role/operator"},
                    "Action": "sts:TagSession",
                },
            ],
        }
    )


class FakeClock:
    """botocore's clock, moved forward by the test (both the refreshable credentials and
    the AssumeRole fetcher's cache read it)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.offset = timedelta()
        self._real = botocore.credentials._local_now  # type: ignore[attr-defined]
        monkeypatch.setattr(botocore.credentials, "_local_now", self)

    def __call__(self) -> datetime:
        moment: datetime = self._real() + self.offset
        return moment


def tenant_session(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch, clock: FakeClock | None = None
) -> TenantSession:
    monkeypatch.setenv("AWS_ENDPOINT_URL", emulator.url)
    source = botocore.session.get_session()
    source.set_credentials("operator-key", "secret")
    config = Config(region_name=REGION, retries={"mode": "standard", "total_max_attempts": 1})
    return TenantSession(source, IDENTITY, REGION, config, clock=clock)


def assume_role_calls(emulator: Emulator) -> int:
    return emulator.control.call_count("sts.AssumeRole")


def test_a_session_is_assumed_once_reused_and_renewed_before_it_expires(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    iam = boto3.client("iam", **client_settings(emulator.url))
    iam.create_role(
        RoleName="mdo-tenant-team-a", AssumeRolePolicyDocument=trust(IDENTITY.external_id or "")
    )
    clock = FakeClock(monkeypatch)
    session = tenant_session(emulator, monkeypatch, clock)
    for _ in range(3):
        session.ensure_credentials()
    session.session.client("sagemaker").list_endpoints()
    assert assume_role_calls(emulator) == 1
    (caller,) = [c for c in emulator.control.callers() if c["action"] == "ListEndpoints"]
    assert caller["principal"].endswith("assumed-role/mdo-tenant-team-a/mdo-team-a-fraud")
    assert caller["sessionTags"] == dict(IDENTITY.session_tags)

    # 50 minutes later (the fake clock): less than 15 minutes left, so it is renewed.
    clock.offset = timedelta(minutes=50)
    session.ensure_credentials()
    assert assume_role_calls(emulator) == 2


def test_a_refused_role_is_an_access_denied_assume_role_error(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    iam = boto3.client("iam", **client_settings(emulator.url))
    iam.create_role(RoleName="mdo-tenant-team-a", AssumeRolePolicyDocument=trust("other-id"))
    session = tenant_session(emulator, monkeypatch)
    with pytest.raises(AssumeRoleError) as refused:
        session.ensure_credentials()
    assert refused.value.kind is FailureKind.ACCESS_DENIED
    assert refused.value.role_arn == ROLE
    assert refused.value.code == "AccessDenied"
