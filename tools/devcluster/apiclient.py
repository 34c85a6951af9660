"""A minimal HTTPS client for the API server, authenticated with a client certificate.

Used for readiness probes and by tests that want raw HTTP (for example a streaming
watch). Anything richer goes through kubectl, as a user would.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import ssl
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from devcluster.kubeconfig import load_kubeconfig


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class ApiClient:
    """HTTPS to one API server. Never uses proxies: the server is on loopback."""

    def __init__(self, server_url: str, ca_file: Path, cert_file: Path, key_file: Path) -> None:
        parts = urlsplit(server_url)
        if parts.scheme != "https" or parts.hostname is None or parts.port is None:
            raise ValueError(f"expected https://host:port, got {server_url!r}")
        self.host: str = parts.hostname
        self.port: int = parts.port
        self._context = ssl.create_default_context(cafile=str(ca_file))
        self._context.load_cert_chain(str(cert_file), str(key_file))

    @classmethod
    def from_kubeconfig(cls, path: Path) -> ApiClient:
        """A client for the current context of a kubeconfig that uses a client certificate
        (certificate-authority-data, client-certificate-data, client-key-data)."""
        config = load_kubeconfig(path)
        contexts = {c["name"]: c["context"] for c in config["contexts"]}
        context = contexts[config["current-context"]]
        cluster = next(c["cluster"] for c in config["clusters"] if c["name"] == context["cluster"])
        user = next(u["user"] for u in config["users"] if u["name"] == context["user"])
        if "client-certificate-data" not in user or "certificate-authority-data" not in cluster:
            raise ValueError(f"{path}: needs embedded CA and client certificate data")
        with tempfile.TemporaryDirectory(prefix="devcluster-client-") as tmp:
            files = {}
            for name, data in (
                ("ca.crt", cluster["certificate-authority-data"]),
                ("client.crt", user["client-certificate-data"]),
                ("client.key", user["client-key-data"]),
            ):
                files[name] = Path(tmp) / name
                fd = os.open(files[name], os.O_WRONLY | os.O_CREAT, 0o600)
                with os.fdopen(fd, "wb") as handle:
                    handle.write(base64.b64decode(data))
            # The SSL context reads the files now; they are not needed afterwards.
            return cls(
                str(cluster["server"]), files["ca.crt"], files["client.crt"], files["client.key"]
            )

    def _connection(self, timeout: float) -> http.client.HTTPSConnection:
        return http.client.HTTPSConnection(
            self.host, self.port, context=self._context, timeout=timeout
        )

    def request(
        self, method: str, path: str, body: Any = None, *, timeout: float = 10.0
    ) -> Response:
        conn = self._connection(timeout)
        try:
            headers = {"Accept": "application/json"}
            payload = None
            if body is not None:
                payload = json.dumps(body).encode()
                headers["Content-Type"] = "application/json"
            conn.request(method, path, body=payload, headers=headers)
            response = conn.getresponse()
            return Response(response.status, response.read())
        finally:
            conn.close()

    def get(self, path: str, *, timeout: float = 10.0) -> Response:
        return self.request("GET", path, timeout=timeout)

    def watch(self, path: str, *, timeout: float = 30.0) -> Iterator[dict[str, Any]]:
        """Stream watch events (one JSON object per line) from a `?watch=true` path.

        `timeout` bounds each read, so a silent server raises TimeoutError instead of
        hanging. Closing the generator closes the connection.
        """
        conn = self._connection(timeout)
        try:
            conn.request("GET", path, headers={"Accept": "application/json"})
            response = conn.getresponse()
            if response.status != 200:
                raise RuntimeError(
                    f"watch {path}: HTTP {response.status}: {response.read()[:500]!r}"
                )
            while line := response.readline():
                if line.strip():
                    event = json.loads(line)
                    if not isinstance(event, dict):
                        raise RuntimeError(f"watch {path}: unexpected line {line[:200]!r}")
                    yield event
        finally:
            conn.close()
