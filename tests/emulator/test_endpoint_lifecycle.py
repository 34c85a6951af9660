"""Models, configs and the endpoint lifecycle with time (sagemaker-semantics.md §1, §2, §4
CreateModel from a package, §6 names), through boto3."""

from __future__ import annotations

import time

import pytest
from botocore.exceptions import ClientError

from support.emulator_fixtures import (
    ACCOUNT,
    REGION,
    ROLE,
    TRANSITION_SECONDS,
    Emulator,
    eventually,
)
from support.emulator_scenario import (
    model_and_config,
    register,
    serving_endpoint,
    status,
    wait_status,
)

pytestmark = pytest.mark.emulator


def error_of(caught: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    error = caught.value.response["Error"]
    return error["Code"], error["Message"]


@pytest.mark.parametrize("approval", ["PendingManualApproval", "Rejected"])
def test_create_model_refuses_a_package_that_is_not_approved(
    emulator: Emulator, approval: str
) -> None:
    """§4 CreateModel from a package (open question 1, the emulator's choice): a version
    that is not Approved cannot become a model; the message names the package."""
    arn = register(emulator, "fraud", approval=approval)
    with pytest.raises(ClientError) as refused:
        emulator.sagemaker.create_model(
            ModelName="m", ExecutionRoleArn=ROLE, Containers=[{"ModelPackageName": arn}]
        )
    code, message = error_of(refused)
    assert code == "ValidationException"
    assert arn in message
    assert approval in message


def test_create_model_refuses_a_package_that_is_not_completed(emulator: Emulator) -> None:
    """§4 CreateModel from a package: ModelPackageStatus must be Completed."""
    emulator.control.request("PUT", "model-packages/initial-status", {"status": "InProgress"})
    sm = emulator.sagemaker
    sm.create_model_package_group(ModelPackageGroupName="fraud")
    arn = sm.create_model_package(
        ModelPackageGroupName="fraud",
        ModelApprovalStatus="Approved",
        InferenceSpecification={"Containers": [{"Image": "img"}]},
    )["ModelPackageArn"]
    assert sm.describe_model_package(ModelPackageName=arn)["ModelPackageStatus"] == "InProgress"
    with pytest.raises(ClientError) as refused:
        sm.create_model(
            ModelName="m", ExecutionRoleArn=ROLE, Containers=[{"ModelPackageName": arn}]
        )
    assert "not Completed" in error_of(refused)[1]
    emulator.control.set_package_status(arn, "Completed")
    sm.create_model(ModelName="m", ExecutionRoleArn=ROLE, Containers=[{"ModelPackageName": arn}])
    assert sm.describe_model(ModelName="m")["ModelName"] == "m"


def test_endpoint_goes_creating_then_in_service_after_the_configured_time(
    emulator: Emulator,
) -> None:
    """§1 Transitions: CreateEndpoint -> Creating -> InService, taking the configured time;
    §6: the ARN's resource part is lower-cased."""
    package = register(emulator, "fraud")
    config = model_and_config(emulator, "fraud-v1", package)
    started = time.monotonic()
    arn = emulator.sagemaker.create_endpoint(EndpointName="Fraud-Prod", EndpointConfigName=config)[
        "EndpointArn"
    ]
    assert arn == f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:endpoint/fraud-prod"
    assert status(emulator, "Fraud-Prod") == "Creating"
    wait_status(emulator, "Fraud-Prod", "InService")
    assert time.monotonic() - started >= TRANSITION_SECONDS * 0.9
    described = emulator.sagemaker.describe_endpoint(EndpointName="Fraud-Prod")
    assert described["EndpointName"] == "Fraud-Prod"
    assert described["EndpointConfigName"] == config
    assert described["ProductionVariants"][0]["CurrentInstanceCount"] == 1


def test_endpoint_names_are_unique_regardless_of_case(emulator: Emulator) -> None:
    """§6: endpoint names are case-insensitively unique."""
    serving_endpoint(emulator, "fraud-prod")
    with pytest.raises(ClientError) as refused:
        emulator.sagemaker.create_endpoint(
            EndpointName="FRAUD-PROD", EndpointConfigName="fraud-prod-v1"
        )
    code, message = error_of(refused)
    assert code == "ValidationException"
    assert "already existing endpoint" in message


@pytest.mark.parametrize(
    ("name", "constraint"),
    [
        ("x" * 64, "length less than or equal to 63"),
        ("bad_name", "regular expression pattern"),
        ("-leading", "regular expression pattern"),
    ],
)
def test_endpoint_names_are_validated_by_the_server(
    emulator: Emulator, name: str, constraint: str
) -> None:
    """§6 Naming rules: the pattern and the 63-character limit are checked server-side,
    with AWS's "failed to satisfy constraint" wording."""
    with pytest.raises(ClientError) as refused:
        emulator.sagemaker.create_endpoint(EndpointName=name, EndpointConfigName="any")
    code, message = error_of(refused)
    assert code == "ValidationException"
    assert "failed to satisfy constraint" in message
    assert constraint in message


def test_update_shows_pending_summary_then_lands_on_the_new_config(emulator: Emulator) -> None:
    """§1 and §2: UpdateEndpoint -> Updating with PendingDeploymentSummary naming the new
    config, the old config still current; then InService on the new one, DeploymentConfig
    recorded."""
    serving_endpoint(emulator, "fraud-prod")
    new = model_and_config(emulator, "fraud-prod-v2", register(emulator, "fraud"))
    deployment = {
        "BlueGreenUpdatePolicy": {
            "TrafficRoutingConfiguration": {"Type": "ALL_AT_ONCE", "WaitIntervalInSeconds": 0},
            "TerminationWaitInSeconds": 0,
        }
    }
    emulator.sagemaker.update_endpoint(
        EndpointName="fraud-prod", EndpointConfigName=new, DeploymentConfig=deployment
    )
    during = emulator.sagemaker.describe_endpoint(EndpointName="fraud-prod")
    assert during["EndpointStatus"] == "Updating"
    assert during["EndpointConfigName"] == "fraud-prod-v1"
    assert during["PendingDeploymentSummary"]["EndpointConfigName"] == new
    wait_status(emulator, "fraud-prod", "InService")
    after = emulator.sagemaker.describe_endpoint(EndpointName="fraud-prod")
    assert after["EndpointConfigName"] == new
    assert "PendingDeploymentSummary" not in after
    recorded = after["LastDeploymentConfig"]["BlueGreenUpdatePolicy"]
    assert recorded["TrafficRoutingConfiguration"]["Type"] == "ALL_AT_ONCE"


def test_retained_variant_properties_keep_the_scaled_count(emulator: Emulator) -> None:
    """§2 Parameters: RetainAllVariantProperties keeps the live instance count;
    ExcludeRetainedVariantProperties lets the new config's count through."""
    serving_endpoint(emulator, "fraud-prod")
    sm = emulator.sagemaker
    sm.update_endpoint_weights_and_capacities(
        EndpointName="fraud-prod",
        DesiredWeightsAndCapacities=[{"VariantName": "AllTraffic", "DesiredInstanceCount": 3}],
    )
    wait_status(emulator, "fraud-prod", "InService")
    package = register(emulator, "fraud")
    retained = model_and_config(emulator, "fraud-prod-v2", package, count=1)
    sm.update_endpoint(
        EndpointName="fraud-prod", EndpointConfigName=retained, RetainAllVariantProperties=True
    )
    wait_status(emulator, "fraud-prod", "InService")
    variant = sm.describe_endpoint(EndpointName="fraud-prod")["ProductionVariants"][0]
    assert variant["DesiredInstanceCount"] == 3
    excluded = model_and_config(emulator, "fraud-prod-v3", package, count=2)
    sm.update_endpoint(
        EndpointName="fraud-prod",
        EndpointConfigName=excluded,
        RetainAllVariantProperties=True,
        ExcludeRetainedVariantProperties=[{"VariantPropertyType": "DesiredInstanceCount"}],
    )
    wait_status(emulator, "fraud-prod", "InService")
    variant = sm.describe_endpoint(EndpointName="fraud-prod")["ProductionVariants"][0]
    assert variant["DesiredInstanceCount"] == 2


def test_update_or_delete_while_busy_is_refused(emulator: Emulator) -> None:
    """§1 Calling Update/Delete while Creating or Updating: ValidationException
    "Cannot update in-progress endpoint"."""
    package = register(emulator, "fraud")
    config = model_and_config(emulator, "fraud-v1", package)
    emulator.sagemaker.create_endpoint(EndpointName="fraud-prod", EndpointConfigName=config)
    with pytest.raises(ClientError) as update:
        emulator.sagemaker.update_endpoint(EndpointName="fraud-prod", EndpointConfigName=config)
    assert error_of(update)[0] == "ValidationException"
    assert "Cannot update in-progress endpoint" in error_of(update)[1]
    with pytest.raises(ClientError) as delete:
        emulator.sagemaker.delete_endpoint(EndpointName="fraud-prod")
    assert "Cannot update in-progress endpoint" in error_of(delete)[1]


def test_delete_goes_through_deleting_then_the_endpoint_is_gone(emulator: Emulator) -> None:
    """§1 Transitions: DeleteEndpoint -> Deleting -> not found."""
    serving_endpoint(emulator, "fraud-prod")
    emulator.sagemaker.delete_endpoint(EndpointName="fraud-prod")
    assert status(emulator, "fraud-prod") == "Deleting"

    def gone() -> bool:
        try:
            status(emulator, "fraud-prod")
        except ClientError as error:
            return "Could not find endpoint" in error.response["Error"]["Message"]
        return False

    eventually(gone, "the endpoint to disappear")


def test_injected_create_failure_leaves_a_failed_endpoint_that_only_accepts_delete(
    emulator: Emulator,
) -> None:
    """§1 Status values and Other DeleteEndpoint facts: a Failed endpoint carries
    FailureReason and accepts only DeleteEndpoint."""
    emulator.control.fail_next_endpoint_create("fraud-prod", "Image not found")
    package = register(emulator, "fraud")
    config = model_and_config(emulator, "fraud-v1", package)
    emulator.sagemaker.create_endpoint(EndpointName="fraud-prod", EndpointConfigName=config)
    wait_status(emulator, "fraud-prod", "Failed")
    described = emulator.sagemaker.describe_endpoint(EndpointName="fraud-prod")
    assert described["FailureReason"] == "Image not found"
    with pytest.raises(ClientError) as update:
        emulator.sagemaker.update_endpoint(EndpointName="fraud-prod", EndpointConfigName=config)
    assert error_of(update)[0] == "ValidationException"
    emulator.sagemaker.delete_endpoint(EndpointName="fraud-prod")
    assert status(emulator, "fraud-prod") == "Deleting"


def test_injected_update_failure_returns_to_the_old_config_with_a_reason(
    emulator: Emulator,
) -> None:
    """§1 Failed update: the endpoint goes back to InService on the old config and
    FailureReason says why; it stays serving."""
    serving_endpoint(emulator, "fraud-prod")
    new = model_and_config(emulator, "fraud-prod-v2", register(emulator, "fraud"))
    emulator.control.fail_next_endpoint_update("fraud-prod", "Health check failed")
    emulator.sagemaker.update_endpoint(EndpointName="fraud-prod", EndpointConfigName=new)
    assert status(emulator, "fraud-prod") == "Updating"
    wait_status(emulator, "fraud-prod", "InService")
    described = emulator.sagemaker.describe_endpoint(EndpointName="fraud-prod")
    assert described["EndpointConfigName"] == "fraud-prod-v1"
    assert described["FailureReason"] == "Health check failed"
    # Only the next update fails: a second attempt succeeds and clears the reason.
    emulator.sagemaker.update_endpoint(EndpointName="fraud-prod", EndpointConfigName=new)
    wait_status(emulator, "fraud-prod", "InService")
    described = emulator.sagemaker.describe_endpoint(EndpointName="fraud-prod")
    assert described["EndpointConfigName"] == new
    assert "FailureReason" not in described


def test_durations_change_at_run_time(emulator: Emulator) -> None:
    """Control API: transition durations are settable while the emulator runs."""
    emulator.control.set_durations(creatingSeconds=0)
    package = register(emulator, "fraud")
    config = model_and_config(emulator, "fraud-v1", package)
    emulator.sagemaker.create_endpoint(EndpointName="fraud-prod", EndpointConfigName=config)
    assert status(emulator, "fraud-prod") == "InService"
    assert emulator.control.request("GET", "durations")["creatingSeconds"] == 0
