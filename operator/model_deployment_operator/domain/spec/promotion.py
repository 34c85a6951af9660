"""spec.approval.requirements: what a version must have besides Approved before
LatestApproved may serve it (promotion between environments through the registry).

Every requirement reads the model registry, the one thing every environment and account
shares: records of where a version served (written by each environment's operator, see
domain/promotion/records.py), the time it was first seen Approved, its model life cycle
stage, and the metrics the training pipeline registered with it.
"""

from __future__ import annotations

import re
from datetime import timedelta
from enum import StrEnum
from typing import Annotated, Self

from pydantic import Field, model_validator

from model_deployment_operator.domain.spec import rules
from model_deployment_operator.domain.spec.common import CamelModel

# An environment names where a ModelDeployment serves (a cluster, an account, a namespace):
# a DNS label, so a namespace name is one, and short enough for a metadata key
# (CustomerMetadataKey: at most 128 characters).
ENVIRONMENT_PATTERN = r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"
# 30s, 15m, 24h, 1d12h: days, hours, minutes and seconds, in that order.
DURATION_PATTERN = r"^([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?$"
# SageMaker's EntityName (ModelLifeCycle.Stage and StageStatus).
STAGE_PATTERN = r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$"
# A CustomerMetadataKey the pipeline may have written (letters, digits, spaces, _.:/=+-@).
METADATA_KEY_PATTERN = r"^[a-zA-Z0-9 _.:/=+@-]+$"
# A path into a JSON report: dot-separated keys, a number indexes a list.
REPORT_PATH_PATTERN = r"^[^.]+([.][^.]+)*$"

Environment = Annotated[str, Field(pattern=ENVIRONMENT_PATTERN, max_length=63)]
Duration = Annotated[str, Field(pattern=DURATION_PATTERN, min_length=2, max_length=32)]

_UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}


def parse_duration(text: str) -> timedelta:
    """ "1d2h30m" -> timedelta. The pattern has already been checked."""
    return timedelta(
        seconds=sum(int(n) * _UNITS[u] for n, u in re.findall(r"([0-9]+)([dhms])", text))
    )


class ServedInSpec(CamelModel):
    """The version must have served in another environment, for at least `forAtLeast`
    (counted from when it started serving there until it stopped, or until now)."""

    environment: Environment
    for_at_least: Duration


class LifeCycleSpec(CamelModel):
    """The version's ModelLifeCycle must be at this stage (and stage status, when given)."""

    stage: Annotated[str, Field(pattern=STAGE_PATTERN, max_length=63)]
    stage_status: Annotated[str, Field(pattern=STAGE_PATTERN, max_length=63)] | None = None


class MetricsReport(StrEnum):
    """The ModelMetrics reports a package may name (each a MetricsSource with an S3Uri)."""

    MODEL_QUALITY_STATISTICS = "ModelQuality.Statistics"
    MODEL_QUALITY_CONSTRAINTS = "ModelQuality.Constraints"
    MODEL_DATA_QUALITY_STATISTICS = "ModelDataQuality.Statistics"
    MODEL_DATA_QUALITY_CONSTRAINTS = "ModelDataQuality.Constraints"
    BIAS_REPORT = "Bias.Report"
    BIAS_PRE_TRAINING_REPORT = "Bias.PreTrainingReport"
    BIAS_POST_TRAINING_REPORT = "Bias.PostTrainingReport"
    EXPLAINABILITY_REPORT = "Explainability.Report"


class ReportValueSpec(CamelModel):
    """A number inside a ModelMetrics report (a JSON document in S3)."""

    report: MetricsReport
    path: Annotated[str, Field(pattern=REPORT_PATH_PATTERN, min_length=1, max_length=256)]


class Comparison(StrEnum):
    GREATER_THAN = "GreaterThan"
    GREATER_THAN_OR_EQUAL = "GreaterThanOrEqual"
    LESS_THAN = "LessThan"
    LESS_THAN_OR_EQUAL = "LessThanOrEqual"


class MetricGateSpec(CamelModel):
    """A number the training pipeline registered must compare to a threshold."""

    customer_metadata_property: (
        Annotated[str, Field(pattern=METADATA_KEY_PATTERN, min_length=1, max_length=128)] | None
    ) = None
    metrics_report: ReportValueSpec | None = None
    comparison: Comparison
    threshold: float

    @model_validator(mode="after")
    def _one_source(self) -> Self:
        if (self.customer_metadata_property is None) == (self.metrics_report is None):
            raise ValueError(rules.METRIC_GATE_ONE_SOURCE.message)
        return self

    @property
    def source(self) -> str:
        """The value's name in messages."""
        if self.metrics_report is not None:
            return f"{self.metrics_report.report} {self.metrics_report.path}"
        return f"customer metadata property {self.customer_metadata_property}"


class RequirementsSpec(CamelModel):
    served_in: Annotated[tuple[ServedInSpec, ...], Field(max_length=5)] = ()
    min_time_since_approval: Duration | None = None
    model_life_cycle: LifeCycleSpec | None = None
    metric_gates: Annotated[tuple[MetricGateSpec, ...], Field(max_length=10)] = ()

    @model_validator(mode="after")
    def _environments_unique(self) -> Self:
        names = [s.environment for s in self.served_in]
        if len(names) != len(set(names)):
            raise ValueError(rules.SERVED_IN_UNIQUE.message)
        return self

    @property
    def needs_details(self) -> bool:
        """Whether a version's details (DescribeModelPackage) are needed to judge it."""
        return bool(
            self.served_in
            or self.min_time_since_approval
            or self.model_life_cycle
            or self.metric_gates
        )
