"""The API server itself rejects bad ModelDeployments, with a message that says why.

Each case applies a manifest with the pinned kubectl (server-side validation, strict
field validation) and checks the exact rule's message comes back. The cases for the
inference options live in spec_cases.py, which tests/unit/domain/test_spec.py runs through
the operator's models too.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest

from crd.spec_cases import ACCEPTED, COPIES, SERVERLESS, merged, on_copies, spec
from crd.spec_cases import REJECTED as SHARED_REJECTED
from devcluster import Kubectl, KubectlError
from model_deployment_operator.domain.spec import Hosting, Placement, parse_spec, rules

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
        manifest(approval={"policy": "Newest"}),
        'Unsupported value: "Newest"',
        id="unknown-policy",
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


def document(spec: dict[str, Any]) -> dict[str, Any]:
    return {**copy.deepcopy(VALID), "spec": spec}


REJECTED += [
    pytest.param(document(case.spec), case.api_message, id=case.id) for case in SHARED_REJECTED
]


@pytest.mark.parametrize(("document", "message"), REJECTED)
def test_rejected_at_admission(
    kubectl: Kubectl, namespace: str, document: dict[str, Any], message: str
) -> None:
    with pytest.raises(KubectlError) as rejected:
        kubectl("apply", "-n", namespace, "-f", "-", input=json.dumps(document))
    assert message in rejected.value.stderr
    assert kubectl("get", "mdep", "-n", namespace, "-o", "name") == ""


@pytest.mark.parametrize("sent", list(ACCEPTED.values()), ids=list(ACCEPTED))
def test_accepted_and_stored_as_sent(
    kubectl: Kubectl, namespace: str, sent: dict[str, Any]
) -> None:
    """Each inference option is admitted, stored without losing a field, and the stored
    object (with the API server's defaults) is one the operator's models accept."""
    kubectl("apply", "-n", namespace, "-f", "-", input=json.dumps(document(sent)))
    stored = kubectl.json("get", "mdep", "fraud", "-n", namespace)["spec"]
    assert merged(stored, sent) == stored
    parse_spec(stored)


def test_valid_manifest_gets_defaults(kubectl: Kubectl, namespace: str) -> None:
    kubectl("apply", "-n", namespace, "-f", "-", input=json.dumps(VALID))
    stored = kubectl.json("get", "mdep", "fraud", "-n", namespace)
    assert stored["spec"]["approval"] == {"policy": "LatestApproved"}
    # No default for initialInstanceCount: it is only allowed with instanceType, and a
    # defaulted count would make every serverless manifest invalid. The models read an
    # omitted count as 1, as the CRD's default used to say.
    assert stored["spec"]["endpoint"] == {
        "instanceType": "ml.m5.large",
        "variantName": "AllTraffic",
        "adoptExisting": False,
    }
    assert parse_spec(stored["spec"]).endpoint.instance_count == 1


SHARED_A = {"endpoint": None, "endpointRef": {"name": "shared-a"}, "inferenceComponent": COPIES}
SHARED_B = {**SHARED_A, "endpointRef": {"name": "shared-b"}}

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
    pytest.param(SHARED_A, SHARED_B, "spec.endpointRef is immutable", id="endpoint-ref-changed"),
    pytest.param({}, SHARED_A, "spec.endpointRef is immutable", id="dedicated-to-shared"),
    pytest.param(SHARED_A, {}, "spec.endpointRef is immutable", id="shared-to-dedicated"),
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


def test_copies_and_resources_of_a_placed_deployment_may_change(
    kubectl: Kubectl, namespace: str
) -> None:
    kubectl("apply", "-n", namespace, "-f", "-", input=json.dumps(document(on_copies())))
    stored = kubectl.json("get", "mdep", "fraud", "-n", namespace)["spec"]
    # The API server defaults copyCount; no endpoint, approval defaulted as before.
    assert stored["inferenceComponent"] == {"memoryMb": 2048, "copyCount": 1}
    assert "endpoint" not in stored
    changed = on_copies(inferenceComponent={"memoryMb": 4096, "copyCount": 3})
    kubectl("apply", "-n", namespace, "-f", "-", input=json.dumps(document(changed)))
    stored = kubectl.json("get", "mdep", "fraud", "-n", namespace)["spec"]
    parsed = parse_spec(stored)
    assert parsed.placement is Placement.INFERENCE_COMPONENT
    assert parsed.inference_component is not None
    assert (parsed.inference_component.memory_mb, parsed.inference_component.copy_count) == (
        4096,
        3,
    )


def test_instance_type_and_count_may_change(kubectl: Kubectl, namespace: str) -> None:
    kubectl("apply", "-n", namespace, "-f", "-", input=json.dumps(VALID))
    changed = manifest(endpoint={"instanceType": "ml.c5.xlarge", "initialInstanceCount": 3})
    kubectl("apply", "-n", namespace, "-f", "-", input=json.dumps(changed))
    stored = kubectl.json("get", "mdep", "fraud", "-n", namespace)
    assert stored["spec"]["endpoint"]["instanceType"] == "ml.c5.xlarge"


def test_hosting_shape_may_change(kubectl: Kubectl, namespace: str) -> None:
    """The API allows it; whether SageMaker can do it in place is the operator's business."""
    kubectl("apply", "-n", namespace, "-f", "-", input=json.dumps(VALID))
    kubectl(
        "apply", "-n", namespace, "-f", "-", input=json.dumps(document(spec(endpoint=SERVERLESS)))
    )
    stored = kubectl.json("get", "mdep", "fraud", "-n", namespace)
    assert parse_spec(stored["spec"]).endpoint.hosting is Hosting.SERVERLESS


def test_a_count_stored_by_the_old_default_must_go_before_serverless(
    kubectl: Kubectl, namespace: str
) -> None:
    """Objects created before the inference options carry initialInstanceCount: 1, which
    the CRD defaulted although their manifests never said it, so applying a serverless
    manifest to one does not remove it. That is refused, naming the field; once the count is
    removed the same manifest applies."""
    kubectl("apply", "-n", namespace, "-f", "-", input=json.dumps(VALID))
    old_default = {"spec": {"endpoint": {"initialInstanceCount": 1}}}
    kubectl(
        "patch", "mdep", "fraud", "-n", namespace, "--type=merge", "-p", json.dumps(old_default)
    )
    serverless = json.dumps(document(spec(endpoint=SERVERLESS)))
    with pytest.raises(KubectlError) as rejected:
        kubectl("apply", "-n", namespace, "-f", "-", input=serverless)
    assert rules.INSTANCE_COUNT_NEEDS_INSTANCE_TYPE.message in rejected.value.stderr
    remove = [{"op": "remove", "path": "/spec/endpoint/initialInstanceCount"}]
    kubectl("patch", "mdep", "fraud", "-n", namespace, "--type=json", "-p", json.dumps(remove))
    kubectl("apply", "-n", namespace, "-f", "-", input=serverless)
    stored = kubectl.json("get", "mdep", "fraud", "-n", namespace)
    assert parse_spec(stored["spec"]).endpoint.hosting is Hosting.SERVERLESS


def test_kubectl_explain_documents_the_api(kubectl: Kubectl) -> None:
    explained = kubectl("explain", "modeldeployment.spec.approval.policy")
    assert "LatestApproved serves the newest version" in explained
    assert "modeldeployments" in kubectl("api-resources", "--categories=mlops")
    recursive = kubectl("explain", "modeldeployment.spec", "--recursive")
    for field in (
        "serverless",
        "provisionedConcurrency",
        "async",
        "includeInferenceResponseIn",
        "dataCapture",
        "jsonContentTypes",
        "vpcConfig",
        "enableNetworkIsolation",
        "targetBacklogPerInstance",
        "scheduledActions",
        "timezone",
        "endpointRef",
        "inferenceComponent",
        "rollingUpdate",
        "rollbackMaximumBatchSize",
        "multiModel",
        "targetModel",
        "targetInvocationsPerCopy",
    ):
        assert re.search(rf"^\s+{field}\s", recursive, re.MULTILINE), field
    memory = kubectl("explain", "modeldeployment.spec.endpoint.serverless.memorySizeInMB")
    assert "1024 to 6144 MB in steps of 1024" in memory
    backlog = kubectl("explain", "modeldeployment.spec.autoscaling.targetBacklogPerInstance")
    assert "Required with endpoint.async" in backlog
    target = kubectl("explain", "modeldeployment.spec.multiModel.targetModel")
    assert "The name callers pass as TargetModel" in target
