"""Deterministic names: valid for SageMaker, stable, unique per owner and content."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from model_deployment_operator.domain import naming
from model_deployment_operator.domain.naming import DeploymentRef

SAGEMAKER_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
# Kubernetes namespaces are DNS labels; object names DNS subdomains (dots allowed).
k8s_label = st.from_regex(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?", fullmatch=True)
k8s_subdomain = st.from_regex(r"[a-z0-9]([-a-z0-9.]{0,80}[a-z0-9])?", fullmatch=True)
uids = st.uuids().map(str)


@given(k8s_label, k8s_subdomain, uids)
def test_default_endpoint_name_is_valid_and_deterministic(ns: str, name: str, uid: str) -> None:
    ref = DeploymentRef(ns, name, uid)
    endpoint = naming.default_endpoint_name(ref)
    assert SAGEMAKER_NAME.match(endpoint), endpoint
    assert endpoint == naming.default_endpoint_name(DeploymentRef(ns, name, "other-uid"))


def test_long_default_names_stay_distinct() -> None:
    long = "a" * 60
    first = naming.default_endpoint_name(DeploymentRef("team", long + "-one", "u"))
    second = naming.default_endpoint_name(DeploymentRef("team", long + "-two", "u"))
    assert len(first) <= 63
    assert first != second


@given(
    st.from_regex(r"[a-zA-Z0-9](-?[a-zA-Z0-9]){0,62}", fullmatch=True),
    uids,
    st.integers(min_value=1, max_value=999_999_999),
    st.sampled_from(["ml.m5.large", "ml.g5.12xlarge"]),
    st.integers(min_value=1, max_value=1000),
)
def test_model_and_config_names_fit_sagemaker(
    endpoint: str, uid: str, version: int, instance_type: str, count: int
) -> None:
    ref = DeploymentRef("ns", "name", uid)
    model = naming.model_name(
        ref=ref,
        endpoint_name=endpoint,
        package_arn=f"arn:aws:sagemaker:us-east-1:1:model-package/g/{version}",
        version=version,
        execution_role="arn:aws:iam::1:role/r",
    )
    config = naming.endpoint_config_name(
        ref=ref,
        endpoint_name=endpoint,
        version=version,
        model=model,
        variant_name="AllTraffic",
        instance_type=instance_type,
        instance_count=count,
    )
    for name in (model, config):
        assert SAGEMAKER_NAME.match(name), name
        assert naming.owned_name_pattern(endpoint).match(name), name


def _config(uid: str = "u1", instance_type: str = "ml.m5.large", count: int = 1) -> str:
    return naming.endpoint_config_name(
        ref=DeploymentRef("ns", "n", uid),
        endpoint_name="ep",
        version=3,
        model="ep-v3-abcdef01",
        variant_name="AllTraffic",
        instance_type=instance_type,
        instance_count=count,
    )


def test_config_name_changes_with_content_and_owner_only() -> None:
    assert _config() == _config()
    assert _config() != _config(uid="u2")
    assert _config() != _config(instance_type="ml.m5.xlarge")
    assert _config() != _config(count=2)


def test_owned_name_pattern_rejects_other_endpoints_names() -> None:
    pattern = naming.owned_name_pattern("fraud")
    assert pattern.match("fraud-v12-0123abcd")
    assert not pattern.match("fraud-2-v12-0123abcd")
    assert not pattern.match("fraud-v12-0123abcd-extra")


def test_ownership_requires_the_exact_uid() -> None:
    ref = DeploymentRef("ns", "n", "uid-1")
    tags = naming.ownership_tags(ref)
    assert naming.is_owned_by(tags, ref)
    assert not naming.is_owned_by(tags, DeploymentRef("ns", "n", "uid-2"))
    assert not naming.is_owned_by({}, ref)


def test_user_tags_cannot_override_ownership() -> None:
    ref = DeploymentRef("ns", "n", "uid-1")
    tags = naming.resource_tags(ref, {naming.OWNER_UID_TAG: "forged", "team": "fraud"})
    assert tags[naming.OWNER_UID_TAG] == "uid-1"
    assert tags["team"] == "fraud"
