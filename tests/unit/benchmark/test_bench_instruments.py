"""The benchmark's instruments (bench/): what they compute from what they read. The bench
itself prints numbers and asserts nothing; these make sure the numbers mean what the table
says they mean."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest
from bench.approvals import GroupSample, with_updates_sent
from bench.memory_profile import owner_of
from bench.operator_bench import Bench, arguments
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


def test_the_operator_runs_with_the_images_environment() -> None:
    """make bench measures memory as the image would have it: the allocator and
    optimisation settings of the Dockerfile's ENV."""
    dockerfile = (Path(__file__).resolve().parents[3] / "Dockerfile").read_text()
    image = dict(
        re.findall(
            r"^\s+(MALLOC_ARENA_MAX|PYTHONOPTIMIZE)=(\S+?)(?: \\)?$", dockerfile, re.MULTILINE
        )
    )
    assert set(image) == {"MALLOC_ARENA_MAX", "PYTHONOPTIMIZE"}
    bench = Bench.__new__(Bench)
    bench.args = arguments([])
    assert bench.image_environment() == image


def test_the_operators_share_ends_at_the_last_endpoint_of_the_group_sent_its_update() -> None:
    scenario = Scenario(deployments=4, groups=2)
    ours, other = sorted(scenario.endpoints_of("group-0")), scenario.endpoints_of("group-1")
    assert len(ours) == 2
    assert not other & set(ours)
    calls = [
        {"action": "UpdateEndpoint", "resource": ours[0], "at": 95.0},  # before the approval
        {"action": "DescribeEndpoint", "resource": ours[1], "at": 100.5},
        {"action": "UpdateEndpoint", "resource": ours[0], "at": 101.0},
        {"action": "UpdateEndpoint", "resource": next(iter(other)), "at": 102.0},
        {"action": "UpdateEndpoint", "resource": ours[1], "at": 103.5},
        {"action": "UpdateEndpoint", "resource": ours[0], "at": 109.0},  # a later one
    ]
    sample = GroupSample("group-0", 2, 2, seconds=12.0, approved_epoch=100.0)
    (timed,) = with_updates_sent([sample], calls, scenario.endpoints_of)
    assert timed.update_sent == 3.5
    (unsent,) = with_updates_sent([sample], calls[:4], scenario.endpoints_of)
    assert unsent.update_sent is None
