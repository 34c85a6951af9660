"""Status derivation: conditions, transition times, history and events."""

from __future__ import annotations

from datetime import timedelta

import pytest

from model_deployment_operator.domain.actions import (
    CreateEndpoint,
    CreateEndpointConfig,
    CreateModel,
    DeleteEndpointConfig,
    UpdateEndpoint,
)
from model_deployment_operator.domain.errors import FailureKind, SageMakerCallError
from model_deployment_operator.domain.events import EventType, derive_events
from model_deployment_operator.domain.planner import (
    Memory,
    Observation,
    plan_reconcile,
    settle_history,
)
from model_deployment_operator.domain.policy import VersionSelected
from model_deployment_operator.domain.reasons import Reason
from model_deployment_operator.domain.reporting import (
    Execution,
    build_conditions,
    derive_status,
    status_with_verdict,
    verdict_for_error,
)
from model_deployment_operator.domain.status import (
    ConditionStatus,
    ConditionType,
    DeploymentStatus,
    Outcome,
    Trigger,
)
from model_deployment_operator.domain.verdict import VerdictKind, blocked, converged, progressing
from support.domain_builders import (
    T0,
    T1,
    desired,
    endpoint,
    history_entry,
    live_config,
    package,
    target,
)

V2, V3 = target(2), target(3)


def tick(
    observation: Observation,
    previous: DeploymentStatus | None,
    execution_for: object = "all",
    now: object = T1,
) -> DeploymentStatus:
    """Plan and derive status as the reconciler does, with every action succeeding unless an
    Execution is given."""
    history = previous.history if previous is not None else ()
    plan = plan_reconcile(desired(), observation, Memory(history=history))
    execution = execution_for if isinstance(execution_for, Execution) else Execution(plan.actions)
    return derive_status(
        desired=desired(),
        observation=observation,
        plan=plan,
        execution=execution,
        history=history,
        previous=previous,
        now=now,  # type: ignore[arg-type]
        retry_seconds=60,
    )


def kinds(status: DeploymentStatus) -> dict[str, str]:
    return {c.type: c.status for c in status.conditions}


VERDICT_CONDITIONS = [
    pytest.param(converged(Reason.DEPLOYED, "m"), {"Ready": "True"}, id="converged"),
    pytest.param(
        progressing(Reason.ENDPOINT_UPDATING, "m"),
        {"Ready": "False", "Reconciling": "True"},
        id="progressing",
    ),
    pytest.param(
        blocked(Reason.UPDATE_FAILED, "m"), {"Ready": "False", "Stalled": "True"}, id="blocked"
    ),
    pytest.param(
        verdict_for_error(
            SageMakerCallError(
                FailureKind.TRANSIENT, "DescribeEndpoint", "ThrottlingException", "Rate exceeded"
            ),
            "DescribeEndpoint x",
            60,
        ),
        {"Ready": "Unknown", "Reconciling": "True"},
        id="sagemaker-unavailable",
    ),
]


@pytest.mark.parametrize(("verdict", "expected"), VERDICT_CONDITIONS)
def test_conditions_follow_kstatus(verdict: object, expected: dict[str, str]) -> None:
    conditions = build_conditions(verdict, 4, (), T0)  # type: ignore[arg-type]
    assert {c.type: c.status for c in conditions} == expected
    assert all(c.observed_generation == 4 for c in conditions)


def test_transition_time_moves_only_when_status_changes() -> None:
    first = build_conditions(progressing(Reason.ENDPOINT_CREATING, "a"), 1, (), T0)
    later = T0 + timedelta(minutes=3)
    same = build_conditions(progressing(Reason.ENDPOINT_UPDATING, "b"), 1, first, later)
    assert [c.last_transition_time for c in same] == [T0, T0]
    assert same[0].reason == Reason.ENDPOINT_UPDATING
    flipped = build_conditions(converged(Reason.DEPLOYED, "c"), 1, same, later)
    assert flipped[0].last_transition_time == later
    assert [c.type for c in flipped] == ["Ready"]


def test_unchanged_state_yields_identical_status() -> None:
    observation = Observation(
        VersionSelected(package(2)),
        endpoint("InService", V2.config_name),
        live_config(V2),
        package(2),
    )
    first = tick(observation, None, now=T0)
    second = tick(observation, first, now=T1)
    assert second == first


def test_first_deployment_history_from_start_to_success() -> None:
    created = tick(Observation(VersionSelected(package(2)), endpoint=None), None, now=T0)
    assert [(h.version, h.outcome, h.trigger) for h in created.history] == [
        (2, Outcome.IN_PROGRESS, Trigger.INITIAL_DEPLOYMENT)
    ]
    assert created.endpoint is not None
    assert created.endpoint.status == "Creating"
    assert kinds(created) == {"Ready": "False", "Reconciling": "True"}
    done = tick(
        Observation(
            VersionSelected(package(2)),
            endpoint("InService", V2.config_name),
            live_config(V2),
            package(2),
        ),
        _settled(created),
        now=T1,
    )
    assert [(h.version, h.outcome) for h in done.history] == [(2, Outcome.SUCCEEDED)]
    assert kinds(done) == {"Ready": "True"}
    assert done.model_package is not None
    assert done.model_package.version == 2


def _settled(status: DeploymentStatus) -> DeploymentStatus:
    """The reconciler settles history before planning; mimic that for an InService endpoint."""
    settled = settle_history(status.history, endpoint("InService", V2.config_name), T1)
    return status.model_copy(update={"history": settled})


def test_rejected_create_is_recorded_as_failed_attempt() -> None:
    observation = Observation(VersionSelected(package(2)), endpoint=None)
    plan = plan_reconcile(desired(), observation, Memory())
    error = SageMakerCallError(
        FailureKind.REJECTED, "CreateModel", "ValidationException", "Could not assume role"
    )
    execution = Execution((), plan.actions[0], error)
    status = tick(observation, None, execution)
    assert status.history[0].outcome is Outcome.FAILED
    assert "CreateModel" in (status.history[0].message or "")
    assert kinds(status) == {"Ready": "False", "Stalled": "True"}
    stalled = status.condition(ConditionType.STALLED)
    assert stalled is not None
    assert stalled.reason == Reason.SAGEMAKER_REJECTED
    assert "Could not assume role" in stalled.message
    # The next tick does not try again.
    again = plan_reconcile(desired(), observation, Memory(history=status.history))
    assert again.actions == ()


def test_transient_failure_is_never_stalled_and_records_nothing() -> None:
    observation = Observation(
        VersionSelected(package(3)),
        endpoint("InService", V2.config_name),
        live_config(V2),
        package(2),
    )
    plan = plan_reconcile(desired(), observation, Memory())
    error = SageMakerCallError(
        FailureKind.TRANSIENT, "UpdateEndpoint", "ThrottlingException", "Rate exceeded"
    )
    succeeded = tuple(a for a in plan.actions if isinstance(a, (CreateModel, CreateEndpointConfig)))
    status = tick(observation, None, Execution(succeeded, plan.actions[-1], error))
    assert kinds(status) == {"Ready": "Unknown", "Reconciling": "True"}
    assert status.history == ()


def test_found_live_without_record_is_recorded_as_observed() -> None:
    observation = Observation(
        VersionSelected(package(3)),
        endpoint("InService", V3.config_name),
        live_config(V3),
        package(3),
    )
    previous = DeploymentStatus(history=(history_entry(V2),))
    status = tick(observation, previous)
    assert [(h.version, h.trigger) for h in status.history] == [
        (3, Trigger.OBSERVED),
        (2, Trigger.INITIAL_DEPLOYMENT),
    ]


def test_history_is_bounded() -> None:
    long_history = tuple(history_entry(target(v)) for v in range(30, 10, -1))
    observation = Observation(VersionSelected(package(31)), endpoint=None)
    status = tick(observation, DeploymentStatus(history=long_history))
    assert len(status.history) == 20
    assert status.history[0].version == 31


def test_status_with_verdict_keeps_the_last_report() -> None:
    observation = Observation(
        VersionSelected(package(2)),
        endpoint("InService", V2.config_name),
        live_config(V2),
        package(2),
    )
    ready = tick(observation, None)
    degraded = status_with_verdict(ready, blocked(Reason.ACCESS_DENIED, "denied"), 2, T1)
    assert degraded.endpoint == ready.endpoint
    assert degraded.history == ready.history
    assert degraded.observed_generation == 2
    assert kinds(degraded) == {"Ready": "False", "Stalled": "True"}


@pytest.mark.parametrize(
    ("kind", "verdict_kind", "reason"),
    [
        (FailureKind.TRANSIENT, VerdictKind.UNAVAILABLE, Reason.SAGEMAKER_UNAVAILABLE),
        (FailureKind.BUSY, VerdictKind.PROGRESSING, Reason.ENDPOINT_UPDATING),
        (FailureKind.ACCESS_DENIED, VerdictKind.BLOCKED, Reason.ACCESS_DENIED),
        (FailureKind.REJECTED, VerdictKind.BLOCKED, Reason.SAGEMAKER_REJECTED),
    ],
)
def test_error_kinds_map_to_verdicts(
    kind: FailureKind, verdict_kind: VerdictKind, reason: Reason
) -> None:
    error = SageMakerCallError(kind, "UpdateEndpoint", "Code", "words from AWS")
    verdict = verdict_for_error(error, "UpdateEndpoint fraud (config c)", 60)
    assert (verdict.kind, verdict.reason) == (verdict_kind, reason)
    assert "UpdateEndpoint fraud" in verdict.message
    assert "words from AWS" in verdict.message


def test_events_for_a_rollback_and_its_outcome() -> None:
    observation = Observation(
        VersionSelected(package(2)),
        endpoint("InService", V3.config_name),
        live_config(V3),
        package(3, "Rejected"),
    )
    previous = tick(
        Observation(
            VersionSelected(package(3)),
            endpoint("InService", V3.config_name),
            live_config(V3),
            package(3),
        ),
        DeploymentStatus(history=(history_entry(V3), history_entry(V2))),
    )
    plan = plan_reconcile(desired(), observation, Memory(history=previous.history))
    status = tick(observation, previous)
    events = derive_events(previous, status, plan.actions)
    assert [(e.type, e.reason) for e in events] == [(EventType.NORMAL, "RollingBack")]
    assert "version 2" in events[0].message
    assert any(isinstance(a, UpdateEndpoint) for a in plan.actions)


def test_stalled_warning_is_emitted_once() -> None:
    observation = Observation(VersionSelected(package(2)), endpoint("InService", "x", owned=False))
    first = tick(observation, None)
    second = tick(observation, first)
    assert [(e.type, e.reason) for e in derive_events(None, first, ())] == [
        (EventType.WARNING, Reason.ENDPOINT_NAME_CONFLICT)
    ]
    assert derive_events(first, second, ()) == ()


def test_cleanup_and_create_events() -> None:
    events = derive_events(
        None,
        DeploymentStatus(history=(history_entry(V2, Outcome.IN_PROGRESS),)),
        (CreateEndpoint("ep", V2.config_name, ()), DeleteEndpointConfig("old-config")),
    )
    assert [e.reason for e in events] == ["CreatingEndpoint", "DeletedOldResources"]
    assert "old-config" in events[1].message


def test_ready_message_names_endpoint_and_version() -> None:
    observation = Observation(
        VersionSelected(package(2)),
        endpoint("InService", V2.config_name),
        live_config(V2),
        package(2),
    )
    ready = tick(observation, None).condition(ConditionType.READY)
    assert ready is not None
    assert ready.status is ConditionStatus.TRUE
    assert "ml-prod-fraud-detector" in ready.message
    assert "version 2" in ready.message
