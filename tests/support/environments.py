"""A second environment for promotion end-to-end tests: its own namespace and its own
operator process (MDO_ENVIRONMENT naming it), against the emulator the first one uses, the
only thing the two share (as two clusters share only the registry). Also the registry
records a test reads back from a model package."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from devcluster import Kubectl
from devstack.operator_process import OperatorProcess
from devstack.registry import PackageRef
from support.cluster_fixtures import NAMESPACE_LABEL
from support.e2e_stack import Stack, release_leftovers


@contextmanager
def another_environment(
    stack: Stack,
    *,
    environment: str,
    kubectl: Kubectl,
    operator_kubeconfig: Path,
    aws_endpoint_url: str,
    log_file: Path,
) -> Iterator[Stack]:
    """`stack` for `environment`: a namespace named after the test's, watched by an operator
    with the test's settings but that environment. Its operator log is printed at the end."""
    namespace = f"{stack.namespace[:50]}-{environment[:12]}"
    kubectl("create", "namespace", namespace)
    kubectl("label", "namespace", namespace, f"{NAMESPACE_LABEL}=pytest")
    operator = OperatorProcess(
        kubeconfig=operator_kubeconfig,
        aws_endpoint_url=aws_endpoint_url,
        log_file=log_file,
        namespaces=[namespace],
        settings={**stack.operator.settings, "environment": environment},
    )
    operator.start()
    try:
        yield replace(stack, namespace=namespace, operator=operator)
    finally:
        operator.stop()
        release_leftovers(kubectl, namespace)
        print(f"\n--- {environment} operator log ---\n{operator.logs()[-6000:]}")
        kubectl("delete", "namespace", namespace, "--wait=false", "--ignore-not-found")


def metadata(stack: Stack, package: PackageRef) -> dict[str, str]:
    """The package's CustomerMetadataProperties: the pipeline's keys and the mdo: records."""
    described = stack.sagemaker.describe_model_package(ModelPackageName=package.arn)
    return dict(described.get("CustomerMetadataProperties") or {})


def rfc3339(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
