"""The container image's virtualenv, built here without a container engine.

The Dockerfile builds its venv with scripts/build-runtime-venv.sh; this test runs the same
script and checks the result: only the locked runtime dependencies and the operator (no
SageMaker emulator, no pip, no dev tools), a working console script, and a `run` that
starts the way it would in a pod (health endpoint up, waiting to log in to a cluster) or
stops with a clear message when no region is configured. pip's cache keeps reruns quick.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "build-runtime-venv.sh"
LOCK = ROOT / "scripts" / "runtime-requirements.txt"


def canonical(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


@pytest.fixture(scope="module")
def runtime_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    venv = tmp_path_factory.mktemp("image") / "venv"
    result = subprocess.run(
        [str(SCRIPT), "all", str(venv), str(ROOT)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHON": sys.executable},
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return venv


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """What a container would have: no developer AWS or Kubernetes configuration."""
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "AWS_CONFIG_FILE": str(home / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "no-aws-credentials"),
        "KUBECONFIG": str(home / "no-kubeconfig"),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONOPTIMIZE": "2",
        "MALLOC_ARENA_MAX": "2",
        **extra,
    }


def installed_distributions(venv: Path) -> dict[str, str]:
    listing = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "import importlib.metadata as m, json; "
            "print(json.dumps({d.metadata['Name']: d.version for d in m.distributions()}))",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return {canonical(name): version for name, version in json.loads(listing.stdout).items()}


def test_venv_holds_exactly_the_locked_runtime_dependencies(runtime_venv: Path) -> None:
    locked = {}
    for line in LOCK.read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            locked[canonical(name)] = version
    assert installed_distributions(runtime_venv) == {**locked, "model-deployment-operator": "0.1.0"}


def test_emulator_and_tools_are_absent(runtime_venv: Path) -> None:
    assert not (runtime_venv / "bin" / "sagemaker-emulator").exists()
    assert not (runtime_venv / "bin" / "pip").exists()
    site = next((runtime_venv / "lib").glob("python3.*/site-packages"))
    for absent in ("sagemaker_emulator", "moto", "werkzeug", "pytest", "pip", "setuptools"):
        assert not (site / absent).exists(), absent
    record = next(site.glob("model_deployment_operator-*.dist-info")) / "RECORD"
    assert "sagemaker_emulator" not in record.read_text()
    entry_points = (record.parent / "entry_points.txt").read_text()
    assert "sagemaker-emulator" not in entry_points
    assert "model-deployment-operator = model_deployment_operator.cli:main" in entry_points


def test_bytecode_for_the_images_optimize_level_is_compiled(runtime_venv: Path) -> None:
    """The image runs with PYTHONOPTIMIZE=2 and cannot write bytecode: every module it
    imports must have been compiled for that level when the venv was built."""
    site = next((runtime_venv / "lib").glob("python3.*/site-packages"))
    tag = f"cpython-{sys.version_info.major}{sys.version_info.minor}.opt-2.pyc"
    missing = [
        source.relative_to(site)
        for package in ("model_deployment_operator", "kubernetes", "kopf", "botocore")
        for source in (site / package).rglob("*.py")
        if not (source.parent / "__pycache__" / f"{source.stem}.{tag}").exists()
    ]
    assert missing == []


def test_help(runtime_venv: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [str(runtime_venv / "bin" / "model-deployment-operator"), "run", "--help"],
        capture_output=True,
        text=True,
        env=clean_env(tmp_path),
        timeout=60,
        check=True,
    )
    assert "--health-bind" in result.stdout
    assert "MDO_*" in result.stdout


def test_run_without_a_region_stops_with_a_clear_message(
    runtime_venv: Path, tmp_path: Path
) -> None:
    result = subprocess.run(
        [str(runtime_venv / "bin" / "model-deployment-operator"), "run"],
        capture_output=True,
        text=True,
        env=clean_env(tmp_path),
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "No default AWS region" in result.stderr


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def running_operator(
    runtime_venv: Path, tmp_path: Path
) -> Iterator[tuple[subprocess.Popen[str], int]]:
    port = free_port()
    process = subprocess.Popen(
        [str(runtime_venv / "bin" / "model-deployment-operator"), "run"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=clean_env(
            tmp_path,
            AWS_DEFAULT_REGION="us-east-1",
            MDO_HEALTH_BIND=f"127.0.0.1:{port}",
            MDO_LOG_FORMAT="json",
        ),
    )
    try:
        yield process, port
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)


def test_run_starts_and_waits_for_the_cluster(
    running_operator: tuple[subprocess.Popen[str], int], tmp_path: Path
) -> None:
    """Without a reachable cluster the operator keeps retrying its login (as a pod would
    while the API server is down) and its liveness endpoint answers; SIGTERM stops it."""
    process, port = running_operator
    health = None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                health = (response.status, json.loads(response.read()))
                break
        except OSError:
            time.sleep(0.5)
    assert health is not None, "the health endpoint never answered"
    assert health[0] == 200
    assert "reconciler" in health[1]
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output[-3000:]
    assert "Starting model-deployment-operator" in output
    assert str(tmp_path / "no-kubeconfig") in output, "the login failure names the kubeconfig"
