"""Reads registry events from an SQS queue (fed by an EventBridge rule)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from model_deployment_operator import metrics
from model_deployment_operator.sagemaker.errors import classify
from model_deployment_operator.sagemaker.gateway import client_config

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class QueuedMessage:
    receipt_handle: str
    body: str


class RegistryEventQueue:
    def __init__(self, queue_url: str, region: str, *, max_attempts: int = 5) -> None:
        self.queue_url = queue_url
        self._sqs: SQSClient = boto3.session.Session().client(
            "sqs", config=client_config(region, "standard", max_attempts, 2)
        )

    def receive(self, wait_seconds: int) -> list[QueuedMessage]:
        """Long-poll for up to ten messages. Raises SageMakerCallError on failure."""
        try:
            response = self._sqs.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=wait_seconds
            )
        except (ClientError, BotoCoreError) as error:
            failure = classify("ReceiveMessage", error)
            metrics.AWS_CALLS.labels("sqs", "ReceiveMessage", failure.kind).inc()
            raise failure from error
        metrics.AWS_CALLS.labels("sqs", "ReceiveMessage", "Success").inc()
        return [
            QueuedMessage(m["ReceiptHandle"], m.get("Body", ""))
            for m in response.get("Messages", [])
        ]

    def delete(self, messages: list[QueuedMessage]) -> None:
        if not messages:
            return
        try:
            self._sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[
                    {"Id": str(index), "ReceiptHandle": m.receipt_handle}
                    for index, m in enumerate(messages)
                ],
            )
        except (ClientError, BotoCoreError) as error:
            # Undeleted messages come back after the visibility timeout; re-reading the
            # registry for them again is harmless.
            log.warning("Could not delete %d registry events: %s", len(messages), error)
