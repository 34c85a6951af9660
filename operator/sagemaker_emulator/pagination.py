"""List pagination with opaque ``NextToken`` values.

Tokens carry the sort key of the last item returned (keyset pagination), not an offset,
so creating or deleting objects between two pages neither repeats nor skips the others.
Every sort key ends with a unique sequence number, so keys never tie.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from sagemaker_emulator.errors import AwsError, validation_error

T = TypeVar("T")
SortKey = tuple[str | float | int, ...]


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_token: str | None


def encode_token(scope: str, key: SortKey) -> str:
    payload = json.dumps({"scope": scope, "after": list(key)}, separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode()


def decode_token(token: str, scope: str) -> SortKey:
    """The key a token resumes after. Raises ValueError for a token this list did not issue."""
    try:
        payload = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (binascii.Error, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError("not a token") from error
    if not isinstance(payload, dict) or payload.get("scope") != scope:
        raise ValueError("token from another list")
    after = payload.get("after")
    if not isinstance(after, list):
        raise ValueError("malformed token")
    return tuple(after)


def paginate(
    items: Sequence[T],
    sort_key: Callable[[T], SortKey],
    *,
    descending: bool,
    max_results: int,
    next_token: str | None,
    scope: str,
    invalid_token: Callable[[], AwsError] = lambda: validation_error(
        "The provided NextToken is not valid."
    ),
) -> Page[T]:
    """One page of ``items`` in the requested order, starting after ``next_token``."""
    ordered = sorted(items, key=sort_key, reverse=descending)
    if next_token:
        try:
            after = decode_token(next_token, scope)
        except ValueError:
            raise invalid_token() from None
        ordered = [
            item
            for item in ordered
            if (sort_key(item) < after if descending else sort_key(item) > after)
        ]
    page = ordered[:max_results]
    token = encode_token(scope, sort_key(page[-1])) if len(ordered) > max_results and page else None
    return Page(page, token)
