"""`make chaos`: the operator SIGKILLed over and over while the registry and the specs change,
SageMaker throttles and fails, and the API server restarts; then every invariant is checked.

On the local stack (kube-apiserver + etcd, the SageMaker emulator, the operator process under
the chart's RBAC), a seeded plan drives several model package groups and ModelDeployments
(some autoscaled, some Retain, some Pinned) next to SageMaker objects the operator does not
own. Each step changes the registry or specs, then SIGKILLs the operator after a random delay
or right after a chosen SageMaker call shows in the emulator's call counts, and restarts it.
10% of AWS calls are throttled throughout; once a burst of 5xx errors is injected and once
the API server is restarted. Then faults stop, the operator converges (bounded wait), and the
invariants are checked against SageMaker, the registry and Kubernetes.

The same --seed gives the same plan: the same operations in the same order, the same kill
points, delays and downtimes (`--plan-only` prints it without starting anything). Exit
status: 0 every invariant holds, 1 an invariant is violated, 2 the run could not be carried
out. docs/chaos.md explains the checks and how to reproduce a failing seed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
import traceback
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeVar

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from scripts.chaos_plan import (
    DELAY,
    KILL_POINTS,
    NAMESPACE,
    ROLE,
    Kill,
    Op,
    Plan,
    Spec,
    make_plan,
    print_plan,
)

from devcluster import Cluster, ControlPlane, Kubectl, open_cluster
from devstack.emulator import EmulatorControl, EmulatorProcess
from devstack.install import OPERATOR_GROUPS, OPERATOR_USER, install
from devstack.operator_process import FAKE_AWS_ENVIRONMENT, OperatorProcess
from devstack.registry import ModelRegistry, PackageRef, invoke
from model_deployment_operator.domain import naming
from model_deployment_operator.domain.naming import DeploymentRef

if TYPE_CHECKING:
    from mypy_boto3_application_autoscaling import ApplicationAutoScalingClient
    from mypy_boto3_sagemaker import SageMakerClient
    from mypy_boto3_sagemaker_runtime import SageMakerRuntimeClient

T = TypeVar("T")
VARIANT: Final = "AllTraffic"
BURST_5XX: Final = 30
THROTTLE_PROBABILITY: Final = 0.1
FOREIGN_ENDPOINT: Final = "foreign-endpoint"
FOREIGN_CONFIG: Final = "foreign-config"
FOREIGN_MODEL: Final = "foreign-model"
FOREIGN_POLICY: Final = "someone-elses-policy"
OTHER_TENANT_UID: Final = "00000000-0000-4000-8000-000000000000"
EMULATOR_ARGUMENTS: Final = (
    "--creating-seconds",
    "5",
    "--updating-seconds",
    "4",
    "--deleting-seconds",
    "3",
)
OPERATOR_SETTINGS: Final = {
    "registry_poll_seconds": "5",
    "busy_poll_seconds": "1",
    "scaling_check_seconds": "10",
}
OPERATOR_PACKAGE: Final = (
    Path(__file__).resolve().parents[1] / "operator" / "model_deployment_operator"
)
STARTED = time.monotonic()


def say(message: str) -> None:
    print(f"[{time.monotonic() - STARTED:7.1f}s] {message}", flush=True)


def heading(title: str) -> None:
    print(f"\n==> {title}", flush=True)


def clock(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}m{secs:02d}s" if minutes else f"{seconds:.1f}s"


def scaling_resource(endpoint: str) -> str:
    """Application Auto Scaling's resource id of an endpoint's variant."""
    return f"endpoint/{endpoint}/variant/{VARIANT}"


def wait_until(probe: Callable[[], T | None], timeout: float, interval: float = 0.5) -> T | None:
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result or time.monotonic() >= deadline:
            return result
        time.sleep(interval)


# ============================================================================ running it


@dataclass
class Incarnation:
    """One ModelDeployment object (a name may have several over the run)."""

    spec: Spec
    uid: str
    deleted: bool = False
    # Retain: whether it owned an endpoint when deleted (what must then be left serving),
    # and the uid of a later incarnation that took that endpoint over.
    had_endpoint: bool = False
    adopted_by: str | None = None


@dataclass
class Violation:
    category: str  # not-converged duplicate leak gc stuck-deletion retained foreign
    subject: str
    detail: str

    def __str__(self) -> str:
        return f"[{self.category}] {self.subject}: {self.detail}"


@dataclass
class Stats:
    kills: Counter[str] = field(default_factory=Counter)
    unseen: Counter[str] = field(default_factory=Counter)
    ops: Counter[str] = field(default_factory=Counter)
    restarts: int = 0
    apiserver_restarts: int = 0
    apiserver_down: float = 0.0
    burst_rule: int | None = None
    burst_injected: int = 0
    throttled: int = 0
    aws_calls: int = 0


def jsonable(value: Any) -> Any:
    """A describe answer as plain JSON, without the per-request metadata."""
    if isinstance(value, Mapping):
        return {k: jsonable(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value


class Chaos:
    def __init__(
        self,
        plan: Plan,
        args: argparse.Namespace,
        *,
        cluster: Cluster,
        admin: Kubectl,
        emulator: EmulatorProcess,
        operator_kubeconfig: Path,
        work: Path,
    ) -> None:
        self.plan = plan
        self.args = args
        self.cluster = cluster
        self.admin = admin
        self.control: EmulatorControl = emulator.control
        self.work = work
        session = boto3.session.Session(
            aws_access_key_id=FAKE_AWS_ENVIRONMENT["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=FAKE_AWS_ENVIRONMENT["AWS_SECRET_ACCESS_KEY"],
            region_name=FAKE_AWS_ENVIRONMENT["AWS_REGION"],
        )
        config = Config(retries={"mode": "standard", "max_attempts": 12})
        self.sagemaker: SageMakerClient = session.client(
            "sagemaker", endpoint_url=emulator.url, config=config
        )
        self.runtime: SageMakerRuntimeClient = session.client(
            "sagemaker-runtime", endpoint_url=emulator.url, config=config
        )
        self.autoscaling: ApplicationAutoScalingClient = session.client(
            "application-autoscaling", endpoint_url=emulator.url, config=config
        )
        self.registry = ModelRegistry(self.sagemaker)
        self.packages: dict[tuple[str, int], PackageRef] = {}
        self.incarnations: list[Incarnation] = []
        self.stats = Stats()
        self.transient: list[Violation] = []  # duplicates seen during the rounds
        self.immutable: dict[tuple[str, str], Entry] = {}  # configs and models already read
        self.last_counts: dict[str, int] = {}  # what the last check found in SageMaker
        self.foreign_before: dict[str, Any] = {}
        self.lookalike = ""
        # Every restart imports the operator afresh: from a copy taken now, so that edits to
        # the working tree during a run do not mix code versions across restarts.
        source = work / "operator-source"
        shutil.copytree(
            OPERATOR_PACKAGE,
            source / OPERATOR_PACKAGE.name,
            ignore=shutil.ignore_patterns("__pycache__"),
        )
        os.environ["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(source), os.environ.get("PYTHONPATH", "")) if p
        )
        self.operator = OperatorProcess(
            kubeconfig=operator_kubeconfig,
            aws_endpoint_url=emulator.url,
            log_file=work / "operator.log",
            namespaces=[NAMESPACE],
            settings=OPERATOR_SETTINGS,
        )

    # ---------------------------------------------------------------- set-up

    def set_up(self) -> None:
        heading("Registry, foreign objects and ModelDeployments")
        say(f"the operator runs from a copy of {OPERATOR_PACKAGE} taken at the start")
        for group, versions in self.plan.versions:
            self.registry.create_group(group)
            for version, approval in versions:
                self._register(group, version, approval, completed=True)
        say(
            f"{len(self.plan.versions)} model package groups, versions 1-2 Approved and "
            "3 Rejected in each"
        )
        self._create_foreign_objects()
        self.admin("create", "namespace", NAMESPACE)
        for spec in self.plan.deployments:
            self._apply(spec)
            say(f"applied {spec.describe()}")
        self.control.throttle(probability=THROTTLE_PROBABILITY, seed=self.plan.seed)
        say(f"emulator now throttles {THROTTLE_PROBABILITY:.0%} of all AWS calls")
        self.operator.start()
        say("operator started (as its ServiceAccount, watching namespace chaos)")
        started = time.monotonic()
        total = len(self.plan.deployments)
        ready = wait_until(lambda: self._ready_count() >= total or None, timeout=240, interval=2)
        say(
            f"{self._ready_count()}/{total} ModelDeployments Ready "
            f"{'in' if ready else 'after'} {clock(time.monotonic() - started)}; chaos begins"
        )

    def _register(self, group: str, version: int, approval: str, *, completed: bool) -> None:
        if not completed:
            self.control.request("PUT", "model-packages/initial-status", {"status": "InProgress"})
        try:
            package = self.registry.register(group, approval=approval)
        finally:
            if not completed:
                self.control.request(
                    "PUT", "model-packages/initial-status", {"status": "Completed"}
                )
        if package.version != version:
            msg = f"registry gave {group} v{package.version}, the plan expected v{version}"
            raise RuntimeError(msg)
        self.packages[(group, version)] = package

    def _create_foreign_objects(self) -> None:
        """Objects the operator must never touch: someone else's endpoint (with its config,
        model, scalable target and policy), and a config and a model named exactly like a
        ModelDeployment's own but owned by another tenant, or by nobody."""
        package = self.packages[(self.plan.versions[0][0], 1)]
        self.sagemaker.create_model(
            ModelName=FOREIGN_MODEL,
            ExecutionRoleArn="arn:aws:iam::123456789012:role/Other",
            Containers=[{"ModelPackageName": package.arn}],
            Tags=[{"Key": "team", "Value": "someone-else"}],
        )
        self.sagemaker.create_endpoint_config(
            EndpointConfigName=FOREIGN_CONFIG,
            ProductionVariants=[
                {
                    "VariantName": VARIANT,
                    "ModelName": FOREIGN_MODEL,
                    "InstanceType": "ml.m5.large",
                    "InitialInstanceCount": 1,
                }
            ],
            Tags=[{"Key": "team", "Value": "someone-else"}],
        )
        self.sagemaker.create_endpoint(
            EndpointName=FOREIGN_ENDPOINT,
            EndpointConfigName=FOREIGN_CONFIG,
            Tags=[{"Key": "team", "Value": "someone-else"}],
        )
        spec = next(s for s in self.plan.deployments if s.deletion == "Delete")
        self.lookalike = f"{naming.resource_stem(spec.endpoint)}-v1-00000000"
        other_tenant = naming.ownership_tags(DeploymentRef(NAMESPACE, spec.name, OTHER_TENANT_UID))
        self.sagemaker.create_model(
            ModelName=self.lookalike,
            ExecutionRoleArn=ROLE,
            Containers=[{"ModelPackageName": package.arn}],
        )
        self.sagemaker.create_endpoint_config(
            EndpointConfigName=self.lookalike,
            ProductionVariants=[
                {
                    "VariantName": VARIANT,
                    "ModelName": self.lookalike,
                    "InstanceType": "ml.m5.large",
                    "InitialInstanceCount": 1,
                }
            ],
            Tags=[{"Key": k, "Value": v} for k, v in other_tenant.items()],
        )
        in_service = wait_until(
            lambda: (
                self.sagemaker.describe_endpoint(EndpointName=FOREIGN_ENDPOINT)["EndpointStatus"]
                == "InService"
            ),
            timeout=60,
        )
        if not in_service:
            raise RuntimeError(f"{FOREIGN_ENDPOINT} never became InService")
        resource = scaling_resource(FOREIGN_ENDPOINT)
        self.autoscaling.register_scalable_target(
            ServiceNamespace="sagemaker",
            ResourceId=resource,
            ScalableDimension="sagemaker:variant:DesiredInstanceCount",
            MinCapacity=1,
            MaxCapacity=3,
        )
        self.autoscaling.put_scaling_policy(
            PolicyName=FOREIGN_POLICY,
            ServiceNamespace="sagemaker",
            ResourceId=resource,
            ScalableDimension="sagemaker:variant:DesiredInstanceCount",
            PolicyType="TargetTrackingScaling",
            TargetTrackingScalingPolicyConfiguration={
                "TargetValue": 50.0,
                "PredefinedMetricSpecification": {
                    "PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"
                },
            },
        )
        self.foreign_before = self._foreign_snapshot()
        say(
            f"foreign objects: endpoint {FOREIGN_ENDPOINT} (config, model, scalable target, "
            f"policy), and config + model {self.lookalike} named like {spec.name}'s own"
        )

    def _foreign_snapshot(self) -> dict[str, Any]:
        def read(call: Callable[[], Any]) -> Any:
            try:
                return jsonable(call())
            except ClientError as error:
                return {"error": error.response["Error"].get("Message", str(error))}

        def tags(arn_of: Callable[[], str]) -> Any:
            return read(lambda: self.sagemaker.list_tags(ResourceArn=arn_of())["Tags"])

        sm = self.sagemaker
        resource = scaling_resource(FOREIGN_ENDPOINT)
        return {
            f"endpoint {FOREIGN_ENDPOINT}": read(
                lambda: sm.describe_endpoint(EndpointName=FOREIGN_ENDPOINT)
            ),
            f"endpoint {FOREIGN_ENDPOINT} tags": tags(
                lambda: sm.describe_endpoint(EndpointName=FOREIGN_ENDPOINT)["EndpointArn"]
            ),
            f"endpoint config {FOREIGN_CONFIG}": read(
                lambda: sm.describe_endpoint_config(EndpointConfigName=FOREIGN_CONFIG)
            ),
            f"model {FOREIGN_MODEL}": read(lambda: sm.describe_model(ModelName=FOREIGN_MODEL)),
            f"endpoint config {self.lookalike}": read(
                lambda: sm.describe_endpoint_config(EndpointConfigName=self.lookalike)
            ),
            f"endpoint config {self.lookalike} tags": tags(
                lambda: sm.describe_endpoint_config(EndpointConfigName=self.lookalike)[
                    "EndpointConfigArn"
                ]
            ),
            f"model {self.lookalike}": read(lambda: sm.describe_model(ModelName=self.lookalike)),
            f"model {self.lookalike} tags": tags(
                lambda: sm.describe_model(ModelName=self.lookalike)["ModelArn"]
            ),
            f"scalable target {resource}": read(
                lambda: self.autoscaling.describe_scalable_targets(
                    ServiceNamespace="sagemaker", ResourceIds=[resource]
                )["ScalableTargets"]
            ),
            f"scaling policies of {resource}": read(
                lambda: self.autoscaling.describe_scaling_policies(
                    ServiceNamespace="sagemaker", ResourceId=resource
                )["ScalingPolicies"]
            ),
        }

    # ---------------------------------------------------------------- Kubernetes

    def _apply(self, spec: Spec) -> None:
        self.admin.apply(spec.manifest())
        uid = str(self.admin.json("get", "mdep", spec.name, "-n", NAMESPACE)["metadata"]["uid"])
        current = self._live(spec.name)
        if current is not None and current.uid == uid:
            current.spec = spec
        else:
            self.incarnations.append(Incarnation(spec, uid))

    def _live(self, name: str) -> Incarnation | None:
        return next((i for i in self.incarnations if i.spec.name == name and not i.deleted), None)

    def _resources(self) -> dict[str, dict[str, Any]]:
        listing = self.admin.json("get", "mdep", "-n", NAMESPACE)
        return {str(item["metadata"]["name"]): item for item in listing["items"]}

    def _ready_count(self) -> int:
        ready = 0
        for item in self._resources().values():
            conditions = (item.get("status") or {}).get("conditions", [])
            ready += any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)
        return ready

    # ---------------------------------------------------------------- operations

    def execute(self, op: Op) -> None:
        self.stats.ops[op.kind] += 1
        if op.kind in ("approve", "reject"):
            package = self.packages[(op.target, op.version or 0)]
            self.registry.set_approval(package, "Approved" if op.kind == "approve" else "Rejected")
        elif op.kind == "register":
            self._register(
                op.target, op.version or 0, op.approval or "Approved", completed=op.completed
            )
        elif op.kind == "complete":
            package = self.packages[(op.target, op.version or 0)]
            self.control.set_package_status(package.arn, "Completed")
        elif op.kind == "delete":
            self._delete(op.target)
        elif op.kind == "recreate":
            assert op.spec is not None  # noqa: S101 - the planner sets it
            self._recreate(op.spec)
        else:
            assert op.spec is not None  # noqa: S101 - the planner sets it
            self._apply(op.spec)

    def _delete(self, name: str) -> None:
        incarnation = self._live(name)
        if incarnation is None:
            msg = f"the plan deletes {name}, which is not live"
            raise RuntimeError(msg)
        if incarnation.spec.deletion == "Retain":
            incarnation.had_endpoint = self._owner_of(incarnation.spec.endpoint) == incarnation.uid
        self.admin("delete", "mdep", name, "-n", NAMESPACE, "--wait=false")
        incarnation.deleted = True

    def _owner_of(self, endpoint: str) -> str | None:
        try:
            arn = self.sagemaker.describe_endpoint(EndpointName=endpoint)["EndpointArn"]
        except ClientError:
            return None
        tags = {t["Key"]: t["Value"] for t in self.sagemaker.list_tags(ResourceArn=arn)["Tags"]}
        return tags.get(naming.OWNER_UID_TAG)

    def _recreate(self, spec: Spec) -> None:
        def gone() -> bool:
            out = self.admin("get", "mdep", spec.name, "-n", NAMESPACE, "--ignore-not-found")
            return not out.strip()

        started = time.monotonic()
        if not wait_until(gone, timeout=self.args.deletion_timeout, interval=1):
            say(
                f"  !! {spec.name} is still being deleted after "
                f"{self.args.deletion_timeout:.0f}s; re-creating it once it is gone"
            )
            wait_until(gone, timeout=600, interval=2)
        waited = time.monotonic() - started
        if waited > 5:
            say(f"  waited {clock(waited)} for the previous {spec.name} to be deleted")
        self._apply(spec)
        new = self._live(spec.name)
        if spec.adopt and new is not None:
            for previous in self.incarnations:
                if previous.spec.name == spec.name and previous.deleted and not previous.adopted_by:
                    previous.adopted_by = new.uid

    # ---------------------------------------------------------------- faults and kills

    def run_rounds(self) -> None:
        heading(
            f"Chaos: {self.plan.rounds} rounds, {len(self.plan.steps)} operator kills "
            f"(plan {self.plan.fingerprint})"
        )
        current_round = 0
        total = len(self.plan.steps)
        for index, step in enumerate(self.plan.steps, start=1):
            if step.round != current_round:
                current_round = step.round
                self._scan_duplicates(current_round)
                self._round_events(current_round)
            baseline = self._count(step.kill.point)
            for op in step.ops:
                self.execute(op)
            ops = "; ".join(str(op) for op in step.ops) or "no change"
            say(f"round {step.round}/{self.plan.rounds}, kill {index}/{total}: {ops}")
            self._kill(index, step.kill, baseline)

    def _scan_duplicates(self, number: int) -> None:
        """Duplicates are looked for at every round too, not only at the end: garbage
        collection could delete one before the final check sees it."""
        inventory = Inventory.read(self.sagemaker, self.autoscaling, self.immutable)
        for incarnation in self.incarnations:
            found = [
                v for v in _duplicates_and_gc(incarnation, inventory) if v.category == "duplicate"
            ]
            owned = sorted(n for n, e in inventory.endpoints.items() if e.owner == incarnation.uid)
            if len(owned) > 1:
                found.append(Violation("duplicate", incarnation.spec.name, f"endpoints {owned}"))
            for violation in found:
                violation.detail += f" (seen at the start of round {number})"
                if not any(v.detail == violation.detail for v in self.transient):
                    say(f"  !! {violation}")
                    self.transient.append(violation)

    def _round_events(self, number: int) -> None:
        if number == self.plan.burst_round:
            rule = self.control.request(
                "POST", "faults/api", {"error": "server-error", "status": 503, "count": BURST_5XX}
            )
            self.stats.burst_rule = int(rule["id"])
            say(f"round {number}: a burst of {BURST_5XX} HTTP 503 answers from SageMaker begins")
        if number == self.plan.apiserver_round:
            if isinstance(self.cluster, ControlPlane):
                say(f"round {number}: restarting kube-apiserver (etcd keeps running)")
                down = self.cluster.restart_apiserver(grace=5)
                self.stats.apiserver_restarts += 1
                self.stats.apiserver_down = down
                say(f"  kube-apiserver back after {down:.1f}s")
            else:
                say(f"round {number}: an existing cluster; the API server restart is skipped")

    def _count(self, point: str) -> int:
        return 0 if point == DELAY else self.control.call_count(point)

    def _kill(self, index: int, kill: Kill, baseline: int) -> None:
        started = time.monotonic()
        if kill.point == DELAY:
            time.sleep(kill.delay)
            when = f"after a random {kill.delay}s"
        else:
            seen = wait_until(
                lambda: self.control.call_count(kill.point) > baseline or None,
                timeout=self.args.kill_wait,
                interval=0.02,
            )
            if seen:
                when = f"right after {kill.point} ({time.monotonic() - started:.1f}s)"
            else:
                self.stats.unseen[kill.point] += 1
                when = f"- no {kill.point} within {self.args.kill_wait:.0f}s, killed anyway"
        self.operator.kill()
        self.stats.kills[kill.point] += 1
        stamp = datetime.now(UTC).isoformat(timespec="milliseconds")
        with self.operator.log_file.open("a") as log:
            log.write(f"---- chaos: SIGKILL #{index} {when} at {stamp} ----\n")
        time.sleep(kill.downtime)
        restarted = time.monotonic()
        self.operator.start()
        self.stats.restarts += 1
        say(
            f"  SIGKILL #{index} {when}; down {kill.downtime}s, healthy again "
            f"{time.monotonic() - restarted:.1f}s after restart"
        )

    def stop_faults(self) -> None:
        faults = self.control.request("GET", "faults")
        burst = next(
            (r for r in faults.get("api", []) if r.get("id") == self.stats.burst_rule), None
        )
        if self.stats.burst_rule is not None:
            remaining = int(burst["count"] or 0) if burst is not None else 0
            self.stats.burst_injected = BURST_5XX - remaining
        self.control.clear_faults()
        snapshot = self.control.request("GET", "calls")
        faulted = sum(snapshot.get("faulted", {}).values())
        self.stats.throttled = faulted - self.stats.burst_injected
        self.stats.aws_calls = sum(snapshot.get("calls", {}).values())

    # ---------------------------------------------------------------- convergence and checks

    def converge(self) -> tuple[list[Violation], float]:
        heading("Faults stopped: waiting for the operator to converge")
        self.stop_faults()
        started = time.monotonic()
        deadline = started + self.args.converge_timeout
        last = ""
        while True:
            violations = self.check(self.immutable)
            elapsed = time.monotonic() - started
            if not violations or time.monotonic() >= deadline:
                # The verdict comes from a read that trusts nothing read before.
                return [*self.transient, *self.check()], elapsed
            summary = ", ".join(f"{n} {c}" for c, n in sorted(_categories(violations).items()))
            if summary != last:
                say(f"not there yet: {summary}")
                last = summary
            time.sleep(5)

    def registry_state(self) -> dict[str, dict[int, tuple[str, str]]]:
        """Every version's (approval, package status), read from the registry with boto3."""
        state: dict[str, dict[int, tuple[str, str]]] = {}
        paginator = self.sagemaker.get_paginator("list_model_packages")
        for group, _ in self.plan.versions:
            versions: dict[int, tuple[str, str]] = {}
            for page in paginator.paginate(ModelPackageGroupName=group):
                for item in page["ModelPackageSummaryList"]:
                    versions[int(item["ModelPackageVersion"])] = (
                        str(item["ModelApprovalStatus"]),
                        str(item["ModelPackageStatus"]),
                    )
            state[group] = versions
        return state

    @staticmethod
    def expected_version(spec: Spec, registry: Mapping[str, Mapping[int, tuple[str, str]]]) -> int:
        servable = [
            v
            for v, (approval, status) in registry[spec.group].items()
            if approval == "Approved" and status == "Completed"
        ]
        if spec.pinned is not None:
            return spec.pinned if spec.pinned in servable else 0
        return max(servable, default=0)

    def check(self, cache: dict[tuple[str, str], Entry] | None = None) -> list[Violation]:
        inventory = Inventory.read(self.sagemaker, self.autoscaling, cache)
        self.last_counts = {
            "endpoints": len(inventory.endpoints),
            "configs": len(inventory.configs),
            "models": len(inventory.models),
            "scalable targets": len(inventory.targets),
        }
        registry = self.registry_state()
        resources = self._resources()
        violations: list[Violation] = []
        for incarnation in self.incarnations:
            if incarnation.deleted:
                violations += self._check_deleted(incarnation, inventory, resources)
            else:
                violations += self._check_live(incarnation, inventory, registry, resources)
        violations += self._check_accounting(inventory)
        violations += self._check_foreign()
        return violations

    def _check_live(
        self,
        incarnation: Incarnation,
        inventory: Inventory,
        registry: Mapping[str, Mapping[int, tuple[str, str]]],
        resources: Mapping[str, dict[str, Any]],
    ) -> list[Violation]:
        spec = incarnation.spec
        out: list[Violation] = []

        def fail(category: str, detail: str) -> None:
            out.append(Violation(category, spec.name, detail))

        expected = self.expected_version(spec, registry)
        if expected == 0:
            fail("not-converged", "the registry has no version this policy may deploy")
            return out
        resource = resources.get(spec.name)
        if resource is None or resource["metadata"]["uid"] != incarnation.uid:
            fail("not-converged", "the ModelDeployment is missing from Kubernetes")
            return out
        status = resource.get("status") or {}
        ready = {c["type"]: c for c in status.get("conditions", [])}.get("Ready") or {}
        live = (status.get("modelPackage") or {}).get("version")
        generation = resource["metadata"].get("generation")
        if (
            ready.get("status") != "True"
            or ready.get("reason") != "Deployed"
            or ready.get("observedGeneration") != generation
            or live != expected
        ):
            fail(
                "not-converged",
                f"expected Ready=True Deployed with v{expected} at generation {generation}; "
                f"status says Ready={ready.get('status')} {ready.get('reason')} v{live} "
                f"(generation {ready.get('observedGeneration')}): {ready.get('message', '')}",
            )
        owned = sorted(n for n, e in inventory.endpoints.items() if e.owner == incarnation.uid)
        if owned != [spec.endpoint]:
            category = "duplicate" if len(owned) > 1 else "not-converged"
            fail(category, f"endpoints owned: {owned or 'none'}, expected [{spec.endpoint}]")
        endpoint = inventory.endpoints.get(spec.endpoint)
        if endpoint is None or endpoint.owner != incarnation.uid:
            return out
        out += [
            Violation("not-converged", spec.name, d)
            for d in self._endpoint_problems(spec, endpoint, inventory, expected)
        ]
        return out

    def _endpoint_problems(
        self, spec: Spec, endpoint: Entry, inventory: Inventory, expected: int
    ) -> list[str]:
        problems: list[str] = []
        body = endpoint.body
        if body.get("EndpointStatus") != "InService":
            problems.append(f"endpoint {spec.endpoint} is {body.get('EndpointStatus')}")
        config = inventory.configs.get(str(body.get("EndpointConfigName")))
        variant = (config.body.get("ProductionVariants") or [{}])[0] if config else {}
        if variant.get("InstanceType") != spec.instance_type:
            problems.append(
                f"endpoint config {body.get('EndpointConfigName')} runs "
                f"{variant.get('InstanceType')}, the spec says {spec.instance_type}"
            )
        live_variant = (body.get("ProductionVariants") or [{}])[0]
        count = live_variant.get("DesiredInstanceCount")
        if spec.autoscaling is None and count != spec.count:
            problems.append(f"{count} instances, the spec says {spec.count}")
        if spec.autoscaling is not None and not (
            spec.autoscaling[0] <= (count or 0) <= spec.autoscaling[1]
        ):
            problems.append(f"{count} instances, outside autoscaling range {spec.autoscaling}")
        try:
            answer = invoke(self.runtime, spec.endpoint)
        except ClientError as error:
            problems.append(f"invoke-endpoint failed: {error}")
        else:
            served = (answer.get("modelPackageGroupName"), answer.get("modelPackageVersion"))
            if served != (spec.group, expected):
                problems.append(
                    f"invoke-endpoint served {served}, expected ({spec.group}, {expected})"
                )
        resource = scaling_resource(spec.endpoint)
        target = inventory.targets.get(resource)
        policies = inventory.policies.get(resource, [])
        if spec.autoscaling is None and target is not None:
            problems.append(f"scalable target {resource} registered, the spec has no autoscaling")
        if spec.autoscaling is not None:
            if target is None:
                problems.append(f"no scalable target {resource}")
            elif (target["MinCapacity"], target["MaxCapacity"]) != spec.autoscaling:
                problems.append(
                    f"scalable target {target['MinCapacity']}-{target['MaxCapacity']}, the spec "
                    f"says {spec.autoscaling[0]}-{spec.autoscaling[1]}"
                )
            tracking = [p.get("TargetTrackingScalingPolicyConfiguration") or {} for p in policies]
            wanted = {
                "TargetValue": 70.0,
                "ScaleInCooldown": 300,
                "ScaleOutCooldown": 60,
                "PredefinedMetricSpecification": {
                    "PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"
                },
            }
            if len(tracking) != 1 or any(tracking[0].get(k) != v for k, v in wanted.items()):
                problems.append(f"scaling policies on {resource}: {tracking}, wanted [{wanted}]")
        return problems

    def _check_deleted(
        self,
        incarnation: Incarnation,
        inventory: Inventory,
        resources: Mapping[str, dict[str, Any]],
    ) -> list[Violation]:
        spec = incarnation.spec
        subject = f"{spec.name} (deleted, uid {incarnation.uid[:8]})"
        out: list[Violation] = []
        resource = resources.get(spec.name)
        if resource is not None and resource["metadata"]["uid"] == incarnation.uid:
            reason = next(
                (
                    f"{c['reason']}: {c['message']}"
                    for c in (resource.get("status") or {}).get("conditions", [])
                    if c["type"] == "Ready"
                ),
                "no status",
            )
            out.append(Violation("stuck-deletion", subject, f"still in Kubernetes ({reason})"))
        if spec.deletion == "Retain" and incarnation.had_endpoint and not incarnation.adopted_by:
            endpoint = inventory.endpoints.get(spec.endpoint)
            if endpoint is None:
                out.append(Violation("retained", subject, f"endpoint {spec.endpoint} is gone"))
                return out
            config = inventory.configs.get(str(endpoint.body.get("EndpointConfigName")))
            problems = []
            if endpoint.owner != incarnation.uid:
                problems.append(f"its owner tag now says {endpoint.owner}")
            if endpoint.body.get("EndpointStatus") != "InService":
                problems.append(f"it is {endpoint.body.get('EndpointStatus')}")
            if config is None or config.owner != incarnation.uid:
                problems.append(
                    f"its config {endpoint.body.get('EndpointConfigName')} is gone "
                    "or not the deleted object's"
                )
            try:
                answer = invoke(self.runtime, spec.endpoint)
                if answer.get("modelPackageGroupName") != spec.group:
                    problems.append(f"it serves {answer.get('modelPackageGroupName')}")
            except ClientError as error:
                problems.append(f"invoke-endpoint failed: {error}")
            out += [
                Violation("retained", subject, f"endpoint {spec.endpoint}: {p}") for p in problems
            ]
        return out

    def _check_accounting(self, inventory: Inventory) -> list[Violation]:
        """Every endpoint, config, model, scalable target and policy is accounted for: the
        foreign ones, a live ModelDeployment's, or a Retain deletion's. Anything else,
        including whatever a Delete deletion left behind, is a leak."""
        live = {i.uid: i for i in self.incarnations if not i.deleted}
        retained = {
            i.uid: i for i in self.incarnations if i.deleted and i.spec.deletion == "Retain"
        }
        deleted = {i.uid: i for i in self.incarnations if i.deleted and i.spec.deletion == "Delete"}
        foreign = {FOREIGN_ENDPOINT, FOREIGN_CONFIG, FOREIGN_MODEL, self.lookalike}
        out: list[Violation] = []
        for kind, entries in (
            ("endpoint", inventory.endpoints),
            ("endpoint config", inventory.configs),
            ("model", inventory.models),
        ):
            for name, entry in sorted(entries.items()):
                uid = entry.owner
                if name in foreign or uid in live or uid in retained:
                    continue
                owner = (
                    f"owned by deleted {deleted[uid].spec.name} (Delete, uid {uid[:8]})"
                    if uid in deleted
                    else (f"owner uid {uid}" if uid else "no owner tag")
                )
                out.append(Violation("leak", f"{kind} {name}", owner))
        for incarnation in live.values():
            out += _duplicates_and_gc(incarnation, inventory)
        live_endpoints = {i.spec.endpoint: i for i in live.values()}
        retained_endpoints = {i.spec.endpoint for i in retained.values() if i.adopted_by is None}
        for resource in sorted(set(inventory.targets) | set(inventory.policies)):
            endpoint = resource.split("/")[1] if resource.count("/") >= 3 else resource
            holder = live_endpoints.get(endpoint)
            if endpoint == FOREIGN_ENDPOINT or endpoint in retained_endpoints:
                continue
            if holder is not None and holder.spec.autoscaling is not None:
                continue
            what = "scalable target" if resource in inventory.targets else "scaling policy"
            out.append(Violation("leak", f"{what} {resource}", "no live autoscaled owner"))
        return out

    def _check_foreign(self) -> list[Violation]:
        after = self._foreign_snapshot()
        return [
            Violation("foreign", key, "changed: " + _diff(self.foreign_before[key], after[key]))
            for key in self.foreign_before
            if after.get(key) != self.foreign_before[key]
        ]


def _duplicates_and_gc(incarnation: Incarnation, inventory: Inventory) -> list[Violation]:
    """Two configs for one target (package, variant, instance type and count) or two models
    for one package are duplicates; more than the current and the previous pair escaped GC."""
    uid, subject = incarnation.uid, incarnation.spec.name
    configs = {n: e for n, e in inventory.configs.items() if e.owner == uid}
    models = {n: e for n, e in inventory.models.items() if e.owner == uid}
    by_target: dict[tuple[object, ...], list[str]] = defaultdict(list)
    for name, config in configs.items():
        variant = (config.body.get("ProductionVariants") or [{}])[0]
        model = inventory.models.get(str(variant.get("ModelName")))
        package = model.package if model is not None else variant.get("ModelName")
        key = (
            package,
            variant.get("VariantName"),
            variant.get("InstanceType"),
            variant.get("InitialInstanceCount"),
        )
        by_target[key].append(name)
    by_package: dict[str | None, list[str]] = defaultdict(list)
    for name, model in models.items():
        by_package[model.package].append(name)
    out = [
        Violation("duplicate", subject, f"configs {names} for one target {key}")
        for key, names in by_target.items()
        if len(names) > 1
    ]
    out += [
        Violation("duplicate", subject, f"models {names} for {package}")
        for package, names in by_package.items()
        if len(names) > 1
    ]
    if len(configs) > 2 or len(models) > 2:
        out.append(
            Violation(
                "gc",
                subject,
                f"{len(configs)} configs {sorted(configs)} and {len(models)} models "
                f"{sorted(models)}; GC keeps the current and the previous only",
            )
        )
    return out


def _categories(violations: list[Violation]) -> Counter[str]:
    return Counter(v.category for v in violations)


def _diff(before: Any, after: Any) -> str:
    if isinstance(before, dict) and isinstance(after, dict):
        keys = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
        return "; ".join(f"{k}: {before.get(k)!r} -> {after.get(k)!r}" for k in keys)[:400]
    return f"{before!r} -> {after!r}"[:400]


@dataclass
class Entry:
    body: dict[str, Any]
    owner: str | None
    package: str | None = None


@dataclass
class Inventory:
    """Everything in SageMaker and Application Auto Scaling, read with boto3."""

    endpoints: dict[str, Entry]
    configs: dict[str, Entry]
    models: dict[str, Entry]
    targets: dict[str, dict[str, Any]]
    policies: dict[str, list[dict[str, Any]]]

    @classmethod
    def read(
        cls,
        sagemaker: SageMakerClient,
        autoscaling: ApplicationAutoScalingClient,
        cache: dict[tuple[str, str], Entry] | None = None,
    ) -> Inventory:
        """`cache` keeps the describe answers and tags of configs and models (immutable) by
        ARN and creation time between reads; endpoints are always described afresh."""

        def owner(arn: str) -> str | None:
            tags = {t["Key"]: t["Value"] for t in sagemaker.list_tags(ResourceArn=arn)["Tags"]}
            if tags.get(naming.MANAGED_BY_TAG) != naming.MANAGED_BY_VALUE:
                return None
            return tags.get(naming.OWNER_UID_TAG)

        def entries(
            lister: str, key: str, name_key: str, describe: Callable[[str], Any], arn_key: str
        ) -> dict[str, Entry]:
            found: dict[str, Entry] = {}
            immutable = cache is not None and lister != "list_endpoints"
            for page in sagemaker.get_paginator(lister).paginate():  # type: ignore[call-overload]
                for item in page[key]:
                    name = str(item[name_key])
                    identity = (str(item.get(arn_key)), str(item.get("CreationTime")))
                    if immutable and cache is not None and identity in cache:
                        found[name] = cache[identity]
                        continue
                    try:
                        body = jsonable(describe(name))
                        found[name] = Entry(body, owner(str(body[arn_key])))
                    except ClientError:
                        continue  # deleted between the listing and the describe
                    if immutable and cache is not None:
                        cache[identity] = found[name]
            return found

        endpoints = entries(
            "list_endpoints",
            "Endpoints",
            "EndpointName",
            lambda n: sagemaker.describe_endpoint(EndpointName=n),
            "EndpointArn",
        )
        configs = entries(
            "list_endpoint_configs",
            "EndpointConfigs",
            "EndpointConfigName",
            lambda n: sagemaker.describe_endpoint_config(EndpointConfigName=n),
            "EndpointConfigArn",
        )
        models = entries(
            "list_models",
            "Models",
            "ModelName",
            lambda n: sagemaker.describe_model(ModelName=n),
            "ModelArn",
        )
        for model in models.values():
            containers = model.body.get("Containers") or [model.body.get("PrimaryContainer") or {}]
            model.package = (containers[0] or {}).get("ModelPackageName")
        targets: dict[str, dict[str, Any]] = {}
        target_pages = autoscaling.get_paginator("describe_scalable_targets")
        for target_page in target_pages.paginate(ServiceNamespace="sagemaker"):
            for target in target_page["ScalableTargets"]:
                targets[target["ResourceId"]] = jsonable(target)
        policies: dict[str, list[dict[str, Any]]] = defaultdict(list)
        policy_pages = autoscaling.get_paginator("describe_scaling_policies")
        for policy_page in policy_pages.paginate(ServiceNamespace="sagemaker"):
            for policy in policy_page["ScalingPolicies"]:
                policies[policy["ResourceId"]].append(jsonable(policy))
        return cls(endpoints, configs, models, targets, dict(policies))


# ============================================================================ the stack


@contextmanager
def local_stack(work: Path) -> Iterator[tuple[Cluster, Kubectl, EmulatorProcess, Path]]:
    with ExitStack() as stack:
        heading("Local stack: kube-apiserver + etcd, the SageMaker emulator")
        cluster = open_cluster(work / "cluster", detach=False)
        stack.callback(cluster.stop)
        admin = Kubectl(cluster.kubectl_path, cluster.admin_kubeconfig, timeout=120)
        say(f"API server at {cluster.server_url}")
        install(admin)
        say("installed the ModelDeployment CRD and the operator's RBAC (manifests/rbac.yaml)")
        kubeconfig = cluster.kubeconfig_for(
            OPERATOR_USER, OPERATOR_GROUPS, out=work / "operator.kubeconfig"
        )
        emulator = EmulatorProcess(
            log_file=work / "emulator.log", arguments=EMULATOR_ARGUMENTS
        ).start()
        stack.callback(emulator.stop)
        say(f"emulator at {emulator.url}: endpoints take 5s to create, 4s to update, 3s to delete")
        yield cluster, admin, emulator, kubeconfig


# ============================================================================ report


def summary(
    chaos: Chaos, violations: list[Violation], converge_seconds: float, wall: float
) -> dict[str, Any]:
    stats = chaos.stats
    live = [i for i in chaos.incarnations if not i.deleted]
    not_converged = {v.subject for v in violations if v.category == "not-converged"}
    categories = _categories(violations)
    return {
        "seed": chaos.plan.seed,
        "plan": chaos.plan.fingerprint,
        "rounds": chaos.plan.rounds,
        "operations": dict(sorted(stats.ops.items())),
        "kills": sum(stats.kills.values()),
        "killsByPoint": {p: stats.kills[p] for p in (*KILL_POINTS, DELAY) if stats.kills[p]},
        "killPointsNotSeen": dict(stats.unseen),
        "operatorRestarts": stats.restarts,
        "apiServerRestarts": stats.apiserver_restarts,
        "apiServerDownSeconds": round(stats.apiserver_down, 1),
        "awsCalls": stats.aws_calls,
        "throttledCalls": stats.throttled,
        "injected5xx": stats.burst_injected,
        "converged": len([i for i in live if i.spec.name not in not_converged]),
        "live": len(live),
        "deleted": len([i for i in chaos.incarnations if i.deleted]),
        "convergeSeconds": round(converge_seconds, 1),
        "duplicates": categories["duplicate"],
        "leaks": categories["leak"] + categories["gc"],
        "stuckDeletions": categories["stuck-deletion"],
        "retainedBroken": categories["retained"],
        "foreignTouched": categories["foreign"],
        "foreignChecked": len(chaos.foreign_before),
        "retainedChecked": len(
            [i for i in chaos.incarnations if i.deleted and i.had_endpoint and not i.adopted_by]
        ),
        "sageMakerObjects": chaos.last_counts,
        "violations": [str(v) for v in violations],
        "wallSeconds": round(wall, 1),
    }


def print_summary(report: dict[str, Any], converge_timeout: float) -> None:
    heading("Chaos summary")
    ops = ", ".join(f"{k} {n}" for k, n in report["operations"].items())
    objects = ", ".join(f"{n} {kind}" for kind, n in report["sageMakerObjects"].items())
    rows = [
        ("seed", f"{report['seed']} (plan {report['plan']})"),
        ("rounds", f"{report['rounds']} ({sum(report['operations'].values())} operations: {ops})"),
        ("operator SIGKILLs", str(report["kills"])),
    ]
    for point, count in report["killsByPoint"].items():
        unseen = report["killPointsNotSeen"].get(point, 0)
        label = point if point == DELAY else f"after {point}"
        note = f" ({unseen} not seen within the wait, killed anyway)" if unseen else ""
        rows.append((f"  {label}", f"{count}{note}"))
    converge = (
        f"in {report['convergeSeconds']}s"
        if not report["violations"]
        else f"after waiting {converge_timeout:.0f}s"
    )
    rows += [
        ("operator restarts", str(report["operatorRestarts"])),
        (
            "API server restarts",
            f"{report['apiServerRestarts']} (down {report['apiServerDownSeconds']}s)",
        ),
        ("throttled calls", f"{report['throttledCalls']} of {report['awsCalls']} AWS calls"),
        ("5xx injected", str(report["injected5xx"])),
        ("converged", f"{report['converged']}/{report['live']} live ModelDeployments {converge}"),
        (
            "deletions",
            f"{report['deleted']} ModelDeployments deleted ({report['stuckDeletions']} stuck)",
        ),
        ("duplicates", f"{report['duplicates']} (looked for at the end and every round)"),
        ("leaks", f"{report['leaks']} (in SageMaker at the end: {objects})"),
        (
            "retained endpoints broken",
            f"{report['retainedBroken']} of {report['retainedChecked']} left by Retain deletions",
        ),
        (
            "foreign objects touched",
            f"{report['foreignTouched']} of {report['foreignChecked']} compared",
        ),
        ("wall time", clock(report["wallSeconds"])),
    ]
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"  {key:<{width}}  {value}")
    if report["violations"]:
        print(f"\nRESULT: FAIL, {len(report['violations'])} invariant violations:")
        for line in report["violations"]:
            print(f"  - {line}")
    else:
        print("\nRESULT: PASS, every invariant holds")


def log_excerpts(chaos: Chaos, violations: list[Violation], lines: int = 15) -> None:
    subjects = sorted({v.subject.split(" ")[0] for v in violations})
    text = chaos.operator.logs().splitlines()
    for subject in subjects[:6]:
        needles = (f"{NAMESPACE}/{subject}", f"{NAMESPACE}-{subject}", subject)
        hits = [
            line for line in text if any(n in line for n in needles) or "chaos: SIGKILL" in line
        ]
        relevant = [line for line in hits if "chaos: SIGKILL" not in line]
        if not relevant:
            continue
        print(f"\n--- operator log, last lines about {subject} (with the kills in between) ---")
        for line in hits[-lines:]:
            print(f"  {line[:300]}")


def run(args: argparse.Namespace, plan: Plan, work: Path) -> int:
    started = time.monotonic()
    with local_stack(work) as (cluster, admin, emulator, kubeconfig):
        chaos = Chaos(
            plan,
            args,
            cluster=cluster,
            admin=admin,
            emulator=emulator,
            operator_kubeconfig=kubeconfig,
            work=work,
        )
        try:
            chaos.set_up()
            chaos.run_rounds()
            violations, converge_seconds = chaos.converge()
        finally:
            chaos.operator.stop()
        report = summary(chaos, violations, converge_seconds, time.monotonic() - started)
        print_summary(report, args.converge_timeout)
        if violations:
            log_excerpts(chaos, violations)
    if args.report:
        Path(args.report).write_text(json.dumps(report, indent=2) + "\n")
        say(f"report written to {args.report}")
    return 1 if violations else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seed", type=int, default=1, help="plan seed (default 1)")
    parser.add_argument("--rounds", type=int, default=40, help="rounds of changes (default 40)")
    parser.add_argument(
        "--kills", type=int, default=120, help="operator SIGKILLs over the run (default 120)"
    )
    parser.add_argument("--deployments", type=int, default=12, help="ModelDeployments (12)")
    parser.add_argument("--groups", type=int, default=4, help="model package groups (4)")
    parser.add_argument(
        "--kill-wait",
        type=float,
        default=20,
        help="seconds to wait for a kill point's SageMaker call before killing anyway (20)",
    )
    parser.add_argument(
        "--converge-timeout", type=float, default=300, help="bound on the final wait (300 s)"
    )
    parser.add_argument(
        "--deletion-timeout",
        type=float,
        default=120,
        help="wait for a deleted object to go before re-creating it (120 s)",
    )
    parser.add_argument("--report", help="also write the summary as JSON to this file")
    parser.add_argument("--keep-logs", action="store_true", help="keep the work directory")
    parser.add_argument(
        "--plan-only", action="store_true", help="print the plan for the seed and exit"
    )
    args = parser.parse_args()
    if args.rounds < 1 or args.kills < 0 or args.deployments < 1 or args.groups < 1:
        parser.error(
            "--rounds, --deployments and --groups must be at least 1, and --kills at least 0"
        )
    plan = make_plan(args.seed, args.rounds, args.kills, args.deployments, args.groups)
    if args.plan_only:
        print_plan(plan)
        return 0
    work = Path(tempfile.mkdtemp(prefix="mdo-chaos-"))
    print(
        f"chaos: seed {args.seed}, plan {plan.fingerprint}, {plan.rounds} rounds, "
        f"{len(plan.steps)} kills, {len(plan.deployments)} ModelDeployments; logs in {work}",
        flush=True,
    )
    try:
        code = run(args, plan, work)
    except KeyboardInterrupt:
        say(f"interrupted; everything started has been stopped; logs in {work}")
        return 130
    except Exception:  # noqa: BLE001 - exit 2 tells a broken run from a violation
        traceback.print_exc()
        say(f"the chaos run could not be carried out; logs are in {work}")
        return 2
    if code or args.keep_logs:
        say(f"logs kept in {work} (operator.log marks every SIGKILL)")
        print(
            f"reproduce: make chaos CHAOS_ARGS='--seed {args.seed} --rounds {args.rounds} "
            f"--kills {args.kills} --deployments {args.deployments} --groups {args.groups}'"
        )
    else:
        shutil.rmtree(work, ignore_errors=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
