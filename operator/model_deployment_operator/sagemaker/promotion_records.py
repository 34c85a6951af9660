"""The registry as the record of promotion: a model package's details (customer metadata,
model life cycle, ModelMetrics), merging the operator's own metadata keys into it, and
reading a ModelMetrics report from S3."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from model_deployment_operator.domain.errors import FailureKind, SageMakerCallError
from model_deployment_operator.domain.promotion.gates import PackageDetails, ReportRead
from model_deployment_operator.domain.spec.promotion import MetricsReport
from model_deployment_operator.sagemaker.artifacts import S3, split
from model_deployment_operator.sagemaker.calls import read, write

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sagemaker import SageMakerClient

# A metrics report is a small JSON document; anything larger is not one.
MAX_REPORT_BYTES = 5 * 1024 * 1024


class PromotionRecords:
    def __init__(self, sagemaker: SageMakerClient, s3: S3Client) -> None:
        self._sagemaker = sagemaker
        self._s3 = s3

    def describe_package_details(self, arn: str) -> PackageDetails | None:
        response = read(
            "sagemaker",
            "DescribeModelPackage",
            lambda: self._sagemaker.describe_model_package(ModelPackageName=arn),
        )
        if response is None:
            return None
        life_cycle: Any = response.get("ModelLifeCycle") or {}
        return PackageDetails(
            arn=response["ModelPackageArn"],
            version=int(response.get("ModelPackageVersion") or 0),
            metadata=dict(response.get("CustomerMetadataProperties") or {}),
            stage=life_cycle.get("Stage"),
            stage_status=life_cycle.get("StageStatus"),
            reports=_reports(response.get("ModelMetrics") or {}),
        )

    def update_package_metadata(
        self, arn: str, set_properties: Mapping[str, str], remove: Sequence[str] = ()
    ) -> None:
        """UpdateModelPackage merges CustomerMetadataProperties key by key: only the keys
        given change, the pipeline's and other environments' stay as they are."""
        arguments: dict[str, Any] = {"ModelPackageArn": arn}
        if set_properties:
            arguments["CustomerMetadataProperties"] = dict(set_properties)
        if remove:
            arguments["CustomerMetadataPropertiesToRemove"] = list(remove)
        write(
            "sagemaker",
            "UpdateModelPackage",
            lambda: self._sagemaker.update_model_package(**arguments),
        )

    def read_report(self, uri: str) -> ReportRead:
        """The report's JSON, or why it could not be read. Only a transient failure raises
        (the tick is retried); a missing, forbidden or malformed report fails the gate."""
        bucket, key = split(uri)
        try:
            response = read(S3, "GetObject", lambda: self._s3.get_object(Bucket=bucket, Key=key))
        except SageMakerCallError as error:
            if error.kind is FailureKind.TRANSIENT:
                raise
            return ReportRead(uri, problem=f"{error.code}: {error.message}")
        if response is None:
            return ReportRead(uri, problem="no such object")
        if int(response.get("ContentLength") or 0) > MAX_REPORT_BYTES:
            return ReportRead(uri, problem=f"larger than {MAX_REPORT_BYTES} bytes")
        try:
            return ReportRead(uri, document=json.loads(response["Body"].read()))
        except ValueError as error:
            return ReportRead(uri, problem=f"not JSON ({error})")


def _reports(metrics: Mapping[str, Any]) -> dict[MetricsReport, str]:
    found = {}
    for report in MetricsReport:
        group, _, member = report.value.partition(".")
        source = (metrics.get(group) or {}).get(member) or {}
        if source.get("S3Uri"):
            found[report] = str(source["S3Uri"])
    return found
