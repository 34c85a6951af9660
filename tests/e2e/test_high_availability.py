"""Two operator replicas, one active, through a coordination.k8s.io Lease, against the real
API server and the SageMaker emulator.

Both replicas run as the operator's ServiceAccount, with the ClusterRole every end-to-end
test uses plus the Role the chart renders for `replicaCount: 2` (the one Lease, in the
operator's namespace), and with the leader election settings the chart's Deployment sets.
The emulator records each call with the caller's access key, and each replica has a key of
its own, so "the standby made no SageMaker call" is read from the emulator, not inferred.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from devcluster import Cluster, Kubectl, KubectlError
from devstack.emulator import EmulatorProcess
from devstack.install import OPERATOR_NAMESPACE
from devstack.operator_process import OperatorProcess, free_port
from support.e2e_stack import Stack, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

CHART = Path(__file__).resolve().parents[2] / "helm" / "model-deployment-operator"
TAKEOVER_PROMISE_SECONDS = 15.0
# The settings the e2e operators run with elsewhere (tests/e2e/conftest.py).
FAST_TICKS = {
    "registry_poll_seconds": "5",
    "busy_poll_seconds": "1",
    "scaling_check_seconds": "10",
    "jitter_fraction": "0",
}


@dataclass(frozen=True)
class ChartLease:
    """What the chart renders for two replicas: the Lease's name and the replicas' leader
    election settings (as MDO_* settings for OperatorProcess)."""

    name: str
    settings: dict[str, str]


def _render_two_replicas(cluster: Cluster, release: str) -> list[dict[str, Any]]:
    output = subprocess.run(
        [
            str(cluster.helm_path),
            "template",
            release,
            str(CHART),
            "--namespace",
            OPERATOR_NAMESPACE,
            "--set",
            "replicaCount=2,serviceAccount.create=false,"
            "serviceAccount.name=model-deployment-operator",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    return [doc for doc in yaml.safe_load_all(output) if doc]


@pytest.fixture
def chart_lease(kube_cluster: Cluster, kubectl: Kubectl) -> Iterator[ChartLease]:
    release = f"mdo-ha-{secrets.token_hex(3)}"
    documents = _render_two_replicas(kube_cluster, release)
    rbac = [
        doc
        for doc in documents
        if doc["kind"] in ("Role", "RoleBinding")
        and doc["metadata"]["name"].endswith("-leader-election")
    ]
    assert len(rbac) == 2, "the chart grants the Lease to two replicas"
    (deployment,) = [doc for doc in documents if doc["kind"] == "Deployment"]
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    env = {item["name"]: item for item in container["env"]}
    # Outside a pod the downward API cannot fill in the namespace: it is the release's.
    assert env["MDO_LEADER_ELECTION_NAMESPACE"]["valueFrom"]["fieldRef"] == {
        "fieldPath": "metadata.namespace"
    }
    settings = {
        name.removeprefix("MDO_").lower(): item["value"]
        for name, item in env.items()
        if name.startswith(("MDO_LEADER_ELECTION", "MDO_LEASE_")) and "value" in item
    }
    settings["leader_election_namespace"] = OPERATOR_NAMESPACE
    for doc in rbac:
        kubectl.apply(doc)
    try:
        yield ChartLease(name=settings["leader_election_lease_name"], settings=settings)
    finally:
        kubectl(
            "delete",
            "lease",
            settings["leader_election_lease_name"],
            "-n",
            OPERATOR_NAMESPACE,
            "--ignore-not-found",
        )
        for doc in rbac:
            kubectl(
                "delete",
                doc["kind"].lower(),
                doc["metadata"]["name"],
                "-n",
                OPERATOR_NAMESPACE,
                "--ignore-not-found",
            )


@dataclass
class Replicas:
    stack: Stack
    lease: ChartLease
    kubectl: Kubectl
    emulator_process: EmulatorProcess
    operator_kubeconfig: Path
    tmp_path: Path

    def __post_init__(self) -> None:
        self.started: list[OperatorProcess] = []

    def start(self, name: str) -> OperatorProcess:
        replica = OperatorProcess(
            kubeconfig=self.operator_kubeconfig,
            aws_endpoint_url=self.emulator_process.url,
            log_file=self.tmp_path / f"operator-{name}.log",
            namespaces=[self.stack.namespace],
            settings={
                **FAST_TICKS,
                **self.lease.settings,
                "leader_election_identity": name,
                "metrics_bind": f"127.0.0.1:{free_port()}",
            },
            aws_access_key_id=f"replica-{name}",
        )
        self.started.append(replica)
        # Healthy as soon as it answers /healthz: a standby does too.
        return replica.start()

    def holder(self) -> str | None:
        try:
            lease = self.kubectl.json("get", "lease", self.lease.name, "-n", OPERATOR_NAMESPACE)
        except KubectlError:
            return None
        holder: str | None = lease["spec"].get("holderIdentity")
        return holder

    def wait_holder(self, name: str, timeout: float) -> float:
        """Seconds until `name` holds the Lease."""
        start = time.monotonic()
        wait_for(
            lambda: self.holder() == name,
            timeout=timeout,
            interval=0.1,
            what=f"{name} holding Lease {self.lease.name}",
        )
        return time.monotonic() - start

    def calls_by(self, name: str) -> list[dict[str, Any]]:
        principal = f"access-key/replica-{name}"
        return [c for c in self.stack.emulator.callers() if c["principal"] == principal]


@pytest.fixture
def replicas(
    *,
    stack: Stack,
    chart_lease: ChartLease,
    kubectl: Kubectl,
    emulator_process: EmulatorProcess,
    operator_kubeconfig: Path,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> Iterator[Replicas]:
    # The stack's own operator runs without leader election: these replicas replace it.
    stack.operator.stop()
    group = Replicas(stack, chart_lease, kubectl, emulator_process, operator_kubeconfig, tmp_path)
    try:
        yield group
    finally:
        for replica in group.started:
            replica.stop()
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            for replica in group.started:
                print(f"\n--- {replica.log_file.name} ---\n{replica.logs()[-5000:]}")


def _probe(replica: OperatorProcess) -> dict[str, Any]:
    url = f"http://127.0.0.1:{replica.health_port}/healthz"
    with urllib.request.urlopen(url, timeout=2) as response:
        answer: dict[str, Any] = json.loads(response.read())
    return answer


def _leader_gauge(replica: OperatorProcess) -> float:
    url = f"http://{replica.settings['metrics_bind']}/metrics"
    with urllib.request.urlopen(url, timeout=2) as response:
        text = response.read().decode()
    (line,) = [line for line in text.splitlines() if line.startswith("mdo_leader ")]
    return float(line.split()[1])


def test_standby_takes_over_a_sigkilled_leader_mid_deployment(replicas: Replicas) -> None:
    stack = replicas.stack
    # Long enough that the endpoint is still Creating when the leader dies.
    stack.emulator.set_durations(creatingSeconds=12)
    leader = replicas.start("a")
    replicas.wait_holder("a", timeout=10)
    standby = replicas.start("b")
    # Its probe answers as soon as it runs; the holder appears with its first Lease read.
    probed = wait_for(
        lambda: (answer := _probe(standby))["holder"] and answer,
        timeout=10,
        what="the standby's first read of the Lease",
    )
    assert probed == {
        "leader": False,
        "identity": "b",
        "holder": "a",
        "lease": f"{OPERATOR_NAMESPACE}/{replicas.lease.name}",
    }

    stack.registry.register("fraud-detector", approval="Approved")
    stack.apply("fraud")
    creating = stack.wait_condition("fraud", "Reconciling", reason="EndpointCreating", timeout=30)
    before = stack.get("fraud")["status"]
    assert replicas.calls_by("a"), "the leader deploys"
    assert replicas.calls_by("b") == [], "the standby makes no SageMaker call"
    assert stack.emulator.call_count("CreateEndpoint") == 1

    leader.kill()
    killed_at = time.monotonic()
    lease_taken = replicas.wait_holder("b", timeout=TAKEOVER_PROMISE_SECONDS + 5)
    wait_for(
        lambda: replicas.calls_by("b"),
        timeout=TAKEOVER_PROMISE_SECONDS + 5,
        interval=0.1,
        what="the new leader's first SageMaker call",
    )
    acting = time.monotonic() - killed_at
    print(
        f"\nTakeover after SIGKILL: Lease held by the standby after {lease_taken:.1f}s, "
        f"its first SageMaker call after {acting:.1f}s"
    )
    assert acting < TAKEOVER_PROMISE_SECONDS

    stack.wait_serving("fraud", version=1, timeout=60)
    stack.assert_nothing_duplicated("fraud")
    assert stack.emulator.call_count("CreateEndpoint") == 1
    assert stack.emulator.call_count("CreateModel") == 1
    assert stack.emulator.call_count("CreateEndpointConfig") == 1
    # The status the old leader wrote is carried on, not restarted: the same deployment
    # (started when the old leader started it) finished, and Reconciling, raised by the old
    # leader, ended where the new one found the endpoint InService.
    after = stack.get("fraud")["status"]
    (entry,) = after["history"]
    assert entry["startedAt"] == before["history"][0]["startedAt"]
    assert entry["outcome"] == "Succeeded"
    assert entry["version"] == 1
    assert after["modelPackage"]["version"] == 1
    assert creating["lastTransitionTime"] <= entry["finishedAt"]
    ready = {c["type"]: c for c in after["conditions"]}["Ready"]
    assert ready["reason"] == "Deployed"
    # kopf's /healthz now, with the probe saying this replica leads.
    assert _probe(standby)["reconciler"]["leader"] is True


def test_a_leader_stopped_cleanly_hands_over_at_once(replicas: Replicas) -> None:
    """SIGTERM (a rolling update, a node drain): the leader releases the Lease as it stops,
    so the standby takes it at its next read instead of waiting for the lease to expire."""
    stack = replicas.stack
    leader = replicas.start("a")
    replicas.wait_holder("a", timeout=10)
    replicas.start("b")
    stack.registry.register("fraud-detector", approval="Approved")
    stack.apply("fraud")
    stack.wait_serving("fraud", version=1, timeout=60)

    standby = replicas.started[1]
    assert (_leader_gauge(leader), _leader_gauge(standby)) == (1.0, 0.0)
    leader.stop()
    handover = replicas.wait_holder("b", timeout=10)
    print(f"\nHandover after SIGTERM: {handover:.1f}s after the leader exited")
    retry_period = float(replicas.lease.settings["lease_retry_period_seconds"])
    assert handover <= retry_period + 1.0
    stack.registry.register("fraud-detector", approval="Approved")
    stack.wait_serving("fraud", version=2, timeout=60)
    assert stack.emulator.call_count("CreateEndpoint") == 1
    assert _leader_gauge(standby) == 1.0
    assert "Released Lease" in leader.logs()


def test_a_leader_whose_lease_is_taken_exits_at_once(replicas: Replicas) -> None:
    """Another holder in the Lease (here written by an admin; in life, a standby that
    judged the lease expired while this leader was cut off): the leader stops acting at
    its next renewal by ending the process, and does not release what is no longer its."""
    leader = replicas.start("a")
    replicas.wait_holder("a", timeout=10)
    replicas.kubectl(
        "patch", "lease", replicas.lease.name, "-n", OPERATOR_NAMESPACE, "--type=merge",
        "-p", '{"spec":{"holderIdentity":"intruder"}}',
    )  # fmt: skip
    retry_period = float(replicas.lease.settings["lease_retry_period_seconds"])
    # Both, not the health check alone: on a loaded machine /healthz can miss its 2 s
    # answer timeout while the leader is still writing why it exits.
    wait_for(
        lambda: not leader.healthy() and "Lost the leadership (Lease" in leader.logs(),
        timeout=retry_period * 2 + 2,
        what="the leader to log the lost leadership and exit",
    )
    assert "held by intruder" in leader.logs()
    assert replicas.holder() == "intruder"
