"""The emulated services behind the dispatcher: SageMaker and Application Auto Scaling
(json 1.1, operation named by X-Amz-Target) and SageMaker Runtime (rest-json)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import unquote

from sagemaker_emulator.async_inference import AsyncWorker, invoke_endpoint_async
from sagemaker_emulator.context import Call, Params, Result
from sagemaker_emulator.errors import AwsError, serialization_error, unknown_operation
from sagemaker_emulator.events import deliver
from sagemaker_emulator.runtime import invoke_endpoint
from sagemaker_emulator.state import EmulatorState
from sagemaker_emulator.validation import InputValidator
from sagemaker_emulator.wire import Response, json_error, json_response, new_request_id

Operation = Callable[[Call, Params], Result]

RUNTIME_PATH: Final = re.compile(
    r"^/endpoints/(?P<name>[^/]+)/(?P<kind>invocations|async-invocations|"
    r"invocations-response-stream)$"
)
RUNTIME_ACTIONS: Final = {
    "invocations": "InvokeEndpoint",
    "async-invocations": "InvokeEndpointAsync",
    "invocations-response-stream": "InvokeEndpointWithResponseStream",
}


@dataclass(frozen=True)
class AwsRequest:
    """One AWS API request, identified."""

    service: str  # "sagemaker", "application-autoscaling", "sagemaker-runtime", "sqs", ...
    action: str
    account_id: str
    region: str
    body: bytes
    environ: dict[str, Any]
    access_key: str = ""

    def header(self, name: str) -> str | None:
        value = self.environ.get("HTTP_" + name.upper().replace("-", "_"))
        if value is None and name.lower() == "content-type":
            value = self.environ.get("CONTENT_TYPE")
        return None if value is None else str(value)


class JsonService:
    """A json-1.1 service: validate the input against the service model, run the
    operation under the state lock, deliver any events after releasing it."""

    def __init__(
        self,
        name: str,
        state: EmulatorState,
        validator: InputValidator,
        operations: Mapping[str, Operation],
    ) -> None:
        self.name = name
        self._state = state
        self._validator = validator
        self._operations = operations

    def __call__(self, request: AwsRequest) -> Response:
        operation = self._operations.get(request.action)
        if operation is None:
            return json_error(unknown_operation(self.name, request.action))
        try:
            params = _json_params(request.body)
            self._validator.validate(request.action, params)
            state = self._state
            with state.lock:
                call = Call(
                    self.name,
                    request.action,
                    request.account_id,
                    request.region,
                    state.clock.now(),
                    state,
                )
                result = operation(call, params)
                events_target = state.settings.events_target
        except AwsError as error:
            return json_error(error)
        call.run_effects()
        if call.outbox:
            deliver(events_target, call.outbox)
        return json_response(result)


def _json_params(body: bytes) -> Params:
    if not body:
        return {}
    try:
        params = json.loads(body)
    except ValueError:
        raise serialization_error("The request body is not valid JSON.") from None
    if not isinstance(params, dict):
        raise serialization_error("The request body must be a JSON object.")
    return params


class RuntimeService:
    """SageMaker Runtime: POST /endpoints/{EndpointName}/invocations and
    /async-invocations. Parameters travel in headers (rest-json) and are validated against
    the runtime's service model like any other input."""

    _HEADERS: Final = {
        "InvokeEndpoint": {
            "ContentType": "Content-Type",
            "Accept": "Accept",
            "CustomAttributes": "X-Amzn-SageMaker-Custom-Attributes",
            "TargetModel": "X-Amzn-SageMaker-Target-Model",
            "TargetVariant": "X-Amzn-SageMaker-Target-Variant",
            "TargetContainerHostname": "X-Amzn-SageMaker-Target-Container-Hostname",
            "InferenceId": "X-Amzn-SageMaker-Inference-Id",
            "InferenceComponentName": "X-Amzn-SageMaker-Inference-Component",
        },
        "InvokeEndpointAsync": {
            "ContentType": "X-Amzn-SageMaker-Content-Type",
            "Accept": "X-Amzn-SageMaker-Accept",
            "CustomAttributes": "X-Amzn-SageMaker-Custom-Attributes",
            "InferenceId": "X-Amzn-SageMaker-Inference-Id",
            "InputLocation": "X-Amzn-SageMaker-InputLocation",
            "S3OutputPathExtension": "X-Amzn-SageMaker-S3OutputPathExtension",
            "Filename": "X-Amzn-SageMaker-Filename",
            "RequestTTLSeconds": "X-Amzn-SageMaker-RequestTTLSeconds",
            "InvocationTimeoutSeconds": "X-Amzn-SageMaker-InvocationTimeoutSeconds",
        },
    }
    _INTEGER_MEMBERS: Final = frozenset({"RequestTTLSeconds", "InvocationTimeoutSeconds"})

    def __init__(
        self, state: EmulatorState, validator: InputValidator, worker: AsyncWorker
    ) -> None:
        self._state = state
        self._validator = validator
        self._worker = worker

    def __call__(self, request: AwsRequest) -> Response:
        headers_of = self._HEADERS.get(request.action)
        if headers_of is None:
            return _runtime_error(unknown_operation("sagemaker-runtime", request.action))
        match = RUNTIME_PATH.match(request.environ.get("PATH_INFO", ""))
        if match is None or request.environ.get("REQUEST_METHOD") != "POST":
            return _runtime_error(AwsError("ValidationError", "Unsupported request.", 400))
        name = unquote(match["name"])
        headers = {
            header: value
            for header in headers_of.values()
            if (value := request.header(header)) is not None
        }
        state = self._state
        call: Call | None = None
        try:
            params = self._params(request, name, headers_of, headers)
            with state.lock:
                call = Call(
                    "sagemaker-runtime",
                    request.action,
                    request.account_id,
                    request.region,
                    state.clock.now(),
                    state,
                )
                if request.action == "InvokeEndpoint":
                    response = self._invoke(call, name, headers, request.body)
                else:
                    response = self._invoke_async(call, name, headers, params)
        except AwsError as error:
            # A refused invocation can still have effects: a component with no copies
            # counts the failure in CloudWatch.
            if call is not None:
                call.run_effects()
            return _runtime_error(error)
        call.run_effects()
        if request.action == "InvokeEndpointAsync":
            self._worker.notify()
        return response

    @staticmethod
    def _invoke(call: Call, name: str, headers: Mapping[str, str], body: bytes) -> Response:
        invocation = invoke_endpoint(call, name, headers, body)
        return Response(
            200,
            (
                ("Content-Type", invocation.content_type),
                ("x-Amzn-Invoked-Production-Variant", invocation.invoked_variant),
                ("x-amzn-RequestId", new_request_id()),
            ),
            invocation.body,
        )

    @staticmethod
    def _invoke_async(
        call: Call, name: str, headers: Mapping[str, str], params: Params
    ) -> Response:
        """202 Accepted with the InferenceId in the body and the S3 locations in headers
        (InvokeEndpointAsync API reference)."""
        accepted = invoke_endpoint_async(call, name, headers, params)
        locations = [("X-Amzn-SageMaker-OutputLocation", accepted.output_location)]
        if accepted.failure_location is not None:
            locations.append(("X-Amzn-SageMaker-FailureLocation", accepted.failure_location))
        response = json_response(
            {"InferenceId": accepted.inference_id}, "application/json", status=202
        )
        return Response(response.status, (*response.headers, *locations), response.body)

    def _params(
        self,
        request: AwsRequest,
        name: str,
        headers_of: Mapping[str, str],
        headers: Mapping[str, str],
    ) -> Params:
        params: Params = {
            member: headers[header] for member, header in headers_of.items() if header in headers
        }
        for member in self._INTEGER_MEMBERS & params.keys():
            try:
                params[member] = int(params[member])
            except ValueError:
                raise AwsError(
                    "ValidationError", f"{member} must be an integer.", modeled=True
                ) from None
        params["EndpointName"] = name
        # Only its length is checked; the bytes themselves stay in request.body.
        body = request.body.decode("latin-1")
        if request.action == "InvokeEndpoint" or body:
            params["Body"] = body
        try:
            self._validator.validate(request.action, params)
        except AwsError as error:  # the runtime spells its validation error differently
            raise AwsError("ValidationError", error.message, modeled=True) from None
        if "Body" in params:
            params["Body"] = request.body
        return params


def _runtime_error(error: AwsError) -> Response:
    return json_error(error, "application/json")
