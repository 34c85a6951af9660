"""SageMaker Runtime InvokeEndpoint: answers with which endpoint, variant, config, model
and model package version served the request, so a test can prove what is live."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from sagemaker_emulator.context import Call
from sagemaker_emulator.errors import AwsError
from sagemaker_emulator.lifecycle import EndpointStatus

# Updating endpoints keep serving on the current config until the update completes.
_SERVING = (EndpointStatus.IN_SERVICE, EndpointStatus.UPDATING)


@dataclass(frozen=True)
class Invocation:
    body: bytes
    content_type: str
    invoked_variant: str


def _validation_error(message: str) -> AwsError:
    return AwsError("ValidationError", message, modeled=True)


def invoke_endpoint(
    call: Call, endpoint_name: str, headers: Mapping[str, str], body: bytes
) -> Invocation:
    partition = call.partition
    endpoint = partition.endpoint(endpoint_name, call.now)
    # Uniqueness ignores case, but InvokeEndpoint needs the name as created (reference §6).
    # Endpoints that are not serving yet (or any more) are unknown to the runtime.
    if endpoint is None or endpoint.name != endpoint_name or endpoint.status not in _SERVING:
        raise _validation_error(f"Endpoint {endpoint_name} of account {call.account_id} not found.")
    requested = headers.get("X-Amzn-SageMaker-Target-Variant")
    if requested is not None:
        variant = next((v for v in endpoint.variants if v.name == requested), None)
        if variant is None:
            raise _validation_error(
                f"Variant {requested} is not present in endpoint {endpoint_name}."
            )
    else:
        chosen = endpoint.router.pick([(v.name, v.current_weight) for v in endpoint.variants])
        variant = next((v for v in endpoint.variants if v.name == chosen), None)
        if variant is None:
            raise _validation_error(
                f"Endpoint {endpoint_name} has no production variant with a positive weight."
            )
    served = variant.served
    answer = {
        "endpointName": endpoint.name,
        "endpointArn": endpoint.arn,
        "endpointConfigName": endpoint.config_name,
        "variantName": variant.name,
        "modelName": served.model_name,
        "modelArn": served.model_arn,
        "image": served.image,
        "modelDataUrl": served.model_data_url,
        "modelPackageArn": served.package_arn,
        "modelPackageGroupName": served.package_group,
        "modelPackageVersion": served.package_version,
        "requestContentType": headers.get("Content-Type"),
        "requestBytes": len(body),
    }
    return Invocation(
        body=json.dumps(answer).encode(),
        content_type="application/json",
        invoked_variant=variant.name,
    )
