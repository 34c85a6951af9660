"""The seeded plan of `make chaos` (scripts/chaos.py): what changes, in which order, and
where the operator is killed. Pure: no I/O, no clock; the same seed gives the same plan.

The planner tracks the registry and the specs its operations produce, so every operation is
valid when it runs, and picks a triggering operation for each kill point (a newer approval
before "kill right after CreateModel", a deletion before "kill right after DeleteEndpoint").
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Final

from model_deployment_operator.domain.naming import DeploymentRef, default_endpoint_name

NAMESPACE: Final = "chaos"
ROLE: Final = "arn:aws:iam::123456789012:role/SageMakerExecution"
GROUP_NAMES: Final = ("fraud", "churn", "ranker", "forecast", "pricing", "search")
INSTANCE_TYPES: Final = ("ml.m5.large", "ml.c5.xlarge")
DELAY: Final = "random delay"
KILL_POINTS: Final = (
    "CreateModel",
    "CreateEndpointConfig",
    "CreateEndpoint",
    "UpdateEndpoint",
    "DeleteEndpoint",
    "RegisterScalableTarget",
)


@dataclass(frozen=True)
class Spec:
    """A ModelDeployment's spec as the chaos plan sets it."""

    name: str
    group: str
    pinned: int | None  # None: LatestApproved
    instance_type: str
    count: int
    autoscaling: tuple[int, int] | None
    deletion: str
    adopt: bool = False

    @property
    def endpoint(self) -> str:
        return default_endpoint_name(DeploymentRef(NAMESPACE, self.name, ""))

    def manifest(self) -> dict[str, Any]:
        approval: dict[str, Any] = {"policy": "LatestApproved"}
        if self.pinned is not None:
            approval = {"policy": "Pinned", "pinnedVersion": self.pinned}
        endpoint: dict[str, Any] = {
            "instanceType": self.instance_type,
            "initialInstanceCount": self.count,
        }
        if self.adopt:
            endpoint["adoptExisting"] = True
        spec: dict[str, Any] = {
            "modelPackageGroupName": self.group,
            "executionRoleArn": ROLE,
            "approval": approval,
            "endpoint": endpoint,
            "deletionPolicy": self.deletion,
            "tags": {"suite": "chaos"},
        }
        if self.autoscaling is not None:
            spec["autoscaling"] = {
                "minCapacity": self.autoscaling[0],
                "maxCapacity": self.autoscaling[1],
                "targetInvocationsPerInstance": 70,
                "scaleInCooldownSeconds": 300,
                "scaleOutCooldownSeconds": 60,
            }
        return {
            "apiVersion": "sagemaker.mlops.dev/v1alpha1",
            "kind": "ModelDeployment",
            "metadata": {"name": self.name, "namespace": NAMESPACE},
            "spec": spec,
        }

    def describe(self) -> str:
        policy = f"Pinned v{self.pinned}" if self.pinned is not None else "LatestApproved"
        scaling = (
            f"autoscaling {self.autoscaling[0]}-{self.autoscaling[1]}"
            if self.autoscaling
            else f"{self.count} x {self.instance_type}"
        )
        return f"{self.name}: group {self.group}, {policy}, {scaling}, {self.deletion}"


@dataclass(frozen=True)
class Op:
    """One registry or spec change. `spec` is the whole spec after the change."""

    kind: str  # approve reject register complete scale autoscale pin retype delete recreate
    target: str  # a group for registry operations, a ModelDeployment otherwise
    version: int | None = None
    approval: str | None = None
    completed: bool = True
    spec: Spec | None = None
    detail: str = ""

    def __str__(self) -> str:
        if self.kind in ("approve", "reject", "complete"):
            return f"{self.kind} {self.target} v{self.version}"
        if self.kind == "register":
            state = "" if self.completed else ", InProgress"
            return f"register {self.target} v{self.version} ({self.approval}{state})"
        return f"{self.kind} {self.target}" + (f" ({self.detail})" if self.detail else "")


@dataclass(frozen=True)
class Kill:
    point: str  # one of KILL_POINTS, or DELAY
    delay: float  # seconds after the operations (DELAY only)
    downtime: float  # seconds the operator stays dead


@dataclass(frozen=True)
class Step:
    round: int
    ops: tuple[Op, ...]
    kill: Kill


@dataclass(frozen=True)
class Plan:
    seed: int
    rounds: int
    versions: tuple[tuple[str, tuple[tuple[int, str], ...]], ...]  # group -> (version, approval)
    deployments: tuple[Spec, ...]
    steps: tuple[Step, ...]
    burst_round: int
    apiserver_round: int

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(repr(self).encode()).hexdigest()[:16]


@dataclass
class _Version:
    approval: str
    completed: bool = True


class Planner:
    """Generates a plan from a seed, tracking the registry and specs it will produce, so
    every operation is valid when it runs: each group keeps an Approved and Completed
    version, a Pinned deployment pins one, and a few deployments at most are deleted."""

    WEIGHTS: Final = {
        "approve": 3,
        "reject": 2,
        "register": 2,
        "complete": 1,
        "scale": 2,
        "autoscale": 2,
        "pin": 2,
        "retype": 1,
        "delete": 2,
        "recreate": 3,
    }
    TRIGGERS: Final = {
        "CreateModel": ("newer", "scale", "pin", "retype"),
        "CreateEndpointConfig": ("newer", "scale", "pin", "retype"),
        "UpdateEndpoint": ("newer", "scale", "pin", "retype", "rollback"),
        "CreateEndpoint": ("recreate-new",),
        "DeleteEndpoint": ("delete-owned",),
        "RegisterScalableTarget": ("autoscale-on",),
        DELAY: (),
    }

    def __init__(self, seed: int, deployments: int, groups: int) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - a reproducible plan, not security
        self.seed = seed
        names = GROUP_NAMES[: max(1, min(groups, len(GROUP_NAMES)))]
        self.versions: dict[str, dict[int, _Version]] = {
            g: {1: _Version("Approved"), 2: _Version("Approved"), 3: _Version("Rejected")}
            for g in names
        }
        self.initial = tuple(
            (g, tuple((v, s.approval) for v, s in sorted(vs.items())))
            for g, vs in self.versions.items()
        )
        count = max(1, deployments)
        indexes = list(range(count))
        pinned = set(self.rng.sample(indexes, max(1, count * 3 // 10)))
        scaled = set(self.rng.sample(indexes, max(1, count * 3 // 10)))
        retained = set(self.rng.sample(indexes, max(1, count * 3 // 10)))
        self.specs: dict[str, Spec] = {}
        for index in indexes:
            group = names[index % len(names)]
            name = f"{group}-{chr(ord('a') + index // len(names))}"
            low = self.rng.randint(1, 2)
            self.specs[name] = Spec(
                name=name,
                group=group,
                pinned=self.rng.choice([1, 2]) if index in pinned else None,
                instance_type=INSTANCE_TYPES[0],
                count=self.rng.randint(1, 2),
                autoscaling=(low, low + self.rng.randint(1, 3)) if index in scaled else None,
                deletion="Retain" if index in retained else "Delete",
            )
        self.initial_specs = tuple(self.specs.values())
        self.live = dict.fromkeys(self.specs, True)

    # ---------------------------------------------------------------- plan

    def plan(self, rounds: int, kills: int) -> Plan:
        rounds = max(1, rounds)
        per_round = [kills // rounds] * rounds
        for index in self.rng.sample(range(rounds), kills % rounds):
            per_round[index] += 1
        steps = [
            self._step(number)
            for number, count in enumerate(per_round, start=1)
            for _ in range(count)
        ]
        quarter = max(1, rounds // 4)
        burst = self.rng.randint(quarter, max(quarter, rounds // 2))
        apiserver = self.rng.randint(max(1, rounds // 2), max(1, 3 * rounds // 4))
        if apiserver == burst and rounds > 1:
            apiserver = burst % rounds + 1
        return Plan(
            seed=self.seed,
            rounds=rounds,
            versions=self.initial,
            deployments=self.initial_specs,
            steps=tuple(steps),
            burst_round=burst,
            apiserver_round=apiserver,
        )

    def _step(self, number: int) -> Step:
        points = (*KILL_POINTS, DELAY, DELAY)
        point = self.rng.choice(points)
        ops: list[Op] = []
        trigger = self._trigger(point)
        if trigger is None and point != DELAY:
            point, trigger = "UpdateEndpoint", self._trigger("UpdateEndpoint")
            if trigger is None:
                point = DELAY
        if trigger is not None:
            ops.append(trigger)
        for _ in range(self.rng.choice((0, 1, 1, 2))):
            extra = self._random_op()
            if extra is not None:
                ops.append(extra)
        delay = round(self.rng.uniform(0.2, 8.0), 1) if point == DELAY else 0.0
        downtime = round(self.rng.choice((0.0, 0.0, 0.5, 1.0, 3.0)), 1)
        return Step(number, tuple(ops), Kill(point, delay, downtime))

    def _trigger(self, point: str) -> Op | None:
        choices = list(self.TRIGGERS[point])
        self.rng.shuffle(choices)
        for choice in choices:
            op = self._make(choice)
            if op is not None:
                return op
        return None

    def _random_op(self) -> Op | None:
        kinds = list(self.WEIGHTS)
        kind = self.rng.choices(kinds, weights=[self.WEIGHTS[k] for k in kinds])[0]
        return self._make(kind)

    def _make(self, kind: str) -> Op | None:
        makers: dict[str, Callable[[], Op | None]] = {
            "approve": self._approve,
            "reject": lambda: self._reject(rollback=False),
            "rollback": lambda: self._reject(rollback=True),
            "register": lambda: self._register(newer=False),
            "newer": lambda: self._register(newer=True),
            "complete": self._complete,
            "scale": self._scale,
            "autoscale": lambda: self._autoscale(on=False),
            "autoscale-on": lambda: self._autoscale(on=True),
            "pin": self._pin,
            "retype": self._retype,
            "delete": lambda: self._delete(owned_only=False),
            "delete-owned": lambda: self._delete(owned_only=True),
            "recreate": self._recreate,
            "recreate-new": lambda: self._recreate(creates=True),
        }
        return makers[kind]()

    # ---------------------------------------------------------------- registry state

    def servable(self, group: str) -> list[int]:
        """Approved and Completed versions, ascending."""
        return sorted(
            v for v, s in self.versions[group].items() if s.approval == "Approved" and s.completed
        )

    def _live_specs(self) -> list[Spec]:
        return [s for name, s in self.specs.items() if self.live[name]]

    def _pinned(self, group: str) -> set[int]:
        return {s.pinned for s in self._live_specs() if s.group == group and s.pinned is not None}

    def _groups_followed(self) -> list[str]:
        """Groups with a live LatestApproved deployment: a new approval there deploys."""
        return sorted({s.group for s in self._live_specs() if s.pinned is None})

    # ---------------------------------------------------------------- registry operations

    def _approve(self) -> Op | None:
        candidates = [
            (g, v)
            for g, vs in self.versions.items()
            for v, s in vs.items()
            if s.approval != "Approved"
        ]
        if not candidates:
            return None
        group, version = self.rng.choice(candidates)
        self.versions[group][version].approval = "Approved"
        return Op("approve", group, version=version)

    def _reject(self, *, rollback: bool) -> Op | None:
        candidates: list[tuple[str, int]] = []
        groups = self._groups_followed() if rollback else sorted(self.versions)
        for group in groups:
            servable = self.servable(group)
            pinned = self._pinned(group)
            approved = [v for v, s in self.versions[group].items() if s.approval == "Approved"]
            if rollback:
                approved = servable[-1:]
            for version in approved:
                keeps_one = len([v for v in servable if v != version]) >= 1
                if keeps_one and version not in pinned:
                    candidates.append((group, version))
        if not candidates:
            return None
        group, version = self.rng.choice(sorted(candidates))
        self.versions[group][version].approval = "Rejected"
        return Op("reject", group, version=version, detail="rollback" if rollback else "")

    def _register(self, *, newer: bool) -> Op | None:
        groups = self._groups_followed() if newer else sorted(self.versions)
        if not groups:
            return None
        group = self.rng.choice(groups)
        version = max(self.versions[group]) + 1
        if newer:
            approval, completed = "Approved", True
        else:
            approval, completed = self.rng.choice(
                [("Approved", True), ("PendingManualApproval", True), ("Approved", False)]
            )
        self.versions[group][version] = _Version(approval, completed)
        return Op("register", group, version=version, approval=approval, completed=completed)

    def _complete(self) -> Op | None:
        candidates = [
            (g, v) for g, vs in self.versions.items() for v, s in vs.items() if not s.completed
        ]
        if not candidates:
            return None
        group, version = self.rng.choice(candidates)
        self.versions[group][version].completed = True
        return Op("complete", group, version=version)

    # ---------------------------------------------------------------- spec operations

    def _edit(self, kind: str, spec: Spec, detail: str) -> Op:
        self.specs[spec.name] = spec
        return Op(kind, spec.name, spec=spec, detail=detail)

    def _pick(self, predicate: Callable[[Spec], bool]) -> Spec | None:
        candidates = [s for s in self._live_specs() if predicate(s)]
        return self.rng.choice(candidates) if candidates else None

    def _scale(self) -> Op | None:
        spec = self._pick(lambda s: s.autoscaling is None)
        if spec is None:
            return None
        count = self.rng.choice([c for c in (1, 2, 3) if c != spec.count])
        return self._edit("scale", replace(spec, count=count), f"{spec.count} -> {count} instances")

    def _autoscale(self, *, on: bool) -> Op | None:
        spec = self._pick(lambda _: True)
        if spec is None:
            return None
        low = self.rng.randint(1, 2)
        wanted: tuple[int, int] | None = (low, low + self.rng.randint(1, 3))
        if not on and spec.autoscaling is not None and self.rng.random() < 0.3:
            wanted = None
        if wanted == spec.autoscaling:
            wanted = (low, low + 4)
        before = f"{spec.autoscaling[0]}-{spec.autoscaling[1]}" if spec.autoscaling else "off"
        after = f"{wanted[0]}-{wanted[1]}" if wanted else "off"
        detail = f"autoscaling {before} -> {after}"
        return self._edit("autoscale", replace(spec, autoscaling=wanted), detail)

    def _pin(self) -> Op | None:
        spec = self._pick(lambda _: True)
        if spec is None:
            return None
        servable = self.servable(spec.group)
        if spec.pinned is not None and self.rng.random() < 0.3:
            return self._edit("pin", replace(spec, pinned=None), "Pinned -> LatestApproved")
        choices = [v for v in servable if v != spec.pinned]
        if not choices:
            return None
        version = self.rng.choice(choices)
        before = f"v{spec.pinned}" if spec.pinned is not None else "LatestApproved"
        return self._edit("pin", replace(spec, pinned=version), f"{before} -> Pinned v{version}")

    def _retype(self) -> Op | None:
        spec = self._pick(lambda _: True)
        if spec is None:
            return None
        other = next(t for t in INSTANCE_TYPES if t != spec.instance_type)
        return self._edit(
            "retype", replace(spec, instance_type=other), f"{spec.instance_type} -> {other}"
        )

    def _delete(self, *, owned_only: bool) -> Op | None:
        """Delete a live deployment, keeping at least two thirds live. Kill points need the
        Delete policy (DeleteEndpoint); other deletions take a Retain one half the time."""
        live = self._live_specs()
        if len(live) <= max(1, len(self.specs) - max(3, len(self.specs) // 3)):
            return None
        policy = "Delete" if owned_only or self.rng.random() < 0.5 else "Retain"
        spec = self._pick(lambda s: s.deletion == policy) or self._pick(lambda _: True)
        if spec is None or (owned_only and spec.deletion != "Delete"):
            return None
        self.live[spec.name] = False
        return Op("delete", spec.name, spec=spec, detail=f"deletionPolicy {spec.deletion}")

    def _recreate(self, *, creates: bool = False) -> Op | None:
        """Re-create a deleted deployment; `creates`: one whose endpoint was deleted with it
        (a Retain one takes over the endpoint left behind instead of creating one)."""
        deleted = sorted(
            name
            for name, live in self.live.items()
            if not live and (not creates or self.specs[name].deletion == "Delete")
        )
        if not deleted:
            return None
        spec = self.specs[self.rng.choice(deleted)]
        servable = self.servable(spec.group)
        pinned = spec.pinned
        if pinned is not None and pinned not in servable:
            pinned = servable[-1]
        # A Retain deletion left the endpoint behind, owned by the deleted object: the new
        # object takes it over, as a platform team re-creating it would.
        spec = replace(spec, pinned=pinned, adopt=spec.deletion == "Retain")
        self.live[spec.name] = True
        detail = "adopting the retained endpoint" if spec.adopt else ""
        return self._edit("recreate", spec, detail)


def make_plan(seed: int, rounds: int, kills: int, deployments: int, groups: int) -> Plan:
    return Planner(seed, deployments, groups).plan(rounds, kills)


def print_plan(plan: Plan) -> None:
    print(f"plan for seed {plan.seed}: fingerprint {plan.fingerprint}")
    for group, versions in plan.versions:
        print(f"  group {group}: " + ", ".join(f"v{v} {a}" for v, a in versions))
    for spec in plan.deployments:
        print(f"  {spec.describe()}")
    print(
        f"  5xx burst in round {plan.burst_round}, API server restart in round "
        f"{plan.apiserver_round}"
    )
    for index, step in enumerate(plan.steps, start=1):
        ops = "; ".join(str(op) for op in step.ops) or "no change"
        kill = step.kill
        when = f"after {kill.delay}s" if kill.point == DELAY else f"after {kill.point}"
        print(f"  {index:3d} r{step.round:<3d} {ops} | kill {when}, down {kill.downtime}s")
