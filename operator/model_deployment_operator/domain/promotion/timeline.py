""" "Which version served where at a given moment", from the two places that remember it:
the serving records on the model packages (every environment, the latest interval of each
version in each) and the ModelDeployments' status.history (the last 20 deployments of each,
in the clusters one can read). Pure: the history command (history_command.py) reads both."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from model_deployment_operator.domain.promotion.records import format_time, served_records
from model_deployment_operator.domain.status import HistoryEntry, Outcome

REGISTRY = "registry"


@dataclass(frozen=True)
class Served:
    """One version serving in one environment from `since` until `until` (None: still)."""

    environment: str
    version: int
    model_package_arn: str
    since: datetime
    until: datetime | None
    source: str
    """"registry", or the ModelDeployment (namespace/name) whose status.history says so."""

    def covers(self, moment: datetime) -> bool:
        return self.since <= moment and (self.until is None or moment < self.until)

    def to_json(self) -> dict[str, Any]:
        found = asdict(self)
        found["modelPackageArn"] = found.pop("model_package_arn")
        found["since"] = format_time(self.since)
        found["until"] = format_time(self.until) if self.until is not None else None
        return found


@dataclass(frozen=True)
class PackageRecords:
    version: int
    arn: str
    metadata: Mapping[str, str]


def from_registry(packages: Iterable[PackageRecords]) -> list[Served]:
    return [
        Served(environment, package.version, package.arn, record.since, record.until, REGISTRY)
        for package in packages
        for environment, record in served_records(package.metadata).items()
    ]


def from_status_history(
    environment: str, deployment: str, history: Sequence[HistoryEntry]
) -> list[Served]:
    """Each successful deployment served from when it finished until the next one did."""
    successes = sorted(
        (h for h in history if h.outcome is Outcome.SUCCEEDED and h.finished_at is not None),
        key=lambda h: h.finished_at or h.started_at,
    )
    found = []
    for number, entry in enumerate(successes):
        following = successes[number + 1] if number + 1 < len(successes) else None
        since = entry.finished_at or entry.started_at
        found.append(
            Served(
                environment,
                entry.version,
                entry.model_package_arn,
                since,
                following.finished_at if following is not None else None,
                deployment,
            )
        )
    return found


def served_at(
    intervals: Iterable[Served], moment: datetime, environment: str | None = None
) -> list[Served]:
    """What served at `moment`, by environment, then by where it is known from."""
    return sorted(
        (
            s
            for s in intervals
            if s.covers(moment) and (environment is None or s.environment == environment)
        ),
        key=lambda s: (s.environment, s.source != REGISTRY, s.source, -s.version),
    )


def table(rows: Sequence[Served]) -> str:
    headers = ("ENVIRONMENT", "VERSION", "SINCE", "UNTIL", "SOURCE")
    lines = [
        (
            s.environment,
            str(s.version),
            format_time(s.since),
            format_time(s.until) if s.until is not None else "-",
            s.source,
        )
        for s in rows
    ]
    widths = [max(len(row[i]) for row in [headers, *lines]) for i in range(len(headers))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [headers, *lines]
    )
