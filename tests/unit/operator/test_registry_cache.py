"""The registry cache every ModelDeployment shares: one read per group and poll interval,
continued instead of repeated, single flight across threads, invalidated by registry events.

The reads are plain functions over a registry held in a list (newest first), counting the
calls they answer, so each test states what SageMaker would have been asked.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence

import pytest

from model_deployment_operator.domain.errors import FailureKind, SageMakerCallError
from model_deployment_operator.domain.registry import PackageGroup, PackageVersion
from model_deployment_operator.domain.tenancy import OPERATOR_IDENTITY, AwsIdentity
from model_deployment_operator.reconcile.registry_cache import (
    IDLE_POLLS,
    GroupKey,
    Page,
    RegistryCache,
    reader_of,
)

POLL = 60.0
GROUP_ARN = "arn:aws:sagemaker:us-east-1:111122223333:model-package-group/fraud"
OTHER_ACCOUNT_ARN = "arn:aws:sagemaker:us-east-1:444455556666:model-package-group/fraud"
KEY = GroupKey("us-east-1", reader_of(OPERATOR_IDENTITY), "fraud")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def version(number: int, approval: str = "Approved") -> PackageVersion:
    return PackageVersion(
        arn=f"arn:aws:sagemaker:us-east-1:111122223333:model-package/fraud/{number}",
        group_name="fraud",
        version=number,
        approval_status=approval,
        package_status="Completed",
    )


class Registry:
    """A group's versions, answered in pages of `page_size`, newest first."""

    def __init__(self, count: int, page_size: int = 2) -> None:
        self.versions = [version(n) for n in range(count, 0, -1)]
        self.page_size = page_size
        self.pages_asked: list[str | None] = []
        self.described: list[int] = []

    def list_page(self, token: str | None) -> Page:
        self.pages_asked.append(token)
        start = int(token) if token else 0
        end = start + self.page_size
        rest = str(end) if end < len(self.versions) else None
        return tuple(self.versions[start:end]), rest

    def describe(self, number: int) -> PackageVersion | None:
        self.described.append(number)
        return next((v for v in self.versions if v.version == number), None)


def down_to(number: int) -> Callable[[Sequence[PackageVersion]], bool]:
    def sufficient(newest_first: Sequence[PackageVersion]) -> bool:
        return any(v.version <= number for v in newest_first)

    return sufficient


def first_approved(newest_first: Sequence[PackageVersion]) -> bool:
    return any(v.is_approved for v in newest_first)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def cache(clock: Clock) -> RegistryCache:
    return RegistryCache(POLL, clock)


def test_deployments_of_a_group_share_one_read_per_poll_interval(
    cache: RegistryCache, clock: Clock
) -> None:
    registry = Registry(5)
    for consumer in ("a", "b", "c"):
        cache.versions(KEY, consumer, first_approved, registry.list_page)
        clock.now += 10
    assert registry.pages_asked == [None]
    # "a" read at 1000; shared, so reused until a poll interval has passed.
    clock.now = 1000 + POLL - 1
    cache.versions(KEY, "a", first_approved, registry.list_page)
    assert registry.pages_asked == [None]
    clock.now = 1000 + POLL
    cache.versions(KEY, "b", first_approved, registry.list_page)
    assert registry.pages_asked == [None, None]


def test_a_deployment_alone_on_its_group_reads_at_each_of_its_polls(
    cache: RegistryCache, clock: Clock
) -> None:
    registry = Registry(5)
    cache.versions(KEY, "a", first_approved, registry.list_page)
    clock.now += POLL * 0.9  # its next poll, early by the jitter
    cache.versions(KEY, "a", first_approved, registry.list_page)
    assert registry.pages_asked == [None, None]


def test_a_deeper_consumer_continues_the_listing_from_its_token(
    cache: RegistryCache, clock: Clock
) -> None:
    registry = Registry(9)
    newest = cache.versions(KEY, "a", first_approved, registry.list_page).versions
    assert [v.version for v in newest] == [9, 8]
    # "b" serves version 4: it needs the listing down to it.
    deeper = cache.versions(KEY, "b", down_to(4), registry.list_page).versions
    assert [v.version for v in deeper] == [9, 8, 7, 6, 5, 4]
    assert registry.pages_asked == [None, "2", "4"]
    # Both now get what was listed, without another call.
    again = cache.versions(KEY, "a", first_approved, registry.list_page).versions
    assert [v.version for v in again] == [9, 8, 7, 6, 5, 4]
    assert registry.pages_asked == [None, "2", "4"]


def test_a_listing_stops_at_the_group_end(cache: RegistryCache) -> None:
    registry = Registry(3)
    listed = cache.versions(KEY, "a", down_to(0), registry.list_page).versions
    assert [v.version for v in listed] == [3, 2, 1]
    assert registry.pages_asked == [None, "2"]
    cache.versions(KEY, "b", down_to(0), registry.list_page)
    assert registry.pages_asked == [None, "2"]


def test_a_read_that_finds_the_group_changed_names_the_deployments_that_looked_before(
    cache: RegistryCache, clock: Clock
) -> None:
    registry = Registry(5)
    cache.versions(KEY, "a", first_approved, registry.list_page)
    cache.versions(KEY, "b", first_approved, registry.list_page)
    cache.version(KEY, "pinned", 5, lambda: registry.describe(5))
    clock.now += POLL
    unchanged = cache.versions(KEY, "b", first_approved, registry.list_page)
    assert unchanged.changed_for == ()
    clock.now += POLL
    registry.versions[0] = version(5, approval="Rejected")
    changed = cache.versions(KEY, "a", first_approved, registry.list_page)
    assert changed.changed_for == ("b", "pinned")
    # The others read nothing, and are not asked to wake anyone.
    assert cache.versions(KEY, "b", first_approved, registry.list_page).changed_for == ()
    assert registry.pages_asked == [None, None, None]


def test_a_registry_event_makes_the_next_reconcile_read_afresh(
    cache: RegistryCache, clock: Clock
) -> None:
    registry = Registry(5)
    cache.versions(KEY, "a", first_approved, registry.list_page)
    assert cache.invalidate("other-group") == 0
    cache.versions(KEY, "b", first_approved, registry.list_page)
    assert registry.pages_asked == [None]
    assert cache.invalidate("Fraud") == 1  # names are matched case-insensitively
    registry.versions.insert(0, version(6))
    listed = cache.versions(KEY, "b", first_approved, registry.list_page).versions
    assert listed[0].version == 6
    cache.versions(KEY, "c", first_approved, registry.list_page)
    assert registry.pages_asked == [None, None]


def test_readers_and_group_spellings_that_may_see_other_answers_do_not_share(
    cache: RegistryCache,
) -> None:
    registry = Registry(5)
    tenant = AwsIdentity(
        role_arn="arn:aws:iam::444455556666:role/mdo-tenant-ml-fraud",
        external_id="model-deployment-operator:ml-fraud",
        session_name="mdo-ml-fraud-a",
        session_tags=(("mdo-namespace", "ml-fraud"), ("mdo-modeldeployment", "a")),
    )
    same_namespace = AwsIdentity(
        role_arn=tenant.role_arn,
        external_id=tenant.external_id,
        session_name="mdo-ml-fraud-b",
        session_tags=(("mdo-namespace", "ml-fraud"), ("mdo-modeldeployment", "b")),
    )
    keys = [
        KEY,
        GroupKey("eu-west-1", KEY.reader, "fraud"),
        GroupKey("us-east-1", reader_of(tenant), "fraud"),
        GroupKey("us-east-1", KEY.reader, GROUP_ARN),
        GroupKey("us-east-1", KEY.reader, OTHER_ACCOUNT_ARN),
    ]
    for key in keys:
        cache.versions(key, "a", first_approved, registry.list_page)
    assert len(registry.pages_asked) == len(keys)
    # The session tag naming the deployment does not change what the registry answers.
    shared = GroupKey("us-east-1", reader_of(same_namespace), "fraud")
    cache.versions(shared, "b", first_approved, registry.list_page)
    assert len(registry.pages_asked) == len(keys)
    # An event names the group: every spelling and reader of that name reads again.
    assert cache.invalidate("fraud") == len(keys)


def test_pinned_versions_come_from_the_listing_when_it_went_that_deep(
    cache: RegistryCache, clock: Clock
) -> None:
    registry = Registry(5)
    cache.versions(KEY, "latest", first_approved, registry.list_page)  # lists 5, 4
    pinned = cache.version(KEY, "pinned", 4, lambda: registry.describe(4))
    assert pinned == version(4)
    assert registry.described == []
    # Older than listed: described once, then shared.
    assert cache.version(KEY, "pinned", 2, lambda: registry.describe(2)) == version(2)
    assert cache.version(KEY, "another", 2, lambda: registry.describe(2)) == version(2)
    assert registry.described == [2]
    # Newer than listed (registered since): described, not taken as absent.
    registry.versions.insert(0, version(6))
    assert cache.version(KEY, "pinned", 6, lambda: registry.describe(6)) == version(6)
    assert registry.described == [2, 6]
    # Stale with the poll interval or dropped by an event, like the listing.
    cache.invalidate("fraud")
    cache.version(KEY, "another", 2, lambda: registry.describe(2))
    clock.now += POLL
    cache.version(KEY, "another", 6, lambda: registry.describe(6))
    assert registry.described == [2, 6, 2, 6]
    assert registry.pages_asked == [None]


def test_a_missing_group_is_asked_again_when_stale_and_a_found_one_never(
    cache: RegistryCache, clock: Clock
) -> None:
    asked: list[str] = []

    def missing() -> PackageGroup | None:
        asked.append("missing")
        return None

    def found() -> PackageGroup | None:
        asked.append("found")
        return PackageGroup("fraud", GROUP_ARN)

    other = GroupKey("us-east-1", KEY.reader, "fraud-v2")
    assert cache.group(other, "a", missing) is None
    assert cache.group(other, "b", missing) is None
    assert cache.group(KEY, "a", found) == PackageGroup("fraud", GROUP_ARN)
    clock.now += POLL
    cache.invalidate("fraud")
    assert cache.group(KEY, "b", found) == PackageGroup("fraud", GROUP_ARN)
    assert cache.group(other, "b", missing) is None
    assert asked == ["missing", "found", "missing"]


def test_entries_no_deployment_asked_for_are_dropped(cache: RegistryCache, clock: Clock) -> None:
    registry = Registry(3)
    cache.versions(KEY, "a", first_approved, registry.list_page)
    other = GroupKey("us-east-1", KEY.reader, "churn")
    for _ in range(IDLE_POLLS + 1):
        clock.now += POLL
        cache.versions(other, "b", first_approved, registry.list_page)
    assert len(cache) == 1
    cache.versions(KEY, "a", first_approved, registry.list_page)
    assert len(cache) == 2


def test_concurrent_reconciles_of_a_group_wait_for_the_one_read_in_flight(
    cache: RegistryCache,
) -> None:
    registry = Registry(5)
    workers = 16
    asking = threading.Semaphore(0)
    results: list[tuple[PackageVersion, ...]] = []

    def slow_page(token: str | None) -> Page:
        # Hold the read until every worker has asked and had time to queue behind it.
        for _ in range(workers):
            asking.acquire(timeout=10)
        time.sleep(0.2)
        return registry.list_page(token)

    def reconcile(consumer: str) -> None:
        asking.release()
        results.append(cache.versions(KEY, consumer, first_approved, slow_page).versions)

    threads = [threading.Thread(target=reconcile, args=(f"d{n}",)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert registry.pages_asked == [None]
    assert len(results) == workers
    assert all(listed == results[0] for listed in results)


def test_a_read_that_fails_fails_for_those_that_waited_for_it(cache: RegistryCache) -> None:
    registry = Registry(5)
    entered, release = threading.Event(), threading.Event()
    failures: list[str] = []
    calls: list[str | None] = []

    def throttled(token: str | None) -> Page:
        calls.append(token)
        entered.set()
        release.wait(timeout=10)
        raise SageMakerCallError(
            FailureKind.TRANSIENT, "ListModelPackages", "ThrottlingException", "Rate exceeded"
        )

    def reconcile(consumer: str) -> None:
        try:
            cache.versions(KEY, consumer, first_approved, throttled)
        except SageMakerCallError as error:
            failures.append(error.code)

    first = threading.Thread(target=reconcile, args=("a",))
    first.start()
    assert entered.wait(timeout=10)
    waiters = [threading.Thread(target=reconcile, args=(f"w{n}",)) for n in range(5)]
    for thread in waiters:
        thread.start()
    time.sleep(0.2)
    release.set()
    for thread in (first, *waiters):
        thread.join(timeout=10)
    assert calls == [None]
    assert failures == ["ThrottlingException"] * 6
    # Asked after the failure: tried again.
    listed = cache.versions(KEY, "a", first_approved, registry.list_page)
    assert listed.versions[0].version == 5
