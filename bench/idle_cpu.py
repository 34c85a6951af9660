"""Idle cost of the operator: its process CPU while N ModelDeployments are settled.

Prints numbers, asserts nothing. On the local stack (kube-apiserver + etcd, the SageMaker
emulator, the operator process at its default intervals), it applies N ModelDeployments on
N model package groups, waits until all are Ready, lets them settle, then reads the
operator's CPU time (user + system, /proc/PID/stat) over a window. Registry polls (60 s by
default) still happen inside the window, so the number is the steady cost, not zero.

The operator runs from whatever `model_deployment_operator` PYTHONPATH gives the subprocess:
    PYTHONPATH=$PWD/operator:$PWD/tools python bench/idle_cpu.py --deployments 200
measures this checkout; pointing PYTHONPATH at another checkout's operator/ and tools/
measures that one (the comparison in the report of issue 12, item 3).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import boto3

from devcluster import Kubectl, open_cluster
from devstack.emulator import EmulatorProcess
from devstack.install import OPERATOR_GROUPS, OPERATOR_USER, install
from devstack.operator_process import FAKE_AWS_ENVIRONMENT, OperatorProcess
from devstack.registry import ModelRegistry

NAMESPACE = "idle"
ROLE = "arn:aws:iam::123456789012:role/SageMakerExecution"
TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")
STARTED = time.monotonic()


def progress(message: str) -> None:
    print(f"[{time.monotonic() - STARTED:7.1f}s] {message}", file=sys.stderr, flush=True)


def manifest(index: int, groups: int) -> str:
    return f"""
apiVersion: sagemaker.mlops.dev/v1alpha1
kind: ModelDeployment
metadata:
  name: model-{index}
  namespace: {NAMESPACE}
spec:
  modelPackageGroupName: group-{index % groups}
  executionRoleArn: {ROLE}
  endpoint:
    instanceType: ml.m5.large
  deletionPolicy: Retain
---"""


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc/PID/stat (fields 14 and 15)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / TICKS_PER_SECOND


def ready_count(admin: Kubectl) -> int:
    listing = admin.json("get", "mdep", "-n", NAMESPACE)
    return sum(
        any(
            c["type"] == "Ready" and c["status"] == "True"
            for c in (item.get("status") or {}).get("conditions", [])
        )
        for item in listing["items"]
    )


def wait_all_ready(admin: Kubectl, count: int, timeout: float) -> float:
    started = time.monotonic()
    last = -1
    while time.monotonic() - started < timeout:
        ready = ready_count(admin)
        if ready != last:
            progress(f"{ready}/{count} ModelDeployments Ready")
            last = ready
        if ready >= count:
            return time.monotonic() - started
        time.sleep(2)
    msg = f"only {last}/{count} Ready after {timeout:.0f}s"
    raise SystemExit(msg)


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Operator CPU while deployments are settled.")
    parser.add_argument("--deployments", type=int, default=200)
    parser.add_argument(
        "--groups", type=int, help="model package groups they use (default: one each)"
    )
    parser.add_argument("--seconds", type=float, default=60.0, help="measuring window")
    parser.add_argument(
        "--settle-seconds", type=float, default=30.0, help="wait after all are Ready"
    )
    parser.add_argument(
        "--registry-poll-seconds",
        type=float,
        help="the operator's registry poll; longer than the window leaves only the "
        "scheduling cost in it (default: the operator's own, 60 s)",
    )
    return parser.parse_args()


def main() -> int:
    args = arguments()
    count = args.deployments
    groups = args.groups or count
    settings = {}
    if args.registry_poll_seconds is not None:
        settings["registry_poll_seconds"] = str(args.registry_poll_seconds)
    work = Path(tempfile.mkdtemp(prefix="mdo-idle-"))
    progress(f"work directory {work}")
    cluster = open_cluster(work / "cluster")
    try:
        admin = Kubectl(cluster.kubectl_path, cluster.admin_kubeconfig, timeout=120)
        install(admin)
        kubeconfig = cluster.kubeconfig_for(
            OPERATOR_USER, OPERATOR_GROUPS, out=work / "op.kubeconfig"
        )
        with EmulatorProcess(
            log_file=work / "emulator.log", arguments=("--creating-seconds", "2")
        ) as emulator:
            sagemaker = boto3.session.Session(
                aws_access_key_id=FAKE_AWS_ENVIRONMENT["AWS_ACCESS_KEY_ID"],
                aws_secret_access_key=FAKE_AWS_ENVIRONMENT["AWS_SECRET_ACCESS_KEY"],
                region_name=FAKE_AWS_ENVIRONMENT["AWS_REGION"],
            ).client("sagemaker", endpoint_url=emulator.url)
            registry = ModelRegistry(sagemaker)
            progress(f"registering and approving version 1 in {groups} model package groups")
            for index in range(groups):
                registry.create_group(f"group-{index}")
                registry.register(f"group-{index}", approval="Approved")
            admin("create", "namespace", NAMESPACE)
            admin("apply", "-f", "-", input="".join(manifest(i, groups) for i in range(count)))
            with OperatorProcess(
                kubeconfig=kubeconfig,
                aws_endpoint_url=emulator.url,
                log_file=work / "operator.log",
                namespaces=[NAMESPACE],
                settings=settings,
            ) as operator:
                pid = operator.pid or 0
                converged = wait_all_ready(admin, count, timeout=max(600, count * 3))
                progress(f"all Ready in {converged:.0f}s; settling for {args.settle_seconds:g}s")
                time.sleep(args.settle_seconds)
                before, started = cpu_seconds(pid), time.monotonic()
                time.sleep(args.seconds)
                used, elapsed = cpu_seconds(pid) - before, time.monotonic() - started
    finally:
        cluster.stop()
    print("\nmodel-deployment-operator idle CPU")
    print(f"  settled deployments:        {count} over {groups} model package groups")
    print(f"  operator settings:          {settings or 'defaults'}")
    print(f"  window:                     {elapsed:.0f}s")
    print(f"  operator CPU in the window: {used:.2f}s = {100 * used / elapsed:.1f}% of a core")
    return 0


if __name__ == "__main__":
    sys.exit(main())
