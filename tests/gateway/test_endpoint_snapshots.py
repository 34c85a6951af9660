"""Endpoints observed in bulk (reconcile/endpoint_snapshot.py) through the real gateway
against the emulator: which calls reach SageMaker as the clock moves, as endpoints change
behind the operator's back, and when ListEndpoints is refused."""

from __future__ import annotations

import threading

import pytest

from model_deployment_operator.reconcile.endpoint_snapshot import EndpointSnapshots
from model_deployment_operator.sagemaker.gateway import SageMakerGateway
from support.emulator_fixtures import REGION, Emulator
from support.emulator_scenario import instant, model_and_config, register, serving_endpoint

pytestmark = pytest.mark.emulator

LIST_SECONDS = 60.0
DESCRIBE_SECONDS = 3600.0


class Clock:
    """Monotonic seconds that move only when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def gateway(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> SageMakerGateway:
    for name, value in emulator.environment().items():
        monkeypatch.setenv(name, value)
    return SageMakerGateway(REGION, max_attempts=1)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def snapshots(clock: Clock) -> EndpointSnapshots:
    return EndpointSnapshots(
        list_seconds=LIST_SECONDS, describe_seconds=DESCRIBE_SECONDS, monotonic=clock
    )


def calls(emulator: Emulator) -> tuple[int, int]:
    return (
        emulator.control.call_count("ListEndpoints"),
        emulator.control.call_count("DescribeEndpoint"),
    )


def test_a_settled_endpoint_is_described_once_then_followed_in_the_listing(
    emulator: Emulator, gateway: SageMakerGateway, snapshots: EndpointSnapshots, clock: Clock
) -> None:
    serving_endpoint(emulator, "fraud")
    emulator.control.reset_calls()
    for _ in range(10):  # a look every 5 minutes for 45 minutes
        endpoint = snapshots.endpoint(gateway, "fraud")
        assert endpoint is not None
        assert endpoint.status == "InService"
        clock.now += 5 * 60
    # One listing per look (each is older than the listing interval), one description.
    assert calls(emulator) == (10, 1)
    # Past the describe interval, described again once.
    clock.now += DESCRIBE_SECONDS
    snapshots.endpoint(gateway, "fraud")
    assert calls(emulator) == (11, 2)


def test_a_change_behind_the_operators_back_is_seen_with_the_next_listing(
    emulator: Emulator, gateway: SageMakerGateway, snapshots: EndpointSnapshots, clock: Clock
) -> None:
    serving_endpoint(emulator, "fraud")
    serving_endpoint(emulator, "other", group="other")
    snapshots.endpoint(gateway, "fraud")
    snapshots.endpoint(gateway, "other")
    emulator.sagemaker.update_endpoint_weights_and_capacities(
        EndpointName="fraud",
        DesiredWeightsAndCapacities=[{"VariantName": "AllTraffic", "DesiredInstanceCount": 2}],
    )
    emulator.control.reset_calls()
    # Within the listing interval the last description still stands: the documented bound.
    clock.now += LIST_SECONDS - 1
    unchanged = snapshots.endpoint(gateway, "fraud")
    assert unchanged is not None
    assert unchanged.status == "InService"
    assert calls(emulator) == (0, 0)
    clock.now += 2
    changed = snapshots.endpoint(gateway, "fraud")
    assert changed is not None
    assert changed.status == "Updating"
    assert snapshots.endpoint(gateway, "other") is not None
    # Only the changed endpoint was described; busy, it is described at every look.
    assert calls(emulator) == (1, 1)
    snapshots.endpoint(gateway, "fraud")
    assert calls(emulator) == (1, 2)


def test_a_deleted_endpoint_is_confirmed_gone_and_a_forgotten_one_described(
    emulator: Emulator, gateway: SageMakerGateway, snapshots: EndpointSnapshots, clock: Clock
) -> None:
    serving_endpoint(emulator, "fraud")
    serving_endpoint(emulator, "other", group="other")
    snapshots.endpoint(gateway, "fraud")
    snapshots.endpoint(gateway, "other")
    instant(emulator)
    emulator.sagemaker.delete_endpoint(EndpointName="fraud")
    emulator.control.reset_calls()
    clock.now += LIST_SECONDS
    assert snapshots.endpoint(gateway, "fraud") is None
    assert snapshots.endpoint(gateway, "fraud") is None  # its absence is remembered too
    assert calls(emulator) == (1, 1)
    # The operator acted on it, or an event named it: described at the next look.
    snapshots.forget("OTHER")
    assert snapshots.endpoint(gateway, "other") is not None
    assert calls(emulator) == (1, 2)


def test_concurrent_reconciles_share_one_listing(
    emulator: Emulator, gateway: SageMakerGateway, snapshots: EndpointSnapshots
) -> None:
    instant(emulator)
    package = register(emulator, "fraud")
    config = model_and_config(emulator, "fraud-v1", package)
    names = [f"fraud-{index}" for index in range(8)]
    for name in names:
        emulator.sagemaker.create_endpoint(EndpointName=name, EndpointConfigName=config)
    emulator.control.reset_calls()
    start = threading.Barrier(len(names))
    seen: dict[str, str] = {}

    def reconcile(name: str) -> None:
        start.wait()
        endpoint = snapshots.endpoint(gateway, name)
        seen[name] = endpoint.status if endpoint is not None else "missing"

    threads = [threading.Thread(target=reconcile, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert seen == dict.fromkeys(names, "InService")
    assert calls(emulator) == (1, len(names))


def test_without_list_endpoints_every_look_describes_and_listing_is_retried_much_later(
    emulator: Emulator,
    gateway: SageMakerGateway,
    snapshots: EndpointSnapshots,
    clock: Clock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    serving_endpoint(emulator, "fraud")
    emulator.control.request(
        "POST", "faults/api", {"error": "access-denied", "actions": ["ListEndpoints"], "count": 1}
    )
    emulator.control.reset_calls()
    for _ in range(3):
        assert snapshots.endpoint(gateway, "fraud") is not None
        clock.now += LIST_SECONDS
    assert calls(emulator) == (1, 3)
    refusals = [r for r in caplog.records if "ListEndpoints was refused" in r.getMessage()]
    assert len(refusals) == 1
    assert "AccessDenied" in refusals[0].getMessage()
    # Tried again after the describe interval; it is allowed now.
    clock.now += DESCRIBE_SECONDS
    snapshots.endpoint(gateway, "fraud")
    snapshots.endpoint(gateway, "fraud")
    assert calls(emulator) == (2, 4)
