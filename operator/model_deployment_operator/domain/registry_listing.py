"""A model package group's versions as read so far, shared by every ModelDeployment that
deploys from it (reconcile/registry_cache.py holds them): the pure rules of when a read may
be reused and how far a listing must go.

A listing is read newest first and only as deep as its consumers need: it keeps the versions
listed so far and the token of the next page, so a consumer that needs older versions (its
live version is older, or its policy reads deeper) continues it instead of listing again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from model_deployment_operator.domain.registry import PackageVersion

# ListModelPackages page size, and the most pages one listing reads (1,000 versions): a
# group with more is judged on its newest thousand.
REGISTRY_PAGE_SIZE = 25
MAX_REGISTRY_PAGES = 40

# A read nobody else used yet is reused for this share of the poll interval, so a
# deployment alone on its group reads at each of its polls (a poll interval apart, less
# jitter), as it always did. A read another deployment used is reused for the whole poll
# interval: one read per group per interval however many deployments ask.
UNSHARED_FRESHNESS = 0.8


@dataclass(frozen=True)
class Listing:
    """The newest versions of a group, newest first, as far as they were listed."""

    versions: tuple[PackageVersion, ...]
    next_token: str | None
    pages: int

    @property
    def exhausted(self) -> bool:
        """Nothing more will be listed: the group's end, or the page limit."""
        return self.next_token is None or self.pages >= MAX_REGISTRY_PAGES

    def covers(self, version: int) -> bool:
        """Whether the listing answers for `version`: listed, or absent though the listing
        went past it. A version newer than every one listed may have been registered since
        (a spec just pinned it): the listing does not answer for it."""
        if not self.versions or version > self.versions[0].version:
            return False
        return self.next_token is None or version >= self.versions[-1].version

    def extended(self, page: Sequence[PackageVersion], next_token: str | None) -> Listing:
        return Listing((*self.versions, *page), next_token, self.pages + 1)


EMPTY_LISTING = Listing((), None, 0)


@dataclass(frozen=True)
class ReadAge:
    """What decides whether one consumer may reuse a read."""

    age_seconds: float
    # The read predates the last invalidation of its group (a registry event, a rejection).
    invalidated: bool
    # Another consumer than this one made the read or used it already.
    shared: bool


def is_fresh(read: ReadAge, poll_seconds: float) -> bool:
    if read.invalidated:
        return False
    limit = poll_seconds if read.shared else poll_seconds * UNSHARED_FRESHNESS
    return read.age_seconds < limit


def listing_changed(before: Listing | None, after: Listing) -> bool:
    """Whether a new listing shows the group changed since the one it replaces: among the
    newest versions both listed, a version added or removed, or one's approval or package
    status changed."""
    if before is None:
        return False
    depth = min(len(before.versions), len(after.versions))
    if depth == 0:
        return len(before.versions) != len(after.versions)
    return _facts(before.versions[:depth]) != _facts(after.versions[:depth])


def _facts(versions: Sequence[PackageVersion]) -> tuple[tuple[int, str, str], ...]:
    return tuple((v.version, v.approval_status, v.package_status) for v in versions)
