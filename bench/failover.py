"""SIGKILL the leader of two replicas and time the standby's takeover.

From the kill: the Lease changing hands, the standby's first SageMaker call (the emulator
records each call with the caller's access key, and each replica has its own), the first
status write on any ModelDeployment, and a ModelDeployment created just after the kill
getting its first status and becoming Ready (only the new leader can do either).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.deployment_watch import DeploymentWatch
from bench.kube_api import BenchKube

from devstack.emulator import EmulatorControl
from devstack.operator_process import OperatorProcess


@dataclass(frozen=True)
class Failover:
    lease_taken: float | None
    first_call: float | None
    first_status_write: float | None
    new_deployment_ready: float | None
    waited_seconds: float


@dataclass(frozen=True)
class Standby:
    identity: str
    access_key: str


def measure_failover(
    *,
    kube: BenchKube,
    control: EmulatorControl,
    watch: DeploymentWatch,
    leader: OperatorProcess,
    standby: Standby,
    lease: tuple[str, str],
    new_deployment: dict[str, Any],
    limit_seconds: float,
    progress: Callable[[str], None],
) -> Failover:
    lease_namespace, lease_name = lease
    principal = f"access-key/{standby.access_key}"
    name = new_deployment["metadata"]["name"]
    control.request("DELETE", "callers")
    killed = time.monotonic()
    killed_epoch = time.time()  # the emulator stamps each call with the epoch
    leader.kill()
    progress(f"failover: leader SIGKILLed; creating {name}")
    kube.create_deployment(new_deployment["metadata"]["namespace"], new_deployment)
    lease_taken: float | None = None
    first_call: float | None = None
    while time.monotonic() - killed < limit_seconds:
        now = time.monotonic() - killed
        if lease_taken is None and kube.lease_holder(lease_namespace, lease_name) == (
            standby.identity
        ):
            lease_taken = now
            progress(f"failover: the standby holds the Lease {now:.1f}s after the kill")
        if first_call is None:
            calls = [c["at"] for c in control.callers() if c["principal"] == principal]
            if calls:
                first_call = min(calls) - killed_epoch
                progress(
                    f"failover: the standby's first SageMaker call {first_call:.1f}s after the kill"
                )
        if lease_taken is not None and first_call is not None and watch.first_ready(name):
            break
        time.sleep(0.1)
    status_write = watch.first_status_write_after(killed)
    ready = watch.first_ready(name)
    return Failover(
        lease_taken=lease_taken,
        first_call=first_call,
        first_status_write=status_write - killed if status_write is not None else None,
        new_deployment_ready=ready - killed if ready is not None else None,
        waited_seconds=limit_seconds,
    )
