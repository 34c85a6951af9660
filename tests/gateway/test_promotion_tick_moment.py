"""A time requirement is judged at the tick's moment, the one the tick stamps its status and
the deployment it starts with (status.history startedAt), against the emulator.

The reconciler reads its clock once per tick. A clock read again while judging could pass
a version whose soak ends a fraction of a second into the tick, and the deployment would
then be recorded as started a second before the version was allowed to serve (the e2e
test of promotion after a canary caught it: "promoted 14s after staging served it", with a
soak of 15 s).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
import pytest

from model_deployment_operator.domain.naming import DeploymentRef
from model_deployment_operator.domain.promotion.records import ServedRecord, served_key
from model_deployment_operator.domain.tenancy import OPERATOR_IDENTITY, AwsIdentity
from model_deployment_operator.ports import SageMakerPort
from model_deployment_operator.reconcile.outcomes import ReconcilerSettings
from model_deployment_operator.reconcile.reconciler import Reconciler
from model_deployment_operator.sagemaker.gateway import SageMakerGateway
from support.emulator_fixtures import REGION, ROLE, Emulator
from support.emulator_scenario import register

pytestmark = pytest.mark.emulator

GROUP = "fraud-detector"
STAGING_SINCE = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
SOAK = timedelta(seconds=15)
ELIGIBLE_AT = STAGING_SINCE + SOAK
SPEC = {
    "modelPackageGroupName": GROUP,
    "executionRoleArn": ROLE,
    "environment": "production",
    "approval": {
        "policy": "LatestApproved",
        "requirements": {"servedIn": [{"environment": "staging", "forAtLeast": "15s"}]},
    },
    "endpoint": {"instanceType": "ml.m5.large", "initialInstanceCount": 1},
}


class RunningClock:
    """Time that moves on by 0.2 s each time it is read, as it does during a tick."""

    def __init__(self, start: datetime) -> None:
        self.at = start

    def __call__(self) -> datetime:
        moment = self.at
        self.at += timedelta(seconds=0.2)
        return moment


def test_a_tick_that_starts_just_before_the_soak_ends_waits_for_it(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in emulator.environment().items():
        monkeypatch.setenv(key, value)
    gateway = SageMakerGateway(REGION, max_attempts=1, session=boto3.session.Session())

    def ports(region: str, identity: AwsIdentity = OPERATOR_IDENTITY) -> SageMakerPort:
        return gateway

    v1 = register(emulator, GROUP)
    served_in_staging = ServedRecord(STAGING_SINCE, None, frozenset({"0a1b2c3d"}))
    emulator.sagemaker.update_model_package(
        ModelPackageArn=v1,
        CustomerMetadataProperties={served_key("staging"): served_in_staging.format()},
    )
    clock = RunningClock(ELIGIBLE_AT - timedelta(seconds=0.1))
    settings = ReconcilerSettings(default_region=REGION, jitter_fraction=0)
    reconciler = Reconciler(ports, settings, clock=clock)
    ref = DeploymentRef("ml-prod", "fraud", "uid-production")

    first = reconciler.reconcile(ref, 1, SPEC, {})
    assert emulator.control.call_count("CreateEndpoint") == 0
    assert first.status.history == ()
    (skipped,) = first.status.skipped_versions
    assert (skipped.version, skipped.eligible_at) == (1, ELIGIBLE_AT)
    assert first.requeue_after <= 2.0  # looked at again just after the soak ends

    clock.at = ELIGIBLE_AT + timedelta(seconds=1)
    second = reconciler.reconcile(ref, 1, SPEC, first.status.to_kubernetes())
    assert emulator.control.call_count("CreateEndpoint") == 1
    (deployment,) = second.status.history
    assert deployment.version == 1
    assert deployment.started_at >= ELIGIBLE_AT
    assert second.status.skipped_versions == ()
