"""S3 for multi-model endpoints: the artifacts under a ModelEndpoint's prefix, copying a
model package's artifact to a target key, and the records of what each refresh loaded."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from model_deployment_operator.domain.fleet.desired import REFRESH_RECORDS, Artifact
from model_deployment_operator.domain.shared_observed import ObservedArtifact
from model_deployment_operator.sagemaker.calls import read, write

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

S3: Final = "s3"


def split(uri: str) -> tuple[str, str]:
    """s3://bucket/key -> (bucket, key)."""
    without = uri.removeprefix("s3://")
    bucket, _, key = without.partition("/")
    return bucket, key


class ArtifactStore:
    def __init__(self, s3: S3Client) -> None:
        self._s3 = s3

    def list_artifacts(self, prefix: str, now: datetime) -> tuple[Artifact, ...]:
        """The target models' artifacts under `prefix` (not the operator's records), with
        how long ago each last changed."""
        bucket, key_prefix = split(prefix)
        found: list[Artifact] = []
        paginator = self._s3.get_paginator("list_objects_v2")
        records = key_prefix + REFRESH_RECORDS
        for page in (
            read(
                S3,
                "ListObjectsV2",
                lambda: list(paginator.paginate(Bucket=bucket, Prefix=key_prefix)),
            )
            or []
        ):
            for item in page.get("Contents", []):
                key = item["Key"]
                if key.startswith(records) or key.endswith("/"):
                    continue
                modified = item["LastModified"]
                found.append(
                    Artifact(
                        key=key[len(key_prefix) :],
                        etag=str(item["ETag"]).strip('"'),
                        age_seconds=max(0.0, (now - modified.astimezone(UTC)).total_seconds()),
                    )
                )
        return tuple(found)

    def head(self, uri: str) -> ObservedArtifact | None:
        bucket, key = split(uri)
        response = read(S3, "HeadObject", lambda: self._s3.head_object(Bucket=bucket, Key=key))
        if response is None:
            return None
        return ObservedArtifact(
            uri=uri,
            etag=str(response["ETag"]).strip('"'),
            metadata=tuple(sorted((response.get("Metadata") or {}).items())),
        )

    def refresh_record(self, uri: str) -> dict[str, str] | None:
        bucket, key = split(uri)
        response = read(S3, "GetObject", lambda: self._s3.get_object(Bucket=bucket, Key=key))
        if response is None:
            return None
        body: Any = json.loads(response["Body"].read())
        return {str(k): str(v) for k, v in body.items()} if isinstance(body, dict) else None

    def put_refresh_record(self, uri: str, targets: tuple[tuple[str, str], ...]) -> None:
        bucket, key = split(uri)
        body = json.dumps(dict(targets), sort_keys=True).encode()
        write(
            S3,
            "PutObject",
            lambda: self._s3.put_object(
                Bucket=bucket, Key=key, Body=body, ContentType="application/json"
            ),
        )

    def copy(self, source: str, destination: str, metadata: dict[str, str]) -> None:
        source_bucket, source_key = split(source)
        bucket, key = split(destination)
        write(
            S3,
            "CopyObject",
            lambda: self._s3.copy_object(
                Bucket=bucket,
                Key=key,
                CopySource={"Bucket": source_bucket, "Key": source_key},
                Metadata=metadata,
                MetadataDirective="REPLACE",
            ),
        )

    def delete(self, uri: str) -> None:
        bucket, key = split(uri)
        write(
            S3,
            "DeleteObject",
            lambda: self._s3.delete_object(Bucket=bucket, Key=key),
            missing_ok=True,
        )
