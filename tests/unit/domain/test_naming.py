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
