"""Two installations of the operator against one API server and one SageMaker emulator,
split by label selector, and the claim that keeps them apart when their selectors overlap.

Each installation takes its MDO_INSTALLATION and MDO_SELECTOR from what the Helm chart
renders for its release, runs as the operator's ServiceAccount, and has an AWS access key
of its own, so "installation b made no SageMaker call for it" is read from the emulator's
record of callers.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import kubernetes.config
import pytest
import yaml

from devcluster import Cluster
from devstack.emulator import EmulatorProcess
from devstack.install import OPERATOR_NAMESPACE
from devstack.operator_process import OperatorProcess
from model_deployment_operator.domain.installation import CLAIM_ANNOTATION, CONFLICT_REASON
from model_deployment_operator.domain.naming import DeploymentRef
from model_deployment_operator.kube.claims import KubernetesClaims
from support.e2e_stack import Stack, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

CHART = Path(__file__).resolve().parents[2] / "helm" / "model-deployment-operator"
ENDPOINT_ACTIONS = {"CreateEndpoint", "DescribeEndpoint", "UpdateEndpoint", "DeleteEndpoint"}
# The settings the e2e operators run with elsewhere (tests/e2e/conftest.py).
FAST_TICKS = {
    "registry_poll_seconds": "5",
    "busy_poll_seconds": "1",
    "scaling_check_seconds": "10",
    "jitter_fraction": "0",
}


def chart_settings(cluster: Cluster, release: str, values: dict[str, str]) -> dict[str, str]:
    """MDO_INSTALLATION and MDO_SELECTOR as the chart renders them for `release`."""
    output = subprocess.run(
        [
            str(cluster.helm_path),
            "template",
            release,
            str(CHART),
            "--namespace",
            OPERATOR_NAMESPACE,
            *(arg for key, value in values.items() for arg in ("--set", f"{key}={value}")),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    (deployment,) = [
        doc for doc in yaml.safe_load_all(output) if doc and doc["kind"] == "Deployment"
    ]
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    return {
        item["name"].removeprefix("MDO_").lower(): item["value"]
        for item in container["env"]
        if item["name"] in ("MDO_INSTALLATION", "MDO_SELECTOR")
    }


@dataclass
class Installations:
    stack: Stack
    cluster: Cluster
    emulator_process: EmulatorProcess
    operator_kubeconfig: Path
    tmp_path: Path

    def __post_init__(self) -> None:
        self.started: dict[str, OperatorProcess] = {}

    def start(self, release: str, **values: str) -> OperatorProcess:
        settings = chart_settings(self.cluster, release, values)
        process = OperatorProcess(
            kubeconfig=self.operator_kubeconfig,
            aws_endpoint_url=self.emulator_process.url,
            log_file=self.tmp_path / f"operator-{release}.log",
            namespaces=[self.stack.namespace],
            settings={**FAST_TICKS, **settings},
            aws_access_key_id=f"installation-{release}",
        )
        self.started[release] = process
        return process.start()

    def calls_by(self, release: str, since: float = 0.0) -> list[dict[str, Any]]:
        principal = f"access-key/installation-{release}"
        return [
            c
            for c in self.stack.emulator.callers()
            if c["principal"] == principal and c["at"] >= since
        ]

    def endpoints_touched_by(self, release: str) -> set[str]:
        return {
            str(call["resource"]).rsplit("/", 1)[-1]
            for call in self.calls_by(release)
            if call["action"] in ENDPOINT_ACTIONS and call.get("resource")
        }


@pytest.fixture
def installations(
    *,
    stack: Stack,
    kube_cluster: Cluster,
    emulator_process: EmulatorProcess,
    operator_kubeconfig: Path,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> Iterator[Installations]:
    # The stack's own operator watches everything in the namespace: these replace it.
    stack.operator.stop()
    group = Installations(stack, kube_cluster, emulator_process, operator_kubeconfig, tmp_path)
    try:
        yield group
    finally:
        for process in group.started.values():
            process.stop()
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            for process in group.started.values():
                print(f"\n--- {process.log_file.name} ---\n{process.logs()[-5000:]}")


def apply_labelled(stack: Stack, name: str, labels: dict[str, str]) -> None:
    manifest = stack.manifest(name)
    manifest["metadata"]["labels"] = labels
    stack.kubectl("apply", "-f", "-", input=json.dumps(manifest))


def claim_on(stack: Stack, name: str) -> str | None:
    annotations = stack.get(name)["metadata"].get("annotations") or {}
    holder: str | None = annotations.get(CLAIM_ANNOTATION)
    return holder


def test_two_installations_split_by_label_selector(installations: Installations) -> None:
    stack = installations.stack
    installations.start("team-a", selector="shard=a")
    installations.start("team-b", selector="shard=b")
    stack.registry.register("fraud-detector", approval="Approved")
    apply_labelled(stack, "fraud", {"shard": "a"})
    apply_labelled(stack, "churn", {"shard": "b"})
    apply_labelled(stack, "nobody", {"shard": "c"})

    stack.wait_serving("fraud", version=1, timeout=90)
    stack.wait_serving("churn", version=1, timeout=90)
    assert claim_on(stack, "fraud") == "team-a"
    assert claim_on(stack, "churn") == "team-b"
    assert installations.endpoints_touched_by("team-a") == {stack.endpoint_name("fraud")}
    assert installations.endpoints_touched_by("team-b") == {stack.endpoint_name("churn")}
    # An object no selector matches is seen by neither: no claim, no finalizer, no status.
    nobody = stack.get("nobody")
    assert CLAIM_ANNOTATION not in (nobody["metadata"].get("annotations") or {})
    assert not nobody["metadata"].get("finalizers")
    assert not (nobody.get("status") or {}).get("conditions")

    stack.delete("fraud")
    stack.delete("churn")
    assert stack.endpoints() == []


def test_an_object_relabelled_into_another_selector_moves_once_its_claim_is_released(
    installations: Installations,
) -> None:
    """New labels take the object out of team-b's watch and into team-a's, which finds
    team-b's claim and leaves it alone; removing the annotation hands it over."""
    stack = installations.stack
    installations.start("team-a", selector="shard=a")
    installations.start("team-b", selector="shard=b")
    stack.registry.register("fraud-detector", approval="Approved")
    apply_labelled(stack, "churn", {"shard": "b"})
    stack.wait_serving("churn", version=1, timeout=90)

    stack.kubectl("label", "mdep", "churn", "-n", stack.namespace, "--overwrite", "shard=a")
    wait_for(
        lambda: ("Warning", CONFLICT_REASON) in stack.events("churn"),
        timeout=30,
        what="team-a reporting team-b's claim",
    )
    relabelled_at = time.time()
    stack.registry.register("fraud-detector", approval="Approved")
    # Neither acts: team-b no longer sees it, team-a does not own it. Either would have
    # noticed version 2 at its next registry poll (5 s here).
    time.sleep(8)
    assert installations.calls_by("team-a", since=relabelled_at) == []
    assert installations.calls_by("team-b", since=relabelled_at) == []
    assert stack.get("churn")["status"]["modelPackage"]["version"] == 1

    stack.kubectl("annotate", "mdep", "churn", "-n", stack.namespace, f"{CLAIM_ANNOTATION}-")
    stack.wait_serving("churn", version=2, timeout=90)
    assert claim_on(stack, "churn") == "team-a"
    assert installations.calls_by("team-b", since=relabelled_at) == []


def test_an_object_claimed_by_one_installation_is_left_alone_by_another(
    installations: Installations,
) -> None:
    """Misconfigured selectors (b watches everything): b finds a's claim, reports it once,
    and neither calls SageMaker for the object nor writes its status, also while a
    deletes it."""
    stack = installations.stack
    installations.start("team-a", selector="shard=a")
    stack.registry.register("fraud-detector", approval="Approved")
    apply_labelled(stack, "fraud", {"shard": "a"})
    stack.wait_serving("fraud", version=1, timeout=90)
    assert claim_on(stack, "fraud") == "team-a"

    team_b = installations.start("team-b")
    wait_for(
        lambda: ("Warning", CONFLICT_REASON) in stack.events("fraud"),
        timeout=30,
        what="team-b reporting the conflict",
    )
    status_then = stack.get("fraud")["status"]
    # A new approval: a keeps deploying while b keeps ticking over the object.
    stack.registry.register("fraud-detector", approval="Approved")
    stack.wait_serving("fraud", version=2, timeout=90)
    assert installations.calls_by("team-b") == []
    assert "claimed by installation team-a" in team_b.logs()
    assert [e for e in stack.events("fraud") if e[1] == CONFLICT_REASON] == [
        ("Warning", CONFLICT_REASON)
    ], "reported once"
    assert stack.get("fraud")["status"]["history"][1:] == status_then["history"]

    stack.delete("fraud", timeout=60)
    assert installations.calls_by("team-b") == []
    assert stack.endpoints() == []


def test_two_installations_racing_for_a_new_object_one_wins(
    installations: Installations,
) -> None:
    """Both selectors match: whichever claims first reconciles, the other never calls
    SageMaker for it."""
    stack = installations.stack
    installations.start("team-a")
    installations.start("team-b")
    stack.registry.register("fraud-detector", approval="Approved")
    apply_labelled(stack, "fraud", {"shard": "a"})
    stack.wait_serving("fraud", version=1, timeout=90)
    winner = claim_on(stack, "fraud")
    assert winner in ("team-a", "team-b")
    loser = "team-b" if winner == "team-a" else "team-a"
    assert installations.calls_by(winner)
    assert installations.calls_by(loser) == []
    assert stack.emulator.call_count("CreateEndpoint") == 1


def test_a_claim_written_from_a_stale_read_is_refused(
    stack: Stack, operator_kubeconfig: Path
) -> None:
    """The claim's optimistic concurrency, against the real API server: a claim based on a
    resourceVersion that another claim already moved on is refused, not overwritten."""
    stack.operator.stop()
    apply_labelled(stack, "fraud", {"shard": "a"})
    found = stack.get("fraud")
    meta = found["metadata"]
    ref = DeploymentRef(namespace=meta["namespace"], name=meta["name"], uid=meta["uid"])

    def client() -> Any:
        return kubernetes.config.new_client_from_config(config_file=str(operator_kubeconfig))

    first = KubernetesClaims(client, "team-a")
    second = KubernetesClaims(client, "team-b")
    assert first.claim(ref, meta["resourceVersion"]) is True
    assert second.claim(ref, meta["resourceVersion"]) is False
    assert claim_on(stack, "fraud") == "team-a"
