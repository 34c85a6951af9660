"""Which AWS identity acts for a ModelDeployment: the allow-list, the ExternalId, the session."""

from __future__ import annotations

import pytest

from model_deployment_operator.domain.naming import DeploymentRef
from model_deployment_operator.domain.reasons import Reason
from model_deployment_operator.domain.tenancy import (
    OPERATOR_IDENTITY,
    SESSION_NAME_LIMIT,
    AwsIdentity,
    IdentityRefused,
    TenancyPolicy,
    UnmappedNamespaces,
    identity_for,
    session_name,
)

TEAM_A = DeploymentRef(namespace="team-a", name="fraud", uid="u1")
OWN_ROLE = "arn:aws:iam::111122223333:role/mdo-tenant-{namespace}"
POLICY = TenancyPolicy(allowed_roles=(OWN_ROLE,))


def test_a_namespace_gets_the_role_its_pattern_allows_with_scoped_session() -> None:
    identity = identity_for(POLICY, TEAM_A, "arn:aws:iam::111122223333:role/mdo-tenant-team-a")
    assert isinstance(identity, AwsIdentity)
    assert identity.role_arn == "arn:aws:iam::111122223333:role/mdo-tenant-team-a"
    assert identity.external_id == "model-deployment-operator:team-a"
    assert identity.session_name == "mdo-team-a-fraud"
    assert dict(identity.session_tags) == {
        "mdo-namespace": "team-a",
        "mdo-modeldeployment": "fraud",
    }


def test_a_namespace_cannot_name_another_namespaces_role() -> None:
    refused = identity_for(POLICY, TEAM_A, "arn:aws:iam::111122223333:role/mdo-tenant-team-b")
    assert isinstance(refused, IdentityRefused)
    assert refused.reason is Reason.TENANT_ROLE_NOT_ALLOWED
    assert "team-a" in refused.message
    assert "mdo-tenant-team-b" in refused.message


@pytest.mark.parametrize(
    "requested",
    [
        "arn:aws:iam::444455556666:role/mdo-tenant-team-a",  # another account
        "arn:aws:iam::111122223333:role/admin",
        "not-an-arn",
        "arn:aws:iam::111122223333:user/mdo-tenant-team-a",
    ],
)
def test_roles_outside_the_allow_list_are_refused(requested: str) -> None:
    refused = identity_for(POLICY, TEAM_A, requested)
    assert isinstance(refused, IdentityRefused)
    assert refused.reason is Reason.TENANT_ROLE_NOT_ALLOWED


def test_without_an_allow_list_no_namespace_may_name_a_role() -> None:
    refused = identity_for(
        TenancyPolicy(), TEAM_A, "arn:aws:iam::111122223333:role/mdo-tenant-team-a"
    )
    assert isinstance(refused, IdentityRefused)
    assert "none configured" in refused.message


def test_wildcards_and_a_custom_external_id() -> None:
    policy = TenancyPolicy(
        allowed_roles=("arn:aws:iam::*:role/ml/{namespace}-*",), external_id="eks-prod/{namespace}"
    )
    identity = identity_for(policy, TEAM_A, "arn:aws:iam::444455556666:role/ml/team-a-deployer")
    assert isinstance(identity, AwsIdentity)
    assert identity.external_id == "eks-prod/team-a"


@pytest.mark.parametrize(
    ("unmapped", "expected"),
    [
        (UnmappedNamespaces.USE_OPERATOR_ROLE, OPERATOR_IDENTITY),
        (UnmappedNamespaces.REFUSE, Reason.TENANT_ROLE_MISSING),
    ],
)
def test_a_namespace_without_annotation(
    unmapped: UnmappedNamespaces, expected: AwsIdentity | Reason
) -> None:
    policy = TenancyPolicy(allowed_roles=(OWN_ROLE,), unmapped=unmapped)
    for requested in (None, ""):
        chosen = identity_for(policy, TEAM_A, requested)
        if isinstance(expected, Reason):
            assert isinstance(chosen, IdentityRefused)
            assert chosen.reason is expected
            assert "sagemaker.mlops.dev/aws-role-arn" in chosen.message
        else:
            assert chosen == expected


def test_long_names_give_distinct_session_names_within_the_sts_limit() -> None:
    first = session_name(DeploymentRef("n" * 60, "model-a" * 5, "u"))
    second = session_name(DeploymentRef("n" * 60, "model-b" * 5, "u"))
    assert len(first) <= SESSION_NAME_LIMIT
    assert len(second) <= SESSION_NAME_LIMIT
    assert first != second
    assert session_name(DeploymentRef("ns", "a.b", "u")) == "mdo-ns-a.b"
