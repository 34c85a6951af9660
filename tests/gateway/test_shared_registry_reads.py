"""The reconciler's registry reads against the emulator: the ModelDeployments of one group
share one listing per poll interval, a pinned one reads from it, promotion requirements
share one read of a version's details, and a registry event makes all of it read afresh."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from model_deployment_operator.domain.naming import DeploymentRef
from model_deployment_operator.domain.tenancy import OPERATOR_IDENTITY, AwsIdentity
from model_deployment_operator.ports import SageMakerPort
from model_deployment_operator.reconcile.outcomes import ReconcilerSettings
from model_deployment_operator.reconcile.reconciler import Reconciler
from model_deployment_operator.sagemaker.gateway import SageMakerGateway
from support.emulator_fixtures import REGION, ROLE, Emulator
from support.emulator_scenario import register

pytestmark = pytest.mark.emulator

GROUP = "fraud-detector"
POLL = 60.0
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


class Monotonic:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def spec(**approval: Any) -> dict[str, Any]:
    return {
        "modelPackageGroupName": GROUP,
        "executionRoleArn": ROLE,
        "approval": {"policy": "LatestApproved", **approval},
        "endpoint": {"instanceType": "ml.m5.large", "initialInstanceCount": 1},
    }


@pytest.fixture
def gateway(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> SageMakerGateway:
    for key, value in emulator.environment().items():
        monkeypatch.setenv(key, value)
    return SageMakerGateway(REGION, max_attempts=1, session=boto3.session.Session())


@pytest.fixture
def monotonic() -> Monotonic:
    return Monotonic()


@pytest.fixture
def reconciler(gateway: SageMakerGateway, monotonic: Monotonic) -> Reconciler:
    def ports(region: str, identity: AwsIdentity = OPERATOR_IDENTITY) -> SageMakerPort:
        return gateway

    settings = ReconcilerSettings(
        default_region=REGION, registry_poll_seconds=POLL, jitter_fraction=0
    )
    return Reconciler(ports, settings, clock=lambda: NOW, monotonic=monotonic)


def reconcile_all(reconciler: Reconciler, deployments: dict[str, dict[str, Any]]) -> None:
    for name, spec_of in deployments.items():
        reconciler.reconcile(DeploymentRef("ml-prod", name, f"uid-{name}"), 1, spec_of, {})


def test_one_listing_per_group_and_poll_for_every_deployment(
    emulator: Emulator, reconciler: Reconciler, monotonic: Monotonic
) -> None:
    register(emulator, GROUP)
    register(emulator, GROUP)
    deployments = {
        "fraud-a": spec(),
        "fraud-b": spec(),
        "fraud-c": spec(),
        "fraud-pinned": spec(policy="Pinned", pinnedVersion=1),
    }
    emulator.control.reset_calls()
    reconcile_all(reconciler, deployments)
    assert emulator.control.call_count("ListModelPackages") == 1
    # Version 1 was in the listing: the pinned deployment described nothing.
    assert emulator.control.call_count("DescribeModelPackage") == 0
    assert emulator.control.call_count("DescribeModelPackageGroup") == 1

    monotonic.now += POLL / 2
    reconcile_all(reconciler, deployments)
    assert emulator.control.call_count("ListModelPackages") == 1

    reconciler.registry_changed(GROUP)
    reconcile_all(reconciler, deployments)
    assert emulator.control.call_count("ListModelPackages") == 2

    monotonic.now += POLL
    reconcile_all(reconciler, deployments)
    assert emulator.control.call_count("ListModelPackages") == 3
    assert emulator.control.call_count("DescribeModelPackageGroup") == 1


def test_the_deployment_whose_poll_finds_a_new_approval_wakes_the_rest_of_the_group(
    emulator: Emulator, reconciler: Reconciler, monotonic: Monotonic
) -> None:
    register(emulator, GROUP)
    deployments = {name: spec() for name in ("fraud-a", "fraud-b", "fraud-c")}
    reconcile_all(reconciler, deployments)
    monotonic.now += POLL
    first = reconciler.reconcile(DeploymentRef("ml-prod", "fraud-a", "uid-fraud-a"), 1, spec(), {})
    assert first.wake == ()  # nothing changed

    register(emulator, GROUP)
    monotonic.now += POLL
    found = reconciler.reconcile(DeploymentRef("ml-prod", "fraud-b", "uid-fraud-b"), 1, spec(), {})
    assert set(found.wake) == {"uid-fraud-a", "uid-fraud-c"}
    woken = reconciler.reconcile(DeploymentRef("ml-prod", "fraud-c", "uid-fraud-c"), 1, spec(), {})
    assert woken.wake == ()


def test_promotion_requirements_share_one_read_of_a_versions_details(
    emulator: Emulator, reconciler: Reconciler
) -> None:
    arn = register(emulator, GROUP)
    emulator.sagemaker.update_model_package(
        ModelPackageArn=arn, CustomerMetadataProperties={"auc": "0.85"}
    )
    gate = {
        "metricGates": [
            {"customerMetadataProperty": "auc", "comparison": "GreaterThan", "threshold": 0.9}
        ]
    }
    deployments = {name: spec(requirements=gate) for name in ("gated-a", "gated-b", "gated-c")}
    emulator.control.reset_calls()
    reconcile_all(reconciler, deployments)
    reconcile_all(reconciler, deployments)
    assert emulator.control.call_count("ListModelPackages") == 1
    # Judged on one read, and stamped with the approval time once.
    assert emulator.control.call_count("DescribeModelPackage") == 1
    assert emulator.control.call_count("UpdateModelPackage") == 1
    assert emulator.control.call_count("CreateEndpoint") == 0

    # A registry event (new metrics, say) drops the details with the listing.
    emulator.sagemaker.update_model_package(
        ModelPackageArn=arn, CustomerMetadataProperties={"auc": "0.95"}
    )
    reconciler.registry_changed(GROUP)
    reconcile_all(reconciler, deployments)
    assert emulator.control.call_count("ListModelPackages") == 2
    assert emulator.control.call_count("DescribeModelPackage") == 2
    assert emulator.control.call_count("CreateEndpoint") == len(deployments)
