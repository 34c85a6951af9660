"""SageMaker Search for ModelPackage and ModelPackageGroup resources (Search API
reference, with its Filter, NestedFilters, SearchExpression and VisibilityCondition
types). The SageMaker Python SDK and Studio find registry entries this way.

Property names are paths into the SearchRecord (``ModelPackageGroupName``,
``ModelApprovalStatus``, ``CreationTime``, ``InferenceSpecification.Containers.Image``,
``CustomerMetadataProperties.<key>``, ``Tags.<key>``); their types come from botocore's
service model, so the operators allowed on each are the ones the API reference lists.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, Final

import botocore.session
from botocore.model import ListShape, MapShape, Shape, StructureShape

from sagemaker_emulator.context import Call, Params, Result
from sagemaker_emulator.errors import validation_error
from sagemaker_emulator.listing import DEFAULT_MAX_RESULTS
from sagemaker_emulator.pagination import SortKey, paginate
from sagemaker_emulator.registry import describe_package_view, group_view
from sagemaker_emulator.state import Partition
from sagemaker_emulator.tagging import tag_list

SEARCHABLE: Final = ("ModelPackage", "ModelPackageGroup")
MAX_CONDITIONS: Final = 50  # SearchExpression API reference
_TEXT: Final = frozenset({"string"})
_NUMBERS: Final = frozenset({"integer", "long", "float", "double"})
_TEXT_ONLY: Final = frozenset({"Contains", "In"})
_ORDERING: Final = frozenset(
    {"GreaterThan", "GreaterThanOrEqualTo", "LessThan", "LessThanOrEqualTo"}
)
_MAP_PROPERTIES: Final = frozenset({"Tags", "CustomerMetadataProperties"})

Record = dict[str, Any]


@functools.cache
def _record_shape(resource: str) -> StructureShape:
    shape = botocore.session.get_session().get_service_model("sagemaker").shape_for(resource)
    if not isinstance(shape, StructureShape):
        raise TypeError(f"{resource} is not a structure in the SageMaker model")
    return shape


def _property_type(resource: str, name: str) -> str:
    """The service-model type of a property path (``timestamp``, ``string``, ...)."""
    shape: Shape = _record_shape(resource)
    parts = name.split(".")
    for index, part in enumerate(parts):
        if isinstance(shape, ListShape):
            shape = shape.member
        if part in _MAP_PROPERTIES and index == 0 and len(parts) > 1:
            return "string"  # Tags.<key> and CustomerMetadataProperties.<key>
        if isinstance(shape, MapShape):
            return shape.value.type_name
        if not isinstance(shape, StructureShape) or part not in shape.members:
            raise validation_error(
                f"{name} is not a valid property of {resource}: specify a property of the "
                "SearchRecord."
            )
        shape = shape.members[part]
    if isinstance(shape, ListShape):
        shape = shape.member
    return shape.type_name


def _values(record: Any, path: list[str]) -> Iterator[Any]:
    """Every value at ``path``; lists fan out (a container image of any container)."""
    if isinstance(record, list):
        for item in record:
            yield from _values(item, path)
        return
    if not path:
        if record is not None:
            yield record
        return
    if not isinstance(record, dict):
        return
    head, rest = path[0], path[1:]
    if head in _MAP_PROPERTIES and rest and isinstance(record.get(head), (dict, list)):
        # Map-like properties take the rest of the name as one key: Tags.team, or a
        # metadata key that itself contains dots.
        yield from _values(record[head], [".".join(rest)])
        return
    yield from _values(record.get(head), rest)


def _tags_as_map(record: Record) -> Record:
    """Tags are a [{Key, Value}] list in the record; filters read them as a map."""
    view = dict(record)
    view["Tags"] = {t["Key"]: t["Value"] for t in record.get("Tags", [])}
    return view


# ---------------------------------------------------------------------- filters


def _parse_timestamp(value: str) -> float:
    """Timestamp values are ISO 8601 ``YYYY-mm-dd'T'HH:MM:SS`` (Filter API reference)."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise validation_error(
            f"{value} is not a timestamp: use the ISO 8601 form YYYY-mm-ddTHH:MM:SS."
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _parse_number(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise validation_error(
            f"{value} is not a number: numeric properties compare with an integer or a "
            "floating-point decimal."
        ) from None


Matcher = Callable[[Record], bool]


def _filter(resource: str, spec: Mapping[str, Any], prefix: str = "") -> Matcher:
    """One Filter as a predicate. Without an Operator a Value means Equals (Filter API
    reference)."""
    name = spec["Name"]
    operator = spec.get("Operator", "Equals")
    value = spec.get("Value")
    kind = _property_type(resource, name)
    relative = name[len(prefix) + 1 :] if prefix and name.startswith(prefix + ".") else name
    path = relative.split(".")
    if operator in ("Exists", "NotExists"):
        wanted = operator == "Exists"
        return lambda record: any(True for _ in _values(record, path)) == wanted
    if value is None:
        raise validation_error(f"Filter {name} with operator {operator} needs a Value.")
    if operator in _TEXT_ONLY and kind not in _TEXT:
        raise validation_error(f"Operator {operator} is only supported for text properties.")
    if operator in _ORDERING and kind in _TEXT:
        raise validation_error(f"Operator {operator} is not supported for text properties.")
    convert: Callable[[Any], Any]
    if kind == "timestamp":
        expected: Any = _parse_timestamp(value)
        convert = float
    elif kind in _NUMBERS:
        expected = _parse_number(value)
        convert = float
    elif kind == "boolean":
        expected = value.lower() == "true"
        convert = bool
    else:
        expected = value
        convert = str
    test = _comparison(operator, expected)
    return lambda record: _matches(record, path, convert, test, negate=operator == "NotEquals")


def _comparison(operator: str, expected: Any) -> Callable[[Any], bool]:
    if operator == "In":
        choices = {choice.strip() for choice in str(expected).split(",")}
        return lambda actual: actual in choices
    if operator == "Contains":
        # Case-insensitive, as search engines match text (the emulator's choice).
        return lambda actual: str(expected).lower() in str(actual).lower()
    return {
        "Equals": lambda actual: actual == expected,
        "NotEquals": lambda actual: actual == expected,  # negated by the caller
        "GreaterThan": lambda actual: actual > expected,
        "GreaterThanOrEqualTo": lambda actual: actual >= expected,
        "LessThan": lambda actual: actual < expected,
        "LessThanOrEqualTo": lambda actual: actual <= expected,
    }[operator]


def _matches(
    record: Record,
    path: list[str],
    convert: Callable[[Any], Any],
    test: Callable[[Any], bool],
    *,
    negate: bool,
) -> bool:
    found = any(test(convert(actual)) for actual in _values(record, path))
    return not found if negate else found


def _nested(resource: str, spec: Mapping[str, Any]) -> Matcher:
    """NestedFilters: one element of the nested list must satisfy every filter."""
    nested = spec["NestedPropertyName"]
    _property_type(resource, nested)
    matchers = [_filter(resource, f, prefix=nested) for f in spec["Filters"]]
    path = nested.split(".")

    def matches(record: Record) -> bool:
        return any(all(m(item) for m in matchers) for item in _values(record, path))

    return matches


def _expression(resource: str, expression: Mapping[str, Any]) -> Matcher:
    matchers = [_filter(resource, f) for f in expression.get("Filters") or []]
    matchers += [_nested(resource, n) for n in expression.get("NestedFilters") or []]
    matchers += [_expression(resource, e) for e in expression.get("SubExpressions") or []]
    if not matchers:
        raise validation_error(
            "A SearchExpression must provide at least one subexpression, filter, or nested filter."
        )
    if expression.get("Operator", "And") == "Or":
        return lambda record: any(m(record) for m in matchers)
    return lambda record: all(m(record) for m in matchers)


def _count(expression: Mapping[str, Any]) -> tuple[int, int]:
    """(conditions, Contains operators) in an expression, recursively."""
    filters = [*(expression.get("Filters") or [])]
    for nested in expression.get("NestedFilters") or []:
        filters.extend(nested["Filters"])
    conditions = len(filters) + len(expression.get("NestedFilters") or [])
    contains = sum(f.get("Operator") == "Contains" for f in filters)
    for sub in expression.get("SubExpressions") or []:
        sub_conditions, sub_contains = _count(sub)
        conditions += sub_conditions + 1
        contains += sub_contains
    return conditions, contains


# ---------------------------------------------------------------------- search


def _records(partition: Partition, resource: str) -> list[tuple[int, Record]]:
    """(sequence, SearchRecord content) of every object of the resource type."""
    if resource == "ModelPackage":
        return [
            (
                p.sequence,
                {
                    **describe_package_view(p),
                    "LastModifiedTime": p.last_modified_at or p.created_at,
                    "Tags": tag_list(partition.tags.get(p.arn, {})),
                },
            )
            for p in partition.packages.values()
        ]
    return [
        (
            g.sequence,
            {**group_view(g), "CreatedBy": {}, "Tags": tag_list(partition.tags.get(g.arn, {}))},
        )
        for g in partition.groups.values()
    ]


def _visible(record: Record, conditions: list[Mapping[str, str]]) -> bool:
    """VisibilityConditions: a record with the tag must have the value; a record without
    it stays (Search API reference)."""
    tags = {t["Key"]: t["Value"] for t in record.get("Tags", [])}
    for condition in conditions:
        key = condition["Key"].removeprefix("Tags.")
        if key in tags and tags[key] != condition["Value"]:
            return False
    return True


def _sort_key(resource: str, sort_by: str) -> Callable[[tuple[int, Record]], SortKey]:
    kind = _property_type(resource, sort_by)
    path = sort_by.split(".")

    def key(item: tuple[int, Record]) -> SortKey:
        sequence, record = item
        values = list(_values(_tags_as_map(record), path))
        if not values:
            return (0, 0, sequence)  # records without the property sort together
        value = values[0]
        return (1, str(value) if kind in _TEXT else float(value), sequence)

    return key


def search(call: Call, params: Params) -> Result:
    resource = params["Resource"]
    if resource not in SEARCHABLE:
        raise validation_error(
            f"The emulator's Search implements the resources {', '.join(SEARCHABLE)}; "
            f"{resource} is not implemented."
        )
    expression = params.get("SearchExpression")
    matcher: Matcher = lambda _record: True  # noqa: E731 - the "no expression" case
    if expression is not None:
        conditions, contains = _count(expression)
        if conditions > MAX_CONDITIONS:
            raise validation_error(
                f"A SearchExpression can include at most {MAX_CONDITIONS} SubExpressions, "
                f"NestedFilters and Filters; this one has {conditions}."
            )
        if contains > 1:
            raise validation_error("'CONTAINS' operator usage limit of 1 exceeded.")
        matcher = _expression(resource, expression)
    sort_by = params.get("SortBy", "LastModifiedTime")
    if resource == "ModelPackageGroup" and sort_by == "LastModifiedTime":
        sort_by = "CreationTime"  # groups have no LastModifiedTime
    sort_order = params.get("SortOrder", "Descending")
    visibility = list(params.get("VisibilityConditions") or [])
    if params.get("CrossAccountFilterOption") == "CrossAccount":
        # Only resources other accounts made discoverable; the emulator models no sharing.
        candidates: list[tuple[int, Record]] = []
    else:
        candidates = [
            (sequence, record)
            for sequence, record in _records(call.partition, resource)
            if matcher(_tags_as_map(record)) and _visible(record, visibility)
        ]
    digest = hashlib.sha256(
        json.dumps([expression, visibility], sort_keys=True).encode()
    ).hexdigest()[:16]
    page = paginate(
        candidates,
        _sort_key(resource, sort_by),
        descending=sort_order == "Descending",
        max_results=params.get("MaxResults", DEFAULT_MAX_RESULTS),
        next_token=params.get("NextToken"),
        scope=f"Search:{resource}:{sort_by}:{sort_order}:{digest}",
    )
    result: Result = {
        "Results": [{resource: record} for _, record in page.items],
        "TotalHits": {"Value": len(candidates), "Relation": "EqualTo"},
    }
    if page.next_token:
        result["NextToken"] = page.next_token
    return result


OPERATIONS: Final = {"Search": search}
