"""spec.endpoint.async: SageMaker asynchronous inference on the endpoint's instances."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Self

from pydantic import AfterValidator, Field, model_validator

from model_deployment_operator.domain.spec import rules
from model_deployment_operator.domain.spec.common import (
    SNS_TOPIC_ARN_PATTERN,
    CamelModel,
    KmsKeyId,
    S3Uri,
    no_duplicates,
)

SnsTopicArn = Annotated[str, Field(pattern=SNS_TOPIC_ARN_PATTERN, max_length=2048)]


class NotificationTopic(StrEnum):
    SUCCESS = "SUCCESS_NOTIFICATION_TOPIC"
    ERROR = "ERROR_NOTIFICATION_TOPIC"


class AsyncNotificationsSpec(CamelModel):
    """AsyncInferenceNotificationConfig: SNS topics told about each finished request."""

    success_topic: SnsTopicArn | None = None
    error_topic: SnsTopicArn | None = None
    include_inference_response_in: Annotated[
        tuple[NotificationTopic, ...], Field(max_length=2), AfterValidator(no_duplicates)
    ] = ()

    @model_validator(mode="after")
    def _topics(self) -> Self:
        problems = []
        if self.success_topic is None and self.error_topic is None:
            problems.append(rules.NOTIFICATIONS_NEED_A_TOPIC.message)
        topics = {
            NotificationTopic.SUCCESS: self.success_topic,
            NotificationTopic.ERROR: self.error_topic,
        }
        if any(topics[named] is None for named in self.include_inference_response_in):
            problems.append(rules.RESPONSE_ONLY_IN_SET_TOPICS.message)
        if problems:
            raise ValueError("; ".join(problems))
        return self


class AsyncInferenceSpec(CamelModel):
    """AsyncInferenceConfig: where results go, and how many requests an instance takes."""

    output_path: S3Uri
    failure_path: S3Uri | None = None
    kms_key_id: KmsKeyId | None = None
    max_concurrent_invocations_per_instance: Annotated[int, Field(ge=1, le=1000)] | None = None
    notifications: AsyncNotificationsSpec | None = None
