"""Process-level observability: the Prometheus metrics endpoint."""

from __future__ import annotations

from prometheus_client import start_http_server


def start_metrics_server(bind: str) -> None:
    """Serve /metrics on host:port in a background thread."""
    host, _, port = bind.rpartition(":")
    start_http_server(int(port), addr=host or "127.0.0.1")
