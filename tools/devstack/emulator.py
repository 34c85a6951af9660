"""The SageMaker emulator as a real process, and a client for its /_emulator/ control API."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

READY_LINE = re.compile(r"ready at (?P<url>http://\S+)")


class EmulatorProcess:
    """`sagemaker-emulator --port 0`, started and stopped; `url` once ready."""

    def __init__(self, *, log_file: Path, arguments: Sequence[str] = ()) -> None:
        self.log_file = log_file
        self.arguments = tuple(arguments)
        self.url = ""
        self._process: subprocess.Popen[str] | None = None
        self._log: IO[str] | None = None

    def start(self, timeout: float = 60.0) -> Self:
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_file.open("a")
        command = [sys.executable, "-m", "sagemaker_emulator", "--port", "0", *self.arguments]
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=self._log, text=True, bufsize=1
        )
        self._process = process
        ready = threading.Event()

        def read_ready_line() -> None:
            assert process.stdout is not None  # noqa: S101 - stdout=PIPE above
            for line in process.stdout:
                match = READY_LINE.search(line)
                if match and not ready.is_set():
                    self.url = match.group("url")
                    ready.set()

        threading.Thread(target=read_ready_line, daemon=True).start()
        if not ready.wait(timeout):
            self.stop()
            msg = f"sagemaker-emulator printed no ready line in {timeout}s: {self.logs()[-2000:]}"
            raise RuntimeError(msg)
        return self

    @property
    def control(self) -> EmulatorControl:
        return EmulatorControl(self.url)

    def stop(self) -> None:
        process = self._process
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        if self._log is not None:
            self._log.close()
            self._log = None

    def logs(self) -> str:
        try:
            return self.log_file.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


class EmulatorControl:
    """The emulator's control API (see docs/emulator.md)."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")

    def request(self, method: str, route: str, payload: Mapping[str, Any] | None = None) -> Any:
        data = json.dumps(payload).encode() if payload is not None else None
        request = urllib.request.Request(  # noqa: S310 - loopback URL of our own emulator
            f"{self.url}/_emulator/{route}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            body = response.read()
        return json.loads(body) if body else None

    def reset(self) -> None:
        self.request("POST", "reset")

    def calls(self) -> dict[str, int]:
        snapshot = self.request("GET", "calls")
        return dict(snapshot.get("calls", {}))

    def call_count(self, action: str) -> int:
        """Calls of one action, e.g. 'UpdateEndpoint' or 'sagemaker.UpdateEndpoint'."""
        calls = self.calls()
        if "." in action:
            return calls.get(action, 0)
        return sum(n for key, n in calls.items() if key.rsplit(".", 1)[-1] == action)

    def reset_calls(self) -> None:
        self.request("DELETE", "calls")

    def callers(self) -> list[dict[str, Any]]:
        """Every AWS call since the last reset, with who made it: `principal` (the
        assumed-role session ARN, or `access-key/<id>`), its `sessionTags`, `service`,
        `action`, the `resource` it named, its `account` and `region`, and `at`, when it
        arrived (seconds since the epoch)."""
        return list(self.request("GET", "callers")["calls"])

    def set_durations(self, **seconds: float) -> Any:
        return self.request("PUT", "durations", seconds)

    def throttle(
        self,
        *,
        probability: float | None = None,
        count: int | None = None,
        actions: Sequence[str] = (),
        seed: int = 7,
    ) -> Any:
        payload: dict[str, Any] = {"error": "throttling", "actions": list(actions), "seed": seed}
        if probability is not None:
            payload["probability"] = probability
        if count is not None:
            payload["count"] = count
        return self.request("POST", "faults/api", payload)

    def clear_faults(self) -> None:
        self.request("DELETE", "faults")

    def rate_limit(
        self,
        calls_per_second: float,
        burst: int | None = None,
        services: Sequence[str] | None = None,
    ) -> dict[str, Any]:
        """Throttle each account and region's calls beyond `calls_per_second` (a token
        bucket of `burst` tokens, one second of calls by default) with ThrottlingException,
        as AWS does; `services` defaults to sagemaker and application-autoscaling. 0
        removes the limit. Returns the limit as `rate_limit_status` shows it."""
        payload: dict[str, Any] = {"callsPerSecond": calls_per_second}
        if burst is not None:
            payload["burst"] = burst
        if services is not None:
            payload["services"] = list(services)
        return dict(self.request("PUT", "rate-limit", payload))

    def rate_limit_status(self) -> dict[str, Any]:
        """The limit (`callsPerSecond` 0 when there is none), the calls it has `throttled`,
        and per account and region (`buckets`) its tokens now and calls throttled."""
        return dict(self.request("GET", "rate-limit"))

    def clear_rate_limit(self) -> None:
        self.request("DELETE", "rate-limit")

    def fail_next_endpoint_create(
        self, endpoint: str | None = None, reason: str | None = None
    ) -> None:
        self.request(
            "POST", "faults/endpoint-create", {"endpointName": endpoint, "failureReason": reason}
        )

    def fail_next_endpoint_update(
        self, endpoint: str | None = None, reason: str | None = None
    ) -> None:
        self.request(
            "POST", "faults/endpoint-update", {"endpointName": endpoint, "failureReason": reason}
        )

    def fail_next_async_invocation(
        self, endpoint: str | None = None, reason: str | None = None, count: int = 1
    ) -> None:
        """The next `count` InvokeEndpointAsync requests (of that endpoint, or any) fail:
        their failure object and error notification are written instead of a result."""
        self.request(
            "POST",
            "faults/async-inference",
            {"endpointName": endpoint, "failureReason": reason, "count": count},
        )

    def fail_next_inference_component_update(
        self, component: str | None = None, reason: str | None = None, after_batches: int = 1
    ) -> None:
        """The next UpdateInferenceComponent that changes the Specification (of that
        component, or any) fails once `after_batches` batches of copies are replaced, and
        rolls back to the old Specification with `reason` as FailureReason."""
        self.request(
            "POST",
            "faults/inference-component-update",
            {
                "inferenceComponentName": component,
                "failureReason": reason,
                "afterBatches": after_batches,
            },
        )

    def unload_multi_model(
        self, endpoint: str, target_model: str | None = None, *, from_storage: bool = False
    ) -> int:
        """Unload a multi-model endpoint's target model (or every model) from its instances'
        memory, as SageMaker does under memory pressure; `from_storage` also deletes it
        from their storage volumes, so the next request downloads the object again.
        Returns how many loaded copies were dropped."""
        answer = self.request(
            "POST",
            "multi-model/unload",
            {"endpointName": endpoint, "targetModel": target_model, "fromStorage": from_storage},
        )
        return int(answer["unloaded"])

    def set_package_status(self, arn: str, status: str) -> None:
        self.request("PUT", "model-packages/status", {"modelPackageArn": arn, "status": status})

    def wait_healthy(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.request("GET", "health")
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
