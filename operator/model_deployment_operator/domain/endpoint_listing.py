"""Whether an endpoint needs a DescribeEndpoint now, or its last description still holds.

One ListEndpoints snapshot per AWS identity and region (a page of 100 endpoints per call)
says, for every endpoint, its status and LastModifiedTime: SageMaker changes that time on
every change of the endpoint (a status transition, UpdateEndpoint,
UpdateEndpointWeightsAndCapacities, a scaling activity). An endpoint whose listing matches
its last description is not described again, so a settled fleet costs a few list calls
per interval instead of one describe per endpoint per poll.

Pure: the caller passes its monotonic clock readings; nothing here reads a clock.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from model_deployment_operator.domain.observed import ObservedEndpoint

# Descriptions expire between 90% and 100% of the describe interval, spread by name, so
# endpoints described together (at start-up) are not all described again in one burst.
STALE_SPREAD = 0.1


@dataclass(frozen=True)
class EndpointSummary:
    """One ListEndpoints entry (EndpointSummary in the API reference)."""

    name: str
    arn: str
    status: str
    created_at: datetime | None
    last_modified_at: datetime | None


@dataclass(frozen=True)
class Listing:
    """Every endpoint one identity sees in one region, as ListEndpoints returned them."""

    taken_at: float
    """When the listing started (monotonic seconds): it shows no change older than this."""
    endpoints: Mapping[str, EndpointSummary]
    """By lower-cased name: endpoint names are unique regardless of case."""

    @staticmethod
    def of(taken_at: float, summaries: tuple[EndpointSummary, ...]) -> Listing:
        return Listing(taken_at, {s.name.lower(): s for s in summaries})

    def find(self, name: str) -> EndpointSummary | None:
        return self.endpoints.get(name.lower())


@dataclass(frozen=True)
class Described:
    """The last DescribeEndpoint answer for an endpoint (None: it did not exist)."""

    endpoint: ObservedEndpoint | None
    at: float
    """When that DescribeEndpoint started (monotonic seconds)."""


class DescribeReason(StrEnum):
    NEVER_DESCRIBED = "NeverDescribed"
    NO_LISTING = "NoListing"
    BUSY = "Busy"
    CHANGED = "Changed"
    VANISHED = "Vanished"
    APPEARED = "Appeared"
    STALE = "Stale"


def describe_reason(
    name: str,
    described: Described | None,
    listing: Listing | None,
    *,
    now: float,
    describe_seconds: float,
) -> DescribeReason | None:
    """Why `name` must be described now, or None when its last description still holds.

    A listing taken before the description says nothing the description does not; one
    taken after it must agree with it (same incarnation, status and LastModifiedTime), or
    the endpoint changed behind the description."""
    if described is None:
        return DescribeReason.NEVER_DESCRIBED
    endpoint = described.endpoint
    if endpoint is not None and endpoint.is_busy:
        # A transition in progress moves on without changing what the listing shows
        # until it ends; the planner needs each step.
        return DescribeReason.BUSY
    if now - described.at >= describe_seconds * _stale_fraction(name):
        return DescribeReason.STALE
    if listing is None:
        return DescribeReason.NO_LISTING
    if listing.taken_at < described.at:
        return None
    listed = listing.find(name)
    if endpoint is None:
        return DescribeReason.APPEARED if listed is not None else None
    if listed is None:
        return DescribeReason.VANISHED
    if _differs(endpoint, listed):
        return DescribeReason.CHANGED
    return None


def _differs(endpoint: ObservedEndpoint, listed: EndpointSummary) -> bool:
    return (
        listed.arn != endpoint.arn
        or listed.status != endpoint.status
        or listed.created_at != endpoint.created_at
        or listed.last_modified_at != endpoint.last_modified_at
    )


def _stale_fraction(name: str) -> float:
    digest = hashlib.sha256(name.lower().encode()).digest()
    spread = int.from_bytes(digest[:4], "big") / 2**32
    return 1.0 - STALE_SPREAD * spread
