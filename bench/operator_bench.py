"""Operator benchmark, issue 12's scenario: prints numbers beside the goals, asserts nothing.

    python -m bench.operator_bench [--deployments 1000 --groups 100 ...]

On the local stack (kube-apiserver + etcd, the SageMaker emulator with 5 s endpoint
creation, the operator as a process at its default settings):

1. N ModelDeployments over G model package groups are created at once; time until all are
   Ready, and the SageMaker call rate meanwhile;
2. after a warm-up, a steady window: SageMaker calls per deployment per minute by action,
   ListModelPackages per group per minute, the operator's CPU share; its peak RSS;
3. approval -> every deployment of the group Ready on the new version, for several groups,
   with the registry poll alone;
(--memory-profile: then a second operator, under tracemalloc, is started on the settled
deployments, and where its memory goes is printed;)
4. two replicas with leader election and the SQS registry-event queue: the same latency on
   the event path, then SIGKILL the leader and time the standby's takeover.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

import boto3
from bench.approvals import approval_latencies, with_updates_sent
from bench.deployment_watch import DeploymentWatch
from bench.failover import Standby, measure_failover
from bench.kube_api import BenchKube
from bench.memory_profile import MemoryProfile, ProfiledOperator
from bench.process_usage import CpuWindow, peak_resident_mib, resident_mib
from bench.results import Results
from bench.scenario import Scenario
from botocore.config import Config

from devcluster import Kubectl, open_cluster
from devstack.emulator import EmulatorControl, EmulatorProcess
from devstack.install import (
    OPERATOR_GROUPS,
    OPERATOR_NAMESPACE,
    OPERATOR_SERVICE_ACCOUNT,
    OPERATOR_USER,
    install,
)
from devstack.operator_process import FAKE_AWS_ENVIRONMENT, OperatorProcess
from devstack.registry import ModelRegistry
from model_deployment_operator.settings import OperatorSettings

DEFAULTS = OperatorSettings.model_fields
REGISTRY_POLL_SECONDS = float(DEFAULTS["registry_poll_seconds"].default)
LEASE_NAME = "mdo-bench"
STARTED = time.monotonic()


def progress(message: str) -> None:
    print(f"[{time.monotonic() - STARTED:7.1f}s] {message}", file=sys.stderr, flush=True)


def most_in_any_second(moments: list[float]) -> int:
    most, start = 0, 0
    for end, moment in enumerate(moments):
        while moment - moments[start] >= 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most


def converge_calls(control: EmulatorControl) -> str:
    """The operator's budgeted calls (SageMaker and Auto Scaling, throttled attempts
    included) as the emulator recorded their arrival: peak in any one second, and mean."""
    moments = sorted(
        c["at"]
        for c in control.callers()
        if c["service"] in ("sagemaker", "application-autoscaling")
    )
    if len(moments) < 2:
        return f"{len(moments)} calls"
    mean = (len(moments) - 1) / (moments[-1] - moments[0])
    return (
        f"{len(moments)} calls: peak {most_in_any_second(moments)} in one second, mean {mean:.1f}/s"
    )


@contextmanager
def local_stack(work: Path) -> Iterator[tuple[Kubectl, EmulatorProcess, Path, Path]]:
    with ExitStack() as exits:
        progress("starting the local API server")
        cluster = open_cluster(work / "cluster")
        exits.callback(cluster.stop)
        admin = Kubectl(cluster.kubectl_path, cluster.admin_kubeconfig, timeout=120)
        install(admin)
        operator_kubeconfig = cluster.kubeconfig_for(
            OPERATOR_USER, OPERATOR_GROUPS, out=work / "op.kubeconfig"
        )
        progress("starting the SageMaker emulator (endpoint creation and update take 5 s)")
        emulator = EmulatorProcess(
            log_file=work / "emulator.log",
            arguments=(
                "--creating-seconds", "5", "--updating-seconds", "5", "--deleting-seconds", "2",
            ),
        ).start()  # fmt: skip
        exits.callback(emulator.stop)
        yield admin, emulator, cluster.admin_kubeconfig, operator_kubeconfig


class Bench:
    def __init__(
        self,
        args: argparse.Namespace,
        emulator: EmulatorProcess,
        admin_kubeconfig: Path,
        operator_kubeconfig: Path,
        work: Path,
    ) -> None:
        self.args = args
        self.scenario = Scenario(args.deployments, args.groups)
        self.emulator = emulator
        self.control = emulator.control
        self.operator_kubeconfig = operator_kubeconfig
        self.work = work
        self.kube = BenchKube(admin_kubeconfig)
        session = boto3.session.Session(
            aws_access_key_id=FAKE_AWS_ENVIRONMENT["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=FAKE_AWS_ENVIRONMENT["AWS_SECRET_ACCESS_KEY"],
            region_name=FAKE_AWS_ENVIRONMENT["AWS_REGION"],
        )
        config = Config(retries={"mode": "standard", "max_attempts": 10}, max_pool_connections=20)
        self.sagemaker = session.client("sagemaker", endpoint_url=emulator.url, config=config)
        self.sqs = session.client("sqs", endpoint_url=emulator.url, config=config)
        self.registry = ModelRegistry(self.sagemaker)
        self.watch = DeploymentWatch(self.kube, self.scenario.namespace)
        self.results = Results(
            deployments=self.scenario.deployments,
            groups=self.scenario.groups,
            registry_poll_seconds=REGISTRY_POLL_SECONDS,
            budget=self.budget_text(),
        )

    # Settings

    def budget_settings(self) -> dict[str, str]:
        budget: dict[str, str] = {}
        if self.args.calls_per_second is not None:
            budget["sagemaker_calls_per_second"] = str(self.args.calls_per_second)
        if self.args.call_burst is not None:
            budget["sagemaker_call_burst"] = str(self.args.call_burst)
        return budget

    def budget_text(self) -> str:
        rate = self.args.calls_per_second
        burst = self.args.call_burst
        rate = DEFAULTS["sagemaker_calls_per_second"].default if rate is None else rate
        burst = DEFAULTS["sagemaker_call_burst"].default if burst is None else burst
        return f"{rate:g} calls/s, burst {burst}" if rate else "off"

    def image_environment(self) -> dict[str, str]:
        """What the container image sets for the operator's memory (Dockerfile)."""
        arenas, optimize = self.args.malloc_arena_max, self.args.python_optimize
        return {
            **({"MALLOC_ARENA_MAX": str(arenas)} if arenas else {}),
            **({"PYTHONOPTIMIZE": str(optimize)} if optimize else {}),
            **dict(setting.split("=", 1) for setting in self.args.operator_env),
        }

    def operator(self, name: str, settings: dict[str, str]) -> OperatorProcess:
        return OperatorProcess(**self.operator_options(name, settings))

    def operator_options(self, name: str, settings: dict[str, str]) -> dict[str, Any]:
        options: dict[str, Any] = {
            "kubeconfig": self.operator_kubeconfig,
            "aws_endpoint_url": self.emulator.url,
            "log_file": self.work / f"{name}.log",
            "namespaces": [self.scenario.namespace],
            "settings": {**self.budget_settings(), **settings},
            # The emulator tells callers apart by access key.
            "aws_access_key_id": f"bench-{name}",
            "extra_environment": self.image_environment(),
        }
        return options

    # Phases

    def prepare(self) -> None:
        groups = self.scenario.groups
        progress(f"registering and approving version 1 in {groups} model package groups")
        for g in range(groups):
            self.registry.create_group(self.scenario.group(g))
            self.registry.approve(self.registry.register(self.scenario.group(g)))
        self.kube.create_namespace(self.scenario.namespace)
        self.watch.start()

    def converge(self, operator: OperatorProcess) -> None:
        n = self.scenario.deployments
        self.control.request("DELETE", "callers")
        if self.args.throttle_probability:
            self.control.throttle(probability=self.args.throttle_probability)
        if self.args.account_rate_limit:
            self.control.rate_limit(self.args.account_rate_limit)
        progress(f"creating {n} ModelDeployments over {self.scenario.groups} groups")
        applied = time.monotonic()
        self.kube.create_deployments(self.scenario.namespace, self.scenario.bodies())
        self.results.apply_seconds = time.monotonic() - applied
        progress(f"created in {self.results.apply_seconds:.1f}s; waiting for all to be Ready")
        last_report = 0.0

        def all_ready() -> bool:
            nonlocal last_report
            ready = self.watch.ready_count()
            if time.monotonic() - last_report >= 10 or ready >= n:
                progress(
                    f"{ready}/{n} Ready, operator RSS {resident_mib(operator.pid or 0):.0f} MiB"
                )
                last_report = time.monotonic()
            return ready >= n

        if not self.watch.wait(all_ready, timeout=max(900.0, 1.5 * n)):
            msg = f"only {self.watch.ready_count()}/{n} Ready; operator log: {operator.log_file}"
            raise SystemExit(msg)
        moments = [self.watch.first_ready(name) for name in self.scenario.all_names()]
        self.results.converge_seconds = max(m for m in moments if m is not None) - applied
        self.results.converge_calls = converge_calls(self.control)
        if self.args.account_rate_limit:
            throttled = self.control.rate_limit_status()["throttled"]
            self.results.notes.append(
                f"the emulator throttled {throttled} calls beyond its account limit of "
                f"{self.args.account_rate_limit:g} calls/s while converging"
            )
            self.control.clear_rate_limit()
        self.control.clear_faults()

    def steady(self, operator: OperatorProcess) -> None:
        pid = operator.pid or 0
        minutes = self.args.steady_minutes
        # Deployments that converged together poll in step; the jitter spreads them over a
        # few intervals, as in a long-running operator.
        progress(f"warming up for {self.args.warmup_minutes:g} minutes")
        time.sleep(self.args.warmup_minutes * 60)
        progress(f"steady window: counting calls and CPU time for {minutes:g} minutes")
        self.control.reset_calls()
        cpu = CpuWindow.start(pid)
        end = time.monotonic() + minutes * 60
        while (left := end - time.monotonic()) > 0:
            time.sleep(min(30.0, left))
            progress(
                f"steady: {sum(self.control.calls().values())} calls so far, CPU "
                f"{100 * cpu.share():.1f}% of a core, RSS {resident_mib(pid):.0f} MiB"
            )
        self.results.idle_cpu_share = cpu.share()
        self.results.steady_calls = self.control.calls()
        self.results.steady_minutes = minutes
        self.results.rss_after_steady_mib = resident_mib(pid)
        self.results.peak_rss_mib = peak_resident_mib(pid)

    def profile_settled(self) -> None:
        """A traced operator started on the settled deployments (bench/memory_profile.py):
        once it has looked at every endpoint, its live allocations by owner and site."""
        n = self.scenario.deployments
        operator = ProfiledOperator(
            profile_dir=self.work / "memory-profile",
            frames=self.args.profile_frames,
            **self.operator_options("operator-traced", {}),
        )
        principal = f"access-key/{operator.aws_access_key_id}"
        self.control.request("DELETE", "callers")
        with ExitStack() as running:
            running.callback(operator.stop)
            operator.start(timeout=300)
            progress(f"memory profile: a traced operator started on the {n} settled deployments")
            started = time.monotonic()
            # Traced, it works far slower than the budget allows: give it time for all.
            limit = max(2 * REGISTRY_POLL_SECONDS + 60, 0.6 * n)
            seen = 0
            while seen < n and time.monotonic() - started < limit:
                time.sleep(10)
                seen = len(
                    {
                        c["resource"]
                        for c in self.control.callers()
                        if c["principal"] == principal and c["action"] == "DescribeEndpoint"
                    }
                )
                progress(f"memory profile: the traced operator described {seen}/{n} endpoints")
            time.sleep(20)
            progress("memory profile: asking the traced operator for a snapshot")
            directory = operator.dump()
        progress("memory profile: reading the snapshot")
        report = "\n".join(MemoryProfile.read(directory).lines())
        (self.work / "memory-profile.txt").write_text(report + "\n")
        print(
            f"\nMemory profile of an operator started on {n} settled deployments "
            f"({directory}):\n{report}\n",
            flush=True,
        )

    def poll_path(self) -> None:
        samples = self.args.poll_groups
        progress(f"poll path: approving a new version in {samples} groups over one poll interval")
        self.results.poll_samples = approval_latencies(
            self.registry, self.watch, self.scenario, range(samples),
            spread_seconds=REGISTRY_POLL_SECONDS,
            limit_seconds=2 * REGISTRY_POLL_SECONDS + 60,
            label="poll", progress=progress,
        )  # fmt: skip

    def wait_quiet(self, calls_per_second: float, timeout: float) -> None:
        """A freshly started leader observes every deployment once: wait until its calls are
        back near the steady rate, so the event-path samples do not queue behind that."""
        started = time.monotonic()
        before = sum(self.control.calls().values())
        while time.monotonic() - started < timeout:
            time.sleep(10)
            after = sum(self.control.calls().values())
            rate = (after - before) / 10
            before = after
            progress(f"new leader: {rate:.1f} calls/s (waiting for <= {calls_per_second:.1f})")
            if rate <= calls_per_second:
                return

    def event_path_and_failover(self, steady_rate: float) -> None:
        queue = self.sqs.create_queue(QueueName="registry-events")["QueueUrl"]
        self.control.request("PUT", "events", {"queueUrl": queue})
        self.kube.grant_lease(OPERATOR_NAMESPACE, LEASE_NAME, OPERATOR_SERVICE_ACCOUNT)
        shared = {
            "registry_events_queue_url": queue,
            # The emulator forwards endpoint state changes to the same queue, as the rule in
            # docs/iam.md does: an updated endpoint is seen InService at its event.
            "endpoint_events": "true",
            "leader_election": "true",
            "leader_election_namespace": OPERATOR_NAMESPACE,
            "leader_election_lease_name": LEASE_NAME,
        }
        with ExitStack() as replicas:
            leader = replicas.enter_context(
                self.operator("replica-a", {**shared, "leader_election_identity": "replica-a"})
            )
            progress("replica-a started with leader election and the registry-event queue")
            deadline = time.monotonic() + 60
            while self.kube.lease_holder(OPERATOR_NAMESPACE, LEASE_NAME) != "replica-a":
                if time.monotonic() > deadline:
                    raise SystemExit("replica-a did not take the Lease within 60 s")
                time.sleep(0.5)
            replicas.enter_context(
                self.operator("replica-b", {**shared, "leader_election_identity": "replica-b"})
            )
            progress("replica-b started as the standby")
            self.wait_quiet(max(1.0, 1.5 * steady_rate), timeout=300)
            samples = self.args.event_groups
            first = self.args.poll_groups
            self.results.event_samples = approval_latencies(
                self.registry, self.watch, self.scenario, range(first, first + samples),
                spread_seconds=2.0 * samples, limit_seconds=120,
                label="events", progress=progress, seed=11,
            )  # fmt: skip
            self.results.event_samples = with_updates_sent(
                self.results.event_samples, self.control.callers(), self.scenario.endpoints_of
            )
            self.results.failover = measure_failover(
                kube=self.kube,
                control=self.control,
                watch=self.watch,
                leader=leader,
                standby=Standby("replica-b", "bench-replica-b"),
                lease=(OPERATOR_NAMESPACE, LEASE_NAME),
                new_deployment=self.scenario.body("failover-probe", self.scenario.group(0)),
                # A new leader re-observes every deployment first: with 1,000 that kept
                # the call budget busy for minutes, and status writes waited behind it.
                limit_seconds=max(120.0, 0.3 * self.scenario.deployments),
                progress=progress,
            )

    def run(self) -> Results:
        self.prepare()
        with self.operator("operator", {}) as operator:
            progress("operator started at its default settings")
            self.converge(operator)
            if not self.args.converge_only:
                self.steady(operator)
                self.poll_path()
            self.results.peak_rss_mib = peak_resident_mib(operator.pid or 0)
        if self.args.memory_profile:
            self.profile_settled()
        if self.args.converge_only:
            return self.results
        steady_rate = sum(self.results.steady_calls.values()) / (
            60 * (self.results.steady_minutes or 1)
        )
        self.event_path_and_failover(steady_rate)
        return self.results


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Operator benchmark (prints numbers).")
    parser.add_argument("--deployments", type=int, default=1000)
    parser.add_argument(
        "--groups", type=int, help="model package groups (default: one per 10 deployments)"
    )
    parser.add_argument(
        "--warmup-minutes",
        type=float,
        default=2.0,
        help="after convergence, before counting: the polls of deployments that converged "
        "together fall out of step",
    )
    parser.add_argument(
        "--steady-minutes",
        type=float,
        default=3.0,
        help="the window calls and CPU are counted over; at least one registry poll "
        "interval (1 minute), or some deployments' polls fall outside it",
    )
    parser.add_argument(
        "--poll-groups", type=int, help="groups approved on the poll path (default: 10)"
    )
    parser.add_argument(
        "--event-groups", type=int, help="groups approved on the event path (default: 10)"
    )
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
    parser.add_argument(
        "--memory-profile",
        action="store_true",
        help="once the deployments are settled, start a second operator under tracemalloc "
        "on them and print where its memory goes (bench/memory_profile.py)",
    )
    parser.add_argument(
        "--account-rate-limit",
        type=float,
        default=0.0,
        help="while converging, the emulator throttles calls of the account beyond this many "
        "per second, as AWS does (0: no limit); shows the budget slowing down",
    )
    parser.add_argument(
        "--operator-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="more environment for the operator processes (repeatable), e.g. to try an "
        "allocator setting before the image adopts it",
    )
    parser.add_argument(
        "--malloc-arena-max",
        type=int,
        default=1,
        help="MALLOC_ARENA_MAX for the operator, as the container image sets it; 0 leaves "
        "glibc's default (8 arenas per core)",
    )
    parser.add_argument(
        "--python-optimize",
        type=int,
        choices=(0, 1, 2),
        default=2,
        help="PYTHONOPTIMIZE for the operator, as the container image sets it (2: no "
        "docstrings in memory); 0 runs it without",
    )
    parser.add_argument(
        "--profile-frames",
        type=int,
        default=8,
        help="frames per traceback: more attribute more allocations to our code, and slow "
        "the operator down more (each allocation records them)",
    )
    args = parser.parse_args(argv)
    if args.groups is None:
        args.groups = max(1, args.deployments // 10)
    if args.poll_groups is None:
        args.poll_groups = min(10, max(1, args.groups // 2))
    if args.event_groups is None:
        args.event_groups = min(10, max(0, args.groups - args.poll_groups))
    if args.poll_groups + args.event_groups > args.groups:
        parser.error("--poll-groups plus --event-groups must not exceed --groups")
    return args


def stop_cleanly(signum: int, _frame: object) -> None:
    """SIGTERM (or SIGINT, which a shell ignores in background jobs) unwinds the stack, so
    the API server, the emulator and the operators started here are stopped."""
    raise SystemExit(128 + signum)


def main() -> int:
    signal.signal(signal.SIGTERM, stop_cleanly)
    signal.signal(signal.SIGINT, stop_cleanly)
    args = arguments()
    work = Path(tempfile.mkdtemp(prefix="mdo-bench-"))
    progress(f"work directory {work}")
    with local_stack(work) as (_admin, emulator, admin_kubeconfig, operator_kubeconfig):
        bench = Bench(args, emulator, admin_kubeconfig, operator_kubeconfig, work)
        results = bench.run()
        bench.watch.stop()
    table = results.table()
    (work / "results.md").write_text(table + "\n")
    (work / "results.json").write_text(json.dumps(asdict(results), indent=1, default=str))
    print(
        f"\nmodel-deployment-operator benchmark: {results.deployments} ModelDeployments over "
        f"{results.groups} model package groups, call budget {results.budget}\n"
    )
    print(table)
    for note in results.notes:
        print(f"note: {note}")
    print(f"\n(work directory with logs and results: {work})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
