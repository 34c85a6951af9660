"""The leader Lease (kube/leader_lease.py) against the real API server: creation, renewal,
release, expiry, a race that only one candidate wins, and a leader that loses its Lease
to another holder or to the API server refusing its renewals."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import kubernetes.config
import pytest

from devcluster import Cluster, Kubectl
from model_deployment_operator.domain.leader_election import LeaseTimings
from model_deployment_operator.kube.leader_lease import LeaseElector, Round
from support.cluster_fixtures import KubeconfigFactory

pytestmark = pytest.mark.cluster

LEASE = "mdo-leader"
# Short, so expiry is observed in seconds; still lease > deadline > retry.
QUICK = LeaseTimings(lease_duration=2, renew_deadline=1.5, retry_period=0.25)


def elector(
    kubeconfig: Path, namespace: str, identity: str, timings: LeaseTimings = QUICK
) -> LeaseElector:
    client = kubernetes.config.new_client_from_config(config_file=str(kubeconfig))
    return LeaseElector(client, namespace=namespace, name=LEASE, identity=identity, timings=timings)


def stored(kubectl: Kubectl, namespace: str) -> dict[str, Any]:
    spec: dict[str, Any] = kubectl.json("get", "lease", LEASE, "-n", namespace)["spec"]
    return spec


def test_create_renew_release_and_take_over(
    kube_cluster: Cluster, kubectl: Kubectl, namespace: str
) -> None:
    admin = kube_cluster.admin_kubeconfig
    a = elector(admin, namespace, "a", LeaseTimings())
    b = elector(admin, namespace, "b", LeaseTimings())
    assert a.try_acquire_or_renew() is Round.HELD
    created = stored(kubectl, namespace)
    assert created["holderIdentity"] == "a"
    assert created["leaseDurationSeconds"] == 8
    assert created["leaseTransitions"] == 0
    assert b.try_acquire_or_renew() is Round.HELD_BY_OTHER
    assert b.holder() == "a"

    time.sleep(0.01)
    assert a.try_acquire_or_renew() is Round.HELD
    renewed = stored(kubectl, namespace)
    assert renewed["acquireTime"] == created["acquireTime"]
    assert renewed["renewTime"] > created["renewTime"]

    a.release()
    released = stored(kubectl, namespace)
    assert released.get("holderIdentity") is None
    # Not expired (8 s), but released: the standby takes it at its next read.
    assert b.try_acquire_or_renew() is Round.HELD
    taken = stored(kubectl, namespace)
    assert taken["holderIdentity"] == "b"
    assert taken["leaseTransitions"] == 1
    # A released candidate does not come back by itself.
    assert a.try_acquire_or_renew() is Round.FAILED


def test_a_lease_nobody_renews_is_taken_after_its_duration(
    kube_cluster: Cluster, namespace: str
) -> None:
    dead = elector(kube_cluster.admin_kubeconfig, namespace, "dead")
    standby = elector(kube_cluster.admin_kubeconfig, namespace, "standby")
    assert dead.try_acquire_or_renew() is Round.HELD
    start = time.monotonic()
    assert standby.wait_until_leader(threading.Event())
    waited = time.monotonic() - start
    assert QUICK.lease_duration <= waited <= QUICK.worst_case_takeover() + 1.0


def test_concurrent_takeover_of_a_released_lease_has_one_winner(
    kube_cluster: Cluster, kubectl: Kubectl, namespace: str
) -> None:
    """Every write carries the resourceVersion it read: the API server refuses all but the
    first of concurrent takeovers."""
    admin = kube_cluster.admin_kubeconfig
    first = elector(admin, namespace, "first")
    assert first.try_acquire_or_renew() is Round.HELD
    first.release()
    candidates = [elector(admin, namespace, f"c{n}") for n in range(6)]
    barrier = threading.Barrier(len(candidates))
    outcomes: dict[str, Round] = {}

    def race(candidate: LeaseElector) -> None:
        barrier.wait()
        outcomes[candidate.identity] = candidate.try_acquire_or_renew()

    threads = [threading.Thread(target=race, args=(c,)) for c in candidates]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    winners = [identity for identity, outcome in outcomes.items() if outcome is Round.HELD]
    assert len(winners) == 1, outcomes
    assert stored(kubectl, namespace)["holderIdentity"] == winners[0]


def test_the_leader_learns_at_once_that_another_holds_the_lease(
    kube_cluster: Cluster, kubectl: Kubectl, namespace: str
) -> None:
    leader = elector(kube_cluster.admin_kubeconfig, namespace, "leader")
    assert leader.try_acquire_or_renew() is Round.HELD
    lost: list[str] = []
    stop = threading.Event()
    renewer = threading.Thread(target=leader.keep_leading, args=(lost.append, stop))
    renewer.start()
    try:
        kubectl(
            "patch", "lease", LEASE, "-n", namespace, "--type=merge",
            "-p", '{"spec":{"holderIdentity":"intruder"}}',
        )  # fmt: skip
        renewer.join(timeout=QUICK.retry_period * 4)
        assert lost == [f"Lease {namespace}/{LEASE} is now held by intruder"]
    finally:
        stop.set()
        renewer.join(timeout=5)


def test_the_leader_gives_up_when_renewals_fail_past_the_deadline(
    kubectl: Kubectl, kubeconfig_factory: KubeconfigFactory, namespace: str
) -> None:
    """The API server starts refusing the leader's renewals (403 once its Role is gone): it
    calls on_lost at the renew deadline, before the lease duration lets a standby in."""
    user = f"lease-user-{namespace}"
    kubectl(
        "create", "role", "leases", "-n", namespace,
        "--verb=get,create,update", "--resource=leases.coordination.k8s.io",
    )  # fmt: skip
    kubectl("create", "rolebinding", "leases", "-n", namespace, "--role=leases", f"--user={user}")
    leader = elector(kubeconfig_factory(user), namespace, "leader")
    # A new RoleBinding reaches the authorizer's cache shortly after it is created.
    deadline = time.monotonic() + 15
    while leader.try_acquire_or_renew() is not Round.HELD:
        assert time.monotonic() < deadline, "the Role never let the leader in"
        time.sleep(0.2)
    lost: list[tuple[str, float]] = []
    stop = threading.Event()
    renewer = threading.Thread(
        target=leader.keep_leading,
        args=(lambda why: lost.append((why, time.monotonic())), stop),
    )
    renewer.start()
    try:
        time.sleep(QUICK.retry_period * 2)
        assert lost == []
        kubectl("delete", "rolebinding", "leases", "-n", namespace)
        renewer.join(timeout=15)
        ((why, lost_at),) = lost
        assert why == f"Lease {namespace}/{LEASE} not renewed for 1.5s (the renew deadline)"
        # Counted from its last successful renewal: at the deadline, and before the lease
        # duration after which a standby could take over.
        assert leader.last_held_at is not None
        since_renewal = lost_at - leader.last_held_at
        assert QUICK.renew_deadline <= since_renewal < QUICK.lease_duration
    finally:
        stop.set()
        renewer.join(timeout=5)
