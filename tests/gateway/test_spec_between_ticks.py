"""The reconciler keeps the spec it parsed and the deployment it built from one tick to the
next; an edited spec (a new body from the watch), even one read under the same generation,
is what the next tick acts on, against the emulator."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from model_deployment_operator.domain.naming import DeploymentRef
from model_deployment_operator.domain.status import ConditionType
from model_deployment_operator.domain.tenancy import OPERATOR_IDENTITY, AwsIdentity
from model_deployment_operator.ports import SageMakerPort
from model_deployment_operator.reconcile.outcomes import ReconcilerSettings
from model_deployment_operator.reconcile.reconciler import Reconciler
from model_deployment_operator.sagemaker.gateway import SageMakerGateway
from support.emulator_fixtures import REGION, ROLE, Emulator, eventually
from support.emulator_scenario import register

pytestmark = pytest.mark.emulator

REF = DeploymentRef("ml-prod", "fraud", "uid-fraud")


@pytest.fixture
def reconciler(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Reconciler:
    for key, value in emulator.environment().items():
        monkeypatch.setenv(key, value)
    gateway = SageMakerGateway(REGION, max_attempts=1, session=boto3.session.Session())

    def ports(region: str, identity: AwsIdentity = OPERATOR_IDENTITY) -> SageMakerPort:
        return gateway

    settings = ReconcilerSettings(default_region=REGION, jitter_fraction=0)
    return Reconciler(ports, settings, clock=lambda: datetime.now(UTC))


def spec(group: str, instance_type: str = "ml.m5.large") -> dict[str, Any]:
    return {
        "modelPackageGroupName": group,
        "executionRoleArn": ROLE,
        "endpoint": {"instanceType": instance_type, "initialInstanceCount": 1},
    }


def ready_message(reconciler: Reconciler, raw_spec: dict[str, Any], generation: int) -> str:
    outcome = reconciler.reconcile(REF, generation, raw_spec, {})
    condition = outcome.status.condition(ConditionType.READY)
    assert condition is not None
    return condition.message


def test_an_edited_spec_is_acted_on_at_the_next_tick(
    emulator: Emulator, reconciler: Reconciler
) -> None:
    emulator.sagemaker.create_model_package_group(ModelPackageGroupName="fraud-a")
    emulator.sagemaker.create_model_package_group(ModelPackageGroupName="fraud-b")
    raw = spec("fraud-a")
    assert "fraud-a" in ready_message(reconciler, raw, 1)
    assert "fraud-a" in ready_message(reconciler, dict(raw), 1)
    # The watch hands over the edited object as a new body (it never edits one in place);
    # a stale read of the generation does not keep the old spec alive.
    edited = {**raw, "modelPackageGroupName": "fraud-b"}
    message = ready_message(reconciler, edited, 1)
    assert "fraud-b" in message
    assert "fraud-a" not in message


def test_a_new_instance_type_reaches_the_endpoint_config(
    emulator: Emulator, reconciler: Reconciler
) -> None:
    register(emulator, "fraud")
    raw = spec("fraud")
    reconciler.reconcile(REF, 1, raw, {})
    assert instance_types(emulator) == {"ml.m5.large"}
    edited = spec("fraud", "ml.c5.xlarge")

    def updated() -> bool:
        reconciler.reconcile(REF, 2, edited, {})
        return "ml.c5.xlarge" in instance_types(emulator)

    eventually(updated, "an endpoint config with the edited instance type")
    assert instance_types(emulator) == {"ml.m5.large", "ml.c5.xlarge"}


def instance_types(emulator: Emulator) -> set[str]:
    configs = emulator.sagemaker.list_endpoint_configs()["EndpointConfigs"]
    return {
        variant["InstanceType"]
        for summary in configs
        for variant in emulator.sagemaker.describe_endpoint_config(
            EndpointConfigName=summary["EndpointConfigName"]
        )["ProductionVariants"]
    }
