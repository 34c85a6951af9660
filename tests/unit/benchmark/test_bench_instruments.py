"""The benchmark's instruments (bench/): what they compute from what they read. The bench
itself prints numbers and asserts nothing; these make sure the numbers mean what the table
says they mean."""

from __future__ import annotations

import os
import time

import pytest
from bench.memory_profile import owner_of
from bench.process_usage import CpuWindow, cpu_seconds, peak_resident_mib, resident_mib
from bench.results import percentile
from bench.scenario import Scenario


def test_deployments_spread_over_the_groups_differ_by_one_at_most() -> None:
    scenario = Scenario(deployments=1000, groups=100)
    sizes = {len(scenario.names_in(g)) for g in range(100)}
    assert sizes == {10}
    uneven = Scenario(deployments=7, groups=3)
    assert [len(uneven.names_in(g)) for g in range(3)] == [3, 2, 2]
    names = uneven.all_names()
    assert len(names) == len(set(names)) == 7
    bodies = uneven.bodies()
    assert sorted(b["metadata"]["name"] for b in bodies) == sorted(names)
    # Created round-robin over the groups, as several teams applying at once.
    assert [b["spec"]["modelPackageGroupName"] for b in bodies[:3]] == [
        "group-0",
        "group-1",
        "group-2",
    ]


def test_a_scenario_needs_at_least_one_deployment_per_group() -> None:
    with pytest.raises(ValueError, match="groups <= deployments"):
        Scenario(deployments=5, groups=10)


@pytest.mark.parametrize(
    ("values", "share", "expected"),
    [
        ([5.0], 0.9, 5.0),
        ([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0], 0.9, 9.0),
        ([10.0, 1.0, 2.0], 0.5, 2.0),
        ([3.0, 1.0, 2.0], 1.0, 3.0),
    ],
)
def test_percentile_is_the_nearest_rank(values: list[float], share: float, expected: float) -> None:
    assert percentile(values, share) == expected


def test_cpu_share_is_cpu_time_over_wall_time() -> None:
    pid = os.getpid()
    window = CpuWindow.start(pid)
    # Busy until this process has used 0.3 s of CPU, however busy the machine is. CPU time
    # comes in clock ticks (10 ms), so the share is only that exact; no upper bound of
    # one core either, since any thread of the process counts.
    while cpu_seconds(pid) - window.cpu_at_start < 0.3:
        pass
    used = cpu_seconds(pid) - window.cpu_at_start
    wall = time.monotonic() - window.wall_at_start
    assert window.share() == pytest.approx(used / wall, rel=0.25)


def test_peak_resident_size_is_at_least_the_current_one() -> None:
    pid = os.getpid()
    assert 1 < resident_mib(pid) <= peak_resident_mib(pid)


@pytest.mark.parametrize(
    ("filename", "owner"),
    [
        ("/venv/lib/python3.11/site-packages/botocore/loaders.py", "botocore"),
        ("/venv/lib/python3.11/site-packages/six.py", "six"),
        (
            "/src/operator/model_deployment_operator/reconcile/memory.py",
            "model_deployment_operator/reconcile",
        ),
        (
            "/src/operator/model_deployment_operator/settings.py",
            "model_deployment_operator/settings",
        ),
        ("<frozen importlib._bootstrap>", None),
        ("<string>", None),
    ],
)
def test_allocations_are_charged_to_the_package_of_their_frame(
    filename: str, owner: str | None
) -> None:
    assert owner_of(filename) == owner


def test_the_standard_library_owns_nothing() -> None:
    assert owner_of(os.__file__) is None
