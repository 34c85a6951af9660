"""Delivery of EventBridge events (reference §5) to an SQS queue served by moto in this
process, as an EventBridge rule with an SQS target would: the message body is the event.

A boto3 ``ReceiveMessage`` against the emulator's port then sees the event.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from sagemaker_emulator.context import OutgoingEvent
from sagemaker_emulator.state import EventsTarget

log = logging.getLogger(__name__)


def envelope(event: OutgoingEvent) -> dict[str, Any]:
    """The documented EventBridge envelope around ``event.detail``."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": event.detail_type,
        "source": "aws.sagemaker",
        "account": event.account_id,
        "time": datetime.fromtimestamp(event.time, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": event.region,
        "resources": list(event.resources),
        "detail": event.detail,
    }


def queue_location(queue_url: str) -> tuple[str, str, str | None]:
    """Account, queue name and (when the host names one) region of an SQS queue URL such
    as ``http://127.0.0.1:4566/123456789012/registry-events`` or
    ``https://sqs.eu-west-1.amazonaws.com/123456789012/registry-events``."""
    parts = urlsplit(queue_url)
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) != 2 or not segments[0].isdigit() or len(segments[0]) != 12:
        raise ValueError(f"{queue_url} is not an SQS queue URL (…/<account-id>/<queue-name>)")
    host = parts.hostname or ""
    labels = host.split(".")
    region = labels[1] if len(labels) > 2 and labels[0] == "sqs" else None
    return segments[0], segments[1], region


def deliver(target: EventsTarget | None, events: Sequence[OutgoingEvent]) -> None:
    """Send each event to the configured queue; without one, events are dropped (as
    without an EventBridge rule)."""
    if target is None:
        return
    for event in events:
        _send(target, event, json.dumps(envelope(event)))


def _send(target: EventsTarget, event: OutgoingEvent, body: str) -> None:
    from moto.sqs.models import sqs_backends  # noqa: PLC0415 - moto is heavy; load when used

    account_id, queue_name, url_region = queue_location(target.queue_url)
    preferred = target.region or url_region or event.region
    backends = sqs_backends[account_id]
    candidates = [backends[preferred], *(b for r, b in backends.items() if r != preferred)]
    for backend in candidates:
        if queue_name in backend.queues:
            backend.send_message(queue_name, body)
            return
    log.warning("Events queue %s does not exist; dropped %s", target.queue_url, event.detail_type)
