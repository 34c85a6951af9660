"""The operator re-checks the spec rules the CRD enforces, with readable messages."""

from __future__ import annotations

from typing import Any

import pytest

from model_deployment_operator.domain.spec import InvalidSpecError, parse_spec
from support.domain_builders import GROUP_ARN, spec_dict


def test_defaults_match_the_crd() -> None:
    spec = parse_spec(spec_dict())
    assert spec.approval.policy == "LatestApproved"
    assert spec.endpoint.variant_name == "AllTraffic"
    assert spec.endpoint.initial_instance_count == 1
    assert spec.deletion_policy is None
    assert spec.group_name == "fraud-detector"


def test_group_arn_gives_the_bare_group_name() -> None:
    assert parse_spec(spec_dict(modelPackageGroupName=GROUP_ARN)).group_name == "fraud-detector"


INVALID = [
    pytest.param(
        {"approval": {"policy": "Pinned"}}, "pinnedVersion is required", id="pinned-without-version"
    ),
    pytest.param(
        {"approval": {"pinnedVersion": 2}}, "must be omitted", id="version-without-pinned"
    ),
    pytest.param(
        {"autoscaling": {"minCapacity": 5, "maxCapacity": 2, "targetInvocationsPerInstance": 10}},
        "minCapacity must be less than or equal",
        id="min-above-max",
    ),
    pytest.param(
        {"endpoint": {"instanceType": "m5.large"}}, "spec.endpoint.instanceType", id="instance-type"
    ),
    pytest.param({"endpoint": {"name": "bad_name"}}, "spec.endpoint.name", id="endpoint-name"),
    pytest.param({"modelPackageGroupName": "no spaces"}, "modelPackageGroupName", id="group"),
    pytest.param({"tags": {"aws:owner": "x"}}, "must not start with 'aws:'", id="reserved-tag"),
    pytest.param({"surprise": 1}, "spec.surprise", id="unknown-field"),
]


@pytest.mark.parametrize(("overrides", "fragment"), INVALID)
def test_invalid_specs_are_explained(overrides: dict[str, Any], fragment: str) -> None:
    with pytest.raises(InvalidSpecError) as caught:
        parse_spec(spec_dict(**overrides))
    assert fragment in str(caught.value)
