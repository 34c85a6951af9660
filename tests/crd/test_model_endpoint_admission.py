"""The API server itself rejects bad ModelEndpoints, with a message that says why, and shows
the shared endpoint in `kubectl get` and `kubectl explain`.

The rejected and accepted specs are spec_cases.py's ENDPOINT_* tables, which
tests/unit/domain/test_spec_model_endpoint.py runs through the operator's models too.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest

from crd.spec_cases import (
    ENDPOINT_ACCEPTED,
    ENDPOINT_REJECTED,
    endpoint_spec,
    merged,
    multi_model_endpoint,
)
from devcluster import Kubectl, KubectlError
from model_deployment_operator.domain.spec import parse_model_endpoint_spec

pytestmark = [pytest.mark.cluster, pytest.mark.usefixtures("modelendpoint_crd")]


def document(spec: dict[str, Any], name: str = "shared") -> dict[str, Any]:
    return {
        "apiVersion": "sagemaker.mlops.dev/v1alpha1",
        "kind": "ModelEndpoint",
        "metadata": {"name": name},
        "spec": copy.deepcopy(spec),
    }


def apply(kubectl: Kubectl, namespace: str, spec: dict[str, Any]) -> None:
    kubectl("apply", "-n", namespace, "-f", "-", input=json.dumps(document(spec)))


REJECTED = [pytest.param(case.spec, case.api_message, id=case.id) for case in ENDPOINT_REJECTED] + [
    pytest.param(
        {**endpoint_spec(), "endpoint": {"name": "x"}},
        'unknown field "spec.endpoint"',
        id="unknown-field",
    ),
]


@pytest.mark.parametrize(("spec", "message"), REJECTED)
def test_rejected_at_admission(
    kubectl: Kubectl, namespace: str, spec: dict[str, Any], message: str
) -> None:
    with pytest.raises(KubectlError) as rejected:
        apply(kubectl, namespace, spec)
    assert message in rejected.value.stderr
    assert kubectl("get", "mep", "-n", namespace, "-o", "name") == ""


@pytest.mark.parametrize("sent", list(ENDPOINT_ACCEPTED.values()), ids=list(ENDPOINT_ACCEPTED))
def test_accepted_and_stored_as_sent(
    kubectl: Kubectl, namespace: str, sent: dict[str, Any]
) -> None:
    """Admitted, stored without losing a field, and the stored object (with the API
    server's defaults) is one the operator's models accept."""
    apply(kubectl, namespace, sent)
    stored = kubectl.json("get", "mep", "shared", "-n", namespace)["spec"]
    assert merged(stored, sent) == stored
    parse_model_endpoint_spec(stored)


def test_defaults(kubectl: Kubectl, namespace: str) -> None:
    apply(kubectl, namespace, multi_model_endpoint())
    stored = kubectl.json("get", "mep", "shared", "-n", namespace)
    assert stored["spec"]["initialInstanceCount"] == 1
    assert stored["spec"]["variantName"] == "AllTraffic"
    assert stored["spec"]["multiModel"]["modelCacheSetting"] == "Enabled"
    # kstatus: InProgress until the operator reports, not Current.
    assert stored["status"] == {"observedGeneration": 0}


IMMUTABLE = [
    pytest.param(
        endpoint_spec(endpointName="shared-a"),
        endpoint_spec(endpointName="shared-b"),
        "spec.endpointName is immutable",
        id="endpoint-name-changed",
    ),
    pytest.param(
        endpoint_spec(),
        endpoint_spec(endpointName="shared-b"),
        "spec.endpointName is immutable",
        id="endpoint-name-added",
    ),
    pytest.param(
        endpoint_spec(region="us-east-1"),
        endpoint_spec(region="eu-west-1"),
        "spec.region is immutable",
        id="region-changed",
    ),
    pytest.param(
        endpoint_spec(),
        multi_model_endpoint(),
        "spec.mode is immutable",
        id="mode-changed",
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
    apply(kubectl, namespace, before)
    with pytest.raises(KubectlError) as rejected:
        apply(kubectl, namespace, after)
    assert message in rejected.value.stderr


def test_instances_and_scaling_may_change(kubectl: Kubectl, namespace: str) -> None:
    apply(kubectl, namespace, endpoint_spec())
    changed = endpoint_spec(
        instanceType="ml.g5.12xlarge",
        initialInstanceCount=2,
        managedInstanceScaling={"minInstanceCount": 1, "maxInstanceCount": 8},
    )
    apply(kubectl, namespace, changed)
    stored = kubectl.json("get", "mep", "shared", "-n", namespace)["spec"]
    assert stored["instanceType"] == "ml.g5.12xlarge"
    assert stored["managedInstanceScaling"] == {"minInstanceCount": 1, "maxInstanceCount": 8}


def test_get_shows_what_runs_where(kubectl: Kubectl, namespace: str) -> None:
    """MODE, ENDPOINT, INSTANCES, ENDPOINT-STATUS, HOSTS (ModelDeployments hosted), READY,
    AGE; REASON with -o wide; all read from what the operator writes in status."""
    apply(kubectl, namespace, multi_model_endpoint())
    status = {
        "observedGeneration": 1,
        "conditions": [
            {
                "type": "Ready",
                "status": "True",
                "reason": "EndpointReady",
                "message": "m",
                "lastTransitionTime": "2026-11-01T12:00:00Z",
            }
        ],
        "endpoint": {"name": "ml-risk-models", "status": "InService", "instanceCount": 2},
        "hosted": [{"name": "fraud", "version": 7}, {"name": "churn", "version": 3}],
        "hostedCount": 2,
        "lastRefresh": {"configName": "c", "at": "2026-11-01T12:00:00Z", "targets": ["a"]},
    }
    kubectl(
        "patch",
        "mep",
        "shared",
        "-n",
        namespace,
        "--subresource=status",
        "--type=merge",
        "-p",
        json.dumps({"status": status}),
    )
    header, row = kubectl("get", "mep", "-n", namespace).strip().splitlines()
    assert header.split() == [
        "NAME",
        "MODE",
        "ENDPOINT",
        "INSTANCES",
        "ENDPOINT-STATUS",
        "HOSTS",
        "READY",
        "AGE",
    ]
    assert row.split()[:7] == [
        "shared",
        "MultiModel",
        "ml-risk-models",
        "2",
        "InService",
        "2",
        "True",
    ]
    wide_header, wide_row = kubectl("get", "mep", "-n", namespace, "-o", "wide").splitlines()
    assert wide_header.split()[6:8] == ["READY", "REASON"]
    assert wide_row.split()[7] == "EndpointReady"


def test_kubectl_explain_documents_the_api(kubectl: Kubectl) -> None:
    assert "modelendpoints" in kubectl("api-resources", "--categories=mlops")
    assert "mep" in kubectl("api-resources", "--api-group=sagemaker.mlops.dev")
    recursive = kubectl("explain", "modelendpoint", "--recursive")
    for field in (
        "endpointName",
        "mode",
        "managedInstanceScaling",
        "scaleInPolicy",
        "multiModel",
        "artifactPrefix",
        "modelCacheSetting",
        "hosted",
        "hostedCount",
        "lastRefresh",
    ):
        assert re.search(rf"^\s+{field}\s", recursive, re.MULTILINE), field
    mode = kubectl("explain", "modelendpoint.spec.mode")
    assert "InferenceComponents" in mode
    assert "MultiModel" in mode
