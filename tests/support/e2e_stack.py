"""The local stack as one object for end-to-end tests: the test's namespace, admin kubectl,
the emulator's control API, boto3 clients, the registry and the operator process."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from devcluster import Kubectl
from devstack.emulator import EmulatorControl
from devstack.operator_process import FAKE_AWS_ENVIRONMENT, OperatorProcess
from devstack.registry import ModelRegistry, invoke
from model_deployment_operator.domain.naming import DeploymentRef, default_endpoint_name

if TYPE_CHECKING:
    from mypy_boto3_application_autoscaling import ApplicationAutoScalingClient
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_sagemaker import SageMakerClient
    from mypy_boto3_sagemaker_runtime import SageMakerRuntimeClient
    from mypy_boto3_sqs import SQSClient

T = TypeVar("T")
GROUP = "fraud-detector"
ROLE = "arn:aws:iam::123456789012:role/SageMakerExecution"
DEFAULT_SERVICES = ("sagemaker", "sagemaker-runtime", "application-autoscaling")


def wait_for(
    probe: Callable[[], T | None], *, timeout: float, what: str, interval: float = 0.25
) -> T:
    """Poll until probe() returns something truthy; fail naming what never happened."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(interval)
    pytest.fail(f"Timed out after {timeout}s waiting for {what} (last: {last!r})")


@dataclass(frozen=True)
class Whole:
    """A spec value that replaces the manifest's default instead of being merged into it:
    `stack.apply("x", endpoint=Whole({"serverless": {...}}))` has no instanceType."""

    value: dict[str, Any]


@dataclass
class Stack:
    namespace: str
    kubectl: Kubectl
    emulator: EmulatorControl
    sagemaker: SageMakerClient
    runtime: SageMakerRuntimeClient
    autoscaling: ApplicationAutoScalingClient
    registry: ModelRegistry
    operator: OperatorProcess

    def endpoint_name(self, name: str) -> str:
        return default_endpoint_name(DeploymentRef(self.namespace, name, uid=""))

    def manifest(self, name: str, **spec: Any) -> dict[str, Any]:
        base: dict[str, Any] = {
            "modelPackageGroupName": GROUP,
            "executionRoleArn": ROLE,
            "endpoint": {"instanceType": "ml.m5.large", "initialInstanceCount": 1},
            "deletionPolicy": "Delete",
        }
        for key, value in spec.items():
            if isinstance(value, Whole):
                base[key] = value.value
            elif isinstance(value, dict) and isinstance(base.get(key), dict):
                base[key] = {**base[key], **value}
            else:
                base[key] = value
        return {
            "apiVersion": "sagemaker.mlops.dev/v1alpha1",
            "kind": "ModelDeployment",
            "metadata": {"name": name, "namespace": self.namespace},
            "spec": base,
        }

    def apply(self, name: str, **spec: Any) -> None:
        self.kubectl("apply", "-f", "-", input=json.dumps(self.manifest(name, **spec)))

    def get(self, name: str) -> dict[str, Any]:
        resource: dict[str, Any] = self.kubectl.json("get", "mdep", name, "-n", self.namespace)
        return resource

    def conditions(self, name: str) -> dict[str, dict[str, Any]]:
        status = self.get(name).get("status") or {}
        return {c["type"]: c for c in status.get("conditions", [])}

    def wait_condition(
        self,
        name: str,
        kind: str,
        *,
        reason: str | None = None,
        status: str = "True",
        timeout: float = 60,
    ) -> dict[str, Any]:
        def probe() -> dict[str, Any] | None:
            condition = self.conditions(name).get(kind)
            if condition is None or condition["status"] != status:
                return None
            if reason is not None and condition["reason"] != reason:
                return None
            generation = self.get(name)["metadata"]["generation"]
            return condition if condition.get("observedGeneration") == generation else None

        what = f"{name} {kind}={status}" + (f" ({reason})" if reason else "")
        return wait_for(probe, timeout=timeout, what=what)

    def wait_serving(self, name: str, version: int, timeout: float = 60) -> dict[str, Any]:
        """The endpoint answers from the given registry version, and the status says so:
        Ready (Deployed) with that version live. Either alone can run ahead of the other:
        SageMaker switches before the operator's next poll, and a status from before a
        rejection still reads Deployed."""

        def probe() -> dict[str, Any] | None:
            try:
                answer = invoke(self.runtime, self.endpoint_name(name))
            except ClientError:  # not created yet, or not serving yet
                return None
            if answer.get("modelPackageVersion") != version:
                return None
            status = self.get(name).get("status") or {}
            live = (status.get("modelPackage") or {}).get("version")
            ready = {c["type"]: c for c in status.get("conditions", [])}.get("Ready") or {}
            if live != version or ready.get("reason") != "Deployed":
                return None
            return answer

        return wait_for(probe, timeout=timeout, what=f"{name} serving version {version}")

    def history(self, name: str) -> list[dict[str, Any]]:
        status = self.get(name).get("status") or {}
        return list(status.get("history", []))

    def events(self, name: str) -> list[tuple[str, str]]:
        listing = self.kubectl.json(
            "get",
            "events",
            "-n",
            self.namespace,
            "--field-selector",
            f"involvedObject.name={name}",
        )
        return [(e["type"], e["reason"]) for e in listing["items"]]

    def delete(self, name: str, timeout: float = 60) -> None:
        self.kubectl("delete", "mdep", name, "-n", self.namespace, f"--timeout={timeout}s")

    def endpoints(self) -> list[str]:
        return [e["EndpointName"] for e in self.sagemaker.list_endpoints()["Endpoints"]]

    def endpoint_configs(self) -> list[str]:
        configs = self.sagemaker.list_endpoint_configs()["EndpointConfigs"]
        return [c["EndpointConfigName"] for c in configs]

    def models(self) -> list[str]:
        return [m["ModelName"] for m in self.sagemaker.list_models()["Models"]]

    # The services SageMaker itself writes to, served by moto on the emulator's port.
    @cached_property
    def s3(self) -> Any:
        return clients(self.emulator.url, ("s3",))["s3"]

    @cached_property
    def sns(self) -> Any:
        return clients(self.emulator.url, ("sns",))["sns"]

    @cached_property
    def sqs(self) -> SQSClient:
        client: SQSClient = clients(self.emulator.url, ("sqs",))["sqs"]
        return client

    @cached_property
    def cloudwatch(self) -> CloudWatchClient:
        client: CloudWatchClient = clients(self.emulator.url, ("cloudwatch",))["cloudwatch"]
        return client

    def assert_nothing_duplicated(self, name: str, timeout: float = 30) -> None:
        """One endpoint, and (once garbage collection has run) only the configs and models
        of the live deployment and of the previous one, which is kept for a rollback."""
        assert self.endpoints() == [self.endpoint_name(name)]

        def within_current_and_previous() -> bool:
            status = self.get(name).get("status") or {}
            target = status.get("target") or {}
            keep_configs = {target.get("endpointConfigName")}
            keep_models = {target.get("modelName")}
            previous = next(
                (
                    h
                    for h in status.get("history", [])
                    if h["outcome"] == "Succeeded"
                    and h["endpointConfigName"] != target.get("endpointConfigName")
                ),
                None,
            )
            if previous is not None:
                keep_configs.add(previous["endpointConfigName"])
                keep_models.add(previous.get("modelName"))
            configs, models = set(self.endpoint_configs()), set(self.models())
            live = target.get("endpointConfigName") in configs and target.get("modelName") in models
            return live and configs <= keep_configs and models <= keep_models

        wait_for(
            within_current_and_previous,
            timeout=timeout,
            what=f"only the current and previous configs and models of {name}",
        )


def clients(url: str, services: tuple[str, ...] = DEFAULT_SERVICES) -> dict[str, Any]:
    config = Config(retries={"mode": "standard", "max_attempts": 10})
    session = boto3.session.Session(
        aws_access_key_id=FAKE_AWS_ENVIRONMENT["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=FAKE_AWS_ENVIRONMENT["AWS_SECRET_ACCESS_KEY"],
        region_name=FAKE_AWS_ENVIRONMENT["AWS_REGION"],
    )
    # Any service name, not only those boto3-stubs types: the callers annotate what they get.
    client: Callable[..., Any] = session.client
    return {name: client(name, endpoint_url=url, config=config) for name in services}


def release_leftovers(kubectl: Kubectl, namespace: str) -> None:
    """Delete the resources a test left, once its operator has stopped: their finalizers
    first, as nothing will handle them. A bare API server never finishes deleting a
    namespace, so anything left would outlive the test, and a ModelDeployment whose
    status.history says it serves would show in what later tests read cluster-wide (the
    history command lists every ModelDeployment of a group)."""
    names = kubectl("get", "mdep,mep", "-n", namespace, "-o", "name").split()
    for name in names:
        kubectl(
            "patch",
            name,
            "-n",
            namespace,
            "--type=merge",
            "-p",
            '{"metadata":{"finalizers":null}}',
        )
    if names:
        kubectl("delete", *names, "-n", namespace, "--wait=false", "--ignore-not-found")
