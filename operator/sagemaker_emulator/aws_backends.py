"""The moto services SageMaker itself reads from and writes to: S3 (model artifacts,
asynchronous inference input and output, data capture files), SNS (asynchronous inference
notifications) and CloudWatch (the alarms of target-tracking scaling policies).

They are moto's in-process backends, so what the emulator writes is what a boto3 client
pointed at the emulator's port reads back. The one seam through which the emulator touches
them; moto is imported when first used (it loads slowly).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC
from typing import Any, cast

from sagemaker_emulator.arns import aws_partition

log = logging.getLogger(__name__)

_S3_URI = re.compile(r"^s3://(?P<bucket>[^/]+)/?(?P<key>.*)$")
# https://bucket.s3.region.amazonaws.com/key, https://bucket.s3.amazonaws.com/key
_VIRTUAL_HOSTED = re.compile(r"^https://(?P<bucket>[^/]+)\.s3[.-][^/]*amazonaws\.com/?(?P<key>.*)$")
# https://s3.region.amazonaws.com/bucket/key
_PATH_STYLE = re.compile(r"^https://s3[.-][^/]*amazonaws\.com/(?P<bucket>[^/]+)/?(?P<key>.*)$")


@dataclass(frozen=True)
class S3Location:
    bucket: str
    key: str

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.key}"

    def child(self, *parts: str) -> S3Location:
        """This location as a prefix, with ``parts`` appended as path segments."""
        segments = [self.key.strip("/"), *(p.strip("/") for p in parts)]
        return S3Location(self.bucket, "/".join(s for s in segments if s))


def parse_s3_uri(uri: str) -> S3Location | None:
    """``s3://bucket/key`` or an https S3 URL (both accepted wherever SageMaker takes an
    S3 URI), or None."""
    for pattern in (_S3_URI, _VIRTUAL_HOSTED, _PATH_STYLE):
        match = pattern.match(uri)
        if match is not None:
            return S3Location(match["bucket"], match["key"])
    return None


def _s3_backend(account_id: str, region: str) -> Any:
    from moto.s3.models import s3_backends  # noqa: PLC0415 - moto is heavy; load when used

    return s3_backends[account_id][aws_partition(region)]


def s3_object(account_id: str, region: str, location: S3Location) -> bytes | None:
    """The object's bytes, or None when the bucket or the key does not exist."""
    from moto.s3.exceptions import MissingBucket  # noqa: PLC0415

    try:
        key = _s3_backend(account_id, region).get_object(location.bucket, location.key)
    except MissingBucket:
        return None
    return None if key is None else bytes(key.value)


@dataclass(frozen=True)
class S3Artifact:
    """An S3 object as read at one moment: what a multi-model endpoint downloads."""

    location: S3Location
    body: bytes
    etag: str  # quoted, as S3 returns it
    version_id: str | None  # None unless the bucket is versioned
    last_modified: float


def s3_artifact(account_id: str, region: str, location: S3Location) -> S3Artifact | None:
    """The object with its ETag and version, or None when the bucket or key is missing."""
    from moto.s3.exceptions import MissingBucket  # noqa: PLC0415

    try:
        key = _s3_backend(account_id, region).get_object(location.bucket, location.key)
    except MissingBucket:
        return None
    if key is None:
        return None
    version = str(key.version_id) if key.version_id not in (None, "null") else None
    return S3Artifact(
        location=location,
        body=bytes(key.value),
        etag=str(key.etag),
        version_id=version,
        last_modified=key.last_modified.replace(tzinfo=UTC).timestamp(),
    )


def s3_bucket_exists(account_id: str, region: str, bucket: str) -> bool:
    from moto.s3.exceptions import MissingBucket  # noqa: PLC0415

    try:
        _s3_backend(account_id, region).get_bucket(bucket)
    except MissingBucket:
        return False
    return True


def put_s3_object(
    account_id: str, region: str, location: S3Location, body: bytes, content_type: str
) -> bool:
    """Write an object as SageMaker would; False (and nothing written) when the bucket
    does not exist."""
    if not s3_bucket_exists(account_id, region, location.bucket):
        log.warning("S3 bucket %s does not exist; %s not written", location.bucket, location.uri)
        return False
    key = _s3_backend(account_id, region).put_object(location.bucket, location.key, body)
    key.set_metadata({"Content-Type": content_type})
    return True


def publish_sns(topic_arn: str, message: str) -> bool:
    """Publish to a topic in moto's SNS (its SQS subscriptions receive it); False when the
    topic does not exist."""
    from moto.sns.exceptions import SNSNotFoundError  # noqa: PLC0415
    from moto.sns.models import sns_backends  # noqa: PLC0415

    parts = topic_arn.split(":")
    if len(parts) < 6:
        return False
    region, account_id = parts[3], parts[4]
    try:
        sns_backends[account_id][region].publish(message, arn=topic_arn)
    except SNSNotFoundError:
        log.warning("SNS topic %s does not exist; notification dropped", topic_arn)
        return False
    return True


@dataclass(frozen=True)
class MetricAlarm:
    """A CloudWatch metric alarm, in the terms of PutMetricAlarm."""

    name: str
    description: str
    namespace: str | None
    metric_name: str | None
    dimensions: Sequence[Mapping[str, str]]
    statistic: str | None
    period: int
    evaluation_periods: int
    threshold: float
    comparison_operator: str
    alarm_actions: Sequence[str]
    unit: str | None = None
    metrics: Sequence[Mapping[str, Any]] = ()  # metric math, as in PutMetricAlarm's Metrics


def put_alarm(account_id: str, region: str, alarm: MetricAlarm) -> None:
    """Create or replace the alarm in moto's CloudWatch, as PutMetricAlarm would."""
    from moto.cloudwatch.models import (  # noqa: PLC0415
        Dimension,
        Metric,
        MetricDataQuery,
        MetricStat,
        cloudwatch_backends,
    )

    queries = []
    for query in alarm.metrics:
        stat = query.get("MetricStat")
        metric_stat = None
        if stat is not None:
            metric = stat["Metric"]
            metric_stat = MetricStat(
                metric=Metric(
                    metric_name=metric["MetricName"],
                    namespace=metric["Namespace"],
                    dimensions=[
                        Dimension(name=d["Name"], value=d["Value"])
                        for d in metric.get("Dimensions") or []
                    ],
                ),
                period=str(alarm.period),
                stat=stat["Stat"],
                unit=stat.get("Unit"),
            )
        queries.append(
            MetricDataQuery(
                query_id=query["Id"],
                label=query.get("Label", ""),
                period=str(alarm.period),
                return_data=str(query.get("ReturnData", True)).lower(),
                expression=query.get("Expression"),
                metric_stat=metric_stat,
            )
        )
    cloudwatch_backends[account_id][region].put_metric_alarm(
        name=alarm.name,
        # moto accepts None for metric-math alarms, which have neither.
        namespace=cast("str", alarm.namespace),
        metric_name=cast("str", alarm.metric_name),
        comparison_operator=alarm.comparison_operator,
        evaluation_periods=alarm.evaluation_periods,
        period=alarm.period,
        threshold=alarm.threshold,
        statistic=cast("str", alarm.statistic),
        description=alarm.description,
        dimensions=[{"Name": d["Name"], "Value": d["Value"]} for d in alarm.dimensions],
        alarm_actions=list(alarm.alarm_actions),
        metric_data_queries=queries or None,
        unit=alarm.unit,
    )


def delete_alarms(account_id: str, region: str, names: Sequence[str]) -> None:
    from moto.cloudwatch.models import cloudwatch_backends  # noqa: PLC0415

    if names:
        cloudwatch_backends[account_id][region].delete_alarms(list(names))


def _cloudwatch(account_id: str, region: str) -> Any:
    from moto.cloudwatch.models import cloudwatch_backends  # noqa: PLC0415

    return cloudwatch_backends[account_id][region]


def alarm_in_alarm(account_id: str, region: str, names: Sequence[str]) -> str | None:
    """The first of the named alarms whose state is ALARM, if any."""
    for alarm in _cloudwatch(account_id, region).get_alarms_by_alarm_names(list(names)):
        if alarm.state_value == "ALARM":
            return str(alarm.name)
    return None


@dataclass(frozen=True)
class AlarmView:
    """What the emulator reads of a CloudWatch alarm to act on it."""

    name: str
    metric_name: str | None
    dimensions: Mapping[str, str]
    threshold: float
    comparison_operator: str
    actions_enabled: bool


def alarms_with_action(account_id: str, region: str, action_arn: str) -> list[AlarmView]:
    """The alarms whose AlarmActions include ``action_arn`` (a scaling policy ARN)."""
    return [
        AlarmView(
            name=str(alarm.name),
            metric_name=alarm.metric_name,
            dimensions={d.name: d.value for d in alarm.dimensions or []},
            threshold=float(alarm.threshold),
            comparison_operator=str(alarm.comparison_operator),
            actions_enabled=bool(alarm.actions_enabled),
        )
        for alarm in _cloudwatch(account_id, region).alarms.values()
        if action_arn in (alarm.alarm_actions or [])
    ]


def set_alarm_state(account_id: str, region: str, name: str, state: str, reason: str) -> None:
    _cloudwatch(account_id, region).set_alarm_state(name, reason, "{}", state)


def put_metric(
    account_id: str,
    region: str,
    *,
    namespace: str,
    metric_name: str,
    dimensions: Mapping[str, str],
    value: float,
    unit: str = "Count",
) -> None:
    """Publish one data point, as SageMaker publishes its endpoint metrics."""
    _cloudwatch(account_id, region).put_metric_data(
        namespace,
        [
            {
                "MetricName": metric_name,
                "Value": value,
                "Unit": unit,
                "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions.items()],
            }
        ],
    )
