"""End-to-end fixtures: the real API server, the SageMaker emulator process and the operator
process running under the RBAC of manifests/rbac.yaml (never as an admin).

Each test gets a fresh namespace, a reset emulator, and its own operator watching only that
namespace, so a test that kills or restarts the operator affects nothing else.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devcluster import Kubectl
from devstack.emulator import EmulatorProcess
from devstack.install import OPERATOR_NAMESPACE, OPERATOR_SERVICE_ACCOUNT, install
from devstack.operator_process import OperatorProcess
from devstack.registry import ModelRegistry
from support.cluster_fixtures import KubeconfigFactory
from support.e2e_stack import GROUP, Stack, clients, release_leftovers
from support.environments import another_environment

# Short but realistic ordering: an endpoint takes longer to create than a tick.
EMULATOR_ARGUMENTS = (
    "--creating-seconds",
    "2",
    "--updating-seconds",
    "2",
    "--deleting-seconds",
    "1",
)
OPERATOR_SETTINGS = {
    "registry_poll_seconds": "5",
    "busy_poll_seconds": "1",
    "scaling_check_seconds": "10",
    "jitter_fraction": "0",
}


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def installed(kubectl: Kubectl) -> None:
    install(kubectl)


@pytest.fixture(scope="session")
def operator_kubeconfig(installed: None, kubeconfig_factory: KubeconfigFactory) -> Path:
    return kubeconfig_factory.service_account(OPERATOR_NAMESPACE, OPERATOR_SERVICE_ACCOUNT)


@pytest.fixture(scope="session")
def emulator_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    log = tmp_path_factory.mktemp("emulator") / "emulator.log"
    with EmulatorProcess(log_file=log, arguments=EMULATOR_ARGUMENTS) as process:
        yield process


@pytest.fixture
def stack(
    *,
    request: pytest.FixtureRequest,
    kubectl: Kubectl,
    namespace: str,
    operator_kubeconfig: Path,
    emulator_process: EmulatorProcess,
    tmp_path: Path,
) -> Iterator[Stack]:
    control = emulator_process.control
    control.reset()
    aws = clients(emulator_process.url)
    registry = ModelRegistry(aws["sagemaker"])
    registry.create_group(GROUP)
    marker = request.node.get_closest_marker("operator_settings")
    settings = {**OPERATOR_SETTINGS, **(marker.kwargs if marker is not None else {})}
    operator = OperatorProcess(
        kubeconfig=operator_kubeconfig,
        aws_endpoint_url=emulator_process.url,
        log_file=tmp_path / "operator.log",
        namespaces=[namespace],
        settings=settings,
    )
    operator.start()
    stack = Stack(
        namespace=namespace,
        kubectl=kubectl,
        emulator=control,
        sagemaker=aws["sagemaker"],
        runtime=aws["sagemaker-runtime"],
        autoscaling=aws["application-autoscaling"],
        registry=registry,
        operator=operator,
    )
    try:
        yield stack
    finally:
        # A test may have replaced the operator (to restart it with other settings).
        running = stack.operator
        running.stop()
        release_leftovers(kubectl, namespace)
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            print(f"\n--- operator log ({running.log_file}) ---\n{running.logs()[-6000:]}")


@pytest.fixture
def production(
    stack: Stack,
    kubectl: Kubectl,
    operator_kubeconfig: Path,
    emulator_process: EmulatorProcess,
    tmp_path: Path,
) -> Iterator[Stack]:
    """The production environment beside the test's (mark the test
    `operator_settings(environment="staging")` to make that one staging): its own namespace
    and operator process, the same emulator."""
    with another_environment(
        stack,
        environment="production",
        kubectl=kubectl,
        operator_kubeconfig=operator_kubeconfig,
        aws_endpoint_url=emulator_process.url,
        log_file=tmp_path / "production-operator.log",
    ) as environment:
        yield environment
