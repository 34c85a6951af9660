"""ListEndpoints and endpoint state-change events, as the operator's bulk observation uses
them (sagemaker-semantics.md §5; ListEndpoints and EndpointSummary in the SageMaker API
reference: MaxResults 1-100, default 10, NextToken, StatusEquals, NameContains,
LastModifiedTimeAfter/Before, SortBy Name|CreationTime|Status, SortOrder default
Descending; LastModifiedTime "when the endpoint was last modified")."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest

from support.emulator_fixtures import Emulator, eventually
from support.emulator_scenario import (
    instant,
    model_and_config,
    register,
    serving_endpoint,
    status,
    wait_status,
)

pytestmark = pytest.mark.emulator


def listed(emulator: Emulator, **arguments: Any) -> list[dict[str, Any]]:
    """Every page of ListEndpoints with these arguments."""
    items: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        page = emulator.sagemaker.list_endpoints(
            **arguments, **({"NextToken": token} if token else {})
        )
        items.extend(page["Endpoints"])
        token = page.get("NextToken")
        if not token:
            return items


def last_modified(emulator: Emulator, name: str) -> datetime:
    """LastModifiedTime as ListEndpoints shows it, checked against DescribeEndpoint's."""
    summary = next(e for e in listed(emulator, MaxResults=100) if e["EndpointName"] == name)
    described = emulator.sagemaker.describe_endpoint(EndpointName=name)
    assert summary["LastModifiedTime"] == described["LastModifiedTime"]
    assert summary["EndpointStatus"] == described["EndpointStatus"]
    moment: datetime = summary["LastModifiedTime"]
    return moment


def test_list_endpoints_pages_filters_and_summarises(emulator: Emulator) -> None:
    instant(emulator)
    package = register(emulator, "fraud")
    config = model_and_config(emulator, "fraud-v1", package)
    names = [f"ep-{index:02d}" for index in range(12)]
    for name in names:
        emulator.sagemaker.create_endpoint(EndpointName=name, EndpointConfigName=config)
    emulator.sagemaker.create_endpoint(EndpointName="other", EndpointConfigName=config)

    first = emulator.sagemaker.list_endpoints()
    assert len(first["Endpoints"]) == 10  # the documented default page size
    assert "NextToken" in first
    everything = listed(emulator, MaxResults=5)
    assert [e["EndpointName"] for e in everything] == ["other", *reversed(names)]
    assert set(everything[0]) == {
        "EndpointName",
        "EndpointArn",
        "CreationTime",
        "LastModifiedTime",
        "EndpointStatus",
    }
    by_name = listed(emulator, NameContains="ep-", SortBy="Name", SortOrder="Ascending")
    assert [e["EndpointName"] for e in by_name] == names
    assert listed(emulator, StatusEquals="Creating") == []
    assert len(listed(emulator, StatusEquals="InService", MaxResults=100)) == 13

    # Just after the last one created; botocore sends timestamps rounded to milliseconds.
    cutoff = last_modified(emulator, "other") + timedelta(milliseconds=5)
    emulator.sagemaker.update_endpoint_weights_and_capacities(
        EndpointName="ep-03",
        DesiredWeightsAndCapacities=[{"VariantName": "AllTraffic", "DesiredInstanceCount": 2}],
    )
    changed = listed(emulator, LastModifiedTimeAfter=cutoff)
    assert [e["EndpointName"] for e in changed] == ["ep-03"]
    before = listed(emulator, LastModifiedTimeBefore=cutoff, NameContains="ep-0")
    assert [e["EndpointName"] for e in before] == [f"ep-0{i}" for i in (9, 8, 7, 6, 5, 4, 2, 1, 0)]


def test_last_modified_time_moves_with_every_change(emulator: Emulator) -> None:
    """Each change SageMaker makes to an endpoint: the end of a transition, UpdateEndpoint,
    UpdateEndpointWeightsAndCapacities, and a scaling activity (registering a scalable
    target whose range excludes the current count scales it at once, §3)."""
    sm = emulator.sagemaker
    package = register(emulator, "fraud")
    config = model_and_config(emulator, "fraud-v1", package, count=1)
    sm.create_endpoint(EndpointName="fraud", EndpointConfigName=config)
    creating = last_modified(emulator, "fraud")
    wait_status(emulator, "fraud", "InService")
    in_service = last_modified(emulator, "fraud")
    assert in_service > creating

    sm.update_endpoint_weights_and_capacities(
        EndpointName="fraud",
        DesiredWeightsAndCapacities=[{"VariantName": "AllTraffic", "DesiredInstanceCount": 2}],
    )
    rescaling = last_modified(emulator, "fraud")
    assert rescaling > in_service
    wait_status(emulator, "fraud", "InService")
    rescaled = last_modified(emulator, "fraud")
    assert rescaled > rescaling

    second = model_and_config(emulator, "fraud-v2", register(emulator, "fraud"))
    sm.update_endpoint(EndpointName="fraud", EndpointConfigName=second)
    updating = last_modified(emulator, "fraud")
    assert updating > rescaled
    wait_status(emulator, "fraud", "InService")
    updated = last_modified(emulator, "fraud")
    assert updated > updating

    emulator.autoscaling.register_scalable_target(
        ServiceNamespace="sagemaker",
        ResourceId="endpoint/fraud/variant/AllTraffic",
        ScalableDimension="sagemaker:variant:DesiredInstanceCount",
        MinCapacity=3,
        MaxCapacity=4,
    )
    assert (
        sm.describe_endpoint(EndpointName="fraud")["ProductionVariants"][0]["DesiredInstanceCount"]
        == 3
    )
    assert last_modified(emulator, "fraud") > updated


def received(emulator: Emulator, queue: str, seen: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for message in emulator.sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get(
        "Messages", []
    ):
        seen.append(json.loads(message["Body"]))
        emulator.sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
    return seen


def statuses(events: list[dict[str, Any]], name: str) -> list[str]:
    return [
        e["detail"]["EndpointStatus"]
        for e in events
        if e["detail-type"] == "SageMaker Endpoint State Change"
        and e["detail"]["EndpointName"] == name
    ]


def test_endpoint_status_changes_are_delivered_as_eventbridge_events(emulator: Emulator) -> None:
    """§5 "SageMaker Endpoint State Change": every status the endpoint takes, with the
    documented envelope and detail (upper snake case statuses, epoch-millisecond times),
    including those that time makes while nobody calls the API."""
    queue = emulator.sqs.create_queue(QueueName="model-events")["QueueUrl"]
    emulator.control.request("PUT", "events", {"queueUrl": queue})
    sm = emulator.sagemaker
    package = register(emulator, "fraud")
    config = model_and_config(emulator, "fraud-v1", package)
    sm.create_endpoint(
        EndpointName="Fraud", EndpointConfigName=config, Tags=[{"Key": "team", "Value": "risk"}]
    )
    events: list[dict[str, Any]] = []
    eventually(
        lambda: statuses(received(emulator, queue, events), "Fraud") == ["CREATING", "IN_SERVICE"],
        "CREATING then IN_SERVICE, without a DescribeEndpoint",
    )
    event = events[-1]
    described = sm.describe_endpoint(EndpointName="Fraud")
    assert event["source"] == "aws.sagemaker"
    assert event["resources"] == [described["EndpointArn"]]
    assert {"id", "account", "region", "time", "version"} <= set(event)
    detail = event["detail"]
    assert detail["EndpointArn"].endswith(":endpoint/fraud")  # ARNs are lower-cased (§6)
    assert detail["EndpointConfigName"] == config
    assert detail["Tags"] == {"team": "risk"}
    assert detail["ProductionVariants"] == [
        {"VariantName": "AllTraffic", "DesiredWeight": 1.0, "DesiredInstanceCount": 1}
    ]
    assert detail["CreationTime"] == round(described["CreationTime"].timestamp() * 1000)
    assert detail["LastModifiedTime"] == round(described["LastModifiedTime"].timestamp() * 1000)

    second = model_and_config(emulator, "fraud-v2", register(emulator, "fraud"))
    sm.update_endpoint(EndpointName="Fraud", EndpointConfigName=second)
    eventually(
        lambda: (
            statuses(received(emulator, queue, events), "Fraud")[2:] == ["UPDATING", "IN_SERVICE"]
        ),
        "UPDATING then IN_SERVICE",
    )
    assert events[-1]["detail"]["EndpointConfigName"] == second
    sm.delete_endpoint(EndpointName="Fraud")
    eventually(
        lambda: statuses(received(emulator, queue, events), "Fraud")[4:] == ["DELETING"],
        "DELETING",
    )


def test_no_endpoint_events_without_an_events_queue(emulator: Emulator) -> None:
    queue = emulator.sqs.create_queue(QueueName="model-events")["QueueUrl"]
    serving_endpoint(emulator, "fraud")
    assert status(emulator, "fraud") == "InService"
    assert emulator.sqs.receive_message(QueueUrl=queue).get("Messages", []) == []
