"""`make demo`: the operator end to end on the local stack, narrated.

Starts a local kube-apiserver + etcd, the SageMaker emulator and the operator (under its own
RBAC, reaching "AWS" only through AWS_ENDPOINT_URL), then walks through what a platform team
sees: a ModelDeployment waiting for an approval, the first approved version deployed and
serving, a newer approval rolled out, a rejection rolled back; then, in a second act, the
same model deployed serverless with its provisioned concurrency autoscaled; and deletion.
Everything it started is stopped at the end, also on Ctrl-C or failure.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any, TypeVar

import boto3
from botocore.config import Config

from devcluster import Kubectl, open_cluster
from devstack.emulator import EmulatorProcess
from devstack.install import OPERATOR_GROUPS, OPERATOR_USER, install
from devstack.operator_process import FAKE_AWS_ENVIRONMENT, OperatorProcess
from devstack.registry import ModelRegistry, PackageRef, invoke

T = TypeVar("T")
REPO = Path(__file__).resolve().parents[1]
NAMESPACE = "ml-prod"
NAME = "fraud-detector"
GROUP = "fraud-detector"
ENDPOINT = f"{NAMESPACE}-{NAME}"
SERVERLESS = "fraud-detector-serverless-warm"
SERVERLESS_SAMPLE = REPO / "manifests" / "samples" / "serverless-provisioned-autoscaled.yaml"
STARTED = time.monotonic()


def say(message: str) -> None:
    print(f"[{time.monotonic() - STARTED:6.1f}s] {message}", flush=True)


def step(number: int, title: str) -> None:
    print(f"\n==> {number}. {title}", flush=True)


def show(output: str) -> None:
    for line in output.rstrip().splitlines():
        print(f"      {line}", flush=True)


def wait_for(probe: Callable[[], T | None], what: str, timeout: float = 120) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = probe()
        if result:
            return result
        time.sleep(0.5)
    msg = f"timed out after {timeout:.0f}s waiting for {what}"
    raise SystemExit(msg)


class Demo:
    def __init__(self, admin: Kubectl, registry: ModelRegistry, runtime: Any) -> None:
        self.admin = admin
        self.registry = registry
        self.runtime = runtime

    def resource(self, name: str = NAME) -> dict[str, Any]:
        found: dict[str, Any] = self.admin.json("get", "mdep", name, "-n", NAMESPACE)
        return found

    def condition(self, kind: str, name: str = NAME) -> dict[str, Any] | None:
        status = self.resource(name).get("status") or {}
        return next((c for c in status.get("conditions", []) if c["type"] == kind), None)

    def wait_reason(self, kind: str, reason: str) -> dict[str, Any]:
        def probe() -> dict[str, Any] | None:
            condition = self.condition(kind)
            return condition if condition and condition["reason"] == reason else None

        found = wait_for(probe, f"{kind} {reason}")
        say(f"{kind}: {reason} - {found['message']}")
        return found

    def wait_serving(self, version: int, name: str = NAME) -> dict[str, Any]:
        previous_reason = ""
        endpoint = f"{NAMESPACE}-{name}"

        def probe() -> bool:
            nonlocal previous_reason
            ready = self.condition("Ready", name)
            if ready is not None and ready["reason"] != previous_reason:
                previous_reason = ready["reason"]
                say(f"Ready={ready['status']} {ready['reason']}: {ready['message']}")
            if ready is None or ready["reason"] != "Deployed":
                return False
            # Until the operator's next poll, a status from before a change still reads
            # Deployed; wait until it names the version the endpoint serves.
            status = self.resource(name).get("status") or {}
            live = (status.get("modelPackage") or {}).get("version")
            if live != version:
                return False
            return bool(invoke(self.runtime, endpoint).get("modelPackageVersion") == version)

        wait_for(probe, f"{name} serving version {version}")
        answer = invoke(self.runtime, endpoint)
        say(
            f"invoke-endpoint {endpoint} answered from version {answer['modelPackageVersion']} "
            f"(model {answer.get('modelName')}, config {answer.get('endpointConfigName')})"
        )
        return answer

    def get(self) -> None:
        show(self.admin("get", "mdep", "-n", NAMESPACE, "-o", "wide"))

    def history(self) -> None:
        status = self.resource().get("status") or {}
        rows = ["VERSION  TRIGGER            OUTCOME     STARTED               FINISHED"]
        rows += [
            f"{h['version']:<8} {h['trigger']:<18} {h['outcome']:<11} {h['startedAt']:<21} "
            f"{h.get('finishedAt', '')}"
            for h in status.get("history", [])
        ]
        show("\n".join(rows))

    def approve(self, package: PackageRef) -> None:
        self.registry.approve(package)
        say(f"approved version {package.version} in the registry ({package.arn})")


@contextmanager
def local_stack(work: Path, keep_logs: bool) -> Iterator[tuple[Kubectl, EmulatorProcess, Path]]:
    with ExitStack() as stack:
        step(1, "Start a local Kubernetes API server (kube-apiserver + etcd, built from source)")
        cluster = open_cluster(work / "cluster")
        stack.callback(cluster.stop)
        admin = Kubectl(cluster.kubectl_path, cluster.admin_kubeconfig)
        say(f"API server at {cluster.server_url}")
        install(admin)
        say("installed the ModelDeployment CRD and the operator's RBAC (manifests/rbac.yaml)")
        operator_kubeconfig = cluster.kubeconfig_for(
            OPERATOR_USER, OPERATOR_GROUPS, out=work / "operator.kubeconfig"
        )

        step(2, "Start the SageMaker emulator (the operator reaches it through AWS_ENDPOINT_URL)")
        emulator = EmulatorProcess(
            log_file=work / "emulator.log",
            arguments=(
                "--creating-seconds",
                "6",
                "--updating-seconds",
                "6",
                "--deleting-seconds",
                "3",
            ),
        ).start()
        stack.callback(emulator.stop)
        say(f"emulator at {emulator.url}; endpoints take 6s to create or update")
        yield admin, emulator, operator_kubeconfig
        if keep_logs:
            say(f"logs kept in {work}")


def act_two(admin: Kubectl, demo: Demo, autoscaling: Any) -> None:
    """The same model package group, deployed serverless with autoscaled provisioned
    concurrency: another hosting option, another scaling dimension and metric."""
    admin("apply", "-n", NAMESPACE, "-f", str(SERVERLESS_SAMPLE))
    say(f"applied {SERVERLESS_SAMPLE.relative_to(REPO)}")
    answer = demo.wait_serving(1, SERVERLESS)
    compute = answer.get("compute") or {}
    say(f"served by {compute.get('kind')} compute: {json.dumps(compute, sort_keys=True)}")
    demo.get()
    resource_id = f"endpoint/{NAMESPACE}-{SERVERLESS}/variant/AllTraffic"

    def scalable_target() -> dict[str, Any] | None:
        found = autoscaling.describe_scalable_targets(
            ServiceNamespace="sagemaker", ResourceIds=[resource_id]
        )["ScalableTargets"]
        return dict(found[0]) if found else None

    target = wait_for(scalable_target, "the serverless scalable target")
    policies = autoscaling.describe_scaling_policies(
        ServiceNamespace="sagemaker", ResourceId=resource_id
    )["ScalingPolicies"]
    say(
        f"scalable target {resource_id}: {target['ScalableDimension']} "
        f"{target['MinCapacity']}-{target['MaxCapacity']}; policies: "
        + ", ".join(
            f"{p['PolicyName']} on "
            + p["TargetTrackingScalingPolicyConfiguration"]["PredefinedMetricSpecification"][
                "PredefinedMetricType"
            ]
            for p in policies
        )
    )


def delete_all(admin: Kubectl, emulator: EmulatorProcess, sagemaker: Any, autoscaling: Any) -> None:
    """Delete both ModelDeployments and show that nothing they owned is left."""
    admin("delete", "mdep", NAME, SERVERLESS, "-n", NAMESPACE, "--timeout=120s")
    endpoints = sagemaker.list_endpoints()["Endpoints"]
    configs = sagemaker.list_endpoint_configs()["EndpointConfigs"]
    models = sagemaker.list_models()["Models"]
    targets = autoscaling.describe_scalable_targets(ServiceNamespace="sagemaker")
    say(
        f"deleted; SageMaker now has {len(endpoints)} endpoints, {len(configs)} endpoint "
        f"configs, {len(models)} models and {len(targets['ScalableTargets'])} scalable "
        "targets"
    )
    calls = emulator.control.calls()
    say("SageMaker calls made during the demo: " + json.dumps(dict(sorted(calls.items()))))


def run(work: Path, keep_logs: bool) -> None:
    with (
        local_stack(work, keep_logs) as (admin, emulator, operator_kubeconfig),
        ExitStack() as stack,
    ):
        session = boto3.session.Session(
            aws_access_key_id=FAKE_AWS_ENVIRONMENT["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=FAKE_AWS_ENVIRONMENT["AWS_SECRET_ACCESS_KEY"],
            region_name=FAKE_AWS_ENVIRONMENT["AWS_REGION"],
        )
        config = Config(retries={"mode": "standard", "max_attempts": 5})
        sagemaker = session.client("sagemaker", endpoint_url=emulator.url, config=config)
        runtime = session.client("sagemaker-runtime", endpoint_url=emulator.url, config=config)
        autoscaling = session.client(
            "application-autoscaling", endpoint_url=emulator.url, config=config
        )
        sqs = session.client("sqs", endpoint_url=emulator.url, config=config)
        registry = ModelRegistry(sagemaker)
        queue = sqs.create_queue(QueueName="model-registry-events")["QueueUrl"]
        emulator.control.request("PUT", "events", {"queueUrl": queue})

        step(3, "Start the operator as its ServiceAccount (not as an admin)")
        operator = OperatorProcess(
            kubeconfig=operator_kubeconfig,
            aws_endpoint_url=emulator.url,
            log_file=work / "operator.log",
            settings={
                "registry_poll_seconds": "30",
                "busy_poll_seconds": "2",
                "registry_events_queue_url": queue,
            },
        ).start()
        stack.callback(operator.stop)
        say(
            "operator running: registry polled every 30s, and woken at once by "
            "'Model Package State Change' events on SQS"
        )
        demo = Demo(admin, registry, runtime)

        step(4, "A platform team applies a ModelDeployment; the registry has no approved version")
        registry.create_group(GROUP)
        first = registry.register(GROUP)
        say(f"registered version {first.version} (PendingManualApproval)")
        admin("create", "namespace", NAMESPACE)
        admin(
            "apply",
            "-n",
            NAMESPACE,
            "-f",
            str(REPO / "manifests" / "samples" / "fraud-detector.yaml"),
        )
        demo.wait_reason("Stalled", "NoApprovedVersion")
        demo.get()

        step(5, "Approve version 1: the operator creates the model, config and endpoint")
        demo.approve(first)
        demo.wait_serving(1)
        demo.get()

        step(6, "Approve version 2: a zero-downtime update to the newer version")
        second = registry.register(GROUP)
        demo.approve(second)
        demo.wait_serving(2)

        step(7, "Reject version 2: the operator rolls back to version 1")
        registry.reject(second)
        say(f"rejected version {second.version} in the registry")
        demo.wait_serving(1)
        demo.get()

        step(8, "What served when: the deployment history, and the Kubernetes Events")
        demo.history()
        show(
            admin(
                "get",
                "events",
                "-n",
                NAMESPACE,
                "--sort-by=.lastTimestamp",
                "-o",
                "custom-columns=TYPE:.type,REASON:.reason,MESSAGE:.message",
            )
        )

        step(9, "Act two: the same model serverless, its provisioned concurrency autoscaled")
        act_two(admin, demo, autoscaling)

        step(10, "Delete both ModelDeployments (deletionPolicy: Delete)")
        delete_all(admin, emulator, sagemaker, autoscaling)
        step(11, "Clean up: stopping the operator, the emulator and the API server")


def run_demo(run: Callable[[Path, bool], None], description: str | None, prefix: str) -> int:
    """The command line around a demo: a logs directory kept on failure (or on request),
    and a plain message on Ctrl-C once everything started has been stopped."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--keep-logs", action="store_true", help="Keep the logs directory.")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        run(work, args.keep_logs)
    except KeyboardInterrupt:
        say("interrupted; everything started has been stopped")
        return 130
    except BaseException:
        say(f"the demo failed; logs are in {work}")
        raise
    else:
        say("demo finished")
        if not args.keep_logs:
            shutil.rmtree(work, ignore_errors=True)
    return 0


def main() -> int:
    return run_demo(run, __doc__.splitlines()[0] if __doc__ else None, "mdo-demo-")


if __name__ == "__main__":
    sys.exit(main())
