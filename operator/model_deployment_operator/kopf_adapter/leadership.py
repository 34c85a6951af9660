"""Running kopf only while this replica holds the leader Lease.

A standby never starts kopf: no watch, no scheduler, no handler, no SageMaker call and no
status write can happen before it leads. Meanwhile it answers /healthz itself (kopf's
liveness endpoint only exists once kopf runs), so the kubelet keeps it alive and ready.

Losing the Lease ends the process at once (`os._exit`): worker threads may be inside an
AWS call, and only the end of the process stops them all before a standby may take over.
Kubernetes restarts the container, which comes back as a standby.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Self

from model_deployment_operator import metrics
from model_deployment_operator.ports import Leadership

log = logging.getLogger(__name__)

# Distinct from kopf's own failures, so a restart for this reason reads as such.
LOST_LEADERSHIP_EXIT_CODE = 75


class StandbyProbe:
    """/healthz for a standby: 200 with who leads, on the address kopf will use later."""

    def __init__(self, bind: str, leadership: Leadership) -> None:
        host, _, port = bind.rpartition(":")
        leadership_ = leadership

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path.split("?", 1)[0] != "/healthz":
                    self.send_error(404)
                    return
                body = json.dumps(
                    {
                        "leader": False,
                        "identity": leadership_.identity,
                        "holder": leadership_.holder(),
                        "lease": leadership_.lease,
                    }
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                """Probes every few seconds would flood the log."""

        self._server = ThreadingHTTPServer((host or "127.0.0.1", int(port)), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="standby-probe", daemon=True
        )

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        # Frees the port before kopf binds its own liveness endpoint to it.
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def lose_leadership(why: str) -> None:
    """Stop acting now: no handler may run once a standby can take over."""
    metrics.LEADER.set(0)
    log.error("Lost the leadership (%s); exiting so that the pod restarts as a standby", why)
    for handler in logging.getLogger().handlers:
        handler.flush()
    sys.stderr.flush()
    os._exit(LOST_LEADERSHIP_EXIT_CODE)


def run_while_leading(
    leadership: Leadership,
    health_bind: str,
    run_operator: Callable[[], None],
    on_lost: Callable[[str], None] = lose_leadership,
) -> None:
    """Stand by until this replica holds the Lease, then run the operator, renewing the
    Lease meanwhile; release it when the operator stops cleanly (SIGTERM)."""
    metrics.LEADER.set(0)
    stop = threading.Event()
    log.info("Leader election on Lease %s as %s", leadership.lease, leadership.identity)
    with StandbyProbe(health_bind, leadership):
        leading = leadership.wait_until_leader(stop)
    if not leading:
        return
    metrics.LEADER.set(1)
    log.info("Leading (Lease %s); starting to reconcile", leadership.lease)
    renewer = threading.Thread(
        target=leadership.keep_leading, args=(on_lost, stop), name="lease-renewer", daemon=True
    )
    renewer.start()
    try:
        run_operator()
    finally:
        stop.set()
        renewer.join(timeout=5)
        leadership.release()
        metrics.LEADER.set(0)
