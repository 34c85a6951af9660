"""When an endpoint is described again, as a table: last description + ListEndpoints
snapshot + elapsed time -> a reason to describe, or none (the description holds)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from model_deployment_operator.domain.endpoint_events import (
    EndpointStateChange,
    endpoint_change_from_event,
)
from model_deployment_operator.domain.endpoint_listing import (
    STALE_SPREAD,
    Described,
    DescribeReason,
    EndpointSummary,
    Listing,
    describe_reason,
)
from model_deployment_operator.domain.observed import EndpointStatus, ObservedEndpoint

NAME = "ml-prod-fraud"
CREATED = datetime(2026, 11, 1, tzinfo=UTC)
MODIFIED = CREATED + timedelta(minutes=7)
ENDPOINT = ObservedEndpoint(
    name=NAME,
    arn=f"arn:aws:sagemaker:us-east-1:111122223333:endpoint/{NAME}",
    status="InService",
    config_name="ml-prod-fraud-v1-abc",
    created_at=CREATED,
    last_modified_at=MODIFIED,
)
SUMMARY = EndpointSummary(
    name=NAME.upper(),  # names are matched regardless of case
    arn=ENDPOINT.arn,
    status="InService",
    created_at=CREATED,
    last_modified_at=MODIFIED,
)
DESCRIBED_AT = 1000.0
HOUR = 3600.0


def listing(*summaries: EndpointSummary, taken_at: float = DESCRIBED_AT + 30) -> Listing:
    return Listing.of(taken_at, summaries)


CASES = [
    # (what, described, listing, now, reason)
    ("never described", None, listing(SUMMARY), DESCRIBED_AT + 60, DescribeReason.NEVER_DESCRIBED),
    (
        "listed as described",
        Described(ENDPOINT, DESCRIBED_AT),
        listing(SUMMARY),
        DESCRIBED_AT + 60,
        None,
    ),
    (
        "modified since (LastModifiedTime)",
        Described(ENDPOINT, DESCRIBED_AT),
        listing(replace(SUMMARY, last_modified_at=MODIFIED + timedelta(seconds=1))),
        DESCRIBED_AT + 60,
        DescribeReason.CHANGED,
    ),
    (
        "another status",
        Described(ENDPOINT, DESCRIBED_AT),
        listing(replace(SUMMARY, status="Updating")),
        DESCRIBED_AT + 60,
        DescribeReason.CHANGED,
    ),
    (
        "deleted and created again under the same name",
        Described(ENDPOINT, DESCRIBED_AT),
        listing(replace(SUMMARY, created_at=CREATED + timedelta(hours=1))),
        DESCRIBED_AT + 60,
        DescribeReason.CHANGED,
    ),
    (
        "no longer listed: deleted out of band",
        Described(ENDPOINT, DESCRIBED_AT),
        listing(),
        DESCRIBED_AT + 60,
        DescribeReason.VANISHED,
    ),
    (
        "a listing older than the description says nothing new",
        Described(ENDPOINT, DESCRIBED_AT),
        listing(taken_at=DESCRIBED_AT - 1),
        DESCRIBED_AT + 60,
        None,
    ),
    (
        "busy: described at every look",
        Described(replace(ENDPOINT, status="Creating"), DESCRIBED_AT),
        listing(replace(SUMMARY, status="Creating")),
        DESCRIBED_AT + 60,
        DescribeReason.BUSY,
    ),
    (
        "Failed is settled",
        Described(replace(ENDPOINT, status="Failed"), DESCRIBED_AT),
        listing(replace(SUMMARY, status="Failed")),
        DESCRIBED_AT + 60,
        None,
    ),
    (
        "absent and still not listed",
        Described(None, DESCRIBED_AT),
        listing(),
        DESCRIBED_AT + 60,
        None,
    ),
    (
        "absent, then listed: created out of band",
        Described(None, DESCRIBED_AT),
        listing(SUMMARY),
        DESCRIBED_AT + 60,
        DescribeReason.APPEARED,
    ),
    (
        "no listing (ListEndpoints refused or failed)",
        Described(ENDPOINT, DESCRIBED_AT),
        None,
        DESCRIBED_AT + 60,
        DescribeReason.NO_LISTING,
    ),
    (
        "older than the describe interval",
        Described(ENDPOINT, DESCRIBED_AT),
        listing(SUMMARY, taken_at=DESCRIBED_AT + HOUR),
        DESCRIBED_AT + HOUR,
        DescribeReason.STALE,
    ),
    (
        "younger than the shortest spread of the describe interval",
        Described(ENDPOINT, DESCRIBED_AT),
        listing(SUMMARY, taken_at=DESCRIBED_AT + HOUR / 2),
        DESCRIBED_AT + HOUR * (1 - STALE_SPREAD) - 1,
        None,
    ),
]


@pytest.mark.parametrize(
    ("described", "snapshot", "now", "reason"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_describe_reason(
    described: Described | None,
    snapshot: Listing | None,
    now: float,
    reason: DescribeReason | None,
) -> None:
    assert describe_reason(NAME, described, snapshot, now=now, describe_seconds=HOUR) == reason


def test_descriptions_made_together_expire_spread_over_the_last_tenth() -> None:
    names = [f"endpoint-{index}" for index in range(200)]
    expiries = []
    for name in names:
        endpoint = replace(ENDPOINT, name=name)
        described = Described(endpoint, 0.0)
        moment = next(
            second
            for second in range(int(HOUR * (1 - STALE_SPREAD)) - 1, int(HOUR) + 1)
            if describe_reason(name, described, None, now=second, describe_seconds=HOUR)
            is DescribeReason.STALE
        )
        expiries.append(moment)
    assert min(expiries) >= HOUR * (1 - STALE_SPREAD)
    assert max(expiries) <= HOUR
    assert max(expiries) - min(expiries) > HOUR * STALE_SPREAD / 2


def eventbridge(detail_type: str, detail: object) -> str:
    return json.dumps(
        {
            "version": "0",
            "id": "d2921b5a-b0ad-cace-a8e3-0f159d018e06",
            "detail-type": detail_type,
            "source": "aws.sagemaker",
            "account": "111122223333",
            "time": "1583831889050",
            "region": "us-west-2",
            "resources": ["arn:aws:sagemaker:us-west-2:111122223333:endpoint/myendpoint"],
            "detail": detail,
        }
    )


# The documented example (sagemaker-semantics.md §5), trimmed.
DOCUMENTED = {
    "EndpointName": "MyEndpoint",
    "EndpointArn": "arn:aws:sagemaker:us-west-2:111122223333:endpoint/myendpoint",
    "EndpointConfigName": "MyEndpointConfig",
    "ProductionVariants": [{"DesiredWeight": 1.0, "DesiredInstanceCount": 1.0}],
    "EndpointStatus": "IN_SERVICE",
    "CreationTime": 1592411992203,
    "LastModifiedTime": 1592411994287,
    "Tags": {},
}

EVENTS = [
    (
        "documented example",
        eventbridge("SageMaker Endpoint State Change", DOCUMENTED),
        EndpointStateChange("MyEndpoint", EndpointStatus.IN_SERVICE),
    ),
    (
        "the API's spelling of the status",
        eventbridge(
            "SageMaker Endpoint State Change", {**DOCUMENTED, "EndpointStatus": "Updating"}
        ),
        EndpointStateChange("MyEndpoint", EndpointStatus.UPDATING),
    ),
    (
        "a status not known yet still names the endpoint",
        eventbridge("SageMaker Endpoint State Change", {**DOCUMENTED, "EndpointStatus": "PAUSED"}),
        EndpointStateChange("MyEndpoint", None),
    ),
    (
        "wrapped by SNS",
        json.dumps(
            {
                "Type": "Notification",
                "Message": eventbridge("SageMaker Endpoint State Change", DOCUMENTED),
            }
        ),
        EndpointStateChange("MyEndpoint", EndpointStatus.IN_SERVICE),
    ),
    (
        "a registry event is not an endpoint event",
        eventbridge("SageMaker Model Package State Change", {"ModelPackageGroupName": "fraud"}),
        None,
    ),
    (
        "no endpoint name",
        eventbridge("SageMaker Endpoint State Change", {"EndpointStatus": "IN_SERVICE"}),
        None,
    ),
    ("not JSON", "hello", None),
    ("JSON, not an object", "[1, 2]", None),
]


@pytest.mark.parametrize(
    ("body", "expected"), [case[1:] for case in EVENTS], ids=[case[0] for case in EVENTS]
)
def test_endpoint_change_from_event(body: str, expected: EndpointStateChange | None) -> None:
    assert endpoint_change_from_event(body) == expected
