"""EventBridge "SageMaker Model Package State Change" events, as delivered to SQS.

The operator never trusts an event's content: an event only tells it *which* model package
group to read again now rather than at the next poll. Duplicates and losses are harmless.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

DETAIL_TYPE = "SageMaker Model Package State Change"


def group_from_event(body: str) -> str | None:
    """The model package group an event is about, or None for anything else."""
    try:
        envelope = json.loads(body)
    except ValueError:
        return None
    # SNS-wrapped deliveries carry the EventBridge envelope as a JSON string in Message.
    if isinstance(envelope, Mapping) and isinstance(envelope.get("Message"), str):
        return group_from_event(envelope["Message"])
    if not isinstance(envelope, Mapping) or envelope.get("detail-type") != DETAIL_TYPE:
        return None
    detail = envelope.get("detail")
    if not isinstance(detail, Mapping):
        return None
    group = detail.get("ModelPackageGroupName")
    return group if isinstance(group, str) and group else None
