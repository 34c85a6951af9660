"""STS AssumeRole against the role's trust policy, and who made each call (reference:
IAM User Guide, "Passing session tags in AWS STS" and "How to use an external ID when
granting access to your AWS resources to a third party"; STS API reference, AssumeRole:
AccessDenied when the trust policy does not allow the caller)."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from support.emulator_fixtures import REGION, Emulator, client_settings

pytestmark = pytest.mark.emulator

ACCOUNT = "123456789012"
ROLE_NAME = "mdo-tenant-team-a"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/{ROLE_NAME}"
EXTERNAL_ID = "model-deployment-operator:team-a"
WITHOUT_EXTERNAL_ID = object()


def trust_policy(*, external_id: str = EXTERNAL_ID, tag_session: bool = True) -> str:
    """As iam/tenant-role-trust-policy.json: AssumeRole with the ExternalId, and TagSession
    (in its own statement: sts:ExternalId is not in TagSession's request context) only for
    the namespace's own tag."""
    operator = {"AWS": f"arn:aws:iam::{ACCOUNT}:role/operator"}
    statements: list[dict[str, Any]] = [
        {
            "Sid": "AssumeForTheNamespace",
            "Effect": "Allow",
            "Principal": operator,
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": external_id}},
        }
    ]
    if tag_session:
        statements.append(
            {
                "Sid": "TagSessionsWithTheNamespace",
                "Effect": "Allow",
                "Principal": operator,
                "Action": "sts:TagSession",
                "Condition": {
                    "StringEquals": {"aws:RequestTag/mdo-namespace": "team-a"},
                    "ForAllValues:StringEquals": {
                        "aws:TagKeys": ["mdo-namespace", "mdo-modeldeployment"]
                    },
                },
            }
        )
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def iam(emulator: Emulator) -> Any:
    return boto3.client("iam", **client_settings(emulator.url))


def sts(emulator: Emulator) -> Any:
    return boto3.client("sts", **client_settings(emulator.url))


def assume(emulator: Emulator, **overrides: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {
        "RoleArn": ROLE_ARN,
        "RoleSessionName": "mdo-team-a-fraud",
        "ExternalId": EXTERNAL_ID,
        "Tags": [
            {"Key": "mdo-namespace", "Value": "team-a"},
            {"Key": "mdo-modeldeployment", "Value": "fraud"},
        ],
        **overrides,
    }
    if arguments["ExternalId"] is WITHOUT_EXTERNAL_ID:
        del arguments["ExternalId"]
    return dict(sts(emulator).assume_role(**arguments))


def test_assume_role_allowed_by_the_trust_policy_and_calls_attributed(
    emulator: Emulator,
) -> None:
    """A trust policy allowing AssumeRole and TagSession with the right ExternalId and
    tag: credentials are issued, and calls made with them are recorded as that session."""
    iam(emulator).create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument=trust_policy())
    credentials = assume(emulator)["Credentials"]
    tenant = boto3.client(
        "sagemaker",
        endpoint_url=emulator.url,
        region_name=REGION,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )
    emulator.control.request("DELETE", "callers")
    tenant.list_endpoints()
    with pytest.raises(ClientError):
        emulator.sagemaker.describe_endpoint(EndpointName="not-there")
    calls = emulator.control.callers()
    assert [(c["action"], c["principal"]) for c in calls] == [
        ("ListEndpoints", f"arn:aws:sts::{ACCOUNT}:assumed-role/{ROLE_NAME}/mdo-team-a-fraud"),
        ("DescribeEndpoint", "access-key/testing"),
    ]
    assert calls[0]["sessionTags"] == {"mdo-namespace": "team-a", "mdo-modeldeployment": "fraud"}
    assert calls[1]["resource"] == "not-there"


def test_external_id_in_a_tag_session_statement_never_matches(emulator: Emulator) -> None:
    """sts:ExternalId is in AssumeRole's request context only: a TagSession statement
    conditioned on it denies the session tags."""
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/operator"},
                "Action": ["sts:AssumeRole", "sts:TagSession"],
                "Condition": {"StringEquals": {"sts:ExternalId": EXTERNAL_ID}},
            }
        ],
    }
    iam(emulator).create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument=json.dumps(policy))
    with pytest.raises(ClientError, match="AccessDenied"):
        assume(emulator)
    assert assume(emulator, Tags=[])["AssumedRoleUser"]["Arn"].endswith("/mdo-team-a-fraud")


@pytest.mark.parametrize(
    ("policy", "overrides"),
    [
        pytest.param(
            trust_policy(), {"ExternalId": "model-deployment-operator:team-b"}, id="external-id"
        ),
        pytest.param(trust_policy(), {"ExternalId": WITHOUT_EXTERNAL_ID}, id="no-external-id"),
        pytest.param(trust_policy(tag_session=False), {}, id="tags-without-TagSession"),
        pytest.param(
            trust_policy(), {"Tags": [{"Key": "mdo-namespace", "Value": "team-b"}]}, id="tag"
        ),
        pytest.param(
            trust_policy(),
            {
                "Tags": [
                    {"Key": "mdo-namespace", "Value": "team-a"},
                    {"Key": "cost-center", "Value": "1"},
                ]
            },
            id="tag-key-outside-ForAllValues",
        ),
        pytest.param(None, {}, id="no-such-role"),
    ],
)
def test_assume_role_refused_as_sts_refuses_it(
    emulator: Emulator, policy: str | None, overrides: dict[str, Any]
) -> None:
    """AccessDenied (HTTP 403) naming the caller and the role when the role does not exist
    or its trust policy's conditions (sts:ExternalId, aws:RequestTag) or actions
    (sts:TagSession for session tags) are not met."""
    if policy is not None:
        iam(emulator).create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument=policy)
    with pytest.raises(ClientError) as refused:
        assume(emulator, **overrides)
    error = refused.value.response["Error"]
    assert error["Code"] == "AccessDenied"
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert ROLE_ARN in error["Message"]
    assert "access-key/testing" in error["Message"]
