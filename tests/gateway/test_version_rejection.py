"""RejectModelPackage through the gateway against the emulator's registry: the version is
marked Rejected with the description, once; a version already Rejected (by an earlier tick
that crashed before writing status, or by a person) is left alone, its description kept."""

from __future__ import annotations

import pytest

from model_deployment_operator.domain.actions import RejectModelPackage
from model_deployment_operator.sagemaker.gateway import SageMakerGateway
from support.emulator_fixtures import REGION, Emulator
from support.emulator_scenario import register

pytestmark = pytest.mark.emulator


@pytest.fixture
def gateway(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> SageMakerGateway:
    for name, value in emulator.environment().items():
        monkeypatch.setenv(name, value)
    return SageMakerGateway(REGION)


def approval(emulator: Emulator, arn: str) -> tuple[str, str | None]:
    described = emulator.sagemaker.describe_model_package(ModelPackageName=arn)
    return described["ModelApprovalStatus"], described.get("ApprovalDescription")


def test_the_version_is_rejected_once_with_the_description(
    emulator: Emulator, gateway: SageMakerGateway
) -> None:
    arn = register(emulator, "fraud")
    action = RejectModelPackage(arn, 1, "Rejected by model-deployment-operator: alarm fraud-5xx")
    emulator.control.reset_calls()
    gateway.apply(action)
    gateway.apply(action)  # a retry after a crash
    assert approval(emulator, arn) == ("Rejected", action.description)
    assert emulator.control.call_count("UpdateModelPackage") == 1


def test_a_version_someone_already_rejected_keeps_their_description(
    emulator: Emulator, gateway: SageMakerGateway
) -> None:
    arn = register(emulator, "fraud")
    emulator.sagemaker.update_model_package(
        ModelPackageArn=arn, ModelApprovalStatus="Rejected", ApprovalDescription="bad AUC"
    )
    emulator.control.reset_calls()
    gateway.apply(RejectModelPackage(arn, 1, "Rejected by model-deployment-operator"))
    assert approval(emulator, arn) == ("Rejected", "bad AUC")
    assert emulator.control.call_count("UpdateModelPackage") == 0
