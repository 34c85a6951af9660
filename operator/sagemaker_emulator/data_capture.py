"""Data capture (DataCaptureConfig): invocations written to S3 as SageMaker writes them.

Developer guide, "Capture data from real-time endpoint": JSON Lines files under
``DestinationS3Uri/<endpoint-name>/<variant-name>/yyyy/mm/dd/hh/``, one record per
invocation::

    {"captureData": {"endpointInput": {"observedContentType": "text/csv", "mode": "INPUT",
                                       "data": "...", "encoding": "CSV"},
                     "endpointOutput": {...  "mode": "OUTPUT" ...}},
     "eventMetadata": {"eventId": "<uuid>", "inferenceId": "<given>", "inferenceTime": "..."},
     "eventVersion": "0"}

Sampling is deterministic: of every 100 invocations of a variant exactly
``InitialSamplingPercentage`` are captured, spread evenly (invocation n is captured when
``floor(n * p / 100)`` grows), so tests can count files instead of doing statistics.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from sagemaker_emulator.aws_backends import S3Location, parse_s3_uri, put_s3_object
from sagemaker_emulator.lifecycle import Endpoint

_INPUT_MODES: Final = frozenset({"Input", "InputAndOutput"})
_OUTPUT_MODES: Final = frozenset({"Output", "InputAndOutput"})
CAPTURE_CONTENT_TYPE: Final = "application/jsonlines"


@dataclass(frozen=True)
class Payload:
    content_type: str
    data: bytes


def sampled(endpoint: Endpoint, variant_name: str, percentage: int) -> bool:
    """Count this invocation of the variant and say whether it is captured."""
    count = endpoint.capture_counters.get(variant_name, 0) + 1
    endpoint.capture_counters[variant_name] = count
    return (count * percentage) // 100 > ((count - 1) * percentage) // 100


def _encoded(payload: Payload, mode: str, header: Mapping[str, Any]) -> dict[str, str]:
    """A payload in SageMaker's capture format. Content types listed in
    CaptureContentTypeHeader are kept as text (CSV or JSON); all others are base64, as
    the DataCaptureConfig API reference describes."""
    media_type = payload.content_type.split(";", 1)[0].strip()
    encoding = "BASE64"
    if media_type in (header.get("CsvContentTypes") or ()):
        encoding = "CSV"
    elif media_type in (header.get("JsonContentTypes") or ()):
        encoding = "JSON"
    if encoding == "BASE64":
        data = base64.b64encode(payload.data).decode()
    else:
        data = payload.data.decode("utf-8", "replace")
    return {
        "observedContentType": payload.content_type,
        "mode": mode,
        "data": data,
        "encoding": encoding,
    }


def capture_record(
    config: Mapping[str, Any],
    *,
    request: Payload,
    response: Payload | None,
    inference_id: str | None,
    at: float,
) -> dict[str, Any]:
    modes = {option["CaptureMode"] for option in config["CaptureOptions"]}
    header = config.get("CaptureContentTypeHeader") or {}
    data: dict[str, Any] = {}
    if modes & _INPUT_MODES:
        data["endpointInput"] = _encoded(request, "INPUT", header)
    if response is not None and modes & _OUTPUT_MODES:
        data["endpointOutput"] = _encoded(response, "OUTPUT", header)
    metadata = {"eventId": str(uuid.uuid4())}
    if inference_id is not None:
        metadata["inferenceId"] = inference_id
    metadata["inferenceTime"] = _iso(at)
    return {"captureData": data, "eventMetadata": metadata, "eventVersion": "0"}


def capture_location(
    destination: S3Location, endpoint_name: str, variant_name: str, at: float
) -> S3Location:
    """``<destination>/<endpoint>/<variant>/yyyy/mm/dd/hh/<mm-ss-mmm>-<uuid>.jsonl``.
    SageMaker batches several records per file; the emulator writes one file per record."""
    moment = datetime.fromtimestamp(at, UTC)
    name = f"{moment:%M-%S}-{moment.microsecond // 1000:03d}-{uuid.uuid4()}.jsonl"
    return destination.child(endpoint_name, variant_name, f"{moment:%Y/%m/%d/%H}", name)


def plan_capture(
    endpoint: Endpoint,
    variant_name: str,
    *,
    account_id: str,
    region: str,
    request: Payload,
    response: Payload | None,
    inference_id: str | None,
    at: float,
) -> Callable[[], None] | None:
    """The write to do for this invocation (a callable), or None when nothing is
    captured. Called with the state lock held; the write runs after it is released."""
    config = endpoint.features.data_capture
    if config is None or not endpoint.features.capturing:
        return None
    if not sampled(endpoint, variant_name, int(config["InitialSamplingPercentage"])):
        return None
    destination = parse_s3_uri(config["DestinationS3Uri"])
    if destination is None:
        return None
    record = capture_record(
        config, request=request, response=response, inference_id=inference_id, at=at
    )
    location = capture_location(destination, endpoint.name, variant_name, at)
    body = (json.dumps(record, separators=(",", ":")) + "\n").encode()

    def write() -> None:
        put_s3_object(account_id, region, location, body, CAPTURE_CONTENT_TYPE)

    return write


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
