"""Application Auto Scaling scheduled actions for SageMaker variants: PutScheduledAction,
DescribeScheduledActions and DeleteScheduledAction (Application Auto Scaling API
reference; "Scheduled scaling", Application Auto Scaling User Guide).

Actions are stored, validated and described; like scaling policies they do not run:
capacity changes only through the API (docs/emulator.md).
"""

from __future__ import annotations

import copy
import re
import uuid
from collections.abc import Callable
from typing import Final

from sagemaker_emulator.arns import aws_partition
from sagemaker_emulator.autoscaling import (
    NAMESPACE,
    find_target,
    invalid_token,
    sagemaker_only,
    target_key,
    target_not_found,
)
from sagemaker_emulator.context import Call, Params, Result
from sagemaker_emulator.errors import object_not_found, validation_error
from sagemaker_emulator.pagination import paginate
from sagemaker_emulator.records import ScheduledAction

# The three expression forms of PutScheduledAction's Schedule.
_AT = re.compile(r"^at\(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\)$")
_RATE = re.compile(r"^rate\((?P<value>[1-9]\d*) (?P<unit>minutes?|hours?|days?)\)$")
_CRON = re.compile(r"^cron\((?P<fields>[^()]+)\)$")
_CRON_FIELDS: Final = 6


def _check_schedule(schedule: str) -> None:
    """``at(yyyy-mm-ddThh:mm:ss)``, ``rate(value unit)`` (singular unit for 1, plural
    otherwise) or ``cron(minutes hours day-of-month month day-of-week year)``. The
    wording of the refusal is the emulator's."""
    rate = _RATE.match(schedule)
    cron = _CRON.match(schedule)
    valid = (
        _AT.match(schedule) is not None
        or (rate is not None and (rate["value"] == "1") != rate["unit"].endswith("s"))
        or (cron is not None and len(cron["fields"].split()) == _CRON_FIELDS)
    )
    if not valid:
        raise validation_error(
            f"Invalid schedule expression {schedule}: use at(yyyy-mm-ddThh:mm:ss), "
            "rate(value unit) or cron(minutes hours day-of-month month day-of-week year)."
        )


def put_scheduled_action(call: Call, params: Params) -> Result:
    sagemaker_only(params)
    partition = call.partition
    target = find_target(partition, params)
    if target is None:
        raise target_not_found(params, verb="registered")
    name = params["ScheduledActionName"]
    key = (name, target.resource_id, target.dimension)
    existing = partition.scheduled_actions.get(key)
    schedule = params.get("Schedule", existing.schedule if existing else None)
    if schedule is None:
        raise validation_error("Schedule is required to create a scheduled action.")
    _check_schedule(schedule)
    action = dict(
        params.get("ScalableTargetAction", existing.target_action if existing else {}) or {}
    )
    minimum, maximum = action.get("MinCapacity"), action.get("MaxCapacity")
    if minimum is None and maximum is None:
        raise validation_error("ScalableTargetAction needs MinCapacity, MaxCapacity or both.")
    if minimum is not None and maximum is not None and minimum > maximum:
        raise validation_error(
            f"Minimum capacity ({minimum}) cannot be greater than maximum capacity ({maximum})."
        )
    start = params.get("StartTime", existing.start_time if existing else None)
    end = params.get("EndTime", existing.end_time if existing else None)
    if start is not None and end is not None and float(start) >= float(end):
        raise validation_error("EndTime must be after StartTime.")
    region, account = partition.region, partition.account_id
    partition.scheduled_actions[key] = ScheduledAction(
        name=name,
        arn=existing.arn
        if existing
        else (
            f"arn:{aws_partition(region)}:autoscaling:{region}:{account}:scheduledAction:"
            f"{uuid.uuid4()}:resource/sagemaker/{target.resource_id}:"
            f"scheduledActionName/{name}"
        ),
        resource_id=target.resource_id,
        dimension=target.dimension,
        schedule=schedule,
        timezone=params.get("Timezone", existing.timezone if existing else None),
        start_time=None if start is None else float(start),
        end_time=None if end is None else float(end),
        target_action=action,
        created_at=existing.created_at if existing else call.now,
    )
    return {}


def _view(action: ScheduledAction) -> Result:
    result: Result = {
        "ScheduledActionName": action.name,
        "ScheduledActionARN": action.arn,
        "ServiceNamespace": NAMESPACE,
        "Schedule": action.schedule,
        "ResourceId": action.resource_id,
        "ScalableDimension": action.dimension,
        "ScalableTargetAction": copy.deepcopy(dict(action.target_action)),
        "CreationTime": action.created_at,
    }
    optional = {
        "Timezone": action.timezone,
        "StartTime": action.start_time,
        "EndTime": action.end_time,
    }
    result.update({k: v for k, v in optional.items() if v is not None})
    return result


def describe_scheduled_actions(call: Call, params: Params) -> Result:
    sagemaker_only(params)
    names = params.get("ScheduledActionNames")
    resource_id = params.get("ResourceId")
    resource_key = target_key(resource_id) if resource_id else None
    dimension = params.get("ScalableDimension")
    actions = [
        a
        for a in call.partition.scheduled_actions.values()
        if (not names or a.name in names)
        and (resource_key is None or target_key(a.resource_id) == resource_key)
        and (dimension is None or a.dimension == dimension)
    ]
    page = paginate(
        actions,
        lambda a: (a.created_at, a.resource_id, a.name),
        descending=False,
        max_results=params.get("MaxResults", 50),
        next_token=params.get("NextToken"),
        scope="DescribeScheduledActions",
        invalid_token=invalid_token,
    )
    result: Result = {"ScheduledActions": [_view(a) for a in page.items]}
    if page.next_token:
        result["NextToken"] = page.next_token
    return result


def delete_scheduled_action(call: Call, params: Params) -> Result:
    sagemaker_only(params)
    partition = call.partition
    target = find_target(partition, params)
    key = (
        params["ScheduledActionName"],
        target.resource_id if target else "",
        params["ScalableDimension"],
    )
    if partition.scheduled_actions.pop(key, None) is None:
        raise object_not_found(
            f"No scheduled action found for service namespace: {params['ServiceNamespace']}, "
            f"resource ID: {params['ResourceId']}, scalable dimension: "
            f"{params['ScalableDimension']}, scheduled action name: "
            f"{params['ScheduledActionName']}"
        )
    return {}


OPERATIONS: Final[dict[str, Callable[[Call, Params], Result]]] = {
    "PutScheduledAction": put_scheduled_action,
    "DescribeScheduledActions": describe_scheduled_actions,
    "DeleteScheduledAction": delete_scheduled_action,
}
