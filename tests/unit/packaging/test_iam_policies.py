"""The IAM documents under iam/ are valid, least-privilege, and cover what the code calls.

- Every action exists (as an operation in botocore's service model, or as a known
  permission-only action), every condition key is one the Service Authorization Reference
  lists for every action of its statement, and every Resource names a resource type the
  action accepts (required ones included: UpdateEndpoint is also authorised against the
  endpoint config).
- Every AWS operation the code calls (found by reading gateway.py and registry_events.py)
  is allowed, with its dependent actions; every allowed action is either called or listed
  below with its reason. Adding a boto3 call without a permission fails here.
- The shared-endpoint statements (issue 10) are scoped as docs/iam.md says: inference
  components created only with the ownership tag and changed only when they carry it, copy
  counts among the scalable dimensions, and S3 reads of the registry's artifacts and writes
  only under the multi-model artifact prefixes (iam/operator-policy-multi-model.json).

The SAR table below is curated from the Service Authorization Reference pages
("Actions, resources, and condition keys for Amazon SageMaker", "... for Application Auto
Scaling", "... for AWS Identity and Access Management", "... for Amazon SQS", "... for
Amazon CloudWatch", "... for AWS Security Token Service", "... for Amazon S3"); docs/iam.md
says which actions cannot be scoped and why.
"""

from __future__ import annotations

import ast
import fnmatch
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore import xform_name

ROOT = Path(__file__).resolve().parents[3]
IAM = ROOT / "iam"
PACKAGE = ROOT / "operator" / "model_deployment_operator"
OPERATOR_POLICY = IAM / "operator-policy.json"
EVENTS_POLICY = IAM / "operator-policy-registry-events.json"
TENANCY_POLICY = IAM / "operator-policy-tenancy.json"
TENANT_POLICY = IAM / "tenant-role-policy.json"
TENANT_TRUST = IAM / "trust-policy-tenant-role.json"
MULTI_MODEL_POLICY = IAM / "operator-policy-multi-model.json"
OWNER_NAMESPACE = "sagemaker.mlops.dev/owner-namespace"
PRINCIPAL_NAMESPACE = "${aws:PrincipalTag/mdo-namespace}"
ALL_DOCUMENTS = sorted(IAM.glob("*.json"))

MANAGED_BY = "sagemaker.mlops.dev/managed-by"
MANAGED_BY_VALUE = "model-deployment-operator"

SAMPLE_VALUES = {
    "AWS_REGION": "us-east-1",
    "AWS_ACCOUNT_ID": "111122223333",
    "SAGEMAKER_EXECUTION_ROLE_ARN": "arn:aws:iam::111122223333:role/SageMakerExecution",
    "REGISTRY_EVENTS_QUEUE_ARN": "arn:aws:sqs:us-east-1:111122223333:model-registry-events",
    "CONSUMER_ACCOUNT_ID": "111122223333",
    "OPERATOR_ROLE_NAME": "model-deployment-operator",
    "REGISTRY_ACCOUNT_ID": "444455556666",
    "MODEL_METRICS_BUCKET": "fraud-pipeline-metrics",
    "MODEL_PACKAGE_GROUP_NAME": "fraud-detector",
    "OIDC_PROVIDER": "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE",
    "OPERATOR_NAMESPACE": "mdo-system",
    "OPERATOR_SERVICE_ACCOUNT": "model-deployment-operator",
    "EKS_CLUSTER_NAME": "ml-platform",
    "TENANT_ROLE_ARN_PATTERN": "arn:aws:iam::111122223333:role/mdo-tenant-*",
    "TENANT_NAMESPACE": "team-a",
    "TENANT_EXTERNAL_ID": "model-deployment-operator:team-a",
    "REGISTRY_ARTIFACT_BUCKET": "ml-model-registry-artifacts",
    "MULTI_MODEL_ARTIFACT_BUCKET": "ml-risk-models",
    "MULTI_MODEL_ARTIFACT_PREFIX": "multi-model/",
}
# Calls botocore makes for the operator rather than the operator's own code: assuming a
# namespace's tenant role (sagemaker/identities.py hands the parameters to botocore's
# AssumeRoleCredentialFetcher, so the code scan below cannot see the call).
TENANCY_CALLS = {"sts:AssumeRole", "sts:TagSession"}

# IAM prefix -> botocore service name.
SERVICES = {
    "sagemaker": "sagemaker",
    "application-autoscaling": "application-autoscaling",
    "iam": "iam",
    "sqs": "sqs",
    "cloudwatch": "cloudwatch",
    "sts": "sts",
    "s3": "s3",
}
# Actions that authorise something other than an API operation of the same name.
PERMISSION_ONLY = {
    "iam:PassRole": "passing a role to a service (CreateModel's ExecutionRoleArn)",
    "sts:TagSession": "session tags: EKS Pod Identity's, and the operator's on tenant roles",
    "s3:ListBucket": "listing the objects of a bucket (ListObjectsV2), here under a prefix",
}

TAG_KEYS = {"aws:ResourceTag/${TagKey}", "sagemaker:ResourceTag/${TagKey}"}
AWS_RESOURCE_TAG = {"aws:ResourceTag/${TagKey}"}


@dataclass(frozen=True)
class SarAction:
    """One row of the Service Authorization Reference: resource types (required ones
    separately) and every condition key usable with the action (its own column plus the
    keys of its resource types)."""

    resources: frozenset[str] = frozenset()
    required: frozenset[str] = frozenset()
    conditions: frozenset[str] = field(default_factory=frozenset)


def _sar(
    resources: set[str] | None = None,
    required: set[str] | None = None,
    conditions: set[str] | None = None,
) -> SarAction:
    required = required or set()
    return SarAction(
        frozenset((resources or set()) | required),
        frozenset(required),
        frozenset(conditions or set()),
    )


LIFECYCLE = {
    "sagemaker:CurrentModelLifeCycleStageStatus",
    "sagemaker:CurrentModelLifeCycleStage",
    "sagemaker:CurrentCustomerMetadataProperties/${MetadataKey}",
}
REQUEST_TAGS = {"aws:RequestTag/${TagKey}", "aws:TagKeys"}
VPC = {"sagemaker:NetworkIsolation", "sagemaker:VpcSecurityGroupIds", "sagemaker:VpcSubnets"}
SCALING = {
    "application-autoscaling:service-namespace",
    "application-autoscaling:scalable-dimension",
}
S3_REQUEST = {
    "s3:AccessGrantsInstanceArn",
    "s3:authType",
    "s3:ResourceAccount",
    "s3:signatureAge",
    "s3:signatureversion",
    "s3:TlsVersion",
    "s3:x-amz-content-sha256",
}
S3_RESOURCE_TAGS = {"aws:ResourceTag/${TagKey}", "s3:BucketTag/${TagKey}"}
HOSTING = {"endpoint", "endpoint-config", "model", "inference-component"}

SAR: dict[str, SarAction] = {
    "sagemaker:DescribeModelPackageGroup": _sar(
        required={"model-package-group"}, conditions=TAG_KEYS
    ),
    "sagemaker:DescribeModelPackage": _sar(
        required={"model-package"}, conditions=TAG_KEYS | LIFECYCLE
    ),
    "sagemaker:ListModelPackages": _sar({"model-package"}, conditions=TAG_KEYS | LIFECYCLE),
    "sagemaker:UpdateModelPackage": _sar(
        required={"model-package"}, conditions=TAG_KEYS | LIFECYCLE
    ),
    "sagemaker:DescribeEndpoint": _sar(required={"endpoint"}, conditions=TAG_KEYS),
    "sagemaker:DescribeEndpointConfig": _sar(required={"endpoint-config"}, conditions=TAG_KEYS),
    "sagemaker:DescribeModel": _sar(required={"model"}, conditions=TAG_KEYS),
    "sagemaker:ListTags": _sar(HOSTING, conditions=TAG_KEYS),
    "sagemaker:ListEndpoints": _sar(),
    "sagemaker:ListEndpointConfigs": _sar(),
    "sagemaker:ListModels": _sar(),
    "sagemaker:CreateModel": _sar(
        required={"model"},
        conditions=TAG_KEYS | REQUEST_TAGS | VPC | {"sagemaker:DirectGatedModelAccess"},
    ),
    "sagemaker:CreateEndpointConfig": _sar(
        required={"endpoint-config"},
        conditions=TAG_KEYS
        | REQUEST_TAGS
        | VPC
        | {
            "sagemaker:AcceleratorTypes",
            "sagemaker:InstanceTypes",
            "sagemaker:ModelArn",
            "sagemaker:VolumeKmsKey",
            "sagemaker:ServerlessMaxConcurrency",
            "sagemaker:ServerlessMemorySize",
        },
    ),
    "sagemaker:CreateEndpoint": _sar(
        required={"endpoint", "endpoint-config"}, conditions=TAG_KEYS | REQUEST_TAGS
    ),
    "sagemaker:AddTags": _sar(
        HOSTING, conditions=TAG_KEYS | REQUEST_TAGS | {"sagemaker:TaggingAction"}
    ),
    "sagemaker:UpdateEndpoint": _sar(required={"endpoint", "endpoint-config"}, conditions=TAG_KEYS),
    "sagemaker:UpdateEndpointWeightsAndCapacities": _sar(
        required={"endpoint"}, conditions=TAG_KEYS
    ),
    "sagemaker:DeleteEndpoint": _sar(required={"endpoint"}, conditions=TAG_KEYS),
    "sagemaker:DeleteEndpointConfig": _sar(required={"endpoint-config"}, conditions=TAG_KEYS),
    "sagemaker:DeleteModel": _sar(required={"model"}, conditions=TAG_KEYS),
    # Inference components (shared endpoints): created on an endpoint, so authorised against
    # it as well as the new component.
    "sagemaker:CreateInferenceComponent": _sar(
        required={"endpoint", "inference-component"},
        conditions=TAG_KEYS | REQUEST_TAGS | {"sagemaker:ModelArn"},
    ),
    "sagemaker:DescribeInferenceComponent": _sar(
        required={"inference-component"}, conditions=TAG_KEYS
    ),
    "sagemaker:ListInferenceComponents": _sar(),
    "sagemaker:UpdateInferenceComponent": _sar(
        required={"inference-component"}, conditions=TAG_KEYS
    ),
    "sagemaker:UpdateInferenceComponentRuntimeConfig": _sar(
        required={"inference-component"}, conditions=TAG_KEYS
    ),
    "sagemaker:DeleteInferenceComponent": _sar(
        required={"inference-component"}, conditions=TAG_KEYS
    ),
    "application-autoscaling:RegisterScalableTarget": _sar(
        required={"ScalableTarget"}, conditions=SCALING | REQUEST_TAGS | AWS_RESOURCE_TAG
    ),
    "application-autoscaling:DeregisterScalableTarget": _sar(
        required={"ScalableTarget"}, conditions=SCALING | AWS_RESOURCE_TAG
    ),
    "application-autoscaling:PutScalingPolicy": _sar(
        required={"ScalableTarget"}, conditions=SCALING | AWS_RESOURCE_TAG
    ),
    "application-autoscaling:DeleteScalingPolicy": _sar(
        required={"ScalableTarget"}, conditions=SCALING | AWS_RESOURCE_TAG
    ),
    "application-autoscaling:PutScheduledAction": _sar(
        required={"ScalableTarget"}, conditions=SCALING | AWS_RESOURCE_TAG
    ),
    "application-autoscaling:DeleteScheduledAction": _sar(
        required={"ScalableTarget"}, conditions=SCALING | AWS_RESOURCE_TAG
    ),
    "application-autoscaling:DescribeScheduledActions": _sar(),
    "application-autoscaling:DescribeScalableTargets": _sar(),
    "application-autoscaling:DescribeScalingPolicies": _sar(),
    "iam:CreateServiceLinkedRole": _sar(
        required={"role"},
        conditions={"iam:AWSServiceName", "aws:ResourceTag/${TagKey}", "iam:ResourceTag/${TagKey}"},
    ),
    "iam:PassRole": _sar(
        required={"role"},
        conditions={
            "iam:PassedToService",
            "iam:AssociatedResourceArn",
            "aws:ResourceTag/${TagKey}",
            "iam:ResourceTag/${TagKey}",
        },
    ),
    "cloudwatch:DescribeAlarms": _sar(required={"alarm"}, conditions=AWS_RESOURCE_TAG),
    "cloudwatch:PutMetricAlarm": _sar(
        required={"alarm"}, conditions=AWS_RESOURCE_TAG | REQUEST_TAGS | {"cloudwatch:AlarmActions"}
    ),
    "cloudwatch:DeleteAlarms": _sar(required={"alarm"}, conditions=AWS_RESOURCE_TAG),
    # S3 (multi-model artifacts): object and bucket are not marked required, because an
    # access point ARN may stand in for them.
    "s3:GetObject": _sar(
        {"object"}, conditions=S3_REQUEST | S3_RESOURCE_TAGS | {"s3:ExistingObjectTag/<key>"}
    ),
    "s3:PutObject": _sar(
        {"object"},
        conditions=S3_REQUEST
        | S3_RESOURCE_TAGS
        | {
            "s3:RequestObjectTag/<key>",
            "s3:RequestObjectTagKeys",
            "s3:x-amz-acl",
            "s3:x-amz-copy-source",
            "s3:x-amz-metadata-directive",
            "s3:x-amz-server-side-encryption",
            "s3:x-amz-server-side-encryption-aws-kms-key-id",
            "s3:x-amz-storage-class",
            "s3:if-match",
            "s3:if-none-match",
            "s3:ObjectCreationOperation",
        },
    ),
    "s3:DeleteObject": _sar({"object"}, conditions=S3_REQUEST | S3_RESOURCE_TAGS | {"s3:if-match"}),
    "s3:ListBucket": _sar(
        {"bucket"},
        conditions=S3_REQUEST | S3_RESOURCE_TAGS | {"s3:delimiter", "s3:max-keys", "s3:prefix"},
    ),
    "sqs:ReceiveMessage": _sar(required={"queue"}, conditions=AWS_RESOURCE_TAG),
    "sqs:DeleteMessage": _sar(required={"queue"}, conditions=AWS_RESOURCE_TAG),
    # Trust policies: the OIDC provider's own keys (IAM user guide, "Available keys for
    # AWS OIDC federation") and the session tags EKS Pod Identity sets.
    "sts:AssumeRoleWithWebIdentity": _sar(
        required={"role"},
        conditions={"${OIDC_PROVIDER}:sub", "${OIDC_PROVIDER}:aud"} | REQUEST_TAGS,
    ),
    "sts:AssumeRole": _sar(
        required={"role"},
        conditions=REQUEST_TAGS | {"sts:TransitiveTagKeys", "sts:ExternalId", "sts:SourceIdentity"},
    ),
    "sts:TagSession": _sar({"role"}, conditions=REQUEST_TAGS | {"sts:TransitiveTagKeys"}),
}

# What each operation the code calls needs besides its own action (the SAR's "dependent
# actions" column, and what Application Auto Scaling does on first use).
DEPENDENT_ACTIONS = {
    "sagemaker:CreateModel": {"iam:PassRole", "sagemaker:AddTags"},
    "sagemaker:CreateEndpointConfig": {"iam:PassRole", "sagemaker:AddTags"},
    "sagemaker:CreateEndpoint": {"sagemaker:AddTags"},
    "sagemaker:CreateInferenceComponent": {"sagemaker:AddTags"},
    "application-autoscaling:RegisterScalableTarget": {"iam:CreateServiceLinkedRole"},
    # CopyObject reads the source and writes the destination.
    "s3:PutObject": {"s3:GetObject"},
}
# An operation authorised by an action of another name.
ACTION_FOR_OPERATION = {
    "sqs:DeleteMessageBatch": "sqs:DeleteMessage",
    "s3:ListObjectsV2": "s3:ListBucket",
    "s3:HeadObject": "s3:GetObject",
    "s3:CopyObject": "s3:PutObject",
}
# Allowed although the code does not call them, with the reason. Remove an action here when
# the code starts calling it (test_extra_actions_are_not_called says so).
SHARED_ENDPOINTS = "called by the shared-endpoint reconciler (issue 10)"
EXTRA_ACTIONS: dict[str, str] = {
    "sagemaker:ListInferenceComponents": SHARED_ENDPOINTS,
}
# boto3 client attributes (and local aliases) in the code -> IAM prefix.
CLIENT_RECEIVERS = {
    "_sagemaker": "sagemaker",
    "sm": "sagemaker",
    "_autoscaling": "application-autoscaling",
    "aas": "application-autoscaling",
    "_sqs": "sqs",
    "_cloudwatch": "cloudwatch",
    "cloudwatch": "cloudwatch",
    "_s3": "s3",
}
CLIENT_HELPERS = {"meta", "get_paginator", "can_paginate", "get_waiter"}


def load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text())
    return document


def substituted(path: Path) -> dict[str, Any]:
    text = re.sub(r"\$\{([A-Z_]+)\}", lambda m: SAMPLE_VALUES[m.group(1)], path.read_text())
    document: dict[str, Any] = json.loads(text)
    return document


def as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def statements(document: dict[str, Any]) -> list[dict[str, Any]]:
    return list(document["Statement"])


def condition_keys(statement: dict[str, Any]) -> set[str]:
    return {key for block in statement.get("Condition", {}).values() for key in block}


def key_template(key: str) -> str:
    """aws:RequestTag/sagemaker.mlops.dev/managed-by -> aws:RequestTag/${TagKey}"""
    for prefix in (
        "aws:RequestTag/",
        "aws:ResourceTag/",
        "sagemaker:ResourceTag/",
        "iam:ResourceTag/",
    ):
        if key.startswith(prefix):
            return prefix + "${TagKey}"
    return key


def resource_type(arn: str) -> str | None:
    """The SAR resource type an ARN (or placeholder) names; None for "*"."""
    placeholders = {
        "${SAGEMAKER_EXECUTION_ROLE_ARN}": "role",
        "${TENANT_ROLE_ARN_PATTERN}": "role",
        "${REGISTRY_EVENTS_QUEUE_ARN}": "queue",
    }
    if arn == "*":
        return None
    if arn in placeholders:
        return placeholders[arn]
    parts = arn.split(":", 5)
    service, rest = parts[2], parts[5]
    if service == "sqs":
        return "queue"
    if service == "s3":
        return "object" if "/" in rest else "bucket"
    if service == "cloudwatch":
        return rest.split(":", 1)[0]
    kind = rest.split("/", 1)[0]
    return "ScalableTarget" if kind == "scalable-target" else kind


def allowed_actions(document: dict[str, Any]) -> set[str]:
    return {
        action
        for statement in statements(document)
        if statement["Effect"] == "Allow"
        for action in as_list(statement["Action"])
    }


def is_allowed(action: str, document: dict[str, Any]) -> bool:
    return any(fnmatch.fnmatchcase(action, pattern) for pattern in allowed_actions(document))


@pytest.fixture(scope="module")
def botocore_session() -> botocore.session.Session:
    return botocore.session.get_session()


# ---------------------------------------------------------------------------- documents


@pytest.mark.parametrize("path", ALL_DOCUMENTS, ids=lambda p: p.name)
def test_document_is_valid_policy_json(path: Path) -> None:
    raw = load(path)
    document = substituted(path)
    assert raw["Version"] == "2012-10-17"
    sids = [s.get("Sid") for s in statements(document)]
    assert all(sids), "every statement has a Sid (docs/iam.md refers to them)"
    assert len(set(sids)) == len(sids)
    for statement in statements(document):
        assert statement["Effect"] == "Allow"
        assert set(statement) <= {"Sid", "Effect", "Principal", "Action", "Resource", "Condition"}
        assert "NotAction" not in statement
        assert "NotResource" not in statement
        is_trust_or_resource_policy = "Principal" in statement
        assert ("Resource" in statement) != (
            is_trust_or_resource_policy and path.name.startswith("trust")
        )
        for action in as_list(statement["Action"]):
            assert "*" not in action, f"{action}: wildcards hide what is granted"


@pytest.mark.parametrize("path", ALL_DOCUMENTS, ids=lambda p: p.name)
def test_every_placeholder_is_documented(path: Path) -> None:
    docs = (ROOT / "docs" / "iam.md").read_text()
    for name in set(re.findall(r"\$\{([A-Z_]+)\}", path.read_text())):
        assert name in SAMPLE_VALUES
        assert f"${{{name}}}" in docs, f"${{{name}}} is not explained in docs/iam.md"


@pytest.mark.parametrize("path", ALL_DOCUMENTS, ids=lambda p: p.name)
def test_every_action_exists(path: Path, botocore_session: botocore.session.Session) -> None:
    for statement in statements(load(path)):
        for action in as_list(statement["Action"]):
            if action in PERMISSION_ONLY:
                continue
            prefix, name = action.split(":")
            model = botocore_session.get_service_model(SERVICES[prefix])
            assert name in model.operation_names, f"{action} is not a {prefix} operation"


@pytest.mark.parametrize("path", ALL_DOCUMENTS, ids=lambda p: p.name)
def test_every_condition_key_applies_to_every_action_of_its_statement(path: Path) -> None:
    # A key an action does not support is absent from its request context, so a
    # StringEquals on it silently denies that action.
    for statement in statements(load(path)):
        for action in as_list(statement["Action"]):
            assert action in SAR, f"{action} is missing from the curated SAR table"
            for key in condition_keys(statement):
                assert key_template(key) in SAR[action].conditions, (
                    f"{statement['Sid']}: {key} does not apply to {action}"
                )


@pytest.mark.parametrize("path", ALL_DOCUMENTS, ids=lambda p: p.name)
def test_resources_match_the_resource_types_of_each_action(path: Path) -> None:
    for statement in statements(load(path)):
        if "Resource" not in statement:
            continue
        resources = as_list(statement["Resource"])
        types = {resource_type(arn) for arn in resources}
        for action in as_list(statement["Action"]):
            sar = SAR[action]
            if not sar.resources:
                assert resources == ["*"], f"{action} supports no resource type: needs *"
                continue
            if resources == ["*"]:
                continue
            assert types & sar.resources, f"{statement['Sid']}: no resource fits {action}"
            assert sar.required <= types, (
                f"{statement['Sid']}: {action} is also authorised against {sar.required - types}"
            )
        if resources != ["*"]:
            used = set().union(*(SAR[a].resources for a in as_list(statement["Action"])))
            assert types <= used, f"{statement['Sid']}: no action uses {types - used}"


# ---------------------------------------------------------------------------- the operator


def test_star_resources_are_only_where_the_reference_leaves_no_choice() -> None:
    """Resource "*" only for actions without a (required) resource type, or where the
    statement is narrowed by a condition instead (docs/iam.md explains each)."""
    for statement in statements(load(OPERATOR_POLICY)):
        if as_list(statement["Resource"]) != ["*"]:
            continue
        for action in as_list(statement["Action"]):
            assert not SAR[action].required or "Condition" in statement, (
                f"{action} could be scoped to ARNs"
            )


def test_create_requires_the_ownership_tag() -> None:
    for statement in statements(load(OPERATOR_POLICY)):
        actions = as_list(statement["Action"])
        if any(
            a.split(":")[1].startswith(("Create", "AddTags"))
            for a in actions
            if a.startswith("sagemaker:")
        ):
            assert (
                statement["Condition"]["StringEquals"][f"aws:RequestTag/{MANAGED_BY}"]
                == MANAGED_BY_VALUE
            )


# Promotion (docs/promotion.md) records where a version served in its customer metadata, and
# rollouts with onFailedRollout RejectVersion (docs/rollouts.md) reject a version: model
# packages belong to the training pipeline and never carry the operator's ownership tag, so
# this one change is allowed on packages, and on nothing else.
PROMOTION_RECORDS = "RecordPromotionOnModelPackages"


def test_promotion_records_change_only_model_packages() -> None:
    for path in (OPERATOR_POLICY, TENANT_POLICY):
        (statement,) = [s for s in statements(load(path)) if s["Sid"] == PROMOTION_RECORDS]
        assert as_list(statement["Action"]) == ["sagemaker:UpdateModelPackage"]
        assert as_list(statement["Resource"]) == [
            "arn:aws:sagemaker:${AWS_REGION}:*:model-package/*"
        ]


def test_changes_require_the_ownership_tag_on_the_resource() -> None:
    mutating = ("Update", "Delete")
    for statement in statements(load(OPERATOR_POLICY)):
        if statement["Sid"] == PROMOTION_RECORDS:
            continue
        actions = [a for a in as_list(statement["Action"]) if a.startswith("sagemaker:")]
        if any(a.split(":")[1].startswith(mutating) for a in actions):
            condition = statement["Condition"]["StringEquals"]
            assert condition[f"sagemaker:ResourceTag/{MANAGED_BY}"] == MANAGED_BY_VALUE


def test_pass_role_is_limited_to_sagemaker() -> None:
    for statement in statements(load(OPERATOR_POLICY)):
        if "iam:PassRole" in as_list(statement["Action"]):
            assert statement["Resource"] != "*"
            assert statement["Condition"]["StringEquals"]["iam:PassedToService"] == (
                "sagemaker.amazonaws.com"
            )


def test_service_linked_role_is_only_the_sagemaker_autoscaling_one() -> None:
    (statement,) = [
        s
        for s in statements(load(OPERATOR_POLICY))
        if "iam:CreateServiceLinkedRole" in as_list(s["Action"])
    ]
    service = "sagemaker.application-autoscaling.amazonaws.com"
    assert statement["Condition"]["StringEquals"]["iam:AWSServiceName"] == service
    assert statement["Resource"].endswith(
        f"role/aws-service-role/{service}/AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint"
    )


def _receiver(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def called_operations(botocore_session: botocore.session.Session) -> set[str]:
    """IAM-style names (prefix:Operation) of every AWS operation the package calls."""
    by_method: dict[str, dict[str, str]] = {}
    for prefix, service in SERVICES.items():
        model = botocore_session.get_service_model(service)
        by_method[prefix] = {xform_name(op): op for op in model.operation_names}
    found: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            # Attributes, not only calls: a method may be passed on, e.g. to partial().
            if not isinstance(node, ast.Attribute):
                continue
            client = CLIENT_RECEIVERS.get(_receiver(node.value) or "")
            if client is None or node.attr in CLIENT_HELPERS:
                continue
            assert node.attr in by_method[client], (
                f"{path.name}: {node.attr} is not a {client} call"
            )
            found.add(f"{client}:{by_method[client][node.attr]}")
        for node in ast.walk(ast.parse(path.read_text())):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "get_paginator"
            ):
                continue
            paginated = CLIENT_RECEIVERS.get(_receiver(node.func.value) or "")
            assert paginated, f"{path.name}: get_paginator on an unknown client"
            argument = node.args[0]
            assert isinstance(argument, ast.Constant), f"{path.name}: paginator name not literal"
            found.add(f"{paginated}:{by_method[paginated][str(argument.value)]}")
    return found


def test_code_creates_no_unexpected_aws_clients() -> None:
    services = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "client"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                services.add(node.args[0].value)
    # sts: GetCallerIdentity, which needs no permission (the operator's account, for its
    # call budget), and AssumeRole through botocore's fetcher (iam/operator-policy-tenancy).
    expected = {"sagemaker", "application-autoscaling", "cloudwatch", "s3", "sqs", "sts"}
    assert services == expected, (
        "a new AWS client: add its permissions to iam/ and CLIENT_RECEIVERS here"
    )


def test_code_scan_finds_the_calls(botocore_session: botocore.session.Session) -> None:
    operations = called_operations(botocore_session)
    assert {
        "sagemaker:CreateEndpoint",
        "sagemaker:ListModels",  # through a paginator
        "application-autoscaling:PutScalingPolicy",
        "sqs:ReceiveMessage",
    } <= operations


def required_actions(botocore_session: botocore.session.Session) -> set[str]:
    required = set()
    for operation in called_operations(botocore_session):
        action = ACTION_FOR_OPERATION.get(operation, operation)
        required |= {action, *DEPENDENT_ACTIONS.get(action, set())}
    return required


def document_for(action: str) -> Path:
    """The operator's document that should allow an action: the queue's and the multi-model
    artifacts' permissions are attached only with those features."""
    if action.startswith("sqs:"):
        return EVENTS_POLICY
    if action.startswith("s3:"):
        return MULTI_MODEL_POLICY
    return OPERATOR_POLICY


def test_policies_allow_every_call_the_operator_makes(
    botocore_session: botocore.session.Session,
) -> None:
    missing = sorted(
        action
        for action in required_actions(botocore_session) | set(EXTRA_ACTIONS)
        if not is_allowed(action, load(document_for(action)))
    )
    assert not missing, f"add these to iam/ (and docs/iam.md): {missing}"


def test_policies_allow_nothing_the_operator_does_not_need(
    botocore_session: botocore.session.Session,
) -> None:
    needed = required_actions(botocore_session) | set(EXTRA_ACTIONS)
    documents = (OPERATOR_POLICY, EVENTS_POLICY, MULTI_MODEL_POLICY)
    granted = set().union(*(allowed_actions(load(path)) for path in documents))
    assert granted - needed == set(), "remove these, or justify them in EXTRA_ACTIONS"


def test_extra_actions_are_not_called(botocore_session: botocore.session.Session) -> None:
    """An action the code now calls needs no excuse: remove it from EXTRA_ACTIONS."""
    called = required_actions(botocore_session) & set(EXTRA_ACTIONS)
    assert called == set(), f"called now, remove from EXTRA_ACTIONS: {sorted(called)}"


def test_each_document_grants_only_its_own_service() -> None:
    assert {a.split(":")[0] for a in allowed_actions(load(MULTI_MODEL_POLICY))} == {"s3"}
    for path in (OPERATOR_POLICY, TENANT_POLICY):
        assert not any(a.startswith("s3:") for a in allowed_actions(load(path))), path.name


def test_queue_permissions_are_separate_and_scoped() -> None:
    assert not any(a.startswith("sqs:") for a in allowed_actions(load(OPERATOR_POLICY)))
    (statement,) = statements(load(EVENTS_POLICY))
    assert statement["Resource"] == "${REGISTRY_EVENTS_QUEUE_ARN}"


# ---------------------------------------------------------------------------- trust


def test_irsa_trust_is_limited_to_the_operator_service_account() -> None:
    (statement,) = statements(substituted(IAM / "trust-policy-irsa.json"))
    provider = SAMPLE_VALUES["OIDC_PROVIDER"]
    assert statement["Principal"]["Federated"].endswith(f":oidc-provider/{provider}")
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Condition"]["StringEquals"] == {
        f"{provider}:sub": "system:serviceaccount:mdo-system:model-deployment-operator",
        f"{provider}:aud": "sts.amazonaws.com",
    }


def test_pod_identity_trust_is_limited_to_the_operator_service_account() -> None:
    (statement,) = statements(substituted(IAM / "trust-policy-pod-identity.json"))
    assert statement["Principal"] == {"Service": "pods.eks.amazonaws.com"}
    assert sorted(as_list(statement["Action"])) == ["sts:AssumeRole", "sts:TagSession"]
    tags = statement["Condition"]["StringEquals"]
    assert tags["aws:RequestTag/kubernetes-namespace"] == "mdo-system"
    assert tags["aws:RequestTag/kubernetes-service-account"] == "model-deployment-operator"
    assert tags["aws:RequestTag/eks-cluster-arn"].endswith(":cluster/ml-platform")


def test_registry_resource_policy_grants_only_reads_and_records_of_one_group() -> None:
    (statement,) = statements(substituted(IAM / "registry-account-resource-policy.json"))
    assert sorted(as_list(statement["Action"])) == [
        "sagemaker:DescribeModelPackage",
        "sagemaker:DescribeModelPackageGroup",
        "sagemaker:ListModelPackages",
        "sagemaker:UpdateModelPackage",
    ]
    assert as_list(statement["Resource"]) == [
        "arn:aws:sagemaker:us-east-1:444455556666:model-package-group/fraud-detector",
        "arn:aws:sagemaker:us-east-1:444455556666:model-package/fraud-detector/*",
    ]
    assert (
        statement["Principal"]["AWS"] == "arn:aws:iam::111122223333:role/model-deployment-operator"
    )


# ---------------------------------------------------------------------------- tenancy


def test_tenancy_calls_are_what_the_code_hands_to_botocore() -> None:
    source = (PACKAGE / "sagemaker" / "identities.py").read_text()
    assert "AssumeRoleCredentialFetcher" in source
    assert '"Tags"' in source  # session tags: sts:TagSession
    assert allowed_actions(load(TENANCY_POLICY)) == TENANCY_CALLS


def test_operator_may_assume_only_the_tenant_roles_with_only_its_tag_keys() -> None:
    for statement in statements(load(TENANCY_POLICY)):
        assert statement["Resource"] == "${TENANT_ROLE_ARN_PATTERN}"
        if statement["Action"] == "sts:TagSession":
            keys = statement["Condition"]["ForAllValues:StringEquals"]["aws:TagKeys"]
            assert sorted(keys) == ["mdo-modeldeployment", "mdo-namespace"]


def test_tenant_role_allows_every_call_the_operator_makes_for_a_namespace(
    botocore_session: botocore.session.Session,
) -> None:
    """The tenant role's own document, plus iam/operator-policy-multi-model.json for a
    namespace with MultiModel ModelEndpoints (S3 is scoped by prefix, not by tag)."""
    tenant = load(TENANT_POLICY)
    needed = {
        a
        for a in required_actions(botocore_session) | set(EXTRA_ACTIONS)
        if not a.startswith(("sqs:", "s3:"))
    }
    assert sorted(a for a in needed if not is_allowed(a, tenant)) == []
    assert allowed_actions(tenant) - needed - set(EXTRA_ACTIONS) == set()


def test_tenant_role_creates_and_changes_only_objects_of_its_own_namespace() -> None:
    for statement in statements(load(TENANT_POLICY)):
        if statement["Sid"] == PROMOTION_RECORDS:
            continue
        actions = [a.split(":")[1] for a in as_list(statement["Action"]) if "sagemaker:" in a]
        creates = [a for a in actions if a.startswith(("Create", "AddTags"))]
        changes = [a for a in actions if a.startswith(("Update", "Delete"))]
        if creates:
            condition = statement["Condition"]["StringEquals"]
            assert condition[f"aws:RequestTag/{MANAGED_BY}"] == MANAGED_BY_VALUE
            assert condition[f"aws:RequestTag/{OWNER_NAMESPACE}"] == PRINCIPAL_NAMESPACE
        if changes:
            condition = statement["Condition"]["StringEquals"]
            assert condition[f"sagemaker:ResourceTag/{OWNER_NAMESPACE}"] == PRINCIPAL_NAMESPACE
    (adopt,) = [s for s in statements(load(TENANT_POLICY)) if s["Sid"] == "AdoptUnclaimedEndpoints"]
    assert adopt["Condition"]["StringEqualsIfExists"] == {
        f"sagemaker:ResourceTag/{OWNER_NAMESPACE}": PRINCIPAL_NAMESPACE
    }


def test_tenant_trust_requires_the_external_id_and_the_namespace_session_tag() -> None:
    assume, tag = statements(substituted(TENANT_TRUST))
    operator_role = "arn:aws:iam::111122223333:role/model-deployment-operator"
    assert assume["Principal"] == tag["Principal"] == {"AWS": operator_role}
    assert assume["Action"] == "sts:AssumeRole"
    assert assume["Condition"] == {
        "StringEquals": {"sts:ExternalId": "model-deployment-operator:team-a"}
    }
    assert tag["Action"] == "sts:TagSession"
    assert tag["Condition"]["StringEquals"] == {"aws:RequestTag/mdo-namespace": "team-a"}


# ---------------------------------------------------------------------------- shared endpoints


def statement(document: dict[str, Any], sid: str) -> dict[str, Any]:
    (found,) = [s for s in statements(document) if s["Sid"] == sid]
    return found


IC_ARN = "arn:aws:sagemaker:${AWS_REGION}:${AWS_ACCOUNT_ID}:inference-component/*"
IC_ACTIONS = {
    "sagemaker:CreateInferenceComponent",
    "sagemaker:DescribeInferenceComponent",
    "sagemaker:ListInferenceComponents",
    "sagemaker:UpdateInferenceComponent",
    "sagemaker:UpdateInferenceComponentRuntimeConfig",
    "sagemaker:DeleteInferenceComponent",
}


@pytest.mark.parametrize(
    ("path", "create", "change", "namespaced"),
    [
        pytest.param(
            OPERATOR_POLICY,
            "CreateInferenceComponentsTaggedAsManaged",
            "ChangeOnlyManagedInferenceComponents",
            False,
            id="operator",
        ),
        pytest.param(
            TENANT_POLICY,
            "CreateInferenceComponentsOfThisNamespace",
            "ChangeOnlyInferenceComponentsOfThisNamespace",
            True,
            id="tenant",
        ),
    ],
)
def test_inference_components_are_created_tagged_and_changed_only_when_owned(
    path: Path, create: str, change: str, namespaced: bool
) -> None:
    document = load(path)
    assert allowed_actions(document) >= IC_ACTIONS
    created = statement(document, create)
    assert created["Action"] == "sagemaker:CreateInferenceComponent"
    assert sorted(resource_type(arn) or "" for arn in as_list(created["Resource"])) == [
        "endpoint",
        "inference-component",
    ]
    request = {f"aws:RequestTag/{MANAGED_BY}": MANAGED_BY_VALUE}
    if namespaced:
        request[f"aws:RequestTag/{OWNER_NAMESPACE}"] = PRINCIPAL_NAMESPACE
    assert created["Condition"] == {"StringEquals": request}
    changed = statement(document, change)
    assert set(as_list(changed["Action"])) == {
        "sagemaker:UpdateInferenceComponent",
        "sagemaker:UpdateInferenceComponentRuntimeConfig",
        "sagemaker:DeleteInferenceComponent",
    }
    assert as_list(changed["Resource"]) == [IC_ARN]
    owned = {f"sagemaker:ResourceTag/{MANAGED_BY}": MANAGED_BY_VALUE}
    if namespaced:
        owned[f"sagemaker:ResourceTag/{OWNER_NAMESPACE}"] = PRINCIPAL_NAMESPACE
    assert changed["Condition"] == {"StringEquals": owned}
    # Tags only at creation of an inference component, reads anywhere in the account.
    tagging = statement(document, "TagObjectsAtCreation")
    assert IC_ARN in as_list(tagging["Resource"])
    assert (
        "CreateInferenceComponent"
        in tagging["Condition"]["StringEquals"]["sagemaker:TaggingAction"]
    )
    reads = statement(document, "ReadHostingObjects")
    assert "sagemaker:DescribeInferenceComponent" in as_list(reads["Action"])
    assert IC_ARN in as_list(reads["Resource"])
    # Only these statements name the inference component actions.
    for other in statements(document):
        named = IC_ACTIONS & set(as_list(other["Action"]))
        assert not named or other["Sid"] in {create, change, "ReadHostingObjects"} | {
            "ListHostingObjectNames"
        }, other["Sid"]


@pytest.mark.parametrize("path", [OPERATOR_POLICY, TENANT_POLICY], ids=lambda p: p.name)
def test_copy_counts_are_among_the_scalable_dimensions(path: Path) -> None:
    scaling = statement(load(path), "ScaleSageMakerVariants")
    condition = scaling["Condition"]["StringEquals"]
    assert condition["application-autoscaling:service-namespace"] == "sagemaker"
    assert condition["application-autoscaling:scalable-dimension"] == [
        "sagemaker:variant:DesiredInstanceCount",
        "sagemaker:variant:DesiredProvisionedConcurrency",
        "sagemaker:inference-component:DesiredCopyCount",
    ]
    alarms = as_list(statement(load(path), "ScalingAlarms")["Resource"])
    assert any(arn.endswith(":alarm:TargetTracking-inference-component/*") for arn in alarms)


def test_s3_reads_registry_artifacts_and_writes_only_under_the_artifact_prefixes() -> None:
    """GetObject on the registry's artifacts (the source of each copy); Get, Put and Delete
    only under the multi-model prefix; listing the bucket only under that prefix; nothing
    on "*" and no write outside the prefix."""
    document = substituted(MULTI_MODEL_POLICY)
    read = statement(document, "ReadRegistryModelArtifacts")
    assert (read["Action"], read["Resource"]) == (
        "s3:GetObject",
        "arn:aws:s3:::ml-model-registry-artifacts/*",
    )
    write = statement(document, "WriteMultiModelArtifacts")
    assert sorted(as_list(write["Action"])) == ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"]
    assert write["Resource"] == "arn:aws:s3:::ml-risk-models/multi-model/*"
    listing = statement(document, "ListMultiModelArtifacts")
    assert (listing["Action"], listing["Resource"]) == (
        "s3:ListBucket",
        "arn:aws:s3:::ml-risk-models",
    )
    assert listing["Condition"] == {"StringLike": {"s3:prefix": "multi-model/*"}}
    for each in statements(document):
        assert "*" not in as_list(each["Resource"])
        if {"s3:PutObject", "s3:DeleteObject"} & set(as_list(each["Action"])):
            assert as_list(each["Resource"]) == ["arn:aws:s3:::ml-risk-models/multi-model/*"]
    assert len(statements(document)) == 3
