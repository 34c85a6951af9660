"""Assembles the emulator and serves it on one threaded HTTP/1.1 port."""

from __future__ import annotations

import threading
from typing import Any

import botocore.session
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import BaseWSGIServer, make_server

from sagemaker_emulator import (
    autoscaling,
    endpoint_configs,
    endpoints,
    inference_components,
    models,
    registry,
    scheduled_actions,
    search,
    tagging,
)
from sagemaker_emulator.app import AccountResolver, EmulatorApp
from sagemaker_emulator.async_inference import AsyncWorker
from sagemaker_emulator.call_counts import CallCounts
from sagemaker_emulator.callers import CallerLog
from sagemaker_emulator.clock import Clock, SystemClock
from sagemaker_emulator.control import ControlApi
from sagemaker_emulator.endpoint_events import EndpointEventsWorker
from sagemaker_emulator.faults import ApiFaults
from sagemaker_emulator.rate_limit import RateLimit
from sagemaker_emulator.services import JsonService, RuntimeService
from sagemaker_emulator.state import EmulatorState, Settings
from sagemaker_emulator.validation import InputValidator


class _QuietRequestHandler(MotoRequestHandler):
    """moto's handler (it keeps S3 metadata header names intact) without a log line per
    request: at benchmark rates the logging costs more than serving."""

    def log_request(self, code: Any = "-", size: Any = "-") -> None:  # noqa: ARG002
        return


def _reset_moto() -> None:
    from moto.moto_api._internal.models import moto_api_backend  # noqa: PLC0415

    moto_api_backend.reset()


def build_app(
    settings: Settings, clock: Clock | None = None
) -> tuple[EmulatorApp, EmulatorState, AsyncWorker]:
    """The WSGI application, the state behind it and its asynchronous-inference worker."""
    state = EmulatorState(clock or SystemClock(), settings)
    worker = AsyncWorker(state)
    session = botocore.session.get_session()

    def validator(service: str) -> InputValidator:
        return InputValidator(session.get_service_model(service))

    sagemaker_validator = validator("sagemaker")
    sagemaker_operations = {
        **registry.OPERATIONS,
        **models.OPERATIONS,
        **endpoint_configs.OPERATIONS,
        **endpoints.OPERATIONS,
        **inference_components.OPERATIONS,
        **tagging.OPERATIONS,
        **search.OPERATIONS,
    }
    faults = ApiFaults()
    rate_limit = RateLimit(state.clock)
    counts = CallCounts()
    accounts = AccountResolver()
    callers = CallerLog(state.clock)

    def reset_delegated() -> None:
        _reset_moto()
        accounts.forget()
        callers.forget()

    app = EmulatorApp(
        services={
            "sagemaker": JsonService("sagemaker", state, sagemaker_validator, sagemaker_operations),
            "application-autoscaling": JsonService(
                "application-autoscaling",
                state,
                validator("application-autoscaling"),
                {**autoscaling.OPERATIONS, **scheduled_actions.OPERATIONS},
            ),
            "sagemaker-runtime": RuntimeService(state, validator("sagemaker-runtime"), worker),
        },
        control=ControlApi(
            state,
            faults,
            counts,
            rate_limit=rate_limit,
            callers=callers,
            reset_delegated=reset_delegated,
        ),
        delegate=DomainDispatcherApplication(create_backend_app),
        faults=faults,
        rate_limit=rate_limit,
        counts=counts,
        accounts=accounts,
        callers=callers,
    )
    return app, state, worker


class EmulatorServer:
    """The emulator on ``host:port`` (port 0 picks a free one)."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        settings: Settings | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.app, self.state, self._worker = build_app(settings or Settings(), clock)
        self._endpoint_events = EndpointEventsWorker(self.state)
        self._endpoint_events.start()
        self._server: BaseWSGIServer = make_server(
            host, port, self.app, threaded=True, request_handler=_QuietRequestHandler
        )
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self._server.host}:{self._server.server_port}"

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def start(self) -> None:
        """Serve from a background thread (for in-process use)."""
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="sagemaker-emulator", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._worker.stop()
        self._endpoint_events.stop()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
