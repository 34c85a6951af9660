"""Search over the Model Registry (ModelPackage and ModelPackageGroup resources), as the
SageMaker Python SDK and Studio use it."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from support.emulator_fixtures import IMAGE, Emulator
from support.emulator_scenario import INFERENCE, error_of

pytestmark = pytest.mark.emulator


def registry(emulator: Emulator) -> list[str]:
    """Two groups; fraud has versions 1-4 (approved, rejected, approved, pending)."""
    sm = emulator.sagemaker
    sm.create_model_package_group(
        ModelPackageGroupName="fraud",
        ModelPackageGroupDescription="card fraud",
        Tags=[{"Key": "team", "Value": "risk"}],
    )
    sm.create_model_package_group(
        ModelPackageGroupName="churn", Tags=[{"Key": "team", "Value": "growth"}]
    )
    arns = []
    for index, approval in enumerate(
        ["Approved", "Rejected", "Approved", "PendingManualApproval"], start=1
    ):
        arns.append(
            sm.create_model_package(
                ModelPackageGroupName="fraud",
                ModelApprovalStatus=approval,
                InferenceSpecification=INFERENCE,
                CustomerMetadataProperties={"auc": f"0.9{index}", "framework": "xgboost"},
            )["ModelPackageArn"]
        )
    sm.create_model_package(
        ModelPackageGroupName="churn",
        ModelApprovalStatus="Approved",
        InferenceSpecification=INFERENCE,
    )
    return arns


def search(emulator: Emulator, resource: str = "ModelPackage", **params: Any) -> list[Any]:
    pages = emulator.sagemaker.get_paginator("search").paginate(Resource=resource, **params)
    return [result[resource] for page in pages for result in page["Results"]]


def versions(results: list[Any]) -> list[int]:
    return [r["ModelPackageVersion"] for r in results]


def expression(*filters: dict[str, str], operator: str = "And") -> dict[str, Any]:
    return {"Filters": list(filters), "Operator": operator}


def test_filters_on_common_model_package_fields(emulator: Emulator) -> None:
    """Search API reference, Filter: Equals (also when only a Value is given), NotEquals,
    numeric comparisons, In, Contains, Exists/NotExists, metadata and tag properties; And
    is the default operator."""
    registry(emulator)
    approved = {"Name": "ModelApprovalStatus", "Value": "Approved"}
    in_fraud = {"Name": "ModelPackageGroupName", "Operator": "Equals", "Value": "fraud"}
    found = search(emulator, SearchExpression=expression(approved, in_fraud), SortOrder="Ascending")
    assert versions(found) == [1, 3]
    assert {r["ModelPackageGroupName"] for r in found} == {"fraud"}
    newer = {"Name": "ModelPackageVersion", "Operator": "GreaterThanOrEqualTo", "Value": "3"}
    assert versions(search(emulator, SearchExpression=expression(in_fraud, newer))) == [4, 3]
    either = {
        "Name": "ModelApprovalStatus",
        "Operator": "In",
        "Value": "Rejected,PendingManualApproval",
    }
    assert sorted(versions(search(emulator, SearchExpression=expression(either)))) == [2, 4]
    not_approved = {"Name": "ModelApprovalStatus", "Operator": "NotEquals", "Value": "Approved"}
    assert sorted(versions(search(emulator, SearchExpression=expression(not_approved)))) == [2, 4]
    metric = {"Name": "CustomerMetadataProperties.auc", "Operator": "Equals", "Value": "0.93"}
    assert versions(search(emulator, SearchExpression=expression(metric))) == [3]
    tagged = {"Name": "Tags.team", "Operator": "Equals", "Value": "growth"}
    [churn] = search(emulator, SearchExpression=expression(tagged))
    assert churn["ModelPackageGroupName"] == "churn"
    assert churn["Tags"] == [{"Key": "team", "Value": "growth"}]
    image = {
        "Name": "InferenceSpecification.Containers.Image",
        "Operator": "Contains",
        "Value": "FRAUD",
    }
    assert len(search(emulator, SearchExpression=expression(image))) == 5
    no_metadata = {"Name": "CustomerMetadataProperties", "Operator": "NotExists"}
    assert [
        r["ModelPackageGroupName"]
        for r in search(emulator, SearchExpression=expression(no_metadata))
    ] == ["churn"]


def test_sub_expressions_nested_filters_and_or(emulator: Emulator) -> None:
    """Search API reference, SearchExpression (SubExpressions, Operator And | Or) and
    NestedFilters (one element of the nested list satisfies every filter)."""
    registry(emulator)
    either = {
        "SubExpressions": [
            expression({"Name": "ModelPackageVersion", "Value": "2"}),
            expression({"Name": "ModelPackageGroupName", "Value": "churn"}),
        ],
        "Operator": "Or",
    }
    found = search(emulator, SearchExpression=either)
    assert sorted((r["ModelPackageGroupName"], r["ModelPackageVersion"]) for r in found) == [
        ("churn", 1),
        ("fraud", 2),
    ]
    nested = {
        "NestedFilters": [
            {
                "NestedPropertyName": "InferenceSpecification.Containers",
                "Filters": [
                    {
                        "Name": "InferenceSpecification.Containers.ModelDataUrl",
                        "Operator": "Contains",
                        "Value": "fraud",
                    },
                    {
                        "Name": "InferenceSpecification.Containers.Image",
                        "Operator": "Equals",
                        "Value": IMAGE,
                    },
                ],
            }
        ],
        "Filters": [{"Name": "ModelPackageGroupName", "Value": "churn"}],
    }
    assert versions(search(emulator, SearchExpression=nested)) == [1]


def test_sort_order_defaults_and_pagination(emulator: Emulator) -> None:
    """Search API reference: SortBy defaults to LastModifiedTime and SortOrder to
    Descending; MaxResults pages with NextToken add up to every hit, and TotalHits counts
    them."""
    arns = registry(emulator)
    emulator.sagemaker.update_model_package(ModelPackageArn=arns[0], ApprovalDescription="kept")
    in_fraud = expression({"Name": "ModelPackageGroupName", "Value": "fraud"})
    # Version 1 was modified last, so it comes first; then by creation, newest first.
    assert versions(search(emulator, SearchExpression=in_fraud)) == [1, 4, 3, 2]
    by_version = search(
        emulator, SearchExpression=in_fraud, SortBy="ModelPackageVersion", SortOrder="Ascending"
    )
    assert versions(by_version) == [1, 2, 3, 4]
    first = emulator.sagemaker.search(
        Resource="ModelPackage", SearchExpression=in_fraud, MaxResults=3, SortBy="CreationTime"
    )
    assert versions([r["ModelPackage"] for r in first["Results"]]) == [4, 3, 2]
    assert first["TotalHits"] == {"Value": 4, "Relation": "EqualTo"}
    rest = emulator.sagemaker.search(
        Resource="ModelPackage",
        SearchExpression=in_fraud,
        MaxResults=3,
        SortBy="CreationTime",
        NextToken=first["NextToken"],
    )
    assert versions([r["ModelPackage"] for r in rest["Results"]]) == [1]
    assert "NextToken" not in rest


def test_model_package_groups_are_searchable(emulator: Emulator) -> None:
    """Search API reference, Resource ModelPackageGroup: group records with their tags,
    filtered by name and description."""
    registry(emulator)
    groups = search(
        emulator, "ModelPackageGroup", SortBy="ModelPackageGroupName", SortOrder="Ascending"
    )
    assert [g["ModelPackageGroupName"] for g in groups] == ["churn", "fraud"]
    described = search(
        emulator,
        "ModelPackageGroup",
        SearchExpression=expression(
            {"Name": "ModelPackageGroupDescription", "Operator": "Contains", "Value": "fraud"}
        ),
    )
    assert [(g["ModelPackageGroupName"], g["Tags"]) for g in described] == [
        ("fraud", [{"Key": "team", "Value": "risk"}])
    ]


def test_visibility_conditions_hide_records_with_another_tag_value(emulator: Emulator) -> None:
    """Search API reference, VisibilityConditions: a result with the tag key is kept only
    when the value matches; results without the key are kept."""
    registry(emulator)
    groups = search(
        emulator, "ModelPackageGroup", VisibilityConditions=[{"Key": "Tags.team", "Value": "risk"}]
    )
    assert [g["ModelPackageGroupName"] for g in groups] == ["fraud"]


@pytest.mark.parametrize(
    ("search_expression", "expected"),
    [
        (
            expression({"Name": "ModelApprovalStatus", "Operator": "GreaterThan", "Value": "A"}),
            "not supported for text properties",
        ),
        (
            expression({"Name": "ModelPackageVersion", "Operator": "Contains", "Value": "1"}),
            "only supported for text properties",
        ),
        (
            expression(
                {"Name": "ModelPackageDescription", "Operator": "Contains", "Value": "a"},
                {"Name": "ModelPackageGroupName", "Operator": "Contains", "Value": "b"},
            ),
            "'CONTAINS' operator usage limit of 1 exceeded.",
        ),
        (expression({"Name": "NotAProperty", "Value": "x"}), "not a valid property"),
        ({"Operator": "And"}, "at least one subexpression, filter, or nested filter"),
        (
            expression({"Name": "CreationTime", "Operator": "GreaterThan", "Value": "yesterday"}),
            "not a timestamp",
        ),
    ],
)
def test_invalid_searches_are_refused(
    emulator: Emulator, search_expression: dict[str, Any], expected: str
) -> None:
    """Search API reference, Filter: ordering operators are "Not supported for text
    properties"; Contains and In are "Only supported for text properties"; one Contains per
    expression ("'CONTAINS' operator usage limit of 1 exceeded."); names must be valid
    properties; an expression needs a condition; timestamps are ISO 8601."""
    registry(emulator)
    with pytest.raises(ClientError) as refused:
        emulator.sagemaker.search(Resource="ModelPackage", SearchExpression=search_expression)
    code, message = error_of(refused)
    assert code == "ValidationException"
    assert expected in message


def test_timestamps_compare_as_iso_8601(emulator: Emulator) -> None:
    """Search API reference, Filter Value: timestamps are ISO 8601 date-times."""
    registry(emulator)
    after = {"Name": "CreationTime", "Operator": "GreaterThan", "Value": "2000-01-01T00:00:00"}
    before = {"Name": "CreationTime", "Operator": "LessThan", "Value": "2000-01-01T00:00:00"}
    assert len(search(emulator, SearchExpression=expression(after))) == 5
    assert search(emulator, SearchExpression=expression(before)) == []
