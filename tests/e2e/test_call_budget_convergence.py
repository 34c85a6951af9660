"""End to end: the operator under a tight call budget and 30 % throttling. Several
deployments converging at once still become Ready, never Stalled, and the emulator's own
record of when each SageMaker request arrived (throttled attempts and retries included)
never shows more than the budget allows; the waits are exposed as a Prometheus metric."""

from __future__ import annotations

import urllib.request

import pytest

from devstack.operator_process import free_port
from support.e2e_stack import Stack

pytestmark = pytest.mark.e2e

RATE, BURST = 4, 4
METRICS_PORT = free_port()
DEPLOYMENTS = [f"fraud-{n}" for n in range(4)]


def most_in_any_second(moments: list[float]) -> int:
    most, start = 0, 0
    for end, moment in enumerate(moments):
        while moment - moments[start] >= 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most


def metric(name: str) -> float:
    with urllib.request.urlopen(f"http://127.0.0.1:{METRICS_PORT}/metrics", timeout=5) as page:
        text = page.read().decode()
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith(name + "{") and 'account="123456789012"' in line
    )


@pytest.mark.operator_settings(
    sagemaker_calls_per_second=str(RATE),
    sagemaker_call_burst=str(BURST),
    metrics_bind=f"127.0.0.1:{METRICS_PORT}",
)
def test_deployments_converge_under_throttling_within_the_call_budget(stack: Stack) -> None:
    stack.registry.register("fraud-detector", approval="Approved")
    stack.emulator.request("DELETE", "callers")
    stack.emulator.throttle(probability=0.3)
    for name in DEPLOYMENTS:
        stack.apply(name)
    for name in DEPLOYMENTS:
        stack.wait_serving(name, version=1, timeout=180)
        assert "Stalled" not in stack.conditions(name)
    stack.emulator.clear_faults()

    # Since the records were cleared the test itself only invoked endpoints (the runtime)
    # and read Kubernetes: every control-plane call recorded is the operator's.
    operator_calls = sorted(
        c["at"]
        for c in stack.emulator.callers()
        if c["service"] in ("sagemaker", "application-autoscaling")
        and c["account"] == "123456789012"
        and c["region"] == "us-east-1"
    )
    faulted = stack.emulator.request("GET", "calls")["faulted"]
    assert sum(faulted.values()) > 0, "throttling was injected"
    assert len(operator_calls) > 4 * RATE
    # Arrival times jitter by a request or two between the send and the emulator's record.
    assert most_in_any_second(operator_calls) <= BURST + RATE + 2
    assert metric("mdo_sagemaker_call_budget_wait_seconds_count") >= len(operator_calls) * 0.9
    assert metric("mdo_sagemaker_call_budget_wait_seconds_sum") > 1.0
