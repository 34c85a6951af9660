"""`make demo-shared`: the seed 002 flow on the local stack, narrated.

Three model groups served by one multi-model endpoint (manifests/samples/shared-multi-model.yaml):
the operator copies each group's approved artifact under the endpoint's S3 prefix and
refreshes the endpoint so its instances stop serving the cached old artifact. A retrained
model approved in the registry is served after one refresh while the other two keep
theirs; approvals close together share one refresh; a rejection rolls back that model only;
the ModelEndpoint is not deleted while ModelDeployments are placed on it.
"""

from __future__ import annotations

import json
import sys
from contextlib import ExitStack
from functools import partial
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from scripts.demo import local_stack, run_demo, say, show, step, wait_for

from devcluster import Kubectl
from devstack.emulator import EmulatorProcess
from devstack.operator_process import FAKE_AWS_ENVIRONMENT, OperatorProcess
from devstack.registry import ModelRegistry, PackageRef

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "manifests" / "samples" / "shared-multi-model.yaml"
NAMESPACE = "ml-risk"
MODEL_ENDPOINT = "risk-models"
ENDPOINT = f"{NAMESPACE}-{MODEL_ENDPOINT}"
PREFIX_BUCKET = "ml-risk-models"  # the sample's spec.multiModel.artifactPrefix
MODELS_BUCKET = "ml-training-output"
# ModelDeployment -> (model package group, TargetModel), as in the sample.
DEPLOYMENTS = {
    "fraud-detector-mme": ("fraud-detector", "fraud-detector.tar.gz"),
    "credit-limit-mme": ("credit-limit", "credit-limit.tar.gz"),
    "churn-predictor-mme": ("churn-predictor", "churn-predictor.tar.gz"),
}


class SharedDemo:
    def __init__(
        self, admin: Kubectl, sagemaker: Any, s3: Any, runtime: Any, emulator: EmulatorProcess
    ) -> None:
        self.admin = admin
        self.sagemaker = sagemaker
        self.registry = ModelRegistry(sagemaker)
        self.s3 = s3
        self.runtime = runtime
        self.emulator = emulator

    def train(self, group: str, version: int, *, approval: str = "Approved") -> PackageRef:
        """What the seed's scheduled training job does: write model.tar.gz, register it."""
        key = f"{group}/v{version}/model.tar.gz"
        self.s3.put_object(Bucket=MODELS_BUCKET, Key=key, Body=f"{group} v{version}".encode())
        package = self.registry.register(
            group, approval=approval, model_data_url=f"s3://{MODELS_BUCKET}/{key}"
        )
        say(f"registered {group} version {package.version} ({approval})")
        return package

    def answer(self, target_model: str) -> str | None:
        try:
            response = self.runtime.invoke_endpoint(
                EndpointName=ENDPOINT,
                TargetModel=target_model,
                ContentType="application/json",
                Body=b"{}",
            )
        except ClientError:
            return None
        answer = json.loads(response["Body"].read())
        return str(answer["targetModelArtifact"]["preview"])

    def answers_with(self, target_model: str, text: str) -> bool:
        return self.answer(target_model) == text

    def wait_answers(self, expected: dict[str, str]) -> None:
        for deployment, (_, target_model) in DEPLOYMENTS.items():
            wanted = expected[deployment]
            wait_for(
                partial(self.answers_with, target_model, wanted),
                f"TargetModel {target_model} answering with {wanted}",
            )
        for _, target_model in DEPLOYMENTS.values():
            say(
                f"invoke-endpoint --target-model {target_model}: served {self.answer(target_model)}"
            )

    def get(self) -> None:
        show(self.admin("get", "mep,mdep", "-n", NAMESPACE))

    def status(self, kind: str, name: str) -> dict[str, Any]:
        found: dict[str, Any] = self.admin.json("get", kind, name, "-n", NAMESPACE)
        return dict(found.get("status") or {})

    def refreshes(self) -> int:
        return self.emulator.control.call_count("UpdateEndpoint")


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
        s3 = session.client("s3", endpoint_url=emulator.url, config=config)
        sqs = session.client("sqs", endpoint_url=emulator.url, config=config)
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
        say("operator running; registry events arrive on SQS")
        demo = SharedDemo(admin, sagemaker, s3, runtime, emulator)
        run_flow(admin, demo)


def run_flow(admin: Kubectl, demo: SharedDemo) -> None:
    step(4, "Three model groups, trained and approved; the training output in S3")
    for bucket in (MODELS_BUCKET, PREFIX_BUCKET):
        demo.s3.create_bucket(Bucket=bucket)
    for group, _ in DEPLOYMENTS.values():
        demo.registry.create_group(group)
    demo.train("fraud-detector", 1)
    demo.train("credit-limit", 1)
    # The sample pins churn-predictor to version 3.
    for version in (1, 2, 3):
        demo.train("churn-predictor", version)

    step(5, "Apply one multi-model ModelEndpoint and three ModelDeployments placed on it")
    admin("create", "namespace", NAMESPACE)
    admin("apply", "-n", NAMESPACE, "-f", str(SAMPLE))
    say(f"applied {SAMPLE.relative_to(REPO)}")
    served = {
        "fraud-detector-mme": "fraud-detector v1",
        "credit-limit-mme": "credit-limit v1",
        "churn-predictor-mme": "churn-predictor v3",
    }
    demo.wait_answers(served)
    demo.get()

    step(6, "The nightly job retrains fraud-detector; the risk team approves version 2")
    before = demo.refreshes()
    demo.train("fraud-detector", 2)
    served["fraud-detector-mme"] = "fraud-detector v2"
    demo.wait_answers(served)
    refresh = demo.status("mep", MODEL_ENDPOINT).get("lastRefresh") or {}
    say(
        f"{demo.refreshes() - before} refresh: endpoint moved to config "
        f"{refresh.get('configName')}; the other two models kept their versions"
    )

    step(7, "Two approvals a few seconds apart share one refresh")
    before = demo.refreshes()
    demo.train("credit-limit", 2)
    demo.train("fraud-detector", 3)
    served["credit-limit-mme"] = "credit-limit v2"
    served["fraud-detector-mme"] = "fraud-detector v3"
    demo.wait_answers(served)
    say(f"{demo.refreshes() - before} refresh for both approvals")
    roll_back_and_delete(admin, demo, served)


def roll_back_and_delete(admin: Kubectl, demo: SharedDemo, served: dict[str, str]) -> None:

    step(8, "The risk team rejects fraud-detector version 3: only that model rolls back")
    fraud = demo.status("mdep", "fraud-detector-mme")
    package = fraud["modelPackage"]
    demo.registry.reject(PackageRef(package["arn"], package["version"]))
    say(f"rejected fraud-detector version {package['version']}")
    served["fraud-detector-mme"] = "fraud-detector v2"
    demo.wait_answers(served)
    rows = ["VERSION  TRIGGER            OUTCOME     ARTIFACT"]
    history = demo.status("mdep", "fraud-detector-mme").get("history", [])
    rows += [
        f"{h['version']:<8} {h['trigger']:<18} {h['outcome']:<11} {h.get('artifact', '')}"
        for h in history
    ]
    show("\n".join(rows))
    show(
        admin(
            "get",
            "events",
            "-n",
            NAMESPACE,
            "--field-selector",
            "involvedObject.name=fraud-detector-mme",
            "--sort-by=.lastTimestamp",
            "-o",
            "custom-columns=TYPE:.type,REASON:.reason,MESSAGE:.message",
        )
    )

    step(9, "Deleting the ModelEndpoint waits while models are placed on it")
    admin("delete", "mep", MODEL_ENDPOINT, "-n", NAMESPACE, "--wait=false")

    def waiting() -> str | None:
        status = demo.status("mep", MODEL_ENDPOINT)
        ready = {c["type"]: c for c in status.get("conditions", [])}.get("Ready") or {}
        message = str(ready.get("message", ""))
        return message if message.startswith("Waiting for the ModelDeployments") else None

    say(f"Ready=False Deleting: {wait_for(waiting, 'the ModelEndpoint to say who holds it')}")
    admin("delete", "mdep", *DEPLOYMENTS, "-n", NAMESPACE, "--timeout=120s")
    wait_for(
        lambda: not admin("get", "mep", "-n", NAMESPACE, "-o", "name").strip(),
        "the ModelEndpoint to go",
    )
    left = demo.s3.list_objects_v2(Bucket=PREFIX_BUCKET, Prefix="multi-model/")
    keys = [o["Key"] for o in left.get("Contents", []) if "/.mdo-refresh/" not in o["Key"]]
    kept = demo.sagemaker.describe_endpoint(EndpointName=ENDPOINT)["EndpointStatus"]
    say(
        f"deleted; artifacts left under the prefix: {keys or 'none'}; endpoint {ENDPOINT} is "
        f"{kept}: the sample's deletionPolicy Retain leaves it in SageMaker"
    )


def main() -> int:
    return run_demo(run, __doc__.splitlines()[0] if __doc__ else None, "mdo-demo-shared-")


if __name__ == "__main__":
    sys.exit(main())
