"""The model registry as every ModelDeployment of this process sees it: one read of a group
per registry poll interval, whichever deployment (dedicated or placed) asks first, reused by
the others.

Entries are keyed by what can see different answers:
- the region;
- the AWS identity reading: the operator's own role, or a tenant role as assumed for a
  namespace (role, ExternalId and the namespace session tag; not the session tag naming the
  ModelDeployment, so the deployments of one namespace share);
- the group as the spec names it: a name resolves in the reading identity's account, an ARN
  may name another account's group, so a name and an ARN never share an entry.

Each entry holds the group's description (a group found never changes), the versions listed
so far newest first with the next page's token (domain/registry_listing.py), and the pinned
versions described outside a listing. Single flight: every read of an entry happens under the
entry's lock, so deployments of one group converging at once on many worker threads wait for
the one read in flight and then reuse it; a read that fails fails for those that waited for
it too, instead of each trying again in turn. Invalidation (a registry event, a version this
operator rejected) makes every read of the group stale at once; entries no deployment asked
for in a few poll intervals are dropped.

A new listing that shows the group changed (a version registered, approved or rejected)
names the entry's other consumers that last looked before it: the reconciler wakes them, so
a change one deployment's poll found reaches the whole group at once, as an event would.
"""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Generic, TypeVar

from model_deployment_operator.domain.errors import SageMakerCallError
from model_deployment_operator.domain.registry import PackageGroup, PackageVersion
from model_deployment_operator.domain.registry_listing import (
    EMPTY_LISTING,
    Listing,
    ReadAge,
    is_fresh,
    listing_changed,
)
from model_deployment_operator.domain.spec import GROUP_ARN_PATTERN
from model_deployment_operator.domain.tenancy import (
    OPERATOR_IDENTITY,
    SESSION_TAG_NAME,
    AwsIdentity,
)

T = TypeVar("T")
Page = tuple[tuple[PackageVersion, ...], str | None]

# Entries no deployment asked for in this many poll intervals are dropped (their
# deployments were deleted or moved to another group).
IDLE_POLLS = 3


@dataclass(frozen=True)
class Reader:
    """The AWS identity a registry read is made as, as far as it can change the answer."""

    role_arn: str | None
    external_id: str | None
    session_tags: tuple[tuple[str, str], ...]


def reader_of(identity: AwsIdentity) -> Reader:
    tags = tuple(tag for tag in identity.session_tags if tag[0] != SESSION_TAG_NAME)
    return Reader(identity.role_arn, identity.external_id, tags)


OPERATOR_READER = reader_of(OPERATOR_IDENTITY)


def private_reader(consumer: str) -> Reader:
    """A reader no other consumer shares: for a deployment whose identity is unknown."""
    return Reader(None, None, (("consumer", consumer),))


@dataclass(frozen=True)
class GroupKey:
    region: str
    reader: Reader
    # The name or ARN, as the spec names it.
    group: str

    @property
    def group_name(self) -> str:
        match = re.match(GROUP_ARN_PATTERN, self.group)
        return match.group("name") if match else self.group


@dataclass
class _Read(Generic[T]):
    value: T
    read_at: float
    # The entry's generation when the read started: an invalidation since makes it stale.
    generation: int
    # The consumer that made it, and whether another consumer used it since.
    by: str
    shared: bool = False


@dataclass
class _Entry:
    key: GroupKey
    lock: threading.Lock = field(default_factory=threading.Lock)
    generation: int = 0
    used_at: float = 0.0
    group: _Read[PackageGroup | None] | None = None
    listing: _Read[Listing] | None = None
    described: dict[int, _Read[PackageVersion | None]] = field(default_factory=dict)
    # operation -> (ticket drawn when it failed, the error)
    failures: dict[str, tuple[int, SageMakerCallError]] = field(default_factory=dict)
    # consumer -> (ticket drawn when it last asked, when)
    consumers: dict[str, tuple[int, float]] = field(default_factory=dict)


@dataclass(frozen=True)
class Listed:
    versions: tuple[PackageVersion, ...]
    # This call's read found the group changed: the other consumers that last looked before
    # it, to reconcile now rather than at their next poll.
    changed_for: tuple[str, ...] = ()


class RegistryCache:
    def __init__(self, poll_seconds: float, monotonic: Callable[[], float]) -> None:
        self._poll_seconds = poll_seconds
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._entries: dict[GroupKey, _Entry] = {}
        # Orders asking against failing: who asked before a read failed waited for it.
        self._tickets = itertools.count()
        self._swept_at = monotonic()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def group(
        self, key: GroupKey, consumer: str, describe: Callable[[], PackageGroup | None]
    ) -> PackageGroup | None:
        """The group, or None when it does not exist (for the reader) — asked again once
        that answer is stale."""
        with self._held(key, consumer) as (entry, ticket):
            read = entry.group
            if read is not None and (read.value is not None or self._fresh(entry, read, consumer)):
                _use(read, consumer)
                return read.value
            started, generation = self._monotonic(), entry.generation
            found = self._call(entry, "DescribeModelPackageGroup", ticket, describe)
            entry.group = _Read(found, started, generation, consumer)
            return found

    def versions(
        self,
        key: GroupKey,
        consumer: str,
        sufficient: Callable[[Sequence[PackageVersion]], bool],
        list_page: Callable[[str | None], Page],
    ) -> Listed:
        """The group's newest versions, newest first, at least as deep as `sufficient` asks
        (or the whole group, up to the page limit): the fresh listing, continued from its
        token when this consumer needs older versions, else a new listing."""
        with self._held(key, consumer) as (entry, ticket):
            replaced = entry.listing
            read = replaced
            if read is not None and self._fresh(entry, read, consumer):
                _use(read, consumer)
                replaced = None
            else:
                read = _Read(EMPTY_LISTING, self._monotonic(), entry.generation, consumer)
            while read.value.pages == 0 or (
                not read.value.exhausted and not sufficient(read.value.versions)
            ):
                next_page = partial(list_page, read.value.next_token)
                page, next_token = self._call(entry, "ListModelPackages", ticket, next_page)
                read.value = read.value.extended(page, next_token)
                # Kept page by page: a failure later keeps what was listed.
                entry.listing = read
            if replaced is None or not listing_changed(replaced.value, read.value):
                return Listed(read.value.versions)
            looked_before = [
                other
                for other, (asked, _) in entry.consumers.items()
                if asked < ticket and other != consumer
            ]
            return Listed(read.value.versions, tuple(sorted(looked_before)))

    def version(
        self,
        key: GroupKey,
        consumer: str,
        number: int,
        describe: Callable[[], PackageVersion | None],
    ) -> PackageVersion | None:
        """One version (a pinned one): from the fresh listing when it went that deep, else
        described, and the description reused like a listing."""
        with self._held(key, consumer) as (entry, ticket):
            listing = entry.listing
            if (
                listing is not None
                and listing.value.covers(number)
                and self._fresh(entry, listing, consumer)
            ):
                _use(listing, consumer)
                return next((v for v in listing.value.versions if v.version == number), None)
            read = entry.described.get(number)
            if read is not None and self._fresh(entry, read, consumer):
                _use(read, consumer)
                return read.value
            started, generation = self._monotonic(), entry.generation
            found = self._call(entry, f"DescribeModelPackage {number}", ticket, describe)
            entry.described[number] = _Read(found, started, generation, consumer)
            return found

    def invalidate(self, group_name: str) -> int:
        """The group changed (a registry event, a version rejected): every read of it, by
        any reader, is stale from now on. Returns how many entries that touched."""
        lowered = group_name.lower()
        with self._lock:
            touched = [e for e in self._entries.values() if _names(e, lowered)]
            for entry in touched:
                entry.generation += 1
            return len(touched)

    # ------------------------------------------------------------------ internals

    @contextmanager
    def _held(self, key: GroupKey, consumer: str) -> Iterator[tuple[_Entry, int]]:
        now = self._monotonic()
        with self._lock:
            ticket = next(self._tickets)
            entry = self._entries.get(key)
            if entry is None:
                entry = self._entries[key] = _Entry(key)
            entry.used_at = now
            entry.consumers[consumer] = (ticket, now)
            self._sweep(now)
        with entry.lock:
            yield entry, ticket

    def _sweep(self, now: float) -> None:
        if now - self._swept_at < self._poll_seconds:
            return
        self._swept_at = now
        idle_since = now - IDLE_POLLS * self._poll_seconds
        for key, entry in list(self._entries.items()):
            if entry.used_at < idle_since and not entry.lock.locked():
                del self._entries[key]
                continue
            for consumer, (_, asked_at) in list(entry.consumers.items()):
                if asked_at < idle_since:
                    del entry.consumers[consumer]

    def _fresh(self, entry: _Entry, read: _Read[T], consumer: str) -> bool:
        age = ReadAge(
            age_seconds=self._monotonic() - read.read_at,
            invalidated=read.generation != entry.generation,
            shared=read.shared or read.by != consumer,
        )
        return is_fresh(age, self._poll_seconds)

    def _call(self, entry: _Entry, operation: str, ticket: int, call: Callable[[], T]) -> T:
        failed = entry.failures.get(operation)
        if failed is not None and failed[0] > ticket:
            # It failed while this consumer waited for it: the same answer, not another try.
            error = failed[1]
            raise SageMakerCallError(error.kind, error.operation, error.code, error.message)
        try:
            return call()
        except SageMakerCallError as error:
            entry.failures[operation] = (next(self._tickets), error)
            raise


def _use(read: _Read[T], consumer: str) -> None:
    if consumer != read.by:
        read.shared = True


def _names(entry: _Entry, lowered_name: str) -> bool:
    if entry.key.group_name.lower() == lowered_name:
        return True
    group = entry.group.value if entry.group is not None else None
    return group is not None and group.name.lower() == lowered_name
