"""Judging one version against spec.approval.requirements, from its details in the
registry: the first requirement it fails, and when a time requirement would pass."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from model_deployment_operator.domain.promotion.records import (
    approved_at,
    format_time,
    served_records,
)
from model_deployment_operator.domain.spec.promotion import (
    Comparison,
    MetricGateSpec,
    MetricsReport,
    RequirementsSpec,
    parse_duration,
)


class Requirement(StrEnum):
    SERVED_IN = "ServedIn"
    MIN_TIME_SINCE_APPROVAL = "MinTimeSinceApproval"
    MODEL_LIFE_CYCLE = "ModelLifeCycle"
    METRIC_GATE = "MetricGate"


@dataclass(frozen=True)
class ReportRead:
    """A ModelMetrics report as read from S3: its JSON document, or why it could not be."""

    uri: str
    document: object = None
    problem: str | None = None


@dataclass(frozen=True)
class PackageDetails:
    """What DescribeModelPackage (and the S3 reports it names) says of one version."""

    arn: str
    version: int
    metadata: Mapping[str, str] = field(default_factory=dict)
    stage: str | None = None
    stage_status: str | None = None
    reports: Mapping[MetricsReport, str] = field(default_factory=dict)
    """ModelMetrics report -> its S3Uri."""
    documents: Mapping[MetricsReport, ReportRead] = field(default_factory=dict)
    """The reports the gates need, read."""


@dataclass(frozen=True)
class Failure:
    requirement: Requirement
    message: str
    eligible_at: datetime | None = None
    """When the version would pass this (time) requirement if nothing else changes."""
    awaits_another_environment: bool = False
    """It has not served in an environment it must soak in yet: it may, on its own."""

    @property
    def may_pass_later(self) -> bool:
        return self.eligible_at is not None or self.awaits_another_environment


@dataclass(frozen=True)
class SkippedVersion:
    """A version newer than the chosen one, and the requirement it failed."""

    version: int
    failure: Failure


def reports_needed(requirements: RequirementsSpec) -> frozenset[MetricsReport]:
    return frozenset(
        gate.metrics_report.report
        for gate in requirements.metric_gates
        if gate.metrics_report is not None
    )


def judge(
    requirements: RequirementsSpec,
    details: PackageDetails,
    *,
    now: datetime,
    first_seen_approved: datetime,
) -> Failure | None:
    """The first requirement the version fails, or None. Requirements that only time can
    change are checked last, so a version they skip is one that will pass at `eligible_at`.
    `first_seen_approved` stands for the approval time when the package records none."""
    version = details.version
    life_cycle = requirements.model_life_cycle
    if life_cycle is not None:
        wanted = life_cycle.stage + (
            f"/{life_cycle.stage_status}" if life_cycle.stage_status else ""
        )
        actual = details.stage or "(none)"
        if life_cycle.stage_status:
            actual += f"/{details.stage_status or '(none)'}"
        if actual != wanted:
            return Failure(
                Requirement.MODEL_LIFE_CYCLE,
                f"version {version} skipped: model life cycle is {actual}, not {wanted}",
            )
    for gate in requirements.metric_gates:
        problem = _gate_problem(gate, details)
        if problem is not None:
            return Failure(Requirement.METRIC_GATE, f"version {version} skipped: {problem}")
    records = served_records(details.metadata)
    for served_in in requirements.served_in:
        needed = parse_duration(served_in.for_at_least)
        record = records.get(served_in.environment)
        if record is None:
            return Failure(
                Requirement.SERVED_IN,
                f"version {version} skipped: not served in {served_in.environment} yet "
                f"(needs {served_in.for_at_least} there)",
                awaits_another_environment=True,
            )
        if record.served_for(now) >= needed:
            continue
        if record.serving:
            eligible = record.since + needed
            return Failure(
                Requirement.SERVED_IN,
                f"version {version} skipped: not served in {served_in.environment} for "
                f"{served_in.for_at_least} yet (serving there since "
                f"{format_time(record.since)}, eligible at {format_time(eligible)})",
                eligible,
            )
        return Failure(
            Requirement.SERVED_IN,
            f"version {version} skipped: served in {served_in.environment} only from "
            f"{format_time(record.since)} to {format_time(record.until or now)}, needs "
            f"{served_in.for_at_least}",
        )
    if requirements.min_time_since_approval is not None:
        needed = parse_duration(requirements.min_time_since_approval)
        approved = approved_at(details.metadata) or first_seen_approved
        if now - approved < needed:
            eligible = approved + needed
            return Failure(
                Requirement.MIN_TIME_SINCE_APPROVAL,
                f"version {version} skipped: approved at {format_time(approved)}, needs "
                f"{requirements.min_time_since_approval} since approval (eligible at "
                f"{format_time(eligible)})",
                eligible,
            )
    return None


def _gate_problem(gate: MetricGateSpec, details: PackageDetails) -> str | None:
    if gate.customer_metadata_property is not None:
        raw = details.metadata.get(gate.customer_metadata_property)
        if raw is None:
            return f"it has no {gate.source}"
        value = _number(raw)
        if value is None:
            return f"its {gate.source} is {raw!r}, not a number"
    else:
        report = gate.metrics_report
        assert report is not None  # noqa: S101 - the spec requires one source
        if report.report not in details.reports:
            return f"its ModelMetrics has no {report.report} report"
        read = details.documents.get(report.report)
        if read is None or read.problem is not None:
            why = read.problem if read is not None else "not read"
            return f"its {report.report} report could not be read ({why})"
        found = value_at(read.document, report.path)
        if isinstance(found, str):
            return f"its {report.report} report ({read.uri}): {found}"
        value = found
    if not _passes(value, gate.comparison, gate.threshold):
        return f"{gate.source} is {value:g}, not {gate.comparison} {gate.threshold:g}"
    return None


def value_at(document: object, path: str) -> float | str:
    """The number at a dot-separated path in a JSON document, or what is wrong there."""
    current = document
    walked: list[str] = []
    for part in path.split("."):
        walked.append(part)
        if isinstance(current, dict) and part in current:
            current = current[part]
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return f"no value at {'.'.join(walked)}"
    value = _number(current)
    if value is None:
        return f"the value at {path} is {current!r}, not a number"
    return value


def _number(raw: object) -> float | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        value = float(raw)
    elif isinstance(raw, str):
        try:
            value = float(raw.strip())
        except ValueError:
            return None
    else:
        return None
    return value if math.isfinite(value) else None


def _passes(value: float, comparison: Comparison, threshold: float) -> bool:
    match comparison:
        case Comparison.GREATER_THAN:
            return value > threshold
        case Comparison.GREATER_THAN_OR_EQUAL:
            return value >= threshold
        case Comparison.LESS_THAN:
            return value < threshold
        case Comparison.LESS_THAN_OR_EQUAL:
            return value <= threshold
