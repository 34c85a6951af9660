"""Faults injected on demand through the control API.

Two families:

* API faults answer a matching call with an error instead of serving it: ThrottlingException
  "Rate exceeded" (HTTP 400, reference §7) or a 5xx. A rule matches chosen actions (or all)
  and fires for the next N matching calls, or for a fraction of them drawn from a seeded RNG.
* Endpoint faults make the next CreateEndpoint end ``Failed``, or the next UpdateEndpoint
  roll back to the old config with ``FailureReason`` set, the way AWS fails (reference §1)
  (after some traffic steps or batches, when asked), or the next rollback of a rolling
  deployment fail (``UpdateRollbackFailed``), or the next asynchronous invocation fail
  (its failure object and error notification are written as for a model error).
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from itertools import count
from typing import Any, Final, Literal

from sagemaker_emulator.errors import AwsError, access_denied, throttling

ErrorKind = Literal["throttling", "server-error", "access-denied"]

_SERVER_ERRORS: Final = {
    500: ("InternalFailure", "The request processing has failed because of an unknown error."),
    502: ("BadGateway", "Bad Gateway"),
    503: ("ServiceUnavailable", "The service is unavailable. Please try again later."),
    504: ("GatewayTimeout", "Gateway Timeout"),
}

DEFAULT_CREATE_FAILURE: Final = (
    "The primary container for production variant AllTraffic did not pass the ping health "
    "check. Please check CloudWatch logs for this endpoint. (injected by the emulator)"
)
DEFAULT_ASYNC_FAILURE: Final = (
    'Received server error (500) from primary with message "The model failed to process '
    'the request (injected by the emulator)."'
)
DEFAULT_COMPONENT_UPDATE_FAILURE: Final = (
    "The new inference component copies did not pass the ping health check; the "
    "deployment was rolled back to the previous specification. (injected by the emulator)"
)
DEFAULT_UPDATE_FAILURE: Final = (
    "The primary container for production variant AllTraffic did not pass the ping health "
    "check during the update; the endpoint was rolled back to its previous endpoint "
    "configuration. (injected by the emulator)"
)
DEFAULT_ROLLBACK_FAILURE: Final = (
    "The instances launched for the previous endpoint configuration did not pass the ping "
    "health check. (injected by the emulator)"
)


@dataclass
class ApiFaultRule:
    """One injected-error rule. ``actions`` holds ``service.Action`` or bare ``Action``
    strings; empty means every AWS call. Exactly one of ``remaining`` (next N calls) and
    ``probability`` (with its own seeded RNG) is set."""

    rule_id: int
    error: ErrorKind
    status: int
    actions: frozenset[str]
    remaining: int | None
    probability: float | None
    seed: int
    rng: random.Random = field(repr=False)

    def matches(self, service: str, action: str) -> bool:
        return not self.actions or action in self.actions or f"{service}.{action}" in self.actions

    def to_error(self, service: str, action: str) -> AwsError:
        if self.error == "throttling":
            return throttling()
        if self.error == "access-denied":
            return access_denied(service, action)
        code, message = _SERVER_ERRORS[self.status]
        return AwsError(code, message, self.status)

    def describe(self) -> dict[str, Any]:
        return {
            "id": self.rule_id,
            "error": self.error,
            "status": self.status,
            "actions": sorted(self.actions),
            "count": self.remaining,
            "probability": self.probability,
            "seed": self.seed,
        }


class ApiFaults:
    """Thread-safe set of API fault rules, checked once per AWS call."""

    def __init__(self) -> None:
        self._rules: list[ApiFaultRule] = []
        self._lock = threading.Lock()
        self._ids = count(1)

    def add(
        self,
        *,
        error: ErrorKind,
        actions: frozenset[str],
        count: int | None,
        probability: float | None,
        status: int | None = None,
        seed: int = 0,
    ) -> ApiFaultRule:
        if (count is None) == (probability is None):
            raise ValueError("give exactly one of 'count' and 'probability'")
        if count is not None and count < 1:
            raise ValueError("'count' must be at least 1")
        if probability is not None and not 0.0 < probability <= 1.0:
            raise ValueError("'probability' must be in (0, 1]")
        if error in ("throttling", "access-denied"):
            status = 400
        elif status is None:
            status = 500
        elif status not in _SERVER_ERRORS:
            raise ValueError(f"'status' must be one of {sorted(_SERVER_ERRORS)}")
        with self._lock:
            rule = ApiFaultRule(
                rule_id=next(self._ids),
                error=error,
                status=status,
                actions=actions,
                remaining=count,
                probability=probability,
                seed=seed,
                rng=random.Random(seed),  # noqa: S311 - fault injection, not cryptography
            )
            self._rules.append(rule)
            return rule

    def check(self, service: str, action: str) -> AwsError | None:
        """The error to answer this call with, if a rule fires for it."""
        if not self._rules:  # the common case: no lock taken
            return None
        with self._lock:
            for rule in self._rules:
                if not rule.matches(service, action):
                    continue
                if rule.remaining is not None:
                    rule.remaining -= 1
                    if rule.remaining == 0:
                        self._rules.remove(rule)
                    return rule.to_error(service, action)
                if rule.probability is not None and rule.rng.random() < rule.probability:
                    return rule.to_error(service, action)
        return None

    def describe(self) -> list[dict[str, Any]]:
        with self._lock:
            return [rule.describe() for rule in self._rules]

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()


@dataclass(frozen=True)
class EndpointFailure:
    """A pending create or update failure; ``endpoint_name`` None matches any endpoint."""

    endpoint_name: str | None
    failure_reason: str

    def matches(self, endpoint_name: str) -> bool:
        return self.endpoint_name is None or self.endpoint_name.lower() == endpoint_name.lower()


@dataclass(frozen=True)
class DeploymentFailure:
    """A pending failure of an endpoint deployment (UpdateEndpoint) or of its rollback,
    once ``after_batches`` traffic steps or batches are done (0: while the first new
    instances are launched, before any traffic moves; for a rollback, its first batch)."""

    endpoint_name: str | None
    failure_reason: str
    after_batches: int = 0

    def matches(self, endpoint_name: str) -> bool:
        return self.endpoint_name is None or self.endpoint_name.lower() == endpoint_name.lower()

    def describe(self) -> dict[str, Any]:
        return {
            "endpointName": self.endpoint_name,
            "failureReason": self.failure_reason,
            "afterBatches": self.after_batches,
        }


@dataclass(frozen=True)
class ComponentUpdateFailure:
    """A pending inference component update failure: the update fails once
    ``after_batches`` batches of copies are replaced, and rolls back."""

    component_name: str | None
    failure_reason: str
    after_batches: int = 1

    def matches(self, component_name: str) -> bool:
        return self.component_name is None or self.component_name.lower() == (
            component_name.lower()
        )


class EndpointFaults:
    """Queued endpoint failures. Guarded by the emulator's state lock, like the endpoints."""

    def __init__(self) -> None:
        self._creates: list[EndpointFailure] = []
        self._updates: list[DeploymentFailure] = []
        self._rollbacks: list[DeploymentFailure] = []
        self._async_invocations: list[EndpointFailure] = []
        self._component_updates: list[ComponentUpdateFailure] = []

    def fail_next_component_update(self, failure: ComponentUpdateFailure) -> None:
        self._component_updates.append(failure)

    def take_component_update_failure(self, component_name: str) -> ComponentUpdateFailure | None:
        for failure in self._component_updates:
            if failure.matches(component_name):
                self._component_updates.remove(failure)
                return failure
        return None

    def fail_next_create(self, failure: EndpointFailure) -> None:
        self._creates.append(failure)

    def fail_next_update(self, failure: DeploymentFailure) -> None:
        self._updates.append(failure)

    def fail_next_rollback(self, failure: DeploymentFailure) -> None:
        self._rollbacks.append(failure)

    def fail_next_async_invocation(self, failure: EndpointFailure) -> None:
        self._async_invocations.append(failure)

    def take_async_failure(self, endpoint_name: str) -> str | None:
        return _take(self._async_invocations, endpoint_name)

    def take_create_failure(self, endpoint_name: str) -> str | None:
        return _take(self._creates, endpoint_name)

    def take_update_failure(self, endpoint_name: str) -> DeploymentFailure | None:
        return _take_deployment(self._updates, endpoint_name)

    def take_rollback_failure(self, endpoint_name: str) -> DeploymentFailure | None:
        return _take_deployment(self._rollbacks, endpoint_name)

    def clear(self) -> None:
        self._creates.clear()
        self._updates.clear()
        self._rollbacks.clear()
        self._async_invocations.clear()
        self._component_updates.clear()

    def describe(self) -> dict[str, list[dict[str, Any]]]:
        def rows(failures: list[EndpointFailure]) -> list[dict[str, Any]]:
            return [
                {"endpointName": f.endpoint_name, "failureReason": f.failure_reason}
                for f in failures
            ]

        return {
            "endpointCreate": rows(self._creates),
            "endpointUpdate": [f.describe() for f in self._updates],
            "endpointRollback": [f.describe() for f in self._rollbacks],
            "asyncInference": rows(self._async_invocations),
            "inferenceComponentUpdate": [
                {
                    "inferenceComponentName": f.component_name,
                    "failureReason": f.failure_reason,
                    "afterBatches": f.after_batches,
                }
                for f in self._component_updates
            ],
        }


def _take_deployment(
    queue: list[DeploymentFailure], endpoint_name: str
) -> DeploymentFailure | None:
    for failure in queue:
        if failure.matches(endpoint_name):
            queue.remove(failure)
            return failure
    return None


def _take(queue: list[EndpointFailure], endpoint_name: str) -> str | None:
    for failure in queue:
        if failure.matches(endpoint_name):
            queue.remove(failure)
            return failure.failure_reason
    return None
