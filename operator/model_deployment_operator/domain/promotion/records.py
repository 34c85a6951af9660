"""Where a version served, recorded on the model package itself, in its
CustomerMetadataProperties (read by every environment and account that shares the registry).

One key per environment, `mdo:served:<environment>`, holds the latest interval the version
served there: `<since>/<until>` once it stopped, `<since>/@<holder>+<holder>...` while it
serves. Holders are short hashes of the ModelDeployments serving it, so that several of one
environment serving the same version keep one interval: the first to start sets `since`,
the last to stop sets `until`. `mdo:approved-at` holds when an operator first saw the version
Approved (the registry keeps no approval time). Values stay within SageMaker's limits
(CustomerMetadataValue: at most 256 characters of letters, digits, spaces and _.:/=+-@).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

SERVED_PREFIX = "mdo:served:"
APPROVED_AT_KEY = "mdo:approved-at"
# 21 characters for "<since>/", 9 per holder: 20 holders stay well under 256.
MAX_HOLDERS = 20
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def format_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(_TIME_FORMAT)


def parse_time(text: str) -> datetime | None:
    try:
        return datetime.strptime(text, _TIME_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None


def served_key(environment: str) -> str:
    return f"{SERVED_PREFIX}{environment}"


def holder_id(uid: str) -> str:
    """A ModelDeployment's short, stable name in a record: 8 hex digits of its uid's hash."""
    return hashlib.sha256(uid.encode()).hexdigest()[:8]


@dataclass(frozen=True)
class ServedRecord:
    since: datetime
    until: datetime | None = None
    holders: frozenset[str] = frozenset()

    @property
    def serving(self) -> bool:
        return self.until is None

    def served_for(self, now: datetime) -> timedelta:
        end = self.until if self.until is not None else now
        return max(timedelta(0), end - self.since)

    def covers(self, moment: datetime) -> bool:
        return self.since <= moment and (self.until is None or moment < self.until)

    def format(self) -> str:
        if self.until is not None:
            return f"{format_time(self.since)}/{format_time(self.until)}"
        holders = "+".join(sorted(self.holders))
        return f"{format_time(self.since)}/" + (f"@{holders}" if holders else "")


def parse_served(value: str) -> ServedRecord | None:
    """A record as written by format(); None for anything else (it is then rewritten)."""
    since_text, slash, rest = value.partition("/")
    since = parse_time(since_text)
    if since is None or not slash:
        return None
    if rest.startswith("@") or not rest:
        holders = frozenset(h for h in rest.removeprefix("@").split("+") if h)
        return ServedRecord(since, None, holders)
    until = parse_time(rest)
    return ServedRecord(since, until) if until is not None else None


def served_records(metadata: Mapping[str, str]) -> dict[str, ServedRecord]:
    """environment -> its record, from a package's CustomerMetadataProperties."""
    found = {}
    for key, value in metadata.items():
        if key.startswith(SERVED_PREFIX):
            record = parse_served(value)
            if record is not None:
                found[key.removeprefix(SERVED_PREFIX)] = record
    return found


def approved_at(metadata: Mapping[str, str]) -> datetime | None:
    value = metadata.get(APPROVED_AT_KEY)
    return parse_time(value) if value is not None else None


def started_serving(
    current: ServedRecord | None, holder: str, since: datetime
) -> ServedRecord | None:
    """The record once `holder` serves the version since `since`, or None when it already
    says so (nothing to write: starting is idempotent)."""
    if current is None:
        return ServedRecord(since, None, frozenset({holder}))
    if current.until is not None:
        # Closed by another holder while this one was serving (or by a crash's leftovers):
        # the version never stopped serving, so the interval continues.
        if current.until >= since:
            return ServedRecord(current.since, None, frozenset({holder}))
        return ServedRecord(since, None, frozenset({holder}))
    if holder in current.holders:
        return None
    earliest = min(current.since, since)
    if len(current.holders) >= MAX_HOLDERS:
        # Full: the interval is open anyway; only an earlier start is worth writing.
        return replace(current, since=earliest) if earliest != current.since else None
    return ServedRecord(earliest, None, current.holders | {holder})


def stopped_serving(
    current: ServedRecord | None, holder: str, until: datetime
) -> ServedRecord | None:
    """The record once `holder` no longer serves the version, or None when it does not name
    the holder (nothing to write: stopping is idempotent). The last holder closes it."""
    if current is None or current.until is not None or holder not in current.holders:
        return None
    left = current.holders - {holder}
    if left:
        return replace(current, holders=left)
    return ServedRecord(current.since, max(until, current.since))
