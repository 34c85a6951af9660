"""Detached processes: found again by pid + start time, stopped with TERM then KILL."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from devcluster.processes import ProcessRecord, is_alive, spawn, start_ticks, terminate

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")


@pytest.fixture
def cleanup() -> Iterator[list[ProcessRecord]]:
    records: list[ProcessRecord] = []
    yield records
    terminate(records, grace=0.5)


def wait_for_file(path: Path, timeout: float = 5.0) -> str:
    deadline = time.monotonic() + timeout
    while not (path.exists() and path.read_text().strip()):
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.02)
    return path.read_text().strip()


def test_spawned_process_is_detached_logged_and_stoppable(
    tmp_path: Path, cleanup: list[ProcessRecord]
) -> None:
    log = tmp_path / "logs" / "sleeper.log"
    popen, record = spawn("sleeper", ["sh", "-c", "echo started; exec sleep 30"], log)
    cleanup.append(record)

    assert record.start_ticks == start_ticks(popen.pid)
    assert is_alive(record)
    assert os.getsid(record.pid) == record.pid  # its own session: survives our exit
    assert wait_for_file(log) == "started"

    assert terminate([record], popens={record.pid: popen}) == []
    assert not is_alive(record)
    assert popen.returncode is not None


def test_a_process_ignoring_sigterm_is_killed_with_its_children(
    tmp_path: Path, cleanup: list[ProcessRecord]
) -> None:
    child_pid_file = tmp_path / "child.pid"
    script = f"trap '' TERM; sleep 30 & echo $! > {child_pid_file}; wait"
    popen, record = spawn("stubborn", ["sh", "-c", script], tmp_path / "stubborn.log")
    cleanup.append(record)
    child = ProcessRecord("child", int(wait_for_file(child_pid_file)), None, "")
    child = ProcessRecord("child", child.pid, start_ticks(child.pid), "")

    killed = terminate([record], grace=0.5, popens={record.pid: popen})

    assert killed == ["stubborn"]
    assert not is_alive(record)
    deadline = time.monotonic() + 5
    while is_alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not is_alive(child), "the whole process group must be gone"


def test_a_reused_pid_is_not_mistaken_for_ours(
    tmp_path: Path, cleanup: list[ProcessRecord]
) -> None:
    popen, record = spawn("real", ["sleep", "30"], tmp_path / "real.log")
    cleanup.append(record)
    assert record.start_ticks is not None
    impostor = ProcessRecord("old", record.pid, record.start_ticks - 1, "")

    assert not is_alive(impostor)
    terminate([impostor], grace=0.2)
    assert is_alive(record), "a record with another start time must not be signalled"
    assert popen.poll() is None


def test_an_exited_unreaped_child_counts_as_gone(tmp_path: Path) -> None:
    popen, record = spawn("quick", ["true"], tmp_path / "quick.log")
    deadline = time.monotonic() + 5
    while is_alive(record):
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert popen.wait(timeout=5) == 0


def test_record_round_trips_through_json() -> None:
    record = ProcessRecord("etcd", 1234, 99, "/x/etcd.log")
    assert ProcessRecord.from_json(record.to_json()) == record
    legacy = ProcessRecord.from_json({"name": "etcd", "pid": 5})
    assert legacy == ProcessRecord("etcd", 5, None, "")
