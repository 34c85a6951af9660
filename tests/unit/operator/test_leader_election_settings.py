"""Leader election settings: off unless asked, read from MDO_* or the flag, timings checked
at start-up, and a Lease that must be placed somewhere."""

from __future__ import annotations

import pytest

from model_deployment_operator.cli import build_parser, leader_lease_of, settings_from
from model_deployment_operator.domain.leader_election import LeaseTimings
from model_deployment_operator.kube.leader_lease import IN_CLUSTER_NAMESPACE_FILE


def test_off_by_default_with_safe_timings() -> None:
    settings = settings_from(build_parser().parse_args(["run"]))
    assert settings.leader_election is False
    assert settings.leader_election_lease_name == "model-deployment-operator"
    assert settings.lease_timings() == LeaseTimings(8, 6, 2)


def test_the_flag_or_the_environment_turns_it_on(monkeypatch: pytest.MonkeyPatch) -> None:
    assert settings_from(build_parser().parse_args(["run", "--leader-election"])).leader_election
    monkeypatch.setenv("MDO_LEADER_ELECTION", "true")
    monkeypatch.setenv("MDO_LEADER_ELECTION_LEASE_NAME", "mdo-prod")
    monkeypatch.setenv("MDO_LEASE_DURATION_SECONDS", "15")
    monkeypatch.setenv("MDO_LEASE_RENEW_DEADLINE_SECONDS", "10")
    monkeypatch.setenv("MDO_LEASE_RETRY_PERIOD_SECONDS", "2.5")
    settings = settings_from(build_parser().parse_args(["run"]))
    assert settings.leader_election is True
    assert settings.leader_election_lease_name == "mdo-prod"
    assert settings.lease_timings() == LeaseTimings(15, 10, 2.5)


def test_unsafe_timings_stop_the_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MDO_LEASE_RENEW_DEADLINE_SECONDS", "1")
    monkeypatch.setenv("MDO_LEASE_RETRY_PERIOD_SECONDS", "2")
    with pytest.raises(ValueError, match="renew deadline must be longer than the retry period"):
        settings_from(build_parser().parse_args(["run"]))


@pytest.mark.skipif(IN_CLUSTER_NAMESPACE_FILE.exists(), reason="runs inside a pod")
def test_outside_a_pod_the_lease_namespace_must_be_named() -> None:
    settings = settings_from(build_parser().parse_args(["run", "--leader-election"]))
    with pytest.raises(SystemExit, match="MDO_LEADER_ELECTION_NAMESPACE"):
        leader_lease_of(settings)
    named = settings.model_copy(update={"leader_election_namespace": "mdo-system"})
    lease = leader_lease_of(named)
    assert lease.lease == "mdo-system/model-deployment-operator"
    assert lease.identity != leader_lease_of(named).identity
