"""Asynchronous inference: InvokeEndpointAsync, the endpoint's queue, results in S3 and
notifications through SNS (developer guide, "Asynchronous inference" and "Check
prediction results"; InvokeEndpointAsync and AsyncInferenceConfig API references).

    InvokeEndpointAsync    input from InputLocation (an object in moto's S3; a missing one
                           is refused) or inline Body; answers 202 with InferenceId,
                           OutputLocation and (with S3FailurePath) FailureLocation
    after the delay        the answer is written to OutputLocation and the SuccessTopic is
                           notified; or, for an injected failure, the reason is written to
                           FailureLocation and the ErrorTopic is notified

A worker thread completes requests when they are due; requests wait while the endpoint
has no instances (scaled to zero) and fail once RequestTTLSeconds have passed.
"""

from __future__ import annotations

import base64
import heapq
import json
import logging
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from sagemaker_emulator.aws_backends import (
    S3Location,
    parse_s3_uri,
    publish_sns,
    put_s3_object,
    s3_bucket_exists,
    s3_object,
)
from sagemaker_emulator.context import Call
from sagemaker_emulator.data_capture import Payload, plan_capture
from sagemaker_emulator.errors import AwsError
from sagemaker_emulator.lifecycle import Endpoint
from sagemaker_emulator.records import AsyncRequest
from sagemaker_emulator.runtime import (
    ANSWER_CONTENT_TYPE,
    INFERENCE_ID,
    answer,
    choose_variant,
    runtime_error,
    serving_endpoint,
)
from sagemaker_emulator.state import EmulatorState

log = logging.getLogger(__name__)

DEFAULT_TTL_SECONDS: Final = 21_600  # InvokeEndpointAsync API reference
# The inference response is included in a notification only up to this size
# (AsyncInferenceNotificationConfig API reference).
MAX_NOTIFIED_RESPONSE: Final = 128 * 1024
# How long a request waits before the endpoint is looked at again when it has no capacity.
_RETRY_SECONDS: Final = 0.25
_IDLE_SECONDS: Final = 0.5
Effect = Callable[[], None]


@dataclass(frozen=True)
class Accepted:
    inference_id: str
    output_location: str
    failure_location: str | None


def invoke_endpoint_async(
    call: Call, endpoint_name: str, headers: Mapping[str, str], params: Mapping[str, Any]
) -> Accepted:
    """Queue one request; runs under the state lock."""
    endpoint = serving_endpoint(call, endpoint_name)
    async_config = endpoint.features.async_config
    if async_config is None:
        raise runtime_error(
            f"Endpoint {endpoint_name} does not have an AsyncInferenceConfig and does not "
            "support InvokeEndpointAsync."
        )
    body = _input(call, params)
    inference_id = params.get("InferenceId") or str(uuid.uuid4())
    output = async_config["OutputConfig"]
    extension = params.get("S3OutputPathExtension") or ""
    filename = params.get("Filename") or f"{inference_id}.out"
    output_location = _location(output["S3OutputPath"]).child(extension, filename)
    failure_location = None
    if output.get("S3FailurePath"):
        failure_name = f"{filename.removesuffix('.out')}-error.out"
        failure_location = _location(output["S3FailurePath"]).child(extension, failure_name)
    state = call.state
    ttl = params.get("RequestTTLSeconds", DEFAULT_TTL_SECONDS)
    request = AsyncRequest(
        inference_id=inference_id,
        account_id=call.account_id,
        region=call.region,
        endpoint_name=endpoint.name,
        sequence=state.next_sequence(),
        received_at=call.now,
        due_at=call.now + state.settings.durations.async_inference,
        expires_at=call.now + ttl,
        content_type=params.get("ContentType"),
        body=body,
        input_location=params.get("InputLocation"),
        output_location=output_location.uri,
        failure_location=failure_location.uri if failure_location else None,
        headers=dict(headers),
        injected_failure=state.endpoint_faults.take_async_failure(endpoint.name),
    )
    heapq.heappush(state.async_queue, (request.due_at, request.sequence, request))
    return Accepted(inference_id, request.output_location, request.failure_location)


def _location(uri: str) -> S3Location:
    location = parse_s3_uri(uri)
    if location is None:  # the service model's pattern admits only s3:// and https://
        raise runtime_error(f"{uri} is not an Amazon S3 URI.")
    return location


def _input(call: Call, params: Mapping[str, Any]) -> bytes:
    """The request payload: inline Body or the object at InputLocation, exactly one of
    them (InvokeEndpointAsync API reference). The missing-object wording follows AWS's
    model-download failures; AWS does not document its own."""
    body: bytes = params.get("Body") or b""
    input_location = params.get("InputLocation")
    if body and input_location:
        raise runtime_error("Body and InputLocation are mutually exclusive: provide exactly one.")
    if not input_location:
        if not body:
            raise runtime_error("Provide the request payload in Body or in InputLocation.")
        return body
    location = _location(input_location)
    data = s3_object(call.account_id, call.region, location)
    if data is None:
        raise runtime_error(
            f"Failed to download input data (bucket: {location.bucket}, key: {location.key}) "
            f"from InputLocation {input_location}. Please ensure that there is an object "
            "located at the URL and that the role passed to CreateModel has permissions to "
            "download the object."
        )
    return data


# ---------------------------------------------------------------------- completion


def complete_due(state: EmulatorState) -> list[Effect]:
    """Complete every request that is due; runs under the state lock and returns the
    writes to make once it is released."""
    effects: list[Effect] = []
    now = state.clock.now()
    queue = state.async_queue
    while queue and queue[0][0] <= now:
        _, _, request = heapq.heappop(queue)
        effects.extend(_complete(state, request, now))
    return effects


def next_due(state: EmulatorState) -> float | None:
    return state.async_queue[0][0] if state.async_queue else None


def _complete(state: EmulatorState, request: AsyncRequest, now: float) -> list[Effect]:
    partition = state.partition(request.account_id, request.region)
    endpoint = partition.endpoint(request.endpoint_name, now)
    if endpoint is None or endpoint.features.async_config is None:
        return _failed(request, endpoint, "The endpoint no longer exists.", now)
    if request.injected_failure is not None:
        return _failed(request, endpoint, request.injected_failure, now)
    if all((v.current_count or 0) == 0 for v in endpoint.variants):
        # Scaled to zero: the request waits in the queue for capacity (developer guide,
        # "Autoscale an asynchronous endpoint"), until its time to live runs out.
        if now >= request.expires_at:
            return _failed(request, endpoint, "The request expired before it was processed.", now)
        due = now + _RETRY_SECONDS
        heapq.heappush(state.async_queue, (due, request.sequence, request))
        return []
    call = Call(
        "sagemaker-runtime",
        "InvokeEndpointAsync",
        request.account_id,
        request.region,
        now,
        state,
    )
    try:
        variant = choose_variant(endpoint, None)
        result = answer(call, endpoint, variant, request.headers, request.inference_id)
    except AwsError as error:
        return _failed(request, endpoint, error.message, now)
    result["requestContentType"] = request.content_type
    result["requestBytes"] = len(request.body)
    result["inputLocation"] = request.input_location
    output = json.dumps(result).encode()
    location = _location(request.output_location)
    if not s3_bucket_exists(request.account_id, request.region, location.bucket):
        return _failed(
            request,
            endpoint,
            f"Failed to upload the result to {location.uri}: no such bucket.",
            now,
        )
    effects: list[Effect] = [
        lambda: _put(request, location, output, ANSWER_CONTENT_TYPE),
    ]
    capture = plan_capture(
        endpoint,
        variant.name,
        account_id=request.account_id,
        region=request.region,
        request=Payload(request.content_type or "application/octet-stream", request.body),
        response=Payload(ANSWER_CONTENT_TYPE, output),
        inference_id=request.headers.get(INFERENCE_ID),
        at=now,
    )
    if capture is not None:
        effects.append(capture)
    notification = _notification(request, now, status="Completed")
    notification["responseParameters"] = {
        "contentType": ANSWER_CONTENT_TYPE,
        "outputLocation": request.output_location,
    }
    effects.extend(
        _notify(endpoint, notification, "SuccessTopic", "SUCCESS_NOTIFICATION_TOPIC", output)
    )
    return effects


def _failed(
    request: AsyncRequest, endpoint: Endpoint | None, reason: str, now: float
) -> list[Effect]:
    """A failed request: the reason goes to FailureLocation (when S3FailurePath is set)
    and to the ErrorTopic."""
    effects: list[Effect] = []
    document = json.dumps(
        {
            "inferenceId": request.inference_id,
            "endpointName": request.endpoint_name,
            "failureReason": reason,
        }
    ).encode()
    if request.failure_location is not None:
        failure = _location(request.failure_location)
        effects.append(lambda: _put(request, failure, document, ANSWER_CONTENT_TYPE))
    notification = _notification(request, now, status="Failed")
    notification["failureReason"] = reason
    if request.failure_location is not None:
        notification["responseParameters"] = {
            "contentType": ANSWER_CONTENT_TYPE,
            "failureLocation": request.failure_location,
        }
    if endpoint is not None:
        effects.extend(
            _notify(endpoint, notification, "ErrorTopic", "ERROR_NOTIFICATION_TOPIC", document)
        )
    return effects


def _put(request: AsyncRequest, location: S3Location, body: bytes, content_type: str) -> None:
    put_s3_object(request.account_id, request.region, location, body, content_type)


def _notification(request: AsyncRequest, now: float, *, status: str) -> dict[str, Any]:
    """The notification's JSON, as "Check prediction results" shows it."""
    parameters: dict[str, Any] = {"endpointName": request.endpoint_name}
    if request.content_type is not None:
        parameters["contentType"] = request.content_type
    if request.input_location is not None:
        parameters["inputLocation"] = request.input_location
    return {
        "awsRegion": request.region,
        "eventTime": _iso(now),
        "receivedTime": _iso(request.received_at),
        "invocationStatus": status,
        "requestParameters": parameters,
        "inferenceId": request.inference_id,
        "eventVersion": "1.0",
        "eventSource": "aws:sagemaker",
        "eventName": "InferenceResult",
    }


def _notify(
    endpoint: Endpoint,
    notification: dict[str, Any],
    topic_field: str,
    include_flag: str,
    response: bytes,
) -> list[Effect]:
    """Publish to the configured topic; the response itself is included only for the
    topics listed in IncludeInferenceResponseIn and only up to 128 KB."""
    async_config = endpoint.features.async_config or {}
    config = async_config["OutputConfig"].get("NotificationConfig") or {}
    topic = config.get(topic_field)
    if not topic:
        return []
    if include_flag in (config.get("IncludeInferenceResponseIn") or ()) and (
        len(response) <= MAX_NOTIFIED_RESPONSE
    ):
        notification["responseBody"] = _response_body(response)
    message = json.dumps(notification)
    return [lambda: _publish(topic, message)]


def _response_body(response: bytes) -> dict[str, str]:
    try:
        return {"content": response.decode("utf-8"), "encoding": "UTF-8"}
    except UnicodeDecodeError:
        return {"content": base64.b64encode(response).decode(), "encoding": "BASE64"}


def _publish(topic: str, message: str) -> None:
    publish_sns(topic, message)


def _iso(epoch: float) -> str:
    moment = datetime.fromtimestamp(epoch, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


# ---------------------------------------------------------------------- worker


class AsyncWorker:
    """Completes queued requests when they are due, from a background thread started on
    the first asynchronous invocation."""

    def __init__(self, state: EmulatorState) -> None:
        self._state = state
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def notify(self) -> None:
        """A request was queued: start the worker if needed, and let it look again."""
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="sagemaker-emulator-async", daemon=True
                )
                self._thread.start()
        self._wake.set()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def run_due(self) -> None:
        with self._state.lock:
            effects = complete_due(self._state)
            due = next_due(self._state)
            now = self._state.clock.now()
        for effect in effects:
            try:
                effect()
            except Exception:  # one failed write must not stop the queue
                log.exception("asynchronous inference: a result could not be delivered")
        wait = _IDLE_SECONDS if due is None else min(_IDLE_SECONDS, max(due - now, 0.0))
        self._wake.wait(wait)

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()
            self.run_due()
