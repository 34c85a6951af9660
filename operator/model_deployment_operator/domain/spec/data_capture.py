"""spec.endpoint.dataCapture: a sample of requests and responses written to S3."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, Field

from model_deployment_operator.domain.spec.common import (
    CONTENT_TYPE_PATTERN,
    CamelModel,
    KmsKeyId,
    S3Uri,
    no_duplicates,
)

ContentTypes = Annotated[
    tuple[Annotated[str, Field(pattern=CONTENT_TYPE_PATTERN, max_length=256)], ...],
    Field(min_length=1, max_length=10),
    AfterValidator(no_duplicates),
]


class CaptureMode(StrEnum):
    INPUT = "Input"
    OUTPUT = "Output"


class DataCaptureSpec(CamelModel):
    """DataCaptureConfig of the endpoint config; captureModes [Input, Output] is SageMaker's
    CaptureOptions [{CaptureMode: Input}, {CaptureMode: Output}]."""

    sampling_percentage: Annotated[int, Field(ge=0, le=100)]
    destination: S3Uri
    capture_modes: Annotated[
        tuple[CaptureMode, ...], Field(min_length=1, max_length=2), AfterValidator(no_duplicates)
    ]
    kms_key_id: KmsKeyId | None = None
    csv_content_types: ContentTypes | None = None
    json_content_types: ContentTypes | None = None
