"""Tags on SageMaker resources: Tags on Create*, AddTags, ListTags, DeleteTags."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from sagemaker_emulator.arns import parse_arn
from sagemaker_emulator.context import Call, Params, Result
from sagemaker_emulator.errors import validation_error
from sagemaker_emulator.pagination import paginate
from sagemaker_emulator.state import Partition

MAX_TAGS: Final = 50


def tags_from_request(raw: Any) -> dict[str, str]:
    """``[{Key, Value}]`` as a dict, refusing duplicate keys and the reserved ``aws:``
    prefix (an AWS-wide rule, reference §6). Lengths and patterns are checked earlier
    against the service model."""
    tags: dict[str, str] = {}
    for item in raw or []:
        key = item["Key"]
        if key in tags:
            raise validation_error(f"Duplicate tag key '{key}' in the request.")
        if key.lower().startswith("aws:"):
            raise validation_error(f"Tag key '{key}' uses the reserved prefix 'aws:'.")
        tags[key] = item.get("Value", "")
    if len(tags) > MAX_TAGS:
        raise validation_error(f"A resource can have at most {MAX_TAGS} tags.")
    return tags


def set_initial_tags(partition: Partition, arn: str, raw: Any) -> None:
    tags = tags_from_request(raw)
    if tags:
        partition.tags[arn] = tags


def tag_list(tags: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in tags.items()]


_EXISTS: Final[dict[str, Callable[[Partition, str, str, float], bool]]] = {
    "endpoint": lambda p, name, _arn, now: p.endpoint(name, now) is not None,
    "endpoint-config": lambda p, name, _arn, _now: name.lower() in p.endpoint_configs,
    "model": lambda p, name, _arn, _now: name.lower() in p.models,
    "model-package-group": lambda p, name, _arn, _now: name.lower() in p.groups,
    "model-package": lambda p, _name, arn, _now: arn in p.packages,
    "inference-component": lambda p, name, _arn, now: p.component(name, now) is not None,
}


def _tagged_resource(call: Call, resource_arn: str) -> tuple[Partition, str]:
    """The partition and normalised ARN of an existing taggable resource."""
    arn = resource_arn.lower()
    parsed = parse_arn(arn)
    exists = _EXISTS.get(parsed.resource_type) if parsed and parsed.service == "sagemaker" else None
    if parsed is None or exists is None:
        raise validation_error(f"Resource ARN {resource_arn} is not a taggable SageMaker ARN.")
    partition = call.partition_of(parsed.account_id, parsed.region)
    if not exists(partition, parsed.resource, arn, call.now):
        raise validation_error(f'Could not find resource "{arn}".')
    return partition, arn


def add_tags(call: Call, params: Params) -> Result:
    partition, arn = _tagged_resource(call, params["ResourceArn"])
    merged = dict(partition.tags.get(arn, {}))
    merged.update(tags_from_request(params["Tags"]))
    if len(merged) > MAX_TAGS:
        raise validation_error(f"A resource can have at most {MAX_TAGS} tags.")
    partition.tags[arn] = merged
    return {"Tags": tag_list(tags_from_request(params["Tags"]))}


def list_tags(call: Call, params: Params) -> Result:
    partition, arn = _tagged_resource(call, params["ResourceArn"])
    items = list(partition.tags.get(arn, {}).items())
    order = {key: index for index, (key, _) in enumerate(items)}
    page = paginate(
        items,
        lambda item: (order[item[0]],),
        descending=False,
        max_results=params.get("MaxResults", MAX_TAGS),
        next_token=params.get("NextToken"),
        scope=f"ListTags:{arn}",
    )
    result: Result = {"Tags": [{"Key": k, "Value": v} for k, v in page.items]}
    if page.next_token:
        result["NextToken"] = page.next_token
    return result


def delete_tags(call: Call, params: Params) -> Result:
    partition, arn = _tagged_resource(call, params["ResourceArn"])
    tags = partition.tags.get(arn, {})
    for key in params["TagKeys"]:
        tags.pop(key, None)
    return {}


OPERATIONS: Final = {"AddTags": add_tags, "ListTags": list_tags, "DeleteTags": delete_tags}
