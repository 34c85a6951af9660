"""Leader election on a coordination.k8s.io Lease: the timing decisions, without I/O.

The algorithm is client-go's. Every replica reads the Lease every `retry_period`. The
holder rewrites it (renews) each time; the API server's resourceVersion makes every write
conditional, so two replicas can never both succeed in taking it. A replica that does not
hold the Lease may take it only when the holder has left it empty (a clean release) or has
not renewed it for the holder's `leaseDurationSeconds`, measured on the *reader's* own
monotonic clock from the moment it first saw the holder's last write: the clocks of two
nodes are never compared, so clock skew cannot hand the Lease over early.

The holder gives up (stops acting) once `renew_deadline` has passed since its last
successful renewal, measured from the moment it *sent* that renewal; a standby can take
over at the earliest `lease_duration` after it *saw* the renewal, which is later. The gap
`lease_duration - renew_deadline` is the margin in which the old leader stops before a new
one may start.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True)
class LeaseTimings:
    """Seconds. The defaults replace a SIGKILLed leader within `worst_case_takeover()`
    (12 s) plus the new leader's start-up: the 15 s the operator promises."""

    lease_duration: float = 8.0
    renew_deadline: float = 6.0
    retry_period: float = 2.0

    def problems(self) -> tuple[str, ...]:
        """Why these timings would be unsafe or pointless; empty when they are fine."""
        found: list[str] = []
        if self.retry_period <= 0:
            found.append("the retry period must be positive")
        if self.renew_deadline <= self.retry_period:
            found.append(
                "the renew deadline must be longer than the retry period, or one failed "
                "renewal would already cost the leadership"
            )
        if self.lease_duration <= self.renew_deadline:
            found.append(
                "the lease duration must be longer than the renew deadline, or a standby "
                "could take over while the old leader still acts"
            )
        return tuple(found)

    def worst_case_takeover(self) -> float:
        """Longest time from a leader's death to a standby holding the Lease.

        The leader renewed at most `retry_period` before it died; the standby sees that
        renewal at its next read, up to `retry_period` later, and starts counting
        `lease_duration` from then; it notices the expiry at the first read after that,
        up to another `retry_period` later."""
        return self.lease_duration + 2 * self.retry_period


@dataclass(frozen=True)
class LeaseRecord:
    """What the Lease says: who holds it, for how long, and its resourceVersion."""

    holder: str | None
    lease_duration_seconds: float
    transitions: int
    resource_version: str


@dataclass(frozen=True)
class Sighting:
    """The Lease version a replica last saw change, and when (its own monotonic clock)."""

    resource_version: str
    seen_at: float


def sighted(record: LeaseRecord, previous: Sighting | None, now: float) -> Sighting:
    """The clock restarts only when the Lease has changed since the last read: a leader
    that keeps renewing keeps moving it; a dead one leaves it as it was."""
    if previous is not None and previous.resource_version == record.resource_version:
        return previous
    return Sighting(record.resource_version, now)


class Move(StrEnum):
    CREATE = "Create"  # no Lease yet: create it, holding it
    RENEW = "Renew"  # we hold it: write it again
    TAKE_OVER = "TakeOver"  # released or expired: write ourselves in as holder
    WAIT = "Wait"  # someone else holds it


@dataclass(frozen=True)
class Step:
    move: Move
    # For WAIT: seconds (on our monotonic clock) until the holder's lease would expire.
    expires_in: float = 0.0


def next_step(
    record: LeaseRecord | None, identity: str, sighting: Sighting | None, now: float
) -> Step:
    """What a replica does after reading the Lease (`record`, None when there is none)."""
    if record is None:
        return Step(Move.CREATE)
    if record.holder == identity:
        return Step(Move.RENEW)
    if not record.holder:
        return Step(Move.TAKE_OVER)
    if sighting is None or sighting.resource_version != record.resource_version:
        # Never seen this version before: the holder's countdown starts now.
        return Step(Move.WAIT, expires_in=record.lease_duration_seconds)
    expires_in = sighting.seen_at + record.lease_duration_seconds - now
    if expires_in <= 0:
        return Step(Move.TAKE_OVER)
    return Step(Move.WAIT, expires_in=expires_in)


def must_step_down(last_renewed_at: float, now: float, timings: LeaseTimings) -> bool:
    """The leader stops acting once no renewal has succeeded for the renew deadline,
    counted from when the last successful one was sent."""
    return now - last_renewed_at >= timings.renew_deadline


def transitions_after(record: LeaseRecord | None, identity: str) -> int:
    """leaseTransitions counts changes of holder, as client-go does."""
    if record is None:
        return 0
    if record.holder == identity:
        return record.transitions
    return record.transitions + 1
