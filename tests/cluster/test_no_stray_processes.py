"""A test run that is cancelled or killed leaves no etcd or kube-apiserver behind.

Runs an inner pytest session that uses the kube_cluster fixture, then sends it SIGTERM
(what CI does when it cancels a job) or SIGKILL.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from devcluster.processes import ProcessRecord, is_alive

pytestmark = [pytest.mark.cluster, pytest.mark.slow]

TESTS_DIR = Path(__file__).resolve().parents[1]

INNER_CONFTEST = """\
pytest_plugins = ["support.cluster_fixtures"]

def pytest_configure(config):
    config.addinivalue_line("markers", "cluster: needs the API server")
    config.addinivalue_line("markers", "e2e: end to end")
"""

INNER_TEST = """\
import json, os, time
from pathlib import Path

import pytest

@pytest.mark.cluster
def test_hold_the_cluster(kube_cluster):
    report = {
        "processes": [r.to_json() for r in kube_cluster.processes],
        "state_dir": str(kube_cluster.state_dir),
    }
    Path(os.environ["INNER_REPORT"]).write_text(json.dumps(report))
    time.sleep(300)
"""


def wait_until(predicate: object, timeout: float, what: str) -> None:
    assert callable(predicate)
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} within {timeout}s")
        time.sleep(0.1)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_killed_test_run_leaves_no_servers(
    kube_toolchain: object, tmp_path: Path, sig: signal.Signals
) -> None:
    inner = tmp_path / "inner"
    inner.mkdir()
    (inner / "conftest.py").write_text(INNER_CONFTEST)
    (inner / "test_inner.py").write_text(INNER_TEST)
    report = tmp_path / "report.json"
    env = {k: v for k, v in os.environ.items() if k not in ("USE_EXISTING_CLUSTER", "KUBECONFIG")}
    env.update(
        INNER_REPORT=str(report),
        PYTHONPATH=os.pathsep.join([str(TESTS_DIR), env.get("PYTHONPATH", "")]),
    )
    command = [
        sys.executable,
        "-m",
        "pytest",
        str(inner),
        "-q",
        "-p",
        "no:cacheprovider",
        "--rootdir",
        str(inner),
        "-o",
        "addopts=",
        f"--basetemp={tmp_path / 'inner-tmp'}",
    ]
    with (tmp_path / "inner.log").open("wb") as log:
        runner = subprocess.Popen(command, cwd=inner, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_until(report.exists, 120, "the inner session did not start its cluster")
            data = json.loads(report.read_text())
            records = [ProcessRecord.from_json(p) for p in data["processes"]]
            assert len(records) == 2
            assert all(is_alive(r) for r in records)

            runner.send_signal(sig)
            runner.wait(timeout=60)
        finally:
            if runner.poll() is None:
                runner.kill()
                runner.wait()

    wait_until(
        lambda: not any(is_alive(r) for r in records),
        30,
        f"etcd/kube-apiserver still running after {sig.name} to pytest",
    )
    if sig == signal.SIGTERM:  # a clean teardown also removes the state directory
        assert not Path(data["state_dir"]).exists(), (tmp_path / "inner.log").read_text()
