"""The registry as the record of promotion, against the emulator: package details as the
gateway reads them, metadata merged key by key (the pipeline's keys survive), ModelMetrics
reports read from S3, and the serving records two deployments of one environment write."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from model_deployment_operator.domain.promotion.gates import Requirement
from model_deployment_operator.domain.promotion.records import (
    APPROVED_AT_KEY,
    ServedRecord,
    holder_id,
    parse_served,
)
from model_deployment_operator.domain.spec.promotion import MetricsReport, RequirementsSpec
from model_deployment_operator.domain.status import HistoryEntry, Outcome, Trigger
from model_deployment_operator.reconcile.memory import ResourceMemory
from model_deployment_operator.reconcile.promotion import PromotionJudge, ServingRecorder
from model_deployment_operator.sagemaker.gateway import SageMakerGateway
from support.emulator_fixtures import REGION, Emulator

pytestmark = pytest.mark.emulator

GROUP = "fraud-detector"
BUCKET = "fraud-pipeline-metrics"
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
QUALITY = MetricsReport.MODEL_QUALITY_STATISTICS


@pytest.fixture
def gateway(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> SageMakerGateway:
    for key, value in emulator.environment().items():
        monkeypatch.setenv(key, value)
    emulator.control.reset()
    return SageMakerGateway(REGION, max_attempts=1, session=boto3.session.Session())


def register(emulator: Emulator, **extra: object) -> str:
    sm = emulator.sagemaker
    try:
        sm.describe_model_package_group(ModelPackageGroupName=GROUP)
    except sm.exceptions.ClientError:
        sm.create_model_package_group(ModelPackageGroupName=GROUP)
    arn: str = sm.create_model_package(
        ModelPackageGroupName=GROUP,
        ModelApprovalStatus="Approved",
        InferenceSpecification={
            "Containers": [{"Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/fraud:1"}],
            "SupportedContentTypes": ["application/json"],
            "SupportedResponseMIMETypes": ["application/json"],
        },
        **extra,
    )["ModelPackageArn"]
    return arn


def metadata_of(emulator: Emulator, arn: str) -> dict[str, str]:
    described = emulator.sagemaker.describe_model_package(ModelPackageName=arn)
    return dict(described.get("CustomerMetadataProperties") or {})


def test_details_merge_and_reports(emulator: Emulator, gateway: SageMakerGateway) -> None:
    emulator.s3.create_bucket(Bucket=BUCKET)
    statistics = {"binary_classification_metrics": {"auc": {"value": 0.93}}}
    emulator.s3.put_object(Bucket=BUCKET, Key="7/statistics.json", Body=json.dumps(statistics))
    emulator.s3.put_object(Bucket=BUCKET, Key="7/broken.json", Body=b"{not json")
    arn = register(
        emulator,
        CustomerMetadataProperties={"auc": "0.93", "trained-by": "nightly"},
        ModelLifeCycle={"Stage": "Staging", "StageStatus": "Approved"},
        ModelMetrics={
            "ModelQuality": {
                "Statistics": {
                    "ContentType": "application/json",
                    "S3Uri": f"s3://{BUCKET}/7/statistics.json",
                }
            }
        },
    )
    details = gateway.describe_package_details(arn)
    assert details is not None
    assert details.metadata == {"auc": "0.93", "trained-by": "nightly"}
    assert (details.stage, details.stage_status) == ("Staging", "Approved")
    assert details.reports == {QUALITY: f"s3://{BUCKET}/7/statistics.json"}

    gateway.update_package_metadata(arn, {"mdo:served:staging": "2026-11-20T09:00:00Z/@ab12cd34"})
    gateway.update_package_metadata(arn, {"mdo:approved-at": "2026-11-20T08:00:00Z"})
    assert metadata_of(emulator, arn) == {
        "auc": "0.93",
        "trained-by": "nightly",
        "mdo:served:staging": "2026-11-20T09:00:00Z/@ab12cd34",
        "mdo:approved-at": "2026-11-20T08:00:00Z",
    }
    gateway.update_package_metadata(arn, {}, remove=["mdo:approved-at"])
    assert "mdo:approved-at" not in metadata_of(emulator, arn)

    assert gateway.read_report(f"s3://{BUCKET}/7/statistics.json").document == statistics
    assert gateway.read_report(f"s3://{BUCKET}/7/missing.json").problem == "no such object"
    broken = gateway.read_report(f"s3://{BUCKET}/7/broken.json").problem
    assert broken is not None
    assert broken.startswith("not JSON")


def entry(arn: str, finished: datetime) -> HistoryEntry:
    return HistoryEntry(
        version=int(arn.rsplit("/", 1)[1]),
        model_package_arn=arn,
        endpoint_config_name=f"config-{arn.rsplit('/', 1)[1]}",
        started_at=finished - timedelta(minutes=5),
        finished_at=finished,
        outcome=Outcome.SUCCEEDED,
        trigger=Trigger.NEW_APPROVAL,
    )


def served(emulator: Emulator, arn: str) -> ServedRecord | None:
    value = metadata_of(emulator, arn).get("mdo:served:staging")
    return parse_served(value) if value else None


def test_two_deployments_of_one_environment_share_the_record(
    emulator: Emulator, gateway: SageMakerGateway
) -> None:
    v1, v2 = register(emulator), register(emulator)
    recorder = ServingRecorder(lambda: T0 + timedelta(hours=4))
    first, second = ResourceMemory(), ResourceMemory()
    recorder.record(gateway, first, "uid-a", "staging", [entry(v1, T0)])
    recorder.record(gateway, second, "uid-b", "staging", [entry(v1, T0 + timedelta(hours=1))])
    both = frozenset({holder_id("uid-a"), holder_id("uid-b")})
    assert served(emulator, v1) == ServedRecord(T0, None, both)
    assert metadata_of(emulator, v1)[APPROVED_AT_KEY] == "2026-11-20T09:00:00Z"

    # A moves to v2: v1 still serves through B, and keeps its since.
    moved = T0 + timedelta(hours=2)
    recorder.record(gateway, first, "uid-a", "staging", [entry(v2, moved), entry(v1, T0)])
    assert served(emulator, v1) == ServedRecord(T0, None, frozenset({holder_id("uid-b")}))
    assert served(emulator, v2) == ServedRecord(moved, None, frozenset({holder_id("uid-a")}))

    # A restarted operator (empty memory) writes nothing new: the records already say so.
    updates = emulator.control.call_count("sagemaker.UpdateModelPackage")
    recorder.record(
        gateway, ResourceMemory(), "uid-a", "staging", [entry(v2, moved), entry(v1, T0)]
    )
    assert emulator.control.call_count("sagemaker.UpdateModelPackage") == updates

    # B is deleted: the last holder closes v1's interval.
    deleted = T0 + timedelta(hours=3)
    recorder.stopped(gateway, "uid-b", "staging", [entry(v1, T0 + timedelta(hours=1))], deleted)
    assert served(emulator, v1) == ServedRecord(T0, deleted)


def test_a_deployment_moved_to_another_environment_closes_its_record_there(
    emulator: Emulator, gateway: SageMakerGateway
) -> None:
    v1 = register(emulator)
    recorder = ServingRecorder(lambda: T0 + timedelta(hours=4))
    memory = ResourceMemory()
    recorder.record(gateway, memory, "uid-a", "staging", [entry(v1, T0)])
    recorder.record(gateway, memory, "uid-a", "qa", [entry(v1, T0)], moved_from="staging")
    assert served(emulator, v1) == ServedRecord(T0, T0 + timedelta(hours=4))
    qa = parse_served(metadata_of(emulator, v1)["mdo:served:qa"])
    assert qa == ServedRecord(T0, None, frozenset({holder_id("uid-a")}))


def test_the_judge_reads_details_once_per_interval_and_stamps_the_approval(
    emulator: Emulator, gateway: SageMakerGateway
) -> None:
    v1 = register(emulator, CustomerMetadataProperties={"auc": "0.95"})
    v2 = register(emulator, CustomerMetadataProperties={"auc": "0.80"})
    moments = iter([0.0, 1.0, 2.0, 3.0, 100.0, 101.0, 102.0, 103.0])
    judge = PromotionJudge(60.0, lambda: next(moments))
    requirements = RequirementsSpec.model_validate(
        {
            "metricGates": [
                {"customerMetadataProperty": "auc", "comparison": "GreaterThan", "threshold": 0.9}
            ]
        }
    )
    page, _ = gateway.list_package_versions(GROUP, None, 25)
    describes = emulator.control.call_count("sagemaker.DescribeModelPackage")
    selection = judge.select(
        gateway, REGION, requirements, group_name=GROUP, versions=page, live_version=None, now=T0
    )
    assert selection.package.arn == v1  # type: ignore[union-attr]
    ((skipped),) = selection.skipped
    assert (skipped.version, skipped.failure.requirement) == (2, Requirement.METRIC_GATE)
    assert "auc is 0.8, not GreaterThan 0.9" in skipped.failure.message
    assert emulator.control.call_count("sagemaker.DescribeModelPackage") == describes + 2
    assert metadata_of(emulator, v2)[APPROVED_AT_KEY] == "2026-11-20T09:00:00Z"

    # Within the interval, judging again reads nothing.
    describes = emulator.control.call_count("sagemaker.DescribeModelPackage")
    judge.select(
        gateway, REGION, requirements, group_name=GROUP, versions=page, live_version=None, now=T0
    )
    assert emulator.control.call_count("sagemaker.DescribeModelPackage") == describes
