"""The serving records on model packages: their text within SageMaker's limits, and the
merge rule that lets several deployments of one environment share one interval."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from model_deployment_operator.domain.promotion.records import (
    MAX_HOLDERS,
    ServedRecord,
    approved_at,
    holder_id,
    parse_served,
    served_key,
    served_records,
    started_serving,
    stopped_serving,
)

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
A, B = holder_id("uid-a"), holder_id("uid-b")
# botocore's CustomerMetadataValue: ([\p{L}\p{Z}\p{N}_.:\/=+\-@]*){1,256}
METADATA_VALUE = re.compile(r"^[\w\s.:/=+\-@]{1,256}$")


@pytest.mark.parametrize(
    "record",
    [
        ServedRecord(T0),
        ServedRecord(T0, None, frozenset({A, B})),
        ServedRecord(T0, T0 + HOUR),
        ServedRecord(T0, None, frozenset(holder_id(f"uid-{n}") for n in range(MAX_HOLDERS))),
    ],
)
def test_a_record_reads_back_as_written_and_fits_a_metadata_value(record: ServedRecord) -> None:
    text = record.format()
    assert METADATA_VALUE.match(text), text
    assert "_" not in text  # no \w surprises: only the characters SageMaker documents
    assert parse_served(text) == record


@pytest.mark.parametrize("text", ["", "yesterday", "2026-11-20T09:00:00Z", "x/y", "2026-11-20/"])
def test_anything_else_is_no_record(text: str) -> None:
    assert parse_served(text) is None


def test_keys_fit_a_metadata_key_for_the_longest_environment() -> None:
    assert len(served_key("e" * 63)) <= 128


# (record before, holder, since) -> record after (None: nothing to write)
STARTS = [
    pytest.param(None, A, T0, ServedRecord(T0, None, frozenset({A})), id="first"),
    pytest.param(ServedRecord(T0, None, frozenset({A})), A, T0, None, id="again-is-idempotent"),
    pytest.param(
        ServedRecord(T0, None, frozenset({A})),
        B,
        T0 + HOUR,
        ServedRecord(T0, None, frozenset({A, B})),
        id="second-keeps-the-first-since",
    ),
    pytest.param(
        ServedRecord(T0 + HOUR, None, frozenset({A})),
        B,
        T0,
        ServedRecord(T0, None, frozenset({A, B})),
        id="an-earlier-start-moves-since-back",
    ),
    pytest.param(
        ServedRecord(T0, T0 + HOUR),
        A,
        T0 + 3 * HOUR,
        ServedRecord(T0 + 3 * HOUR, None, frozenset({A})),
        id="after-a-gap-a-new-interval",
    ),
    pytest.param(
        ServedRecord(T0, T0 + 2 * HOUR),
        B,
        T0 + HOUR,
        ServedRecord(T0, None, frozenset({B})),
        id="closed-while-it-served-continues",
    ),
]


@pytest.mark.parametrize(("before", "holder", "since", "after"), STARTS)
def test_starting_to_serve(
    before: ServedRecord | None, holder: str, since: datetime, after: ServedRecord | None
) -> None:
    assert started_serving(before, holder, since) == after


STOPS = [
    pytest.param(None, A, None, id="no-record"),
    pytest.param(ServedRecord(T0, None, frozenset({B})), A, None, id="not-a-holder"),
    pytest.param(ServedRecord(T0, T0 + HOUR), A, None, id="already-closed"),
    pytest.param(
        ServedRecord(T0, None, frozenset({A, B})),
        A,
        ServedRecord(T0, None, frozenset({B})),
        id="others-still-serve",
    ),
    pytest.param(
        ServedRecord(T0, None, frozenset({A})),
        A,
        ServedRecord(T0, T0 + 2 * HOUR),
        id="the-last-closes-it",
    ),
]


@pytest.mark.parametrize(("before", "holder", "after"), STOPS)
def test_stopping_to_serve(
    before: ServedRecord | None, holder: str, after: ServedRecord | None
) -> None:
    assert stopped_serving(before, holder, T0 + 2 * HOUR) == after


def test_two_deployments_of_one_environment_keep_one_interval_whatever_the_order() -> None:
    record = started_serving(None, A, T0)
    record = started_serving(record, B, T0 + HOUR)
    record = stopped_serving(record, A, T0 + 2 * HOUR)
    assert record == ServedRecord(T0, None, frozenset({B}))
    record = stopped_serving(record, B, T0 + 3 * HOUR)
    assert record == ServedRecord(T0, T0 + 3 * HOUR)
    assert record.served_for(T0 + 9 * HOUR) == 3 * HOUR


def test_a_full_holder_list_keeps_the_interval_open() -> None:
    full = ServedRecord(T0, None, frozenset(holder_id(f"uid-{n}") for n in range(MAX_HOLDERS)))
    assert started_serving(full, A, T0 + HOUR) is None
    assert len(full.format()) <= 256


def test_records_and_approval_time_are_read_among_the_pipeline_s_properties() -> None:
    metadata = {
        "auc": "0.93",
        "mdo:served:staging": ServedRecord(T0, None, frozenset({A})).format(),
        "mdo:served:qa": "garbage",
        "mdo:approved-at": "2026-11-20T08:00:00Z",
    }
    assert served_records(metadata) == {"staging": ServedRecord(T0, None, frozenset({A}))}
    assert approved_at(metadata) == T0 - HOUR
    assert approved_at({}) is None
