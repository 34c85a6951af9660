"""EventBridge "SageMaker Endpoint State Change" events, as delivered to SQS (the queue of
the registry events, when its rule forwards these too).

As with registry events, the content is not trusted: an event only says *which* endpoint
to describe again now, and whose ModelDeployments or ModelEndpoint to reconcile. SageMaker
may send several events for one change, and a lost one is made up for by the safety poll.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from model_deployment_operator.domain.observed import EndpointStatus

DETAIL_TYPE = "SageMaker Endpoint State Change"


@dataclass(frozen=True)
class EndpointStateChange:
    endpoint_name: str
    status: EndpointStatus | None
    """The status the event announces, None when it names one this operator does not know."""


def endpoint_change_from_event(body: str) -> EndpointStateChange | None:
    """The endpoint an event is about, or None for any other message."""
    envelope = _envelope(body)
    if envelope is None or envelope.get("detail-type") != DETAIL_TYPE:
        return None
    detail = envelope.get("detail")
    if not isinstance(detail, Mapping):
        return None
    name = detail.get("EndpointName")
    if not isinstance(name, str) or not name:
        return None
    return EndpointStateChange(name, _status(detail.get("EndpointStatus")))


def _envelope(body: str) -> Mapping[str, Any] | None:
    try:
        envelope = json.loads(body)
    except ValueError:
        return None
    # SNS-wrapped deliveries carry the EventBridge envelope as a JSON string in Message.
    if isinstance(envelope, Mapping) and isinstance(envelope.get("Message"), str):
        return _envelope(envelope["Message"])
    return envelope if isinstance(envelope, Mapping) else None


def _status(value: object) -> EndpointStatus | None:
    """Events spell statuses in upper snake case (IN_SERVICE), the API in camel case
    (InService); the enum's member names are the former, its values the latter."""
    if not isinstance(value, str):
        return None
    if value in EndpointStatus.__members__:
        return EndpointStatus[value]
    try:
        return EndpointStatus(value)
    except ValueError:
        return None
