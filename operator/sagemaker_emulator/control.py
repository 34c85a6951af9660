"""The control API under ``/_emulator/``: health, reset, call counts, transition
durations, registry status, events target, fault injection and the rate limit. Plain JSON over HTTP;
documented in docs/emulator.md."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any, Final

from sagemaker_emulator import __version__
from sagemaker_emulator.call_counts import CallCounts
from sagemaker_emulator.callers import CallerLog
from sagemaker_emulator.errors import AwsError
from sagemaker_emulator.events import deliver, queue_location
from sagemaker_emulator.faults import (
    DEFAULT_ASYNC_FAILURE,
    DEFAULT_COMPONENT_UPDATE_FAILURE,
    DEFAULT_CREATE_FAILURE,
    DEFAULT_ROLLBACK_FAILURE,
    DEFAULT_UPDATE_FAILURE,
    ApiFaults,
    ComponentUpdateFailure,
    DeploymentFailure,
    EndpointFailure,
)
from sagemaker_emulator.rate_limit import RateLimit, RateLimitSettings
from sagemaker_emulator.registry import set_package_status
from sagemaker_emulator.state import PACKAGE_STATUSES, EmulatorState, EventsTarget
from sagemaker_emulator.wire import Response, StartResponse, read_body

Payload = dict[str, Any]
Handler = Callable[[Payload], Payload]


class ControlError(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class ControlApi:
    def __init__(
        self,
        state: EmulatorState,
        faults: ApiFaults,
        counts: CallCounts,
        *,
        rate_limit: RateLimit,
        callers: CallerLog,
        reset_delegated: Callable[[], None],
    ) -> None:
        self._callers = callers
        self._rate_limit = rate_limit
        self._state = state
        self._faults = faults
        self._counts = counts
        self._reset_delegated = reset_delegated
        self._routes: Final[dict[tuple[str, str], Handler]] = {
            ("GET", "health"): self._health,
            ("POST", "reset"): self._reset,
            ("GET", "calls"): lambda _: self._counts.snapshot(),
            ("DELETE", "calls"): self._reset_calls,
            ("GET", "callers"): lambda _: self._callers.snapshot(),
            ("DELETE", "callers"): self._clear_callers,
            ("GET", "durations"): lambda _: self._state.settings.durations.to_json(),
            ("PUT", "durations"): self._set_durations,
            ("GET", "model-packages/initial-status"): self._initial_status,
            ("PUT", "model-packages/initial-status"): self._set_initial_status,
            ("PUT", "model-packages/status"): self._set_package_status,
            ("GET", "events"): self._events,
            ("PUT", "events"): self._set_events,
            ("DELETE", "events"): self._clear_events,
            ("GET", "faults"): self._describe_faults,
            ("DELETE", "faults"): self._clear_faults,
            ("POST", "faults/api"): self._add_api_fault,
            ("POST", "faults/endpoint-create"): self._fail_next_create,
            ("POST", "faults/endpoint-update"): self._fail_next_update,
            ("POST", "faults/endpoint-rollback"): self._fail_next_rollback,
            ("POST", "faults/async-inference"): self._fail_next_async_invocation,
            ("POST", "faults/inference-component-update"): self._fail_next_component_update,
            ("GET", "rate-limit"): lambda _: self._rate_limit.describe(),
            ("PUT", "rate-limit"): self._set_rate_limit,
            ("DELETE", "rate-limit"): self._clear_rate_limit,
            ("POST", "multi-model/unload"): self._unload_models,
        }

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        route = environ.get("PATH_INFO", "").removeprefix("/_emulator/").strip("/")
        handler = self._routes.get((environ.get("REQUEST_METHOD", "GET"), route))
        try:
            if handler is None:
                raise ControlError(
                    f"No control endpoint {environ.get('REQUEST_METHOD')} /_emulator/{route}", 404
                )
            body = read_body(environ)
            payload = json.loads(body) if body.strip() else {}
            if not isinstance(payload, dict):
                raise ControlError("The request body must be a JSON object.")
            result = handler(payload)
            status = 200
        except ControlError as error:
            result, status = {"error": str(error)}, error.status
        except (ValueError, KeyError, TypeError, AwsError) as error:
            result, status = {"error": str(error)}, 400
        body_out = json.dumps(result).encode()
        return Response(status, (("Content-Type", "application/json"),), body_out).send(
            start_response
        )

    # ------------------------------------------------------------------ basics

    def _health(self, _: Payload) -> Payload:
        return {"status": "ok", "version": __version__}

    def _reset(self, _: Payload) -> Payload:
        self._state.reset()
        self._faults.clear()
        self._rate_limit.clear()
        self._counts.reset()
        self._reset_delegated()
        return {"reset": True}

    def _reset_calls(self, _: Payload) -> Payload:
        self._counts.reset()
        return self._counts.snapshot()

    def _clear_callers(self, _: Payload) -> Payload:
        self._callers.clear()
        return self._callers.snapshot()

    def _set_durations(self, payload: Payload) -> Payload:
        with self._state.lock:
            settings = self._state.settings
            durations = settings.durations.merged(payload)
            self._state.settings = replace(settings, durations=durations)
        return durations.to_json()

    # ------------------------------------------------------------------ registry

    def _initial_status(self, _: Payload) -> Payload:
        return {"status": self._state.settings.initial_package_status}

    def _set_initial_status(self, payload: Payload) -> Payload:
        status = payload["status"]
        if status not in PACKAGE_STATUSES:
            raise ControlError(f"status must be one of {list(PACKAGE_STATUSES)}")
        with self._state.lock:
            self._state.settings = replace(self._state.settings, initial_package_status=status)
        return {"status": status}

    def _set_package_status(self, payload: Payload) -> Payload:
        with self._state.lock:
            call = set_package_status(self._state, payload["modelPackageArn"], payload["status"])
            target = self._state.settings.events_target
        deliver(target, call.outbox)
        return {"modelPackageArn": payload["modelPackageArn"], "status": payload["status"]}

    # ------------------------------------------------------------------ events

    def _events(self, _: Payload) -> Payload:
        target = self._state.settings.events_target
        if target is None:
            return {"queueUrl": None, "region": None}
        return {"queueUrl": target.queue_url, "region": target.region}

    def _set_events(self, payload: Payload) -> Payload:
        queue_url = payload["queueUrl"]
        queue_location(queue_url)  # refuse what is not a queue URL
        target = EventsTarget(queue_url, payload.get("region"))
        with self._state.lock:
            self._state.settings = replace(self._state.settings, events_target=target)
        return self._events({})

    def _clear_events(self, _: Payload) -> Payload:
        with self._state.lock:
            self._state.settings = replace(self._state.settings, events_target=None)
        return self._events({})

    # ------------------------------------------------------------------ faults

    def _describe_faults(self, _: Payload) -> Payload:
        with self._state.lock:
            endpoint = self._state.endpoint_faults.describe()
        return {"api": self._faults.describe(), **endpoint}

    def _clear_faults(self, _: Payload) -> Payload:
        self._faults.clear()
        with self._state.lock:
            self._state.endpoint_faults.clear()
        return self._describe_faults({})

    def _add_api_fault(self, payload: Payload) -> Payload:
        error = payload.get("error", "throttling")
        if error not in ("throttling", "server-error", "access-denied"):
            raise ControlError("error must be 'throttling', 'server-error' or 'access-denied'")
        actions = payload.get("actions") or []
        if not isinstance(actions, list) or not all(isinstance(a, str) for a in actions):
            raise ControlError("actions must be a list of 'Action' or 'service.Action' strings")
        rule = self._faults.add(
            error=error,
            actions=frozenset(actions),
            count=payload.get("count"),
            probability=payload.get("probability"),
            status=payload.get("status"),
            seed=int(payload.get("seed", 0)),
        )
        return rule.describe()

    def _fail_next_create(self, payload: Payload) -> Payload:
        failure = EndpointFailure(
            payload.get("endpointName"), payload.get("failureReason") or DEFAULT_CREATE_FAILURE
        )
        with self._state.lock:
            self._state.endpoint_faults.fail_next_create(failure)
        return self._describe_faults({})

    def _fail_next_update(self, payload: Payload) -> Payload:
        failure = DeploymentFailure(
            payload.get("endpointName"),
            payload.get("failureReason") or DEFAULT_UPDATE_FAILURE,
            _count(payload, "afterBatches", default=0, minimum=0),
        )
        with self._state.lock:
            self._state.endpoint_faults.fail_next_update(failure)
        return self._describe_faults({})

    def _fail_next_rollback(self, payload: Payload) -> Payload:
        """The next rollback of a rolling deployment (of that endpoint, or any) fails
        after ``afterBatches`` rollback batches: the endpoint ends UpdateRollbackFailed."""
        failure = DeploymentFailure(
            payload.get("endpointName"),
            payload.get("failureReason") or DEFAULT_ROLLBACK_FAILURE,
            _count(payload, "afterBatches", default=0, minimum=0),
        )
        with self._state.lock:
            self._state.endpoint_faults.fail_next_rollback(failure)
        return self._describe_faults({})

    def _fail_next_async_invocation(self, payload: Payload) -> Payload:
        count = _count(payload, "count", default=1, minimum=1)
        failure = EndpointFailure(
            payload.get("endpointName"), payload.get("failureReason") or DEFAULT_ASYNC_FAILURE
        )
        with self._state.lock:
            for _ in range(count):
                self._state.endpoint_faults.fail_next_async_invocation(failure)
        return self._describe_faults({})

    def _fail_next_component_update(self, payload: Payload) -> Payload:
        after = _count(payload, "afterBatches", default=1, minimum=1)
        failure = ComponentUpdateFailure(
            payload.get("inferenceComponentName"),
            payload.get("failureReason") or DEFAULT_COMPONENT_UPDATE_FAILURE,
            after,
        )
        with self._state.lock:
            self._state.endpoint_faults.fail_next_component_update(failure)
        return self._describe_faults({})

    # ------------------------------------------------------------------ rate limit

    def _set_rate_limit(self, payload: Payload) -> Payload:
        settings = RateLimitSettings.from_payload(payload)
        if settings is None:
            self._rate_limit.clear()
        else:
            self._rate_limit.set(settings)
        return self._rate_limit.describe()

    def _clear_rate_limit(self, _: Payload) -> Payload:
        self._rate_limit.clear()
        return self._rate_limit.describe()

    # ------------------------------------------------------------------ multi-model

    def _unload_models(self, payload: Payload) -> Payload:
        """Unload a multi-model endpoint's target model (or all of them) from every
        instance's memory, as SageMaker does under memory pressure; with ``fromStorage``
        delete it from the instances' storage volumes too, so the next request downloads
        the object again."""
        name = payload["endpointName"]
        target = payload.get("targetModel")
        from_storage = payload.get("fromStorage", False)
        if not isinstance(from_storage, bool):
            raise ControlError("'fromStorage' must be true or false")
        with self._state.lock:
            now = self._state.clock.now()
            endpoints = [
                endpoint
                for partition in self._state.partitions()
                if (endpoint := partition.endpoint(name, now)) is not None
            ]
            if not endpoints:
                raise ControlError(f"No endpoint {name}", 404)
            unloaded = sum(
                cache.unload(target, from_storage=from_storage)
                for e in endpoints
                for cache in e.model_caches()
            )
        return {"endpointName": name, "unloaded": unloaded}


def _count(payload: Payload, key: str, *, default: int, minimum: int) -> int:
    value = payload.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ControlError(f"'{key}' must be an integer of at least {minimum}")
    return value
