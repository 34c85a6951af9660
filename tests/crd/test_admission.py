"""The API server itself rejects bad ModelDeployments, with a message that says why.

Each case applies a manifest with the pinned kubectl (server-side validation, strict
field validation) and checks the exact rule's message comes back.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from devcluster import Kubectl, KubectlError

pytestmark = [pytest.mark.cluster, pytest.mark.usefixtures("modeldeployment_crd")]

VALID: dict[str, Any] = {
    "apiVersion": "sagemaker.mlops.dev/v1alpha1",
    "kind": "ModelDeployment",
    "metadata": {"name": "fraud"},
    "spec": {
        "modelPackageGroupName": "fraud-detector",
        "executionRoleArn": "arn:aws:iam::111122223333:role/SageMakerExecution",
        "endpoint": {"instanceType": "ml.m5.large"},
    },
}


def manifest(**spec_changes: Any) -> dict[str, Any]:
    document = copy.deepcopy(VALID)
    for key, value in spec_changes.items():
        if value is None:
            document["spec"].pop(key, None)
        elif isinstance(value, dict) and isinstance(document["spec"].get(key), dict):
            document["spec"][key] = {**document["spec"][key], **value}
        else:
            document["spec"][key] = value
    return document


REJECTED = [
    pytest.param(
        manifest(approval={"policy": "Pinned"}),
        "approval.pinnedVersion is required when approval.policy is Pinned",
        id="pinned-without-version",
    ),
    pytest.param(
        manifest(approval={"policy": "LatestApproved", "pinnedVersion": 3}),
        "and must be omitted otherwise",
        id="version-without-pinned",
    ),
    pytest.param(
        manifest(approval={"policy": "Newest"}),
        'Unsupported value: "Newest"',
        id="unknown-policy",
    ),
    pytest.param(
        manifest(
            autoscaling={"minCapacity": 4, "maxCapacity": 2, "targetInvocationsPerInstance": 70}
        ),
        "autoscaling.minCapacity must be less than or equal to autoscaling.maxCapacity",
        id="min-above-max",
    ),
    pytest.param(
        manifest(
            autoscaling={"minCapacity": 0, "maxCapacity": 2, "targetInvocationsPerInstance": 70}
        ),
        "spec.autoscaling.minCapacity in body should be greater than or equal to 1",
        id="zero-min-capacity",
    ),
    pytest.param(
        manifest(endpoint={"instanceType": "ml.m5.large", "initialInstanceCount": 0}),
        "spec.endpoint.initialInstanceCount in body should be greater than or equal to 1",
        id="zero-instances",
    ),
    pytest.param(
        manifest(endpoint={"instanceType": "m5.large"}),
        "spec.endpoint.instanceType in body should match",
        id="instance-type-pattern",
    ),
    pytest.param(
        manifest(endpoint={"instanceType": "ml.m5.large", "name": "fraud_detector"}),
        "spec.endpoint.name in body should match",
        id="endpoint-name-pattern",
    ),
    pytest.param(
        manifest(endpoint={"instanceType": "ml.m5.large", "name": "e" * 64}),
        "spec.endpoint.name: Too long: may not be more than 63",
        id="endpoint-name-length",
    ),
    pytest.param(
        manifest(executionRoleArn=None),
        "spec.executionRoleArn: Required value",
        id="missing-role",
    ),
    pytest.param(
        manifest(executionRoleArn="arn:aws:iam::1234:user/someone"),
        "spec.executionRoleArn in body should match",
        id="role-arn-pattern",
    ),
    pytest.param(
        manifest(modelPackageGroupName="fraud detector"),
        "modelPackageGroupName must be a group name",
        id="group-name",
    ),
    pytest.param(
        manifest(tags={"aws:created-by": "me"}),
        "tag keys must not start with 'aws:' or 'sagemaker.mlops.dev/'",
        id="reserved-tag",
    ),
    pytest.param(
        manifest(deletionPolicy="Orphan"),
        'Unsupported value: "Orphan"',
        id="deletion-policy",
    ),
    pytest.param(
        manifest(endpointName="fraud"),
        'unknown field "spec.endpointName"',
        id="unknown-field",
    ),
]


@pytest.mark.parametrize(("document", "message"), REJECTED)
def test_rejected_at_admission(
    kubectl: Kubectl, namespace: str, document: dict[str, Any], message: str
) -> None:
    with pytest.raises(KubectlError) as rejected:
        kubectl("apply", "-n", namespace, "-f", "-", input=json.dumps(document))
    assert message in rejected.value.stderr
    assert kubectl("get", "mdep", "-n", namespace, "-o", "name") == ""


def test_valid_manifest_gets_defaults(kubectl: Kubectl, namespace: str) -> None:
    kubectl("apply", "-n", namespace, "-f", "-", input=json.dumps(VALID))
    stored = kubectl.json("get", "mdep", "fraud", "-n", namespace)
    assert stored["spec"]["approval"] == {"policy": "LatestApproved"}
    assert stored["spec"]["endpoint"] == {
        "instanceType": "ml.m5.large",
        "initialInstanceCount": 1,
        "variantName": "AllTraffic",
        "adoptExisting": False,
    }


IMMUTABLE = [
    pytest.param(
        {"endpoint": {"instanceType": "ml.m5.large", "name": "fraud-a"}},
        {"endpoint": {"instanceType": "ml.m5.large", "name": "fraud-b"}},
        "endpoint.name is immutable",
        id="endpoint-name-changed",
    ),
    pytest.param(
        {},
        {"endpoint": {"instanceType": "ml.m5.large", "name": "fraud-b"}},
        "endpoint.name is immutable",
        id="endpoint-name-added",
    ),
    pytest.param(
        {"region": "us-east-1"},
        {"region": "eu-west-1"},
        "spec.region is immutable",
        id="region-changed",
    ),
]


@pytest.mark.parametrize(("before", "after", "message"), IMMUTABLE)
def test_immutable_fields(
    kubectl: Kubectl,
    namespace: str,
    before: dict[str, Any],
    after: dict[str, Any],
    message: str,
) -> None:
    kubectl("apply", "-n", namespace, "-f", "-", input=json.dumps(manifest(**before)))
    with pytest.raises(KubectlError) as rejected:
        kubectl("apply", "-n", namespace, "-f", "-", input=json.dumps(manifest(**after)))
    assert message in rejected.value.stderr


def test_instance_type_and_count_may_change(kubectl: Kubectl, namespace: str) -> None:
    kubectl("apply", "-n", namespace, "-f", "-", input=json.dumps(VALID))
    changed = manifest(endpoint={"instanceType": "ml.c5.xlarge", "initialInstanceCount": 3})
    kubectl("apply", "-n", namespace, "-f", "-", input=json.dumps(changed))
    stored = kubectl.json("get", "mdep", "fraud", "-n", namespace)
    assert stored["spec"]["endpoint"]["instanceType"] == "ml.c5.xlarge"


def test_kubectl_explain_documents_the_api(kubectl: Kubectl) -> None:
    explained = kubectl("explain", "modeldeployment.spec.approval.policy")
    assert "LatestApproved serves the newest version" in explained
    assert "modeldeployments" in kubectl("api-resources", "--categories=mlops")
