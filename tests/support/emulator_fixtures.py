"""Fixtures for tests against the SageMaker emulator process.

    emulator_process  session: one `sagemaker-emulator --port 0` with short transitions
    emulator          function: the same process, reset to empty, with its control API
                      and boto3 clients pointed at it (`emulator.sagemaker`, `emulator.s3`,
                      `emulator.sns`, `emulator.cloudwatch`, ...)

Tests that use them carry `@pytest.mark.emulator` (added at collection when missing), so
`make test-unit` never starts the process. Inside those tests every warning is an error:
botocore must parse each response the emulator sends without complaint.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import boto3
import pytest
from botocore.config import Config

from devstack.emulator import EmulatorControl, EmulatorProcess

REGION = "us-east-1"
ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/SageMakerExecution"
IMAGE = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/fraud:1"
# Short enough for a fast suite, long enough to observe each transitional status.
TRANSITION_SECONDS = 1.0
# How long an asynchronous invocation waits before its result is written.
ASYNC_SECONDS = 0.3

T = TypeVar("T")


def client_settings(url: str) -> dict[str, Any]:
    return {
        "endpoint_url": url,
        "region_name": REGION,
        "aws_access_key_id": "testing",
        "aws_secret_access_key": "testing",
        # Tests see the emulator's answers, not botocore retrying them away.
        "config": Config(retries={"mode": "standard", "total_max_attempts": 1}),
    }


@dataclass
class Emulator:
    url: str
    control: EmulatorControl
    sagemaker: Any
    runtime: Any
    autoscaling: Any
    sqs: Any
    s3: Any
    sns: Any
    cloudwatch: Any

    def sagemaker_with(self, **config: Any) -> Any:
        """A SageMaker client with its own botocore Config (e.g. another retry mode)."""
        settings = client_settings(self.url)
        settings["config"] = Config(**config)
        return boto3.client("sagemaker", **settings)

    def environment(self) -> dict[str, str]:
        """What the AWS CLI (or any SDK) needs to talk to the emulator."""
        return {
            "AWS_ENDPOINT_URL": self.url,
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_CONFIG_FILE": "/dev/null",
            "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        }


def eventually(probe: Callable[[], T | None], what: str, timeout: float = 15.0) -> T:
    """Poll `probe` until it returns something other than None (or False)."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value is not None and value is not False:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "emulator" in getattr(item, "fixturenames", ()) and not item.get_closest_marker(
            "emulator"
        ):
            item.add_marker(pytest.mark.emulator)


@pytest.fixture(scope="session")
def emulator_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    log_file: Path = tmp_path_factory.mktemp("emulator") / "emulator.log"
    seconds = str(TRANSITION_SECONDS)
    process = EmulatorProcess(
        log_file=log_file,
        arguments=(
            "--creating-seconds",
            seconds,
            "--updating-seconds",
            seconds,
            "--deleting-seconds",
            seconds,
        ),
    )
    with process:
        yield process


@pytest.fixture
def emulator(emulator_process: EmulatorProcess) -> Iterator[Emulator]:
    control = emulator_process.control
    control.reset()
    control.set_durations(
        creatingSeconds=TRANSITION_SECONDS,
        updatingSeconds=TRANSITION_SECONDS,
        deletingSeconds=TRANSITION_SECONDS,
        asyncInferenceSeconds=ASYNC_SECONDS,
    )
    settings = client_settings(emulator_process.url)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield Emulator(
            url=emulator_process.url,
            control=control,
            sagemaker=boto3.client("sagemaker", **settings),
            runtime=boto3.client("sagemaker-runtime", **settings),
            autoscaling=boto3.client("application-autoscaling", **settings),
            sqs=boto3.client("sqs", **settings),
            s3=boto3.client("s3", **settings),
            sns=boto3.client("sns", **settings),
            cloudwatch=boto3.client("cloudwatch", **settings),
        )
