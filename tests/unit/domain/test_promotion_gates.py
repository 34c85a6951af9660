"""Judging a version against approval.requirements, and choosing among versions: tables of
package details -> the requirement failed, the version chosen and the versions skipped."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from model_deployment_operator.domain.policy import (
    NoVersionAllowed,
    VersionSelected,
    registry_scan_is_sufficient,
)
from model_deployment_operator.domain.promotion.gates import (
    Failure,
    PackageDetails,
    ReportRead,
    Requirement,
    judge,
    value_at,
)
from model_deployment_operator.domain.promotion.records import ServedRecord, holder_id
from model_deployment_operator.domain.promotion.selection import select_promoted
from model_deployment_operator.domain.reasons import Reason
from model_deployment_operator.domain.registry import PackageVersion
from model_deployment_operator.domain.spec import ApprovalSpec
from model_deployment_operator.domain.spec.promotion import (
    MetricsReport,
    RequirementsSpec,
    parse_duration,
)

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
REPORT = "s3://metrics/fraud/7/statistics.json"
QUALITY = MetricsReport.MODEL_QUALITY_STATISTICS


def requirements(**fields: Any) -> RequirementsSpec:
    return RequirementsSpec.model_validate(fields)


def details(version: int = 7, **fields: Any) -> PackageDetails:
    return PackageDetails(
        arn=f"arn:aws:sagemaker:us-east-1:1:model-package/g/{version}", version=version, **fields
    )


def serving(env: str, since: datetime, until: datetime | None = None) -> dict[str, str]:
    holders = frozenset() if until else frozenset({holder_id("uid")})
    return {f"mdo:served:{env}": ServedRecord(since, until, holders).format()}


def test_durations() -> None:
    assert parse_duration("1d2h30m15s") == timedelta(days=1, hours=2, minutes=30, seconds=15)
    assert parse_duration("90m") == timedelta(minutes=90)


AUC_GATE = {"customerMetadataProperty": "auc", "comparison": "GreaterThanOrEqual", "threshold": 0.9}
REPORT_GATE = {
    "metricsReport": {"report": QUALITY, "path": "binary_classification_metrics.auc.value"},
    "comparison": "GreaterThan",
    "threshold": 0.85,
}
DOCUMENT = {"binary_classification_metrics": {"auc": {"value": 0.91}, "f1": {"value": "n/a"}}}

# requirements, details -> (requirement failed or None, words in the message, eligible at)
CASES: list[Any] = [
    pytest.param({}, details(), None, (), None, id="nothing-required"),
    pytest.param(
        {"servedIn": [{"environment": "staging", "forAtLeast": "1h"}]},
        details(metadata=serving("staging", NOW - 2 * HOUR)),
        None,
        (),
        None,
        id="soaked-and-still-serving",
    ),
    pytest.param(
        {"servedIn": [{"environment": "staging", "forAtLeast": "1h"}]},
        details(metadata=serving("staging", NOW - 20 * timedelta(minutes=1))),
        Requirement.SERVED_IN,
        ("version 7", "staging for 1h", "eligible at 2026-11-20T12:40:00Z"),
        NOW + 40 * timedelta(minutes=1),
        id="soaking",
    ),
    pytest.param(
        {"servedIn": [{"environment": "staging", "forAtLeast": "1h"}]},
        details(metadata=serving("staging", NOW - 3 * HOUR, NOW - 150 * timedelta(minutes=1))),
        Requirement.SERVED_IN,
        ("only from 2026-11-20T09:00:00Z to 2026-11-20T09:30:00Z", "needs 1h"),
        None,
        id="stopped-too-soon-never-passes",
    ),
    pytest.param(
        {"servedIn": [{"environment": "staging", "forAtLeast": "1h"}]},
        details(metadata=serving("staging", NOW - 5 * HOUR, NOW - 3 * HOUR)),
        None,
        (),
        None,
        id="served-long-enough-earlier",
    ),
    pytest.param(
        {"servedIn": [{"environment": "staging", "forAtLeast": "1h"}]},
        details(metadata=serving("qa", NOW - 5 * HOUR)),
        Requirement.SERVED_IN,
        ("not served in staging yet",),
        None,
        id="served-elsewhere-only",
    ),
    pytest.param(
        {"minTimeSinceApproval": "2h"},
        details(metadata={"mdo:approved-at": "2026-11-20T11:00:00Z"}),
        Requirement.MIN_TIME_SINCE_APPROVAL,
        ("approved at 2026-11-20T11:00:00Z", "needs 2h"),
        NOW + HOUR,
        id="approved-too-recently",
    ),
    pytest.param(
        {"modelLifeCycle": {"stage": "Production", "stageStatus": "Approved"}},
        details(stage="Staging", stage_status="Approved"),
        Requirement.MODEL_LIFE_CYCLE,
        ("Staging/Approved, not Production/Approved",),
        None,
        id="wrong-stage",
    ),
    pytest.param(
        {"modelLifeCycle": {"stage": "Production"}},
        details(stage="Production", stage_status="InProgress"),
        None,
        (),
        None,
        id="stage-without-status",
    ),
    pytest.param(
        {"metricGates": [AUC_GATE]},
        details(metadata={"auc": "0.87"}),
        Requirement.METRIC_GATE,
        ("customer metadata property auc is 0.87, not GreaterThanOrEqual 0.9",),
        None,
        id="metadata-below-threshold",
    ),
    pytest.param(
        {"metricGates": [AUC_GATE]}, details(metadata={"auc": "0.9"}), None, (), None, id="equal"
    ),
    pytest.param(
        {"metricGates": [AUC_GATE]},
        details(metadata={}),
        Requirement.METRIC_GATE,
        ("has no customer metadata property auc",),
        None,
        id="metadata-missing",
    ),
    pytest.param(
        {"metricGates": [AUC_GATE]},
        details(metadata={"auc": "high"}),
        Requirement.METRIC_GATE,
        ("'high', not a number",),
        None,
        id="metadata-not-a-number",
    ),
    pytest.param(
        {"metricGates": [REPORT_GATE]},
        details(reports={QUALITY: REPORT}, documents={QUALITY: ReportRead(REPORT, DOCUMENT)}),
        None,
        (),
        None,
        id="report-passes",
    ),
    pytest.param(
        {"metricGates": [{**REPORT_GATE, "threshold": 0.95}]},
        details(reports={QUALITY: REPORT}, documents={QUALITY: ReportRead(REPORT, DOCUMENT)}),
        Requirement.METRIC_GATE,
        ("ModelQuality.Statistics binary_classification_metrics.auc.value is 0.91",),
        None,
        id="report-below-threshold",
    ),
    pytest.param(
        {"metricGates": [REPORT_GATE]},
        details(),
        Requirement.METRIC_GATE,
        ("ModelMetrics has no ModelQuality.Statistics report",),
        None,
        id="report-not-registered",
    ),
    pytest.param(
        {"metricGates": [REPORT_GATE]},
        details(
            reports={QUALITY: REPORT},
            documents={QUALITY: ReportRead(REPORT, problem="AccessDenied: Access Denied")},
        ),
        Requirement.METRIC_GATE,
        ("could not be read (AccessDenied: Access Denied)",),
        None,
        id="report-unreadable",
    ),
    pytest.param(
        {
            "metricGates": [REPORT_GATE],
            "servedIn": [{"environment": "staging", "forAtLeast": "1h"}],
        },
        details(reports={QUALITY: REPORT}, documents={QUALITY: ReportRead(REPORT, {"x": 1})}),
        Requirement.METRIC_GATE,
        ("no value at binary_classification_metrics",),
        None,
        id="what-time-cannot-change-is-reported-first",
    ),
]


@pytest.mark.parametrize(("spec", "package", "failed", "words", "eligible"), CASES)
def test_judge(
    spec: Mapping[str, Any],
    package: PackageDetails,
    failed: Requirement | None,
    words: tuple[str, ...],
    eligible: datetime | None,
) -> None:
    failure = judge(requirements(**spec), package, now=NOW, first_seen_approved=NOW)
    if failed is None:
        assert failure is None
        return
    assert failure is not None
    assert failure.requirement is failed
    for word in words:
        assert word in failure.message
    assert failure.eligible_at == eligible


def test_first_sight_stands_for_an_unrecorded_approval() -> None:
    failure = judge(
        requirements(minTimeSinceApproval="30m"), details(), now=NOW, first_seen_approved=NOW
    )
    assert failure is not None
    assert failure.eligible_at == NOW + timedelta(minutes=30)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("binary_classification_metrics.auc.value", 0.91),
        (
            "binary_classification_metrics.f1.value",
            "the value at binary_classification_metrics.f1.value is 'n/a', not a number",
        ),
        ("binary_classification_metrics.roc", "no value at binary_classification_metrics.roc"),
    ],
)
def test_values_in_reports(path: str, expected: float | str) -> None:
    assert value_at(DOCUMENT, path) == expected
    assert value_at({"items": [{"v": 3}]}, "items.0.v") == 3.0


# ---------------------------------------------------------------------------- selection


def version(number: int, approval: str = "Approved") -> PackageVersion:
    return PackageVersion(f"arn:g/{number}", "g", number, approval, "Completed")


SOAKING = Failure(Requirement.SERVED_IN, "soaking", NOW + HOUR)
LOW_AUC = Failure(Requirement.METRIC_GATE, "low auc")


def judged(failures: Mapping[int, Failure | None]) -> tuple[list[int], Any]:
    calls: list[int] = []

    def judge_one(candidate: PackageVersion) -> Failure | None:
        calls.append(candidate.version)
        return failures[candidate.version]

    return calls, judge_one


def test_newest_passing_version_wins_and_newer_ones_are_named() -> None:
    calls, judge_one = judged({9: SOAKING, 8: LOW_AUC, 7: None, 6: None})
    selection = select_promoted("g", [version(n) for n in (6, 7, 8, 9)], None, judge_one)
    assert isinstance(selection, VersionSelected)
    assert selection.package.version == 7
    assert [(s.version, s.failure) for s in selection.skipped] == [(9, SOAKING), (8, LOW_AUC)]
    assert calls == [9, 8, 7]  # stops at the first that passes


def test_the_live_version_stands_without_being_judged() -> None:
    calls, judge_one = judged({9: SOAKING})
    selection = select_promoted("g", [version(n) for n in (7, 8, 9)], 8, judge_one)
    assert isinstance(selection, VersionSelected)
    assert selection.package.version == 8
    assert calls == [9]


def test_a_rejected_live_version_falls_back_to_an_older_passing_one() -> None:
    _, judge_one = judged({7: None})
    versions = [version(7), version(8, "Rejected")]
    selection = select_promoted("g", versions, 8, judge_one)
    assert isinstance(selection, VersionSelected)
    assert selection.package.version == 7


def test_nothing_passes_yet_waits_and_nothing_ever_stalls() -> None:
    _, judge_one = judged({9: SOAKING, 8: LOW_AUC})
    waiting = select_promoted("g", [version(8), version(9)], None, judge_one)
    assert isinstance(waiting, NoVersionAllowed)
    assert (waiting.reason, waiting.transient) == (Reason.WAITING_FOR_REQUIREMENTS, True)
    assert "soaking" in waiting.message
    _, judge_one = judged({8: LOW_AUC})
    stalled = select_promoted("g", [version(8)], None, judge_one)
    assert isinstance(stalled, NoVersionAllowed)
    assert (stalled.reason, stalled.transient) == (Reason.NO_VERSION_MEETS_REQUIREMENTS, False)


def test_a_version_not_yet_served_where_it_must_soak_waits() -> None:
    not_yet = judge(
        requirements(servedIn=[{"environment": "staging", "forAtLeast": "1h"}]),
        details(),
        now=NOW,
        first_seen_approved=NOW,
    )
    assert not_yet is not None
    _, judge_one = judged({7: not_yet})
    selection = select_promoted("g", [version(7)], None, judge_one)
    assert isinstance(selection, NoVersionAllowed)
    assert selection.reason is Reason.WAITING_FOR_REQUIREMENTS


def test_no_approved_version_at_all() -> None:
    _, judge_one = judged({})
    selection = select_promoted("g", [version(3, "PendingManualApproval")], None, judge_one)
    assert isinstance(selection, NoVersionAllowed)
    assert selection.reason is Reason.NO_APPROVED_VERSION


def test_with_requirements_the_scan_reads_down_to_the_live_version() -> None:
    gated = ApprovalSpec.model_validate({"requirements": {"minTimeSinceApproval": "1h"}})
    plain = ApprovalSpec()
    newest_first = [version(9), version(8)]
    assert registry_scan_is_sufficient(plain, None, newest_first)
    assert not registry_scan_is_sufficient(gated, None, newest_first)
    assert not registry_scan_is_sufficient(gated, 7, newest_first)
    assert registry_scan_is_sufficient(gated, 8, newest_first)
