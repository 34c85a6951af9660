"""The emulated services behind the dispatcher: SageMaker and Application Auto Scaling
(json 1.1, operation named by X-Amz-Target) and SageMaker Runtime (rest-json)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import unquote

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
    """SageMaker Runtime: POST /endpoints/{EndpointName}/invocations."""

    _HEADERS: Final = {
        "ContentType": "Content-Type",
        "Accept": "Accept",
        "CustomAttributes": "X-Amzn-SageMaker-Custom-Attributes",
        "TargetModel": "X-Amzn-SageMaker-Target-Model",
        "TargetVariant": "X-Amzn-SageMaker-Target-Variant",
        "TargetContainerHostname": "X-Amzn-SageMaker-Target-Container-Hostname",
        "InferenceId": "X-Amzn-SageMaker-Inference-Id",
    }

    def __init__(self, state: EmulatorState, validator: InputValidator) -> None:
        self._state = state
        self._validator = validator

    def __call__(self, request: AwsRequest) -> Response:
        if request.action != "InvokeEndpoint":
            return _runtime_error(unknown_operation("sagemaker-runtime", request.action))
        match = RUNTIME_PATH.match(request.environ.get("PATH_INFO", ""))
        if match is None or request.environ.get("REQUEST_METHOD") != "POST":
            return _runtime_error(AwsError("ValidationError", "Unsupported request.", 400))
        name = unquote(match["name"])
        headers = {
            header: value
            for header in self._HEADERS.values()
            if (value := request.header(header)) is not None
        }
        params: Params = {
            member: headers[header] for member, header in self._HEADERS.items() if header in headers
        }
        params["EndpointName"] = name
        params["Body"] = request.body.decode("latin-1")  # only its length is checked
        state = self._state
        try:
            try:
                self._validator.validate("InvokeEndpoint", params)
            except AwsError as error:  # the runtime spells its validation error differently
                raise AwsError("ValidationError", error.message, modeled=True) from None
            with state.lock:
                call = Call(
                    "sagemaker-runtime",
                    "InvokeEndpoint",
                    request.account_id,
                    request.region,
                    state.clock.now(),
                    state,
                )
                invocation = invoke_endpoint(call, name, headers, request.body)
        except AwsError as error:
            return _runtime_error(error)
        return Response(
            200,
            (
                ("Content-Type", invocation.content_type),
                ("x-Amzn-Invoked-Production-Variant", invocation.invoked_variant),
                ("x-amzn-RequestId", new_request_id()),
            ),
            invocation.body,
        )


def _runtime_error(error: AwsError) -> Response:
    return json_error(error, "application/json")
