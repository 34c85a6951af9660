"""SageMaker's epoch-second timestamps parse to the same instants as botocore's default, in
UTC, in every client of a session the operator set up (tenant sessions included)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import botocore.session
from botocore.utils import parse_timestamp

from model_deployment_operator.sagemaker.timestamps import parse_utc_timestamp, use_utc_timestamps


def test_epoch_seconds_and_text_are_the_same_instants_in_utc() -> None:
    for value in (
        1_764_140_400,
        1_764_140_400.25,
        "2026-11-26T07:00:00Z",
        "2026-11-26T09:00:00+02:00",
    ):
        parsed = parse_utc_timestamp(value)
        assert parsed == parse_timestamp(value)  # type: ignore[arg-type]  # the stub says str only
        assert parsed.tzinfo is UTC


def test_a_sessions_json_responses_carry_utc_timestamps() -> None:
    session = botocore.session.get_session()
    use_utc_timestamps(session)
    model = session.get_service_model("sagemaker")
    operation = model.operation_model("ListEndpoints")
    body = {
        "Endpoints": [
            {
                "EndpointName": "fraud",
                "EndpointArn": "arn:aws:sagemaker:us-east-1:111122223333:endpoint/fraud",
                "CreationTime": 1_764_140_400.5,
                "LastModifiedTime": 1_764_140_460,
                "EndpointStatus": "InService",
            }
        ]
    }
    parser = session.get_component("response_parser_factory").create_parser("json")
    parsed = parser.parse(
        {"body": json.dumps(body).encode(), "headers": {}, "status_code": 200},
        operation.output_shape,
    )
    (endpoint,) = parsed["Endpoints"]
    assert endpoint["LastModifiedTime"] == datetime(2025, 11, 26, 7, 1, tzinfo=UTC)
    assert endpoint["CreationTime"].tzinfo is UTC
