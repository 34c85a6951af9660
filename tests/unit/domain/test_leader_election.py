"""Leader election's timing decisions (domain/leader_election.py), as tables, and a
timeline played through them: a leader renewing then dying, a standby reading on its own
schedule."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from model_deployment_operator.domain.leader_election import (
    LeaseRecord,
    LeaseTimings,
    Move,
    Sighting,
    must_step_down,
    next_step,
    sighted,
    transitions_after,
)
from model_deployment_operator.settings import OperatorSettings

CHART_VALUES = Path(__file__).resolve().parents[3] / "helm/model-deployment-operator/values.yaml"
TAKEOVER_PROMISE_SECONDS = 15.0


def lease(holder: str | None, version: str = "1", duration: float = 8) -> LeaseRecord:
    return LeaseRecord(
        holder=holder, lease_duration_seconds=duration, transitions=3, resource_version=version
    )


@pytest.mark.parametrize(
    ("record", "sighting", "now", "move", "expires_in"),
    [
        # No Lease at all: create it.
        (None, None, 100.0, Move.CREATE, 0.0),
        # Ours: renew, whatever the clock says.
        (lease("me"), Sighting("1", 0.0), 100.0, Move.RENEW, 0.0),
        # Released (empty holder) on a clean shutdown: take it at once.
        (lease(None), Sighting("1", 99.0), 100.0, Move.TAKE_OVER, 0.0),
        (lease(""), None, 100.0, Move.TAKE_OVER, 0.0),
        # Someone else's, first seen now: the countdown starts now, never from renewTime
        # (another node's clock).
        (lease("other", "7"), None, 100.0, Move.WAIT, 8.0),
        (lease("other", "7"), Sighting("6", 10.0), 100.0, Move.WAIT, 8.0),
        # Unchanged since we first saw it: expires lease_duration after that sighting.
        (lease("other", "7"), Sighting("7", 95.0), 100.0, Move.WAIT, 3.0),
        (lease("other", "7"), Sighting("7", 92.0), 100.0, Move.TAKE_OVER, 0.0),
        (lease("other", "7"), Sighting("7", 80.0), 100.0, Move.TAKE_OVER, 0.0),
        # The holder's own declared duration counts, not ours.
        (lease("other", "7", duration=30), Sighting("7", 80.0), 100.0, Move.WAIT, 10.0),
    ],
)
def test_next_step(
    record: LeaseRecord | None,
    sighting: Sighting | None,
    now: float,
    move: Move,
    expires_in: float,
) -> None:
    step = next_step(record, "me", sighting, now)
    assert step.move is move
    assert step.expires_in == pytest.approx(expires_in)


def test_the_clock_restarts_only_when_the_lease_changes() -> None:
    first = sighted(lease("other", "5"), None, now=10.0)
    assert first == Sighting("5", 10.0)
    assert sighted(lease("other", "5"), first, now=14.0) is first
    assert sighted(lease("other", "6"), first, now=16.0) == Sighting("6", 16.0)


@pytest.mark.parametrize(
    ("last_renewed_at", "now", "steps_down"),
    [(100.0, 100.0, False), (100.0, 105.9, False), (100.0, 106.0, True), (100.0, 130.0, True)],
)
def test_the_leader_steps_down_at_the_renew_deadline(
    last_renewed_at: float, now: float, steps_down: bool
) -> None:
    assert must_step_down(last_renewed_at, now, LeaseTimings()) is steps_down


@pytest.mark.parametrize(
    ("record", "transitions"),
    [(None, 0), (lease("me"), 3), (lease("other"), 4), (lease(None), 4)],
)
def test_transitions_count_changes_of_holder(record: LeaseRecord | None, transitions: int) -> None:
    assert transitions_after(record, "me") == transitions


@pytest.mark.parametrize(
    ("timings", "complaint"),
    [
        (LeaseTimings(8, 6, 2), None),
        (LeaseTimings(8, 8, 2), "lease duration must be longer than the renew deadline"),
        (LeaseTimings(8, 2, 2), "renew deadline must be longer than the retry period"),
        (LeaseTimings(8, 6, 0), "retry period must be positive"),
    ],
)
def test_unsafe_timings_are_named(timings: LeaseTimings, complaint: str | None) -> None:
    problems = timings.problems()
    if complaint is None:
        assert problems == ()
    else:
        assert any(complaint in problem for problem in problems)


def test_unsafe_timings_are_refused_in_settings() -> None:
    with pytest.raises(ValueError, match="longer than the renew deadline"):
        OperatorSettings(lease_duration_seconds=6, lease_renew_deadline_seconds=6)


def test_defaults_keep_the_takeover_promise_and_agree_everywhere() -> None:
    """The settings' defaults, the chart's values and LeaseTimings() are one choice, and its
    worst case leaves time for the new leader's start-up within 15 s."""
    settings = OperatorSettings()
    assert settings.lease_timings() == LeaseTimings()
    values = yaml.safe_load(CHART_VALUES.read_text())["leaderElection"]
    assert (
        values["leaseDurationSeconds"],
        values["renewDeadlineSeconds"],
        values["retryPeriodSeconds"],
    ) == (
        settings.lease_duration_seconds,
        settings.lease_renew_deadline_seconds,
        settings.lease_retry_period_seconds,
    )
    assert LeaseTimings().worst_case_takeover() <= TAKEOVER_PROMISE_SECONDS - 3


def play_leader_death(timings: LeaseTimings, died_at: float, standby_phase: float) -> float:
    """The leader renews at 0, retry, 2 x retry, ... until it dies; each renewal is a new
    resourceVersion. The standby reads at phase, phase + retry, ... Returns when the
    standby's step is TAKE_OVER."""
    retry = timings.retry_period
    last_renewal = int(died_at // retry)  # index of the last renewal before death
    sighting: Sighting | None = None
    read = 0
    while True:
        now = standby_phase + read * retry
        renewals_so_far = min(last_renewal, int(now // retry))
        record = LeaseRecord(
            holder="leader",
            lease_duration_seconds=timings.lease_duration,
            transitions=0,
            resource_version=str(renewals_so_far),
        )
        sighting = sighted(record, sighting, now)
        if next_step(record, "standby", sighting, now).move is Move.TAKE_OVER:
            return now
        read += 1


@given(
    died_at=st.floats(min_value=0.0, max_value=60.0),
    phase=st.floats(min_value=0.0, max_value=1.999),
)
def test_a_dead_leader_is_replaced_within_the_worst_case_and_never_early(
    died_at: float, phase: float
) -> None:
    timings = LeaseTimings()
    taken_at = play_leader_death(timings, died_at, phase)
    last_renewal_at = (died_at // timings.retry_period) * timings.retry_period
    assert taken_at - died_at <= timings.worst_case_takeover() + 1e-9
    # Never while the dead leader could still have been acting: it would have stepped
    # down at its renew deadline, before the lease duration ran out.
    assert taken_at - last_renewal_at >= timings.lease_duration
    assert must_step_down(last_renewal_at, taken_at, timings)
