"""Data capture: invocations written to moto's S3 in SageMaker's capture format and path,
sampled deterministically, in the configured modes."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from support.emulator_fixtures import Emulator
from support.emulator_scenario import (
    bucket,
    endpoint_on,
    image_model,
    instance_config,
    instant,
    s3_keys,
    s3_text,
    wait_keys,
)

pytestmark = pytest.mark.emulator

PREFIX = "data/fraud-prod/AllTraffic/"


def capturing_endpoint(
    emulator: Emulator,
    *,
    percentage: int = 100,
    modes: tuple[str, ...] = ("Input", "Output"),
    header: dict[str, list[str]] | None = None,
    enable: bool = True,
) -> dict[str, Any]:
    instant(emulator)
    bucket(emulator, "capture")
    image_model(emulator, "m")
    capture: dict[str, Any] = {
        "EnableCapture": enable,
        "InitialSamplingPercentage": percentage,
        "DestinationS3Uri": "s3://capture/data",
        "CaptureOptions": [{"CaptureMode": mode} for mode in modes],
    }
    if header is not None:
        capture["CaptureContentTypeHeader"] = header
    config = instance_config(emulator, "capturing", "m", DataCaptureConfig=capture)
    return endpoint_on(emulator, "fraud-prod", config)


def invoke(emulator: Emulator, body: bytes = b'{"amount": 12.5}', **extra: Any) -> None:
    extra.setdefault("ContentType", "application/json")
    emulator.runtime.invoke_endpoint(EndpointName="fraud-prod", Body=body, **extra)


def records(emulator: Emulator, count: int) -> list[tuple[str, dict[str, Any]]]:
    keys = wait_keys(emulator, "capture", PREFIX, count)
    return [(key, json.loads(s3_text(emulator, f"s3://capture/{key}"))) for key in keys]


def test_captures_are_json_lines_in_sagemakers_format_and_path(emulator: Emulator) -> None:
    """Developer guide, "Capture data from real-time endpoint": JSON Lines records of
    captureData (endpointInput, endpointOutput), eventMetadata (eventId, inferenceId when
    the caller gave one, inferenceTime) and eventVersion, at
    <DestinationS3Uri>/<endpoint>/<variant>/yyyy/mm/dd/hh/<file>.jsonl. Content types
    listed in CaptureContentTypeHeader are kept as text."""
    described = capturing_endpoint(emulator, header={"JsonContentTypes": ["application/json"]})
    assert described["DataCaptureConfig"] == {
        "EnableCapture": True,
        "CaptureStatus": "Started",
        "CurrentSamplingPercentage": 100,
        "DestinationS3Uri": "s3://capture/data",
    }
    invoke(emulator, InferenceId="order-1")
    invoke(emulator)
    captured = records(emulator, 2)
    for key, record in captured:
        moment = datetime.fromisoformat(record["eventMetadata"]["inferenceTime"])
        assert moment.tzinfo == UTC
        assert key.startswith(f"{PREFIX}{moment:%Y/%m/%d/%H}/")
        assert key.endswith(".jsonl")
        assert record["eventVersion"] == "0"
        uuid.UUID(record["eventMetadata"]["eventId"])
        request = record["captureData"]["endpointInput"]
        assert request == {
            "observedContentType": "application/json",
            "mode": "INPUT",
            "data": '{"amount": 12.5}',
            "encoding": "JSON",
        }
        response = record["captureData"]["endpointOutput"]
        assert (response["mode"], response["encoding"]) == ("OUTPUT", "JSON")
        assert json.loads(response["data"])["endpointName"] == "fraud-prod"
    inference_ids = {r["eventMetadata"].get("inferenceId") for _, r in captured}
    assert inference_ids == {"order-1", None}


@pytest.mark.parametrize(("percentage", "captured"), [(30, 3), (50, 5), (0, 0)])
def test_sampling_percentage_is_honoured_exactly(
    emulator: Emulator, percentage: int, captured: int
) -> None:
    """DataCaptureConfig API reference, InitialSamplingPercentage: the share of requests
    captured. The emulator samples deterministically, so 10 requests at 30% give exactly
    3 files."""
    capturing_endpoint(emulator, percentage=percentage)
    for _ in range(10):
        invoke(emulator)
    if captured:
        wait_keys(emulator, "capture", PREFIX, captured)
    assert len(s3_keys(emulator, "capture", PREFIX)) == captured


@pytest.mark.parametrize(
    ("modes", "parts"),
    [
        (("Input",), {"endpointInput"}),
        (("Output",), {"endpointOutput"}),
        (("InputAndOutput",), {"endpointInput", "endpointOutput"}),
    ],
)
def test_capture_modes_choose_what_is_written(
    emulator: Emulator, modes: tuple[str, ...], parts: set[str]
) -> None:
    """CaptureOption API reference: CaptureMode Input, Output or InputAndOutput."""
    capturing_endpoint(emulator, modes=modes)
    invoke(emulator)
    [(_, record)] = records(emulator, 1)
    assert set(record["captureData"]) == parts


def test_unlisted_content_types_are_captured_base64(emulator: Emulator) -> None:
    """DataCaptureConfig API reference, CaptureContentTypeHeader: only the listed CSV and
    JSON content types are kept as text; anything else is base64-encoded."""
    capturing_endpoint(emulator, modes=("Input",), header={"CsvContentTypes": ["text/csv"]})
    invoke(emulator, body=b"1,2,3", ContentType="text/csv")
    invoke(emulator, body=b"\x00\x01", ContentType="application/x-npy")
    captured = [r["captureData"]["endpointInput"] for _, r in records(emulator, 2)]
    by_encoding = {c["encoding"]: c for c in captured}
    assert by_encoding["CSV"]["data"] == "1,2,3"
    assert base64.b64decode(by_encoding["BASE64"]["data"]) == b"\x00\x01"
    assert by_encoding["BASE64"]["observedContentType"] == "application/x-npy"


def test_disabled_capture_writes_nothing_and_is_described_as_stopped(emulator: Emulator) -> None:
    """DataCaptureConfig API reference (EnableCapture) and DescribeEndpoint's
    DataCaptureConfigSummary (CaptureStatus Started | Stopped)."""
    described = capturing_endpoint(emulator, enable=False)
    assert described["DataCaptureConfig"]["EnableCapture"] is False
    assert described["DataCaptureConfig"]["CaptureStatus"] == "Stopped"
    invoke(emulator)
    assert s3_keys(emulator, "capture") == []
