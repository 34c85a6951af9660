"""End-to-end helpers for shared endpoints: ModelEndpoints, ModelDeployments placed on
them, model artifacts in the emulator's S3, and invocations by TargetModel or
InferenceComponentName."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from model_deployment_operator.domain.naming import DeploymentRef, default_endpoint_name
from support.e2e_stack import ROLE, Stack, wait_for

MODELS_BUCKET = "models"


def endpoint_name(stack: Stack, model_endpoint: str) -> str:
    return default_endpoint_name(
        DeploymentRef(stack.namespace, model_endpoint, uid="", kind="ModelEndpoint")
    )


def apply_model_endpoint(stack: Stack, name: str, **spec: Any) -> None:
    manifest = {
        "apiVersion": "sagemaker.mlops.dev/v1alpha1",
        "kind": "ModelEndpoint",
        "metadata": {"name": name, "namespace": stack.namespace},
        "spec": {
            "executionRoleArn": ROLE,
            "instanceType": "ml.m5.xlarge",
            "initialInstanceCount": 1,
            "deletionPolicy": "Delete",
            **spec,
        },
    }
    stack.kubectl("apply", "-f", "-", input=json.dumps(manifest))


def apply_placed(
    stack: Stack, name: str, group: str, model_endpoint: str, **placement: Any
) -> None:
    """A ModelDeployment of `group` placed on the ModelEndpoint (`multiModel=` or
    `inferenceComponent=`, and any other spec field)."""
    manifest = stack.manifest(name, modelPackageGroupName=group, **placement)
    manifest["spec"].pop("endpoint")
    manifest["spec"]["endpointRef"] = {"name": model_endpoint}
    stack.kubectl("apply", "-f", "-", input=json.dumps(manifest))


def model_endpoint(stack: Stack, name: str) -> dict[str, Any]:
    found: dict[str, Any] = stack.kubectl.json("get", "mep", name, "-n", stack.namespace)
    return found


def model_endpoint_ready(stack: Stack, name: str, timeout: float = 60) -> dict[str, Any]:
    def probe() -> dict[str, Any] | None:
        found = model_endpoint(stack, name)
        status = found.get("status") or {}
        ready = {c["type"]: c for c in status.get("conditions", [])}.get("Ready") or {}
        current = status.get("observedGeneration") == found["metadata"]["generation"]
        return status if current and ready.get("status") == "True" else None

    return wait_for(probe, timeout=timeout, what=f"ModelEndpoint {name} Ready")


def upload_version(stack: Stack, group: str, version: int, *, approval: str = "Approved") -> str:
    """A new registry version of `group` whose artifact says which version it is; returns
    the artifact's text (what the multi-model endpoint's answer previews)."""
    body = f"{group} model version {version}"
    key = f"{group}/v{version}/model.tar.gz"
    stack.s3.put_object(Bucket=MODELS_BUCKET, Key=key, Body=body.encode())
    package = stack.registry.register(
        group, approval=approval, model_data_url=f"s3://{MODELS_BUCKET}/{key}"
    )
    assert package.version == version, (group, package.version, version)
    return body


def invoke_target(stack: Stack, endpoint: str, target_model: str) -> dict[str, Any] | None:
    """The answer of the multi-model endpoint for this TargetModel; None while it cannot
    answer (not created, or the artifact is missing)."""
    try:
        response = stack.runtime.invoke_endpoint(
            EndpointName=endpoint,
            TargetModel=target_model,
            ContentType="application/json",
            Body=b"{}",
        )
    except ClientError:
        return None
    answer: dict[str, Any] = json.loads(response["Body"].read())
    return answer


def served_text(stack: Stack, endpoint: str, target_model: str) -> str | None:
    answer = invoke_target(stack, endpoint, target_model)
    if answer is None:
        return None
    return str(answer["targetModelArtifact"]["preview"])


def invoke_component(stack: Stack, endpoint: str, component: str) -> dict[str, Any] | None:
    try:
        response = stack.runtime.invoke_endpoint(
            EndpointName=endpoint,
            InferenceComponentName=component,
            ContentType="application/json",
            Body=b"{}",
        )
    except ClientError:
        return None
    answer: dict[str, Any] = json.loads(response["Body"].read())
    return answer
