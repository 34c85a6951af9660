"""A desired deployment renders each package's target once (planner and observer ask for
it every tick), and a deployment with another spec never reuses it."""

from __future__ import annotations

from dataclasses import replace

from model_deployment_operator.domain.naming import default_endpoint_name
from model_deployment_operator.domain.spec import parse_spec
from support.domain_builders import REF, desired, package, spec_dict


def test_the_same_package_gets_the_target_rendered_the_first_time() -> None:
    deployment = desired()
    first = deployment.target_for(package(3))
    assert deployment.target_for(package(3)) is first
    assert deployment.target_for(package(4)).model_name != first.model_name


def test_a_package_whose_approval_changed_is_rendered_for_what_it_is_now() -> None:
    deployment = desired()
    approved = deployment.target_for(package(3))
    rejected = deployment.target_for(package(3, approval="Rejected"))
    assert rejected.package.approval_status == "Rejected"
    assert approved.package.approval_status == "Approved"


def test_a_copy_with_another_spec_renders_its_own_targets() -> None:
    deployment = desired()
    small = deployment.target_for(package(3))
    bigger = replace(
        deployment, spec=parse_spec(spec_dict(endpoint={"instanceType": "ml.m5.xlarge"}))
    )
    target = bigger.target_for(package(3))
    assert target.instance_type == "ml.m5.xlarge"
    assert small.instance_type == "ml.m5.large"
    assert target.config_name != small.config_name


def test_the_endpoint_name_follows_the_spec_of_each_copy() -> None:
    deployment = desired()
    assert deployment.endpoint_name == default_endpoint_name(REF)
    renamed = replace(deployment, spec=parse_spec(spec_dict(endpoint={"name": "fraud-live"})))
    assert renamed.endpoint_name == "fraud-live"
    assert deployment.endpoint_name == default_endpoint_name(REF)
