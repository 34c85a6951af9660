"""Model Registry conformance (sagemaker-semantics.md §4), through boto3."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from support.emulator_fixtures import ACCOUNT, REGION, Emulator
from support.emulator_scenario import INFERENCE, register

pytestmark = pytest.mark.emulator


def versions(emulator: Emulator, group: str, **filters: str) -> list[int]:
    pages = emulator.sagemaker.get_paginator("list_model_packages").paginate(
        ModelPackageGroupName=group, **filters
    )
    return [s["ModelPackageVersion"] for p in pages for s in p["ModelPackageSummaryList"]]


def test_versions_start_at_one_and_are_never_reused(emulator: Emulator) -> None:
    """§4 Versions and names: versions count from 1; a deleted version's number is not
    given again (open question 3: the emulator never reuses, like a monotonic counter)."""
    first = register(emulator, "churn")
    second = register(emulator, "churn")
    assert first.endswith("/churn/1")
    assert second.endswith("/churn/2")
    emulator.sagemaker.delete_model_package(ModelPackageName=second)
    third = register(emulator, "churn")
    assert third.endswith("/churn/3")
    assert versions(emulator, "churn") == [1, 3]


def test_default_approval_is_pending_and_updates_are_visible(emulator: Emulator) -> None:
    """§4 Approval transitions: without ModelApprovalStatus a version waits for manual
    approval; UpdateModelPackage changes it and DescribeModelPackage shows the change."""
    sm = emulator.sagemaker
    sm.create_model_package_group(ModelPackageGroupName="fraud")
    arn = sm.create_model_package(ModelPackageGroupName="fraud", InferenceSpecification=INFERENCE)[
        "ModelPackageArn"
    ]
    described = sm.describe_model_package(ModelPackageName=arn)
    assert described["ModelApprovalStatus"] == "PendingManualApproval"
    assert described["ModelPackageVersion"] == 1
    assert described["ModelPackageGroupName"] == "fraud"
    sm.update_model_package(ModelPackageArn=arn, ModelApprovalStatus="Approved")
    assert sm.describe_model_package(ModelPackageName=arn)["ModelApprovalStatus"] == "Approved"
    sm.update_model_package(ModelPackageArn=arn, ModelApprovalStatus="Rejected")
    assert sm.describe_model_package(ModelPackageName=arn)["ModelApprovalStatus"] == "Rejected"


def test_list_filters_sorting_and_pagination(emulator: Emulator) -> None:
    """§4 ListModelPackages: ascending by default, SortOrder=Descending on request,
    ModelApprovalStatus filters, and NextToken pages that add up to the whole list."""
    for approval in ("Approved", "Rejected", "Approved", "PendingManualApproval", "Approved"):
        register(emulator, "fraud", approval=approval)
    assert versions(emulator, "fraud") == [1, 2, 3, 4, 5]
    assert versions(emulator, "fraud", SortBy="CreationTime", SortOrder="Descending") == [
        5,
        4,
        3,
        2,
        1,
    ]
    assert versions(emulator, "fraud", ModelApprovalStatus="Approved") == [1, 3, 5]
    sm = emulator.sagemaker
    page = sm.list_model_packages(ModelPackageGroupName="fraud", MaxResults=2)
    assert [s["ModelPackageVersion"] for s in page["ModelPackageSummaryList"]] == [1, 2]
    following = sm.list_model_packages(
        ModelPackageGroupName="fraud", MaxResults=2, NextToken=page["NextToken"]
    )
    assert [s["ModelPackageVersion"] for s in following["ModelPackageSummaryList"]] == [3, 4]


def test_versioned_packages_of_other_groups_are_not_listed(emulator: Emulator) -> None:
    """§4 ListModelPackages: a group filter lists that group only."""
    register(emulator, "fraud")
    register(emulator, "churn")
    register(emulator, "churn")
    assert versions(emulator, "fraud") == [1]
    assert versions(emulator, "churn") == [1, 2]


def test_not_found_errors_are_worded_as_aws_words_them(emulator: Emulator) -> None:
    """§0 and §4: a missing package or group is a ValidationException naming the object."""
    sm = emulator.sagemaker
    missing = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package/ghost/1"
    with pytest.raises(ClientError) as package:
        sm.describe_model_package(ModelPackageName=missing)
    assert package.value.response["Error"]["Code"] == "ValidationException"
    assert "does not exist" in package.value.response["Error"]["Message"]
    assert "ghost" in package.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as group:
        sm.describe_model_package_group(ModelPackageGroupName="ghost")
    assert group.value.response["Error"]["Code"] == "ValidationException"
    assert "ghost" in group.value.response["Error"]["Message"]
    assert group.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_group_with_versions_cannot_be_deleted(emulator: Emulator) -> None:
    """§4 (open question 7): deleting a group that still holds versions is refused."""
    register(emulator, "fraud")
    with pytest.raises(ClientError) as refused:
        emulator.sagemaker.delete_model_package_group(ModelPackageGroupName="fraud")
    assert "model package versions" in refused.value.response["Error"]["Message"]
