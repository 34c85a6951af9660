"""Asynchronous inference: where results and failures go, who is notified, how many
requests an instance takes at once."""

from __future__ import annotations

from model_deployment_operator.domain.rendering.config import AsyncInference, AsyncNotifications
from model_deployment_operator.domain.spec import AsyncInferenceSpec


def render_async(spec: AsyncInferenceSpec | None) -> AsyncInference | None:
    if spec is None:
        return None
    notifications = spec.notifications
    return AsyncInference(
        output_path=spec.output_path,
        failure_path=spec.failure_path,
        kms_key_id=spec.kms_key_id,
        max_concurrent_invocations_per_instance=spec.max_concurrent_invocations_per_instance,
        notifications=AsyncNotifications(
            success_topic=notifications.success_topic,
            error_topic=notifications.error_topic,
            include_response_in=tuple(
                str(topic) for topic in notifications.include_inference_response_in or ()
            ),
        )
        if notifications is not None
        else None,
    )
