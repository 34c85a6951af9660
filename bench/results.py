"""The benchmark's table: each number beside the issue's goal for it (issue 12). Numbers
only; nothing here passes or fails."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from bench.approvals import GroupSample
from bench.failover import Failover


@dataclass
class Results:
    deployments: int
    groups: int
    registry_poll_seconds: float
    budget: str
    apply_seconds: float | None = None
    converge_seconds: float | None = None
    converge_calls: str | None = None
    peak_rss_mib: float | None = None
    rss_after_steady_mib: float | None = None
    idle_cpu_share: float | None = None
    steady_minutes: float | None = None
    steady_calls: dict[str, int] = field(default_factory=dict)
    poll_samples: list[GroupSample] = field(default_factory=list)
    event_samples: list[GroupSample] = field(default_factory=list)
    failover: Failover | None = None
    notes: list[str] = field(default_factory=list)

    def per_deployment_minute(self, predicate: str = "sagemaker.") -> float | None:
        if not self.steady_minutes:
            return None
        calls = sum(n for key, n in self.steady_calls.items() if key.startswith(predicate))
        return calls / self.deployments / self.steady_minutes

    def rows(self) -> list[tuple[str, str, str]]:
        n, g = self.deployments, self.groups
        poll = self.registry_poll_seconds
        rows = [
            (
                f"apply -> all {n} ModelDeployments Ready",
                _seconds(self.converge_seconds)
                + (
                    f" (creating them took {self.apply_seconds:.1f}s)" if self.apply_seconds else ""
                ),
                "<= 120 s",
            ),
            (
                "SageMaker calls while converging",
                self.converge_calls or "n/a",
                "(budget: " + self.budget + ")",
            ),
            (
                "operator peak RSS",
                _mib(self.peak_rss_mib)
                + (
                    f" ({_mib(self.rss_after_steady_mib)} after the steady window)"
                    if self.rss_after_steady_mib
                    else ""
                ),
                "<= 200 MiB",
            ),
            (
                "operator idle CPU (steady window)",
                f"{100 * self.idle_cpu_share:.1f}% of one core"
                if self.idle_cpu_share is not None
                else "n/a",
                "< 3%",
            ),
            (
                "SageMaker calls per settled deployment per minute",
                _rate(self.per_deployment_minute()),
                "<= 0.15",
            ),
        ]
        if self.steady_minutes:
            for key, calls in sorted(self.steady_calls.items(), key=lambda kv: -kv[1]):
                rows.append((f"    {key}", _rate(calls / n / self.steady_minutes), ""))
            listing = self.steady_calls.get("sagemaker.ListModelPackages", 0)
            rows.append(
                (
                    "ListModelPackages per group per minute",
                    _rate(listing / g / self.steady_minutes),
                    f"<= 1 per registry poll ({60 / poll:.2g}/min at {poll:g} s)",
                )
            )
        rows += [
            (
                f"approval -> all {n // g} of a group's deployments Ready on it, poll path",
                _percentiles(self.poll_samples),
                f"<= poll + 20 s = {poll + 20:g} s",
            ),
            (
                "same, event path (SQS registry and endpoint events)",
                _percentiles(self.event_samples),
                "<= 5 s",
            ),
            (
                f"    of which the operator's: approval -> UpdateEndpoint sent to all {n // g}",
                _percentiles([replace(s, seconds=s.update_sent) for s in self.event_samples]),
                "(then SageMaker's update: 5 s in the emulator)",
            ),
        ]
        failover = self.failover
        if failover is not None:
            waited = f"none within the {failover.waited_seconds:.0f} s waited"
            rows += [
                (
                    "failover (SIGKILL leader): standby's first SageMaker call",
                    _seconds(failover.first_call, waited),
                    "<= 15 s",
                ),
                (
                    "failover: first status write",
                    _seconds(failover.first_status_write, waited),
                    "<= 15 s",
                ),
                (
                    "failover: Lease taken by the standby",
                    _seconds(failover.lease_taken, waited),
                    "",
                ),
                (
                    "failover: ModelDeployment created at the kill Ready",
                    _seconds(failover.new_deployment_ready, waited),
                    "",
                ),
            ]
        return rows

    def table(self) -> str:
        rows = [("what", "measured", "goal"), *self.rows()]
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        lines = [
            f"| {' | '.join(cell.ljust(widths[i]) for i, cell in enumerate(row))} |" for row in rows
        ]
        lines.insert(1, f"|{'|'.join('-' * (w + 2) for w in widths)}|")
        return "\n".join(lines)


def _seconds(value: float | None, missing: str = "n/a") -> str:
    return f"{value:.1f} s" if value is not None else missing


def _mib(value: float | None) -> str:
    return f"{value:.0f} MiB" if value is not None else "n/a"


def _rate(value: float | None) -> str:
    return f"{value:.3f}" if value is not None else "n/a"


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest rank: the smallest value with at least `share` of the values at or below."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _percentiles(samples: Sequence[GroupSample]) -> str:
    done = [s.seconds for s in samples if s.seconds is not None]
    missed = len(samples) - len(done)
    if not done:
        return "n/a" if not samples else f"none of {len(samples)} groups finished"
    text = (
        f"p50 {statistics.median(done):.1f} s, p90 {percentile(done, 0.9):.1f} s, "
        f"max {max(done):.1f} s (n={len(done)} groups)"
    )
    return text + (f", {missed} not finished" if missed else "")
