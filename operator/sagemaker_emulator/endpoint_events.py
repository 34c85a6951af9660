"""EventBridge "SageMaker Endpoint State Change" events (reference §5), sent to the events
queue when one is configured, as an EventBridge rule forwarding them would.

The detail is the documented example's: EndpointName, EndpointArn, EndpointConfigName,
ProductionVariants, EndpointStatus in upper snake case (IN_SERVICE, unlike the API's
InService), CreationTime and LastModifiedTime in epoch milliseconds, and Tags.

Endpoint transitions are lazy (lifecycle.py), so a change that an API call makes is
announced by that call (`announce`), and one that time makes (Creating -> InService, a
rollback, ...) by a background thread that looks at every endpoint a few times a second
(`EndpointEventsWorker`). Each status an endpoint is seen in is announced once, in order;
a status that began and ended between two looks may be skipped (emulator choice: SageMaker
documents neither the order nor the count, only that it may send several events for one
change). Completing a delete sends nothing: no event for a gone endpoint is documented.
"""

from __future__ import annotations

import logging
import re
import threading
from typing import Any, Final

from sagemaker_emulator.context import Call, OutgoingEvent
from sagemaker_emulator.events import deliver
from sagemaker_emulator.lifecycle import Endpoint
from sagemaker_emulator.state import EmulatorState, Partition

log = logging.getLogger(__name__)

ENDPOINT_STATE_CHANGE: Final = "SageMaker Endpoint State Change"
# How often the background thread looks for transitions that time made.
LOOK_INTERVAL_SECONDS: Final = 0.2


def event_status(status: str) -> str:
    """InService -> IN_SERVICE, UpdateRollbackFailed -> UPDATE_ROLLBACK_FAILED."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", status).upper()


def endpoint_detail(partition: Partition, endpoint: Endpoint) -> dict[str, Any]:
    detail: dict[str, Any] = {
        "EndpointName": endpoint.name,
        "EndpointArn": endpoint.arn,
        "EndpointConfigName": endpoint.config_name,
        "ProductionVariants": [
            {
                "VariantName": v.name,
                "DesiredWeight": v.desired_weight,
                **({} if v.desired_count is None else {"DesiredInstanceCount": v.desired_count}),
            }
            for v in endpoint.variants
        ],
        "EndpointStatus": event_status(str(endpoint.status)),
        "CreationTime": _milliseconds(endpoint.created_at),
        "LastModifiedTime": _milliseconds(endpoint.last_modified_at),
        "Tags": dict(partition.tags.get(endpoint.arn, {})),
    }
    if endpoint.failure_reason is not None:
        detail["FailureReason"] = endpoint.failure_reason
    return detail


def _milliseconds(epoch: float) -> int:
    return round(epoch * 1000)


def _key(partition: Partition, endpoint: Endpoint) -> tuple[str, str, str, float]:
    # The same name may be created again: each incarnation is announced on its own.
    return (partition.account_id, partition.region, endpoint.arn, endpoint.created_at)


def _announced(state: EmulatorState, partition: Partition, endpoint: Endpoint) -> bool:
    """Record the endpoint's status; True when it had already been announced."""
    key = _key(partition, endpoint)
    status = str(endpoint.status)
    if state.announced_endpoints.get(key) == status:
        return True
    state.announced_endpoints[key] = status
    return False


def announce(call: Call, endpoint: Endpoint) -> None:
    """An API call changed the endpoint's status: queue its event with the call's others.
    Nothing is recorded without an events queue."""
    partition = call.partition
    if call.state.settings.events_target is None or _announced(call.state, partition, endpoint):
        return
    call.emit(
        partition, ENDPOINT_STATE_CHANGE, (endpoint.arn,), endpoint_detail(partition, endpoint)
    )


def changes_made_by_time(state: EmulatorState, now: float) -> list[OutgoingEvent]:
    """Events for every endpoint whose status changed since it was last announced (the
    caller holds ``state.lock``); endpoints that are gone are forgotten."""
    events: list[OutgoingEvent] = []
    seen: set[tuple[str, str, str, float]] = set()
    for partition in state.partitions():
        for endpoint in partition.all_endpoints(now):
            seen.add(_key(partition, endpoint))
            if _announced(state, partition, endpoint):
                continue
            events.append(
                OutgoingEvent(
                    partition.account_id,
                    partition.region,
                    ENDPOINT_STATE_CHANGE,
                    (endpoint.arn,),
                    endpoint_detail(partition, endpoint),
                    now,
                )
            )
    for key in set(state.announced_endpoints) - seen:
        del state.announced_endpoints[key]
    return events


class EndpointEventsWorker:
    """Announces the transitions time makes, while an events queue is configured."""

    def __init__(self, state: EmulatorState) -> None:
        self._state = state
        self._stopping = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name="sagemaker-emulator-endpoint-events", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def look(self) -> None:
        state = self._state
        with state.lock:
            target = state.settings.events_target
            if target is None:
                return
            events = changes_made_by_time(state, state.clock.now())
        deliver(target, events)

    def _run(self) -> None:
        while not self._stopping.wait(LOOK_INTERVAL_SECONDS):
            try:
                self.look()
            except Exception:  # the thread must outlive any one failure
                log.exception("endpoint state-change events: a look failed")
