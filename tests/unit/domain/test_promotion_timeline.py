"""Which version served where at a moment: intervals from the registry's records and from
status.history, and the query over them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from model_deployment_operator.domain.promotion.records import ServedRecord, holder_id
from model_deployment_operator.domain.promotion.timeline import (
    REGISTRY,
    PackageRecords,
    Served,
    from_registry,
    from_status_history,
    served_at,
    table,
)
from model_deployment_operator.domain.status import HistoryEntry, Outcome, Trigger

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def package(version: int, **records: ServedRecord) -> PackageRecords:
    metadata = {f"mdo:served:{env}": record.format() for env, record in records.items()}
    return PackageRecords(version, f"arn:pkg/{version}", {"auc": "0.9", **metadata})


def entry(version: int, finished: datetime, outcome: Outcome = Outcome.SUCCEEDED) -> HistoryEntry:
    return HistoryEntry(
        version=version,
        model_package_arn=f"arn:pkg/{version}",
        endpoint_config_name=f"config-{version}",
        started_at=finished - timedelta(minutes=5),
        finished_at=finished,
        outcome=outcome,
        trigger=Trigger.NEW_APPROVAL,
    )


OPEN = frozenset({holder_id("uid")})
REGISTRY_INTERVALS = from_registry(
    [
        package(
            1,
            staging=ServedRecord(T0, T0 + 2 * HOUR),
            production=ServedRecord(T0 + HOUR, T0 + 5 * HOUR),
        ),
        package(
            2,
            staging=ServedRecord(T0 + 2 * HOUR, None, OPEN),
            production=ServedRecord(T0 + 5 * HOUR, None, OPEN),
        ),
        package(3),
    ]
)


def versions_at(moment: datetime, environment: str | None = None) -> list[tuple[str, int]]:
    return [(s.environment, s.version) for s in served_at(REGISTRY_INTERVALS, moment, environment)]


def test_the_registry_answers_for_every_environment() -> None:
    assert versions_at(T0 - HOUR) == []
    assert versions_at(T0 + HOUR / 2) == [("staging", 1)]
    assert versions_at(T0 + 3 * HOUR) == [("production", 1), ("staging", 2)]
    assert versions_at(T0 + 5 * HOUR) == [("production", 2), ("staging", 2)]
    assert versions_at(T0 + 3 * HOUR, "production") == [("production", 1)]


def test_status_history_answers_for_its_deployment() -> None:
    history = [
        entry(3, T0 + 4 * HOUR, Outcome.FAILED),
        entry(2, T0 + 2 * HOUR),
        entry(1, T0),
    ]
    intervals = from_status_history("staging", "ml-staging/fraud", history)
    assert intervals == [
        Served("staging", 1, "arn:pkg/1", T0, T0 + 2 * HOUR, "ml-staging/fraud"),
        Served("staging", 2, "arn:pkg/2", T0 + 2 * HOUR, None, "ml-staging/fraud"),
    ]
    both = served_at([*REGISTRY_INTERVALS, *intervals], T0 + HOUR, "staging")
    assert [(s.version, s.source) for s in both] == [(1, REGISTRY), (1, "ml-staging/fraud")]


def test_table_and_json() -> None:
    rows = served_at(REGISTRY_INTERVALS, T0 + 3 * HOUR)
    assert table(rows).splitlines() == [
        "ENVIRONMENT  VERSION  SINCE                 UNTIL                 SOURCE",
        "production   1        2026-11-20T10:00:00Z  2026-11-20T14:00:00Z  registry",
        "staging      2        2026-11-20T11:00:00Z  -                     registry",
    ]
    assert rows[1].to_json() == {
        "environment": "staging",
        "version": 2,
        "modelPackageArn": "arn:pkg/2",
        "since": "2026-11-20T11:00:00Z",
        "until": None,
        "source": "registry",
    }
