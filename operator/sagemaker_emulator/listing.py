"""The filters, sort orders and pages that SageMaker's List* calls share."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final, Generic, TypeVar

from sagemaker_emulator.context import Params
from sagemaker_emulator.pagination import Page, SortKey, paginate

T = TypeVar("T")

# ListEndpoints documents 10; the other SageMaker List* calls document no default.
DEFAULT_MAX_RESULTS: Final = 10


@dataclass(frozen=True)
class Listed(Generic[T]):
    """How to read the fields List* calls filter and sort on."""

    name: Callable[[T], str]
    created_at: Callable[[T], float]
    sequence: Callable[[T], int]
    extra_sort_keys: dict[str, Callable[[T], str]] | None = None


def list_page(
    items: Sequence[T],
    params: Params,
    listed: Listed[T],
    *,
    scope: str,
    default_order: str,
) -> Page[T]:
    """Apply NameContains, CreationTimeAfter/Before, SortBy, SortOrder, MaxResults and
    NextToken as the SageMaker API reference describes them."""
    name_contains = params.get("NameContains")
    after = params.get("CreationTimeAfter")
    before = params.get("CreationTimeBefore")
    selected = [
        item
        for item in items
        # Case-insensitive, like the names themselves (an emulator choice).
        if (not name_contains or name_contains.lower() in listed.name(item).lower())
        and (after is None or listed.created_at(item) > _epoch(after))
        and (before is None or listed.created_at(item) < _epoch(before))
    ]
    sort_by = params.get("SortBy", "CreationTime")
    sort_order = params.get("SortOrder", default_order)
    return paginate(
        selected,
        _sort_key(listed, sort_by),
        descending=sort_order == "Descending",
        max_results=params.get("MaxResults", DEFAULT_MAX_RESULTS),
        next_token=params.get("NextToken"),
        scope=f"{scope}:{sort_by}:{sort_order}",
    )


def _sort_key(listed: Listed[T], sort_by: str) -> Callable[[T], SortKey]:
    extra = (listed.extra_sort_keys or {}).get(sort_by)
    if extra is not None:
        field = extra
        return lambda item: (field(item), listed.sequence(item))
    if sort_by == "Name":
        return lambda item: (listed.name(item), listed.sequence(item))
    return lambda item: (listed.created_at(item), listed.sequence(item))


def _epoch(value: Any) -> float:
    """botocore sends timestamps to json services as epoch seconds."""
    return float(value)


def with_token(result: dict[str, Any], page: Page[Any]) -> dict[str, Any]:
    if page.next_token:
        result["NextToken"] = page.next_token
    return result
