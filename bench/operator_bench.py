"""Operator benchmark: prints numbers, asserts nothing.

On the local stack (kube-apiserver + etcd, the SageMaker emulator, the operator process at
its default intervals):

1. converge N ModelDeployments, each on its own model package group, and the peak
   SageMaker call rate the emulator saw meanwhile against the operator's call budget
   (optionally with injected throttling; `--converge-only` stops there);
2. steady state: SageMaker/Auto Scaling calls per deployment per minute, by action;
3. latency from approving a version to the operator calling UpdateEndpoint, with the
   registry poll alone and with the EventBridge->SQS event path;
4. the operator's resident memory with N deployments.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from devcluster import Kubectl, open_cluster
from devstack.emulator import EmulatorControl, EmulatorProcess
from devstack.install import OPERATOR_GROUPS, OPERATOR_USER, install
from devstack.operator_process import FAKE_AWS_ENVIRONMENT, OperatorProcess
from devstack.registry import ModelRegistry, PackageRef
from model_deployment_operator.domain.naming import DeploymentRef, default_endpoint_name
from model_deployment_operator.settings import OperatorSettings

DEFAULT_RATE = OperatorSettings.model_fields["sagemaker_calls_per_second"].default
DEFAULT_BURST = OperatorSettings.model_fields["sagemaker_call_burst"].default

NAMESPACE = "bench"
ROLE = "arn:aws:iam::123456789012:role/SageMakerExecution"
STARTED = time.monotonic()


def progress(message: str) -> None:
    print(f"[{time.monotonic() - STARTED:7.1f}s] {message}", file=sys.stderr, flush=True)


def manifest(index: int) -> str:
    return f"""
apiVersion: sagemaker.mlops.dev/v1alpha1
kind: ModelDeployment
metadata:
  name: model-{index}
  namespace: {NAMESPACE}
spec:
  modelPackageGroupName: group-{index}
  executionRoleArn: {ROLE}
  endpoint:
    instanceType: ml.m5.large
  deletionPolicy: Retain
---"""


def endpoint_of(index: int) -> str:
    return default_endpoint_name(DeploymentRef(NAMESPACE, f"model-{index}", ""))


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Bench:
    def __init__(
        self, admin: Kubectl, emulator: EmulatorProcess, kubeconfig: Path, work: Path
    ) -> None:
        self.admin = admin
        self.emulator = emulator
        self.control: EmulatorControl = emulator.control
        self.kubeconfig = kubeconfig
        self.work = work
        session = boto3.session.Session(
            aws_access_key_id=FAKE_AWS_ENVIRONMENT["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=FAKE_AWS_ENVIRONMENT["AWS_SECRET_ACCESS_KEY"],
            region_name=FAKE_AWS_ENVIRONMENT["AWS_REGION"],
        )
        config = Config(retries={"mode": "standard", "max_attempts": 10}, max_pool_connections=20)
        self.sagemaker = session.client("sagemaker", endpoint_url=emulator.url, config=config)
        self.sqs = session.client("sqs", endpoint_url=emulator.url, config=config)
        self.registry = ModelRegistry(self.sagemaker)

    def operator(self, name: str, settings: dict[str, str]) -> OperatorProcess:
        return OperatorProcess(
            kubeconfig=self.kubeconfig,
            aws_endpoint_url=self.emulator.url,
            log_file=self.work / f"{name}.log",
            namespaces=[NAMESPACE],
            settings=settings,
        )

    def ready_count(self) -> int:
        listing = self.admin.json("get", "mdep", "-n", NAMESPACE)
        ready = 0
        for item in listing["items"]:
            conditions = (item.get("status") or {}).get("conditions", [])
            ready += any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)
        return ready

    def wait_all_ready(self, count: int, timeout: float) -> float:
        started = time.monotonic()
        last = -1
        while time.monotonic() - started < timeout:
            ready = self.ready_count()
            if ready != last:
                progress(f"{ready}/{count} ModelDeployments Ready")
                last = ready
            if ready >= count:
                return time.monotonic() - started
            time.sleep(2)
        msg = f"only {last}/{count} Ready after {timeout:.0f}s"
        raise SystemExit(msg)

    def time_until_updating(
        self, endpoint: str, approve: Callable[[], None], limit: float
    ) -> float:
        approve()
        approved = time.monotonic()
        while time.monotonic() - approved < limit:
            described = self.sagemaker.describe_endpoint(EndpointName=endpoint)
            if described["EndpointStatus"] == "Updating":
                return time.monotonic() - approved
            time.sleep(0.05)
        msg = f"{endpoint} was not updated within {limit:.0f}s of the approval"
        raise SystemExit(msg)


def most_in_any_second(moments: list[float]) -> int:
    most, start = 0, 0
    for end, moment in enumerate(moments):
        while moment - moments[start] >= 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most


def call_rates(bench: Bench) -> dict[str, float]:
    """The operator's budgeted calls (SageMaker and Auto Scaling, throttled attempts
    included) as the emulator recorded their arrival: peak in any one second, and mean."""
    moments = sorted(
        c["at"]
        for c in bench.control.callers()
        if c["service"] in ("sagemaker", "application-autoscaling")
    )
    if len(moments) < 2:
        return {"calls": len(moments), "peak": float(len(moments)), "mean": 0.0}
    return {
        "calls": len(moments),
        "peak": float(most_in_any_second(moments)),
        "mean": (len(moments) - 1) / (moments[-1] - moments[0]),
    }


def steady_state(
    bench: Bench, count: int, minutes: float, warmup_minutes: float
) -> dict[str, float]:
    # Deployments that converged together poll in step; the jitter spreads them over a few
    # intervals, as in a long-running operator. Counting straight away would measure the
    # phase of that one synchronized wave instead of the rate.
    progress(f"warming up for {warmup_minutes:g} minutes so the polls fall out of step")
    time.sleep(warmup_minutes * 60)
    progress(f"steady state: counting calls for {minutes:g} minutes")
    bench.control.reset_calls()
    time.sleep(minutes * 60)
    calls = bench.control.calls()
    return {action: n / count / minutes for action, n in sorted(calls.items())}


def latencies(
    bench: Bench, packages: list[PackageRef], samples: int, poll_seconds: float
) -> list[float]:
    # An approval lands at a random moment of a deployment's poll cycle. Approving right
    # after the previous sample was detected would not: the deployments poll nearly in
    # step, so every sample would wait almost a full interval.
    phases = random.Random(7)  # noqa: S311 - sampling, not security
    results: list[float] = []
    for index in range(samples):
        group = f"group-{index}"
        nxt = bench.registry.register(group)
        time.sleep(phases.uniform(0, poll_seconds))
        delay = bench.time_until_updating(
            endpoint_of(index), partial(bench.registry.approve, nxt), poll_seconds * 2.5
        )
        results.append(delay)
        progress(f"poll: approval of {group} v{nxt.version} -> UpdateEndpoint in {delay:.2f}s")
        packages.append(nxt)
    return results


def describe(values: list[float]) -> str:
    if not values:
        return "n/a"
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]
    return (
        f"median {statistics.median(values):.2f}s, p90 {p90:.2f}s, "
        f"min {min(values):.2f}s, max {max(values):.2f}s (n={len(values)})"
    )


@contextmanager
def stack(work: Path) -> Iterator[tuple[Kubectl, EmulatorProcess, Path]]:
    with ExitStack() as exits:
        progress("starting the local API server")
        cluster = open_cluster(work / "cluster")
        exits.callback(cluster.stop)
        admin = Kubectl(cluster.kubectl_path, cluster.admin_kubeconfig, timeout=120)
        install(admin)
        kubeconfig = cluster.kubeconfig_for(
            OPERATOR_USER, OPERATOR_GROUPS, out=work / "op.kubeconfig"
        )
        progress("starting the SageMaker emulator")
        emulator = EmulatorProcess(
            log_file=work / "emulator.log",
            arguments=(
                "--creating-seconds",
                "5",
                "--updating-seconds",
                "5",
                "--deleting-seconds",
                "2",
            ),
        ).start()
        exits.callback(emulator.stop)
        yield admin, emulator, kubeconfig


def print_converge(count: int, report: dict[str, Any]) -> None:
    rate, burst = report["budget"]
    rates = report["converge_rates"]
    print("\nmodel-deployment-operator benchmark")
    print(f"  deployments:                         {count}")
    print(f"  time for all to become Ready:        {report['converge_seconds']:.1f}s")
    print(
        f"  call budget (calls/s, burst):        {rate:g}, {burst}" + (" (off)" if not rate else "")
    )
    print(
        f"  SageMaker calls while converging:    {rates['calls']}: peak {rates['peak']:.0f} in "
        f"one second, mean {rates['mean']:.2f}/s"
    )


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Operator benchmark (prints numbers).")
    parser.add_argument("--deployments", type=int, default=100)
    parser.add_argument("--steady-minutes", type=float, default=3.0)
    parser.add_argument("--warmup-minutes", type=float, default=2.0)
    parser.add_argument("--poll-samples", type=int, default=5)
    parser.add_argument("--event-samples", type=int, default=10)
    parser.add_argument(
        "--calls-per-second", type=float, help="the operator's call budget (0: off)"
    )
    parser.add_argument("--call-burst", type=int)
    parser.add_argument(
        "--throttle-probability",
        type=float,
        default=0.0,
        help="throttle this share of calls while the deployments converge",
    )
    parser.add_argument(
        "--converge-only", action="store_true", help="stop once every deployment is Ready"
    )
    return parser.parse_args()


def budget_settings(args: argparse.Namespace) -> dict[str, str]:
    budget: dict[str, str] = {}
    if args.calls_per_second is not None:
        budget["sagemaker_calls_per_second"] = str(args.calls_per_second)
    if args.call_burst is not None:
        budget["sagemaker_call_burst"] = str(args.call_burst)
    return budget


def main() -> int:
    args = arguments()
    count = args.deployments
    work = Path(tempfile.mkdtemp(prefix="mdo-bench-"))
    progress(f"work directory {work}")
    report: dict[str, Any] = {}
    with stack(work) as (admin, emulator, kubeconfig):
        bench = Bench(admin, emulator, kubeconfig, work)
        packages: list[PackageRef] = []
        progress(f"registering and approving version 1 in {count} model package groups")
        for index in range(count):
            bench.registry.create_group(f"group-{index}")
            packages.append(bench.registry.register(f"group-{index}", approval="Approved"))
        admin("create", "namespace", NAMESPACE)
        admin("apply", "-f", "-", input="".join(manifest(i) for i in range(count)))

        budget = budget_settings(args)
        report["budget"] = (
            args.calls_per_second if args.calls_per_second is not None else DEFAULT_RATE,
            args.call_burst if args.call_burst is not None else DEFAULT_BURST,
        )
        bench.control.request("DELETE", "callers")
        if args.throttle_probability:
            bench.control.throttle(probability=args.throttle_probability)
        with bench.operator("operator-default", budget) as operator:
            progress(f"operator started (registry poll 60s, call budget {budget or 'default'})")
            report["converge_seconds"] = bench.wait_all_ready(count, timeout=max(600, count * 3))
            report["converge_rates"] = call_rates(bench)
            bench.control.clear_faults()
            if args.converge_only:
                print_converge(count, report)
                return 0
            report["steady_calls_per_deployment_minute"] = steady_state(
                bench, count, args.steady_minutes, args.warmup_minutes
            )
            report["rss_mib"] = rss_mib(operator.pid or 0)
            report["poll_latency"] = latencies(bench, packages, args.poll_samples, poll_seconds=60)

        queue = bench.sqs.create_queue(QueueName="registry-events")["QueueUrl"]
        bench.control.request("PUT", "events", {"queueUrl": queue})
        settings = {"registry_events_queue_url": queue, **budget}
        with bench.operator("operator-events", settings):
            progress("operator restarted with the SQS registry-event queue")
            bench.wait_all_ready(count, timeout=600)
            offset = args.poll_samples
            report["event_latency"] = []
            for index in range(offset, offset + args.event_samples):
                pending = bench.registry.register(f"group-{index}")
                delay = bench.time_until_updating(
                    endpoint_of(index), partial(bench.registry.approve, pending), 60
                )
                progress(f"events: approval of group-{index} -> UpdateEndpoint in {delay:.2f}s")
                report["event_latency"].append(delay)

    steady = report["steady_calls_per_deployment_minute"]
    print_converge(count, report)
    print(f"  operator resident memory:            {report['rss_mib']:.0f} MiB")
    print(f"  steady-state calls/deployment/minute: {sum(steady.values()):.2f} in total")
    for action, rate in steady.items():
        print(f"      {action:<45} {rate:.3f}")
    print(f"  approval -> UpdateEndpoint (poll):   {describe(report['poll_latency'])}")
    print(f"  approval -> UpdateEndpoint (events): {describe(report['event_latency'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
