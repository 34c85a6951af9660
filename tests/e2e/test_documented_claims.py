"""End to end: what README.md promises and no other test exercised.

- `kubectl get mdep NAME -o yaml | model-deployment-operator plan -f -` prints what the
  operator would do and makes only read-only SageMaker calls ("Configuring the operator");
- `--metrics-bind` serves every series the "Observability" section lists;
- `modelPackageGroupName` may be a model-package-group ARN in another account;
- a newer approval and a rollback are zero-downtime `UpdateEndpoint`s.

Everything is real: the operator process under its ServiceAccount's RBAC, the `plan` command
as a subprocess in a shell pipeline, kubectl, boto3 against the SageMaker emulator, and HTTP
to the metrics port.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from prometheus_client.parser import text_string_to_metric_families

from devstack.operator_process import FAKE_AWS_ENVIRONMENT, OperatorProcess, free_port
from devstack.registry import ModelRegistry, invoke
from model_deployment_operator.settings import OperatorSettings
from support.e2e_stack import GROUP, Stack, wait_for

if TYPE_CHECKING:
    from mypy_boto3_sagemaker import SageMakerClient
    from mypy_boto3_sagemaker_runtime import SageMakerRuntimeClient

pytestmark = pytest.mark.e2e

PLAN = Path(sys.executable).parent / "model-deployment-operator"
ACTION_LINE = re.compile(r"^\s+(\d+)\. (\S+) (.*)$", re.MULTILINE)
# Calls that change nothing in SageMaker; `plan` may make only these.
READ_ONLY_PREFIXES = ("Describe", "List", "Get")


# --------------------------------------------------------------------------- helpers


def restart_operator(stack: Stack, log_file: Path, **settings: str) -> OperatorProcess:
    """Replace the test's operator with one that has extra MDO_* settings."""
    previous = stack.operator
    previous.stop()
    stack.operator = OperatorProcess(
        kubeconfig=previous.kubeconfig,
        aws_endpoint_url=previous.aws_endpoint_url,
        log_file=log_file,
        namespaces=previous.namespaces,
        settings={**previous.settings, **settings},
    ).start()
    return stack.operator


@dataclass(frozen=True)
class PlanRun:
    returncode: int
    stdout: str
    stderr: str

    @property
    def actions(self) -> list[tuple[str, str]]:
        """The numbered action lines, in order, as (call, rest of the line)."""
        numbered = [(int(n), call, rest) for n, call, rest in ACTION_LINE.findall(self.stdout)]
        assert [n for n, _, _ in numbered] == list(range(1, len(numbered) + 1)), self.stdout
        return [(call, rest) for _, call, rest in numbered]

    def line(self, prefix: str) -> str:
        found = [ln.strip() for ln in self.stdout.splitlines() if ln.strip().startswith(prefix)]
        assert len(found) == 1, f"one {prefix!r} line expected in:\n{self.stdout}"
        return found[0]


def plan_environment(stack: Stack) -> dict[str, str]:
    """A user's shell pointed at the emulator exactly as README's development section
    says: only the standard AWS SDK variables, nothing operator-specific."""
    inherited = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AWS_", "MDO_")) and k != "KUBECONFIG"
    }
    return {**inherited, **FAKE_AWS_ENVIRONMENT, "AWS_ENDPOINT_URL": stack.emulator.url}


def run_plan_pipeline(stack: Stack, name: str) -> PlanRun:
    """README: `kubectl get mdep NAME -n NS -o yaml | model-deployment-operator plan -f -`,
    run by a real shell."""
    kubectl = " ".join(
        shlex.quote(part)
        for part in stack.kubectl.command("get", "mdep", name, "-n", stack.namespace, "-o", "yaml")
    )
    pipeline = f"set -o pipefail; {kubectl} | {shlex.quote(str(PLAN))} plan -f -"
    done = subprocess.run(
        ["/bin/bash", "-c", pipeline],
        env=plan_environment(stack),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return PlanRun(done.returncode, done.stdout, done.stderr)


def assert_read_only(stack: Stack) -> dict[str, int]:
    calls = stack.emulator.calls()
    # The plan must have looked at SageMaker at all, or "read-only" would prove nothing.
    assert calls.get("sagemaker.DescribeEndpoint", 0) >= 1, calls
    assert calls.get("sagemaker.ListModelPackages", 0) >= 1, calls
    mutations = {
        key: count
        for key, count in calls.items()
        if not key.rsplit(".", 1)[-1].startswith(READ_ONLY_PREFIXES)
    }
    assert mutations == {}, f"plan changed SageMaker: {mutations}"
    return calls


# --------------------------------------------------------------------------- plan


def test_plan_previews_creation_convergence_and_update_with_read_only_calls(
    stack: Stack,
) -> None:
    # The running operator would act on what plan previews; keep it out of the counts.
    stack.operator.stop()
    stack.registry.register(GROUP, approval="Approved")
    stack.apply("fraud")
    endpoint = stack.endpoint_name("fraud")

    # (a) A new resource: the three creates, in the order the operator makes them.
    stack.emulator.reset_calls()
    new = run_plan_pipeline(stack, "fraud")
    assert new.returncode == 0, new.stderr
    assert_read_only(stack)
    assert new.line("ModelDeployment").startswith(
        f"ModelDeployment {stack.namespace}/fraud -> endpoint {endpoint} (us-east-1)"
    )
    assert new.line("endpoint:") == "endpoint: does not exist"
    assert new.line("verdict:").startswith("verdict: Progressing EndpointCreating:")
    (model_call, model), (config_call, config), (create_call, create) = new.actions
    assert (model_call, config_call, create_call) == (
        "CreateModel",
        "CreateEndpointConfig",
        "CreateEndpoint",
    )
    assert create == f"{endpoint} (config {config})"
    assert stack.endpoints() == []
    assert stack.models() == []
    assert stack.endpoint_configs() == []

    # The operator then does exactly what plan announced, under the same names.
    stack.operator.start()
    stack.wait_serving("fraud", version=1)
    assert stack.models() == [model]
    assert stack.endpoint_configs() == [config]

    # (b) Converged: nothing to do.
    stack.operator.stop()
    stack.emulator.reset_calls()
    converged = run_plan_pipeline(stack, "fraud")
    assert converged.returncode == 0, converged.stderr
    assert_read_only(stack)
    assert converged.line("endpoint:") == f"endpoint: InService, config {config} (owned)"
    assert converged.line("verdict:").startswith("verdict: Converged Deployed:")
    assert "actions: none" in converged.stdout
    assert converged.actions == []

    # (c) A newer approval: a new model and config, then UpdateEndpoint.
    stack.registry.register(GROUP, approval="Approved")
    stack.emulator.reset_calls()
    update = run_plan_pipeline(stack, "fraud")
    assert update.returncode == 0, update.stderr
    assert_read_only(stack)
    assert update.line("verdict:").startswith("verdict: Progressing EndpointUpdating:")
    assert "version 2" in update.line("verdict:")
    calls = [call for call, _ in update.actions]
    assert calls == ["CreateModel", "CreateEndpointConfig", "UpdateEndpoint"], update.stdout
    new_config = update.actions[1][1]
    assert update.actions[2][1] == f"{endpoint} (config {new_config})"
    assert new_config != config
    assert invoke(stack.runtime, endpoint)["modelPackageVersion"] == 1, "plan changed nothing"

    stack.operator.start()
    stack.wait_serving("fraud", version=2)
    described = stack.sagemaker.describe_endpoint(EndpointName=endpoint)
    assert described["EndpointConfigName"] == new_config


def test_plan_rejects_an_invalid_spec_with_exit_code_2(stack: Stack, tmp_path: Path) -> None:
    manifest = stack.manifest("fraud", approval={"policy": "Pinned"})  # no pinnedVersion
    path = tmp_path / "fraud.yaml"
    path.write_text(json.dumps(manifest))  # JSON is YAML
    stack.emulator.reset_calls()
    done = subprocess.run(
        [str(PLAN), "plan", "-f", str(path)],
        env=plan_environment(stack),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert done.stderr.startswith("Invalid spec: ")
    assert "approval.pinnedVersion is required when approval.policy is Pinned" in done.stderr
    assert done.stdout == ""
    assert stack.emulator.call_count("DescribeEndpoint") == 0


# --------------------------------------------------------------------------- metrics

Series = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(port: int) -> Series:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        assert response.status == 200
        text = response.read().decode()
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(series: Series, name: str, **labels: str) -> float | None:
    return series.get((name, frozenset(labels.items())))


def samples(series: Series, name: str) -> dict[frozenset[tuple[str, str]], float]:
    return {labels: v for (sample, labels), v in series.items() if sample == name}


def attempts_beyond_calls(series: Series, operation: str) -> float:
    """HTTP attempts minus completed calls of one operation: botocore's retries."""
    attempts = value(
        series, "mdo_aws_http_attempts_total", service="sagemaker", operation=operation
    )
    calls = sum(
        v
        for labels, v in samples(series, "mdo_aws_calls_total").items()
        if dict(labels).get("operation") == operation
    )
    return (attempts or 0) - calls


def test_metrics_endpoint_serves_every_documented_series(stack: Stack, tmp_path: Path) -> None:
    port = free_port()
    restart_operator(stack, tmp_path / "operator-metrics.log", metrics_bind=f"127.0.0.1:{port}")
    stack.registry.register(GROUP, approval="Approved")
    stack.apply("fraud")
    stack.wait_serving("fraud", version=1)
    series = scrape(port)

    # mdo_aws_calls_total{service,operation,outcome}: agrees with what the emulator served.
    calls = samples(series, "mdo_aws_calls_total")
    assert calls, "no mdo_aws_calls_total samples"
    for labels in calls:
        assert {k for k, _ in labels} == {"service", "operation", "outcome"}
        assert re.fullmatch(r"[A-Z][A-Za-z]+", dict(labels)["operation"]), labels
        # sts: GetCallerIdentity, once, for the account of the call budget.
        assert dict(labels)["service"] in ("sagemaker", "application-autoscaling", "sqs", "sts")
    for operation in ("CreateModel", "CreateEndpointConfig", "CreateEndpoint"):
        count = value(
            series,
            "mdo_aws_calls_total",
            service="sagemaker",
            operation=operation,
            outcome="Success",
        )
        assert count == 1 == stack.emulator.call_count(f"sagemaker.{operation}"), operation
    described = value(
        series,
        "mdo_aws_calls_total",
        service="sagemaker",
        operation="DescribeEndpoint",
        outcome="Success",
    )
    assert described is not None
    assert described >= 2

    # mdo_aws_http_attempts_total{service,operation}
    created = value(
        series, "mdo_aws_http_attempts_total", service="sagemaker", operation="CreateEndpoint"
    )
    assert created == 1

    # mdo_reconciles_total{verdict} and mdo_reconcile_duration_seconds: one observation per
    # reconcile (read from one scrape taken between ticks: the two are updated one after
    # the other).
    def consistent() -> Series | None:
        current = scrape(port)
        reconciles = sum(samples(current, "mdo_reconciles_total").values())
        observed = value(current, "mdo_reconcile_duration_seconds_count")
        return current if reconciles and observed == reconciles else None

    series = wait_for(consistent, timeout=20, what="reconcile count == duration count")
    verdicts = {dict(k)["verdict"]: v for k, v in samples(series, "mdo_reconciles_total").items()}
    assert verdicts.get("Progressing", 0) >= 1, verdicts  # while Creating
    assert verdicts.get("Converged", 0) >= 1, verdicts
    assert set(verdicts) <= {"Converged", "Progressing", "Unavailable", "Blocked"}
    total_seconds = value(series, "mdo_reconcile_duration_seconds_sum")
    assert total_seconds is not None
    assert total_seconds > 0
    assert value(series, "mdo_reconcile_duration_seconds_bucket", le="+Inf") == value(
        series, "mdo_reconcile_duration_seconds_count"
    )

    # mdo_deployments_started_total{trigger} and mdo_managed_modeldeployments
    assert value(series, "mdo_deployments_started_total", trigger="InitialDeployment") == 1
    assert value(series, "mdo_managed_modeldeployments") == 1

    # mdo_sagemaker_call_budget_wait_seconds and _tokens{account,region}: one wait per
    # SageMaker or Auto Scaling attempt, in the account STS named and the region.
    def budgeted(current: Series) -> Series | None:
        attempts = sum(
            count
            for labels, count in samples(current, "mdo_aws_http_attempts_total").items()
            if dict(labels)["service"] in ("sagemaker", "application-autoscaling")
        )
        waits = value(
            current,
            "mdo_sagemaker_call_budget_wait_seconds_count",
            account=OPERATOR_ACCOUNT,
            region="us-east-1",
        )
        return current if attempts and waits == attempts else None

    series = wait_for(lambda: budgeted(scrape(port)), timeout=20, what="a wait per attempt")
    tokens = value(
        series, "mdo_sagemaker_call_budget_tokens", account=OPERATOR_ACCOUNT, region="us-east-1"
    )
    assert tokens is not None
    # The operator runs with the default budget: the bucket never holds more than its burst.
    assert 0 <= tokens <= OperatorSettings.model_fields["sagemaker_call_burst"].default

    stack.registry.register(GROUP, approval="Approved")
    stack.wait_serving("fraud", version=2)
    series = scrape(port)
    assert value(series, "mdo_deployments_started_total", trigger="NewApproval") == 1
    assert value(series, "mdo_deployments_started_total", trigger="InitialDeployment") == 1

    # Attempts include botocore's retries; calls count once after them. With nothing in
    # flight the difference is the number of retries, so throttle two ListModelPackages (a
    # settled endpoint is listed, not described; its group is read at every registry poll).
    wait_for(
        lambda: attempts_beyond_calls(scrape(port), "ListModelPackages") == 0,
        timeout=20,
        what="no ListModelPackages retries yet",
    )
    stack.emulator.throttle(count=2, actions=["ListModelPackages"])
    wait_for(
        lambda: attempts_beyond_calls(scrape(port), "ListModelPackages") == 2,
        timeout=60,
        what="two retried ListModelPackages attempts counted",
    )
    assert stack.emulator.request("GET", "calls")["faulted"] == {"sagemaker.ListModelPackages": 2}

    stack.delete("fraud", timeout=90)
    wait_for(
        lambda: value(scrape(port), "mdo_managed_modeldeployments") == 0,
        timeout=20,
        what="mdo_managed_modeldeployments back to 0",
    )


# --------------------------------------------------------------------------- cross-account

REGISTRY_ACCOUNT = "444455556666"
OPERATOR_ACCOUNT = "123456789012"


def registry_account_sagemaker(url: str) -> SageMakerClient:
    """SageMaker as the registry account's training pipeline sees it. The emulator decides
    the caller's account as moto does; the ``x-moto-account-id`` header names it."""
    session = boto3.session.Session(
        aws_access_key_id=FAKE_AWS_ENVIRONMENT["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=FAKE_AWS_ENVIRONMENT["AWS_SECRET_ACCESS_KEY"],
        region_name=FAKE_AWS_ENVIRONMENT["AWS_REGION"],
    )
    config = Config(retries={"mode": "standard", "max_attempts": 10})
    client = session.client("sagemaker", endpoint_url=url, config=config)

    def in_registry_account(request: Any, **_: Any) -> None:
        request.headers["x-moto-account-id"] = REGISTRY_ACCOUNT

    client.meta.events.register("before-sign.sagemaker", in_registry_account)
    return client


def test_cross_account_group_arn_deploys_follows_approvals_and_rejections(stack: Stack) -> None:
    registry_sagemaker = registry_account_sagemaker(stack.emulator.url)
    shared = ModelRegistry(registry_sagemaker)
    group_arn = shared.create_group(GROUP)
    assert f":{REGISTRY_ACCOUNT}:model-package-group/" in group_arn
    first = shared.register(GROUP, approval="Approved")
    assert f":{REGISTRY_ACCOUNT}:" in first.arn
    # A same-named group in the operator's own account, with newer approved versions: if
    # the operator resolved the ARN by name, it would deploy one of these instead.
    stack.registry.register(GROUP, approval="Approved")
    stack.registry.register(GROUP, approval="Approved")

    stack.apply("fraud", modelPackageGroupName=group_arn)
    answer = stack.wait_serving("fraud", version=1)
    assert answer["modelPackageArn"] == first.arn
    status = stack.get("fraud")["status"]
    assert status["modelPackage"]["arn"] == first.arn
    # The endpoint, its config and model live in the operator's account; the registry
    # account only holds the registry.
    assert f":{OPERATOR_ACCOUNT}:endpoint/" in status["endpoint"]["arn"]
    assert stack.endpoints() == [stack.endpoint_name("fraud")]
    assert len(stack.models()) == 1
    assert registry_sagemaker.list_endpoints()["Endpoints"] == []
    assert registry_sagemaker.list_models()["Models"] == []

    second = shared.register(GROUP)  # pending until the model risk team approves it
    shared.approve(second)
    answer = stack.wait_serving("fraud", version=2)
    assert answer["modelPackageArn"] == second.arn

    shared.reject(second)
    answer = stack.wait_serving("fraud", version=1)
    assert answer["modelPackageArn"] == first.arn
    assert [(h["version"], h["trigger"], h["modelPackageArn"]) for h in stack.history("fraud")][
        :3
    ] == [
        (1, "Rollback", first.arn),
        (2, "NewApproval", second.arn),
        (1, "InitialDeployment", first.arn),
    ]


# --------------------------------------------------------------------------- zero downtime


@dataclass
class Invoker:
    """Invokes the endpoint back to back from its own thread and client, without retries
    (a retry would hide the very failure this looks for)."""

    runtime: SageMakerRuntimeClient
    endpoint: str
    answers: list[tuple[float, int]] = field(default_factory=list)
    failures: list[tuple[float, str]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        while not self._stop.is_set():
            at = time.monotonic()
            try:
                self.answers.append(
                    (at, int(invoke(self.runtime, self.endpoint)["modelPackageVersion"]))
                )
            except (ClientError, BotoCoreError) as error:
                self.failures.append((at, repr(error)))
            time.sleep(0.01)

    @contextmanager
    def running(self) -> Iterator[Invoker]:
        thread = threading.Thread(target=self.run, name="invoker", daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            thread.join(timeout=30)

    def versions_between(self, start: float, end: float) -> list[int]:
        return [version for at, version in self.answers if start <= at <= end]


def runs(versions: list[int]) -> list[int]:
    """[1, 1, 2, 2, 2] -> [1, 2]: the order in which versions answered."""
    return [v for i, v in enumerate(versions) if i == 0 or versions[i - 1] != v]


def serve_while_watching_updates(stack: Stack, name: str, version: int) -> tuple[float, float]:
    """Wait until `version` serves, noting when DescribeEndpoint first and last said
    Updating (the window in which the old fleet must keep answering)."""
    endpoint = stack.endpoint_name(name)
    seen: list[float] = []

    def served() -> bool:
        if stack.sagemaker.describe_endpoint(EndpointName=endpoint)["EndpointStatus"] == "Updating":
            seen.append(time.monotonic())
        status = stack.get(name).get("status") or {}
        ready = {c["type"]: c for c in status.get("conditions", [])}.get("Ready") or {}
        live = (status.get("modelPackage") or {}).get("version")
        return live == version and ready.get("reason") == "Deployed"

    wait_for(served, timeout=60, what=f"{name} Deployed on version {version}", interval=0.1)
    assert seen, "the endpoint was never seen Updating"
    return seen[0], seen[-1]


def test_update_and_rollback_keep_serving_and_switch_versions(stack: Stack) -> None:
    stack.registry.register(GROUP, approval="Approved")
    stack.apply("fraud")
    stack.wait_serving("fraud", version=1)
    endpoint = stack.endpoint_name("fraud")
    runtime = boto3.session.Session(
        aws_access_key_id=FAKE_AWS_ENVIRONMENT["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=FAKE_AWS_ENVIRONMENT["AWS_SECRET_ACCESS_KEY"],
        region_name=FAKE_AWS_ENVIRONMENT["AWS_REGION"],
    ).client(
        "sagemaker-runtime",
        endpoint_url=stack.emulator.url,
        config=Config(retries={"mode": "standard", "total_max_attempts": 1}),
    )

    with Invoker(runtime, endpoint).running() as invoker:
        started = time.monotonic()
        second = stack.registry.register(GROUP, approval="Approved")
        update_window = serve_while_watching_updates(stack, "fraud", version=2)
        time.sleep(1)  # a few answers from the new fleet before rolling back
        rollback_started = time.monotonic()
        stack.registry.reject(second)
        rollback_window = serve_while_watching_updates(stack, "fraud", version=1)
        time.sleep(1)
        ended = time.monotonic()

    assert invoker.failures == [], invoker.failures[:5]
    # The old fleet answered while the endpoint was Updating, both times.
    assert invoker.versions_between(*update_window), "no answers while updating"
    assert invoker.versions_between(*rollback_window), "no answers while rolling back"
    # Version 1 until the switch, then version 2, never back and forth; then the reverse.
    assert runs(invoker.versions_between(started, rollback_started)) == [1, 2]
    assert runs(invoker.versions_between(rollback_started, ended)) == [2, 1]
    assert len(invoker.answers) > 100, len(invoker.answers)
