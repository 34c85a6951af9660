"""Data capture: which share of requests and responses SageMaker writes to S3."""

from __future__ import annotations

from model_deployment_operator.domain.rendering.config import DataCapture
from model_deployment_operator.domain.spec import DataCaptureSpec


def render_data_capture(spec: DataCaptureSpec | None) -> DataCapture | None:
    if spec is None:
        return None
    return DataCapture(
        sampling_percentage=spec.sampling_percentage,
        destination=spec.destination,
        capture_modes=tuple(str(mode) for mode in spec.capture_modes),
        kms_key_id=spec.kms_key_id,
        csv_content_types=tuple(spec.csv_content_types or ()),
        json_content_types=tuple(spec.json_content_types or ()),
    )
