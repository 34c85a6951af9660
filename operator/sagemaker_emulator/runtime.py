"""SageMaker Runtime InvokeEndpoint: answers with which endpoint, variant, config, model,
containers, compute and model package version served the request, so a test can prove
what is live. Asynchronous invocations are in async_inference.py; both share the routing
and the answer built here."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from sagemaker_emulator.autoscaling import no_capacity
from sagemaker_emulator.aws_backends import S3Artifact, parse_s3_uri, s3_artifact
from sagemaker_emulator.components import ComponentStatus
from sagemaker_emulator.context import Call
from sagemaker_emulator.data_capture import Payload, plan_capture
from sagemaker_emulator.errors import AwsError
from sagemaker_emulator.fleets import Fleet
from sagemaker_emulator.lifecycle import Endpoint, EndpointStatus, LiveVariant
from sagemaker_emulator.multi_model import ModelCache
from sagemaker_emulator.records import Json, ServedContainer, ServedModel

# Updating endpoints keep serving (the old fleet, and the new one as traffic moves to it),
# and so do endpoints rolling back or left serving both configs by a failed rollback.
_SERVING = (
    EndpointStatus.IN_SERVICE,
    EndpointStatus.UPDATING,
    EndpointStatus.ROLLING_BACK,
    EndpointStatus.UPDATE_ROLLBACK_FAILED,
)

TARGET_VARIANT: Final = "X-Amzn-SageMaker-Target-Variant"
TARGET_MODEL: Final = "X-Amzn-SageMaker-Target-Model"
TARGET_CONTAINER: Final = "X-Amzn-SageMaker-Target-Container-Hostname"
INFERENCE_ID: Final = "X-Amzn-SageMaker-Inference-Id"
INFERENCE_COMPONENT: Final = "X-Amzn-SageMaker-Inference-Component"
ANSWER_CONTENT_TYPE: Final = "application/json"


@dataclass(frozen=True)
class Invocation:
    body: bytes
    content_type: str
    invoked_variant: str


def runtime_error(message: str) -> AwsError:
    """SageMaker Runtime's client error (its model names the shape ValidationError)."""
    return AwsError("ValidationError", message, modeled=True)


def serving_endpoint(call: Call, endpoint_name: str) -> Endpoint:
    endpoint = call.partition.endpoint(endpoint_name, call.now)
    # Uniqueness ignores case, but InvokeEndpoint needs the name as created (reference §6).
    # Endpoints that are not serving yet (or any more) are unknown to the runtime.
    if endpoint is None or endpoint.name != endpoint_name or endpoint.status not in _SERVING:
        raise runtime_error(f"Endpoint {endpoint_name} of account {call.account_id} not found.")
    return endpoint


def choose_variant(endpoint: Endpoint, requested: str | None) -> LiveVariant:
    """TargetVariant when given, else the next variant by weight (reference §6)."""
    if requested is not None:
        variant = next((v for v in endpoint.variants if v.name == requested), None)
        if variant is None:
            raise runtime_error(f"Variant {requested} is not present in endpoint {endpoint.name}.")
        return variant
    chosen = endpoint.router.pick([(v.name, v.current_weight) for v in endpoint.variants])
    variant = next((v for v in endpoint.variants if v.name == chosen), None)
    if variant is None:
        raise runtime_error(
            f"Endpoint {endpoint.name} has no production variant with a positive weight."
        )
    return variant


def _containers_invoked(
    endpoint: Endpoint, served: ServedModel, target_container: str | None
) -> tuple[ServedContainer, ...]:
    """Serial (an inference pipeline, the default) runs every container in order; Direct
    runs the one TargetContainerHostname names (InvokeEndpoint API reference). Both
    refusals are worded by the emulator."""
    if served.execution_mode != "Direct":
        if target_container is not None:
            raise runtime_error(
                f"Endpoint {endpoint.name} is not configured for direct invocation and does "
                "not support target container hostname header."
            )
        return served.containers
    if target_container is None:
        raise runtime_error(
            f"Endpoint {endpoint.name} is configured for direct invocation: specify the "
            "target container hostname header."
        )
    chosen = next((c for c in served.containers if c.hostname == target_container), None)
    if chosen is None:
        raise runtime_error(
            f"Container hostname {target_container} is not present in endpoint {endpoint.name}."
        )
    return (chosen,)


def _target_model(
    call: Call,
    endpoint: Endpoint,
    variant: LiveVariant,
    served: ServedModel,
    *,
    model_cache: ModelCache,
    target_model: str | None,
    request_id: str,
) -> Json:
    """Multi-model endpoints load TargetModel from the container's S3 prefix
    ("Invoke a multi-model endpoint", developer guide) on an instance of the variant, which
    keeps serving what it downloaded (multi_model.py). The refusals of a header on a
    single-model endpoint and of a missing header are AWS's observed wording
    (aws/amazon-sagemaker-examples#1026, aws/sagemaker-tensorflow-serving-container#166);
    the missing-artifact message follows AWS's model-download failures."""
    container = served.multi_model
    if container is None:
        if target_model is not None:
            raise runtime_error(
                f"Endpoint {endpoint.name} is not a multi-model endpoint and does not support "
                "target model header."
            )
        return {}
    if target_model is None:
        raise runtime_error(f"Request {request_id} is missing a target model header.")
    prefix = parse_s3_uri(container.model_data_url or "")
    location = prefix.child(target_model) if prefix is not None else None

    def download() -> S3Artifact:
        artifact = (
            s3_artifact(call.account_id, call.region, location) if location is not None else None
        )
        if artifact is None:
            bucket = location.bucket if location is not None else ""
            key = location.key if location is not None else target_model
            raise runtime_error(
                f"Failed to download model data (bucket: {bucket}, key: {key}). Please ensure "
                "that there is an object located at the URL and that the role passed to "
                "CreateModel has permissions to download the object."
            )
        return artifact

    artifact = model_cache.serve(
        variant.name,
        variant.current_count or 1,
        target_model,
        caching=container.model_caching,
        now=call.now,
        download=download,
    )
    return {
        "targetModel": target_model,
        "targetModelDataUrl": f"s3://{artifact['bucket']}/{artifact['key']}",
        "targetModelArtifact": artifact,
    }


def _compute(variant: LiveVariant) -> Json:
    """Where the request ran: serverless capacity or the variant's instances."""
    serverless = variant.current_serverless or variant.serverless
    if serverless is not None:
        compute: Json = {
            "kind": "serverless",
            "memorySizeInMB": serverless["MemorySizeInMB"],
            "maxConcurrency": serverless["MaxConcurrency"],
        }
        if serverless.get("ProvisionedConcurrency") is not None:
            compute["provisionedConcurrency"] = serverless["ProvisionedConcurrency"]
        return compute
    return {
        "kind": "instance",
        "instanceType": variant.instance_type,
        "instanceCount": variant.current_count,
    }


def answer(
    call: Call,
    endpoint: Endpoint,
    variant: LiveVariant,
    headers: Mapping[str, str],
    request_id: str,
) -> Json:
    """What served the request, after the checks the runtime makes before serving it.
    While a deployment runs, the variant's old or new fleet answers, each in proportion
    to its instances with traffic; the answer names that fleet's config and model, and
    ``fleet`` says which one it was ("old" or "new")."""
    if variant.served is None:
        raise runtime_error(COMPONENT_REQUIRED)
    fleet = endpoint.serving_fleet(variant, call.now)
    served = fleet.variant.served
    if served is None:
        raise runtime_error(COMPONENT_REQUIRED)
    result = _answer(call, endpoint, fleet, served, headers=headers, request_id=request_id)
    if fleet.label is not None:
        result["fleet"] = fleet.label
    return result


def _answer(
    call: Call,
    endpoint: Endpoint,
    fleet: Fleet,
    served: ServedModel,
    *,
    headers: Mapping[str, str],
    request_id: str,
) -> Json:
    variant = fleet.variant
    containers = _containers_invoked(endpoint, served, headers.get(TARGET_CONTAINER))
    target = _target_model(
        call,
        endpoint,
        variant,
        served,
        model_cache=fleet.model_cache,
        target_model=headers.get(TARGET_MODEL),
        request_id=request_id,
    )
    package = served.package
    result: Json = {
        "endpointName": endpoint.name,
        "endpointArn": endpoint.arn,
        "endpointConfigName": fleet.config_name,
        "variantName": variant.name,
        "modelName": served.model_name,
        "modelArn": served.model_arn,
        "image": served.image,
        "modelDataUrl": served.model_data_url,
        "modelPackageArn": package.package_arn if package else None,
        "modelPackageGroupName": package.package_group if package else None,
        "modelPackageVersion": package.package_version if package else None,
        "containers": [c.to_json() for c in containers],
        "compute": _compute(variant),
        **target,
    }
    if headers.get(INFERENCE_ID) is not None:
        result["inferenceId"] = headers[INFERENCE_ID]
    return result


# Observed wording (aws-samples/amazon-kendra-langchain-extensions#64,
# langchain-ai/langchain#14344): an inference-component endpoint invoked without a
# component, and (quoted in BerriAI/litellm's SageMaker tests) a model endpoint invoked
# with one.
COMPONENT_REQUIRED: Final = (
    "Inference Component Name header is required for endpoints to which you plan to deploy "
    "inference components. Please include Inference Component Name header or consider using "
    "SageMaker models."
)
COMPONENT_NOT_ALLOWED: Final = (
    "Inference Component Name header is not allowed for endpoints to which you dont plan to "
    "deploy inference components. Please remove the Inference Component Name header and try "
    "again."
)
# Observed wording (AWS Machine Learning Blog, "Unlock cost savings with the new scale
# down to zero feature in SageMaker Inference", 2024): a component with no copies.
NO_CAPACITY: Final = (
    "Inference Component has no capacity to process this request. ApplicationAutoScaling "
    "may be in-progress (if configured) or try to increase the capacity by invoking "
    "UpdateInferenceComponentRuntimeConfig API."
)


def _component_answer(
    call: Call, endpoint: Endpoint, component_name: str, headers: Mapping[str, str]
) -> tuple[LiveVariant, Json]:
    """InvokeEndpoint with InferenceComponentName: a copy of that component answers, with
    the Specification it runs (during a rolling update, some copies run the old one and
    some the new). A component with no copies cannot answer; the failure is counted in
    the NoCapacityInvocationFailures metric, which wakes a component scaled to zero
    (autoscaling.py)."""
    partition = call.partition
    component = partition.component(component_name, call.now)
    if component is None or component.endpoint_key != endpoint.name.lower():
        raise runtime_error(
            f"Inference component {component_name} is not hosted by endpoint {endpoint.name}."
        )
    variant = next((v for v in endpoint.variants if v.name == component.variant_name), None)
    picked = component.pick_copy(call.now)
    if variant is None or picked is None or component.status is ComponentStatus.DELETING:
        no_capacity(call, component)
        raise runtime_error(NO_CAPACITY)
    spec, copy_number = picked
    fleet = Fleet(variant, endpoint.config_name, endpoint.model_cache)
    result = _answer(
        call, endpoint, fleet, spec.served, headers=headers, request_id=str(uuid.uuid4())
    )
    if spec.model_name is None:  # a Container, not a model
        result["modelName"] = None
        result["modelArn"] = None
    result["inferenceComponentName"] = component.name
    result["inferenceComponentArn"] = component.arn
    result["specificationRevision"] = spec.revision
    result["compute"] = {
        "kind": "inference-component",
        "instanceType": variant.instance_type,
        "instanceCount": variant.current_count,
        "copyCount": component.copy_count(call.now),
        "copy": copy_number,
    }
    return variant, result


def invoke_endpoint(
    call: Call, endpoint_name: str, headers: Mapping[str, str], body: bytes
) -> Invocation:
    endpoint = serving_endpoint(call, endpoint_name)
    if endpoint.features.async_config is not None:
        # "The presence of an AsyncInferenceConfig object in the endpoint configuration
        # implies that the endpoint can only receive asynchronous invocations"
        # (developer guide, "Asynchronous inference"). The wording is the emulator's.
        raise runtime_error(
            f"Endpoint {endpoint_name} is an asynchronous inference endpoint and accepts only "
            "InvokeEndpointAsync."
        )
    component_name = headers.get(INFERENCE_COMPONENT)
    result: dict[str, Any]
    if endpoint.variants and all(v.hosts_components for v in endpoint.variants):
        if component_name is None:
            raise runtime_error(COMPONENT_REQUIRED)
        variant, result = _component_answer(call, endpoint, component_name, headers)
    else:
        if component_name is not None:
            raise runtime_error(COMPONENT_NOT_ALLOWED)
        variant = choose_variant(endpoint, headers.get(TARGET_VARIANT))
        result = answer(call, endpoint, variant, headers, str(uuid.uuid4()))
    result["requestContentType"] = headers.get("Content-Type")
    result["requestBytes"] = len(body)
    out = json.dumps(result).encode()
    capture = plan_capture(
        endpoint,
        variant.name,
        account_id=call.account_id,
        region=call.region,
        request=Payload(headers.get("Content-Type") or "application/octet-stream", body),
        response=Payload(ANSWER_CONTENT_TYPE, out),
        inference_id=headers.get(INFERENCE_ID),
        at=call.now,
    )
    if capture is not None:
        call.after(capture)
    return Invocation(body=out, content_type=ANSWER_CONTENT_TYPE, invoked_variant=variant.name)
