"""Changes made outside the operator: which trigger the corrective deployment gets, what its
history entry says, and which Event announces it.

The trigger decides what `status.history` tells a reader about "why did the endpoint move at
3 am": a hand-made UpdateEndpoint that the operator undid must not read as a spec change, a
new approval or a rollback.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import pytest

from model_deployment_operator.domain.actions import (
    CreateEndpoint,
    CreateEndpointConfig,
    CreateModel,
    UpdateEndpoint,
)
from model_deployment_operator.domain.events import EventType, derive_events
from model_deployment_operator.domain.observed import DeployedConfig, ObservedEndpoint
from model_deployment_operator.domain.planner import (
    Memory,
    Observation,
    plan_reconcile,
    settle_history,
)
from model_deployment_operator.domain.policy import VersionSelected
from model_deployment_operator.domain.registry import PackageVersion
from model_deployment_operator.domain.reporting import Execution, derive_status
from model_deployment_operator.domain.status import (
    DeploymentStatus,
    HistoryEntry,
    Outcome,
    Trigger,
)
from support.domain_builders import (
    T1,
    desired,
    endpoint,
    history_entry,
    live_config,
    package,
    target,
)

V1, V2, V3 = target(1), target(2), target(3)
BIGGER = target(2, endpoint={"initialInstanceCount": 3})
NAME = "ml-prod-fraud-detector"
HAND_MADE = "hand-made-config"
# Someone's own config for the operator's model: same version, other instance count.
HAND_MADE_CONFIG: DeployedConfig = replace(
    live_config(V2), name=HAND_MADE, initial_instance_count=2
)


@dataclass(frozen=True)
class TriggerCase:
    id: str
    endpoint: ObservedEndpoint | None
    history: tuple[HistoryEntry, ...]
    trigger: Trigger
    live_config: DeployedConfig | None = None
    live_package: PackageVersion | None = None
    selected: int = 2
    spec: dict[str, Any] = field(default_factory=dict)


TRIGGERS = [
    TriggerCase(
        "moved-to-a-hand-made-config-of-the-same-version",
        endpoint("InService", HAND_MADE),
        (history_entry(V2),),
        Trigger.DRIFT_CORRECTION,
        HAND_MADE_CONFIG,
        package(2),
    ),
    TriggerCase(
        # Pointing it back at the config kept for rollback looks like an older version
        # going live; it is not a new approval when nothing in the registry changed.
        "moved-to-the-previous-versions-config",
        endpoint("InService", V1.config_name),
        (history_entry(V2), history_entry(V1)),
        Trigger.DRIFT_CORRECTION,
        live_config(V1),
        package(1),
    ),
    TriggerCase(
        "newer-approval-is-not-drift",
        endpoint("InService", V2.config_name),
        (history_entry(V2),),
        Trigger.NEW_APPROVAL,
        live_config(V2),
        package(2),
        selected=3,
    ),
    TriggerCase(
        "rejection-is-a-rollback-not-drift",
        endpoint("InService", V3.config_name),
        (history_entry(V3), history_entry(V2)),
        Trigger.ROLLBACK,
        live_config(V3),
        package(3, "Rejected"),
    ),
    TriggerCase(
        "spec-change-is-not-drift",
        endpoint("InService", V2.config_name),
        (history_entry(V2),),
        Trigger.SPEC_CHANGE,
        live_config(V2),
        package(2),
        spec={"endpoint": {"initialInstanceCount": 3}},
    ),
    TriggerCase(
        # Both at once: the desired state changed, so the deployment is for that change.
        "spec-change-while-moved-by-hand-is-a-spec-change",
        endpoint("InService", HAND_MADE),
        (history_entry(V2),),
        Trigger.SPEC_CHANGE,
        HAND_MADE_CONFIG,
        package(2),
        spec={"endpoint": {"initialInstanceCount": 3}},
    ),
    TriggerCase(
        # An adopted endpoint has no history: moving it onto the operator's config is the
        # first deployment the operator makes, not a correction.
        "no-history-is-not-drift",
        endpoint("InService", HAND_MADE),
        (),
        Trigger.SPEC_CHANGE,
        HAND_MADE_CONFIG,
        package(2),
    ),
    TriggerCase(
        "deleted-outside-after-serving",
        None,
        (history_entry(V2),),
        Trigger.RECREATE,
    ),
    TriggerCase("never-deployed", None, (), Trigger.INITIAL_DEPLOYMENT),
]


@pytest.mark.parametrize("case", TRIGGERS, ids=[c.id for c in TRIGGERS])
def test_trigger(case: TriggerCase) -> None:
    observation = Observation(
        VersionSelected(package(case.selected)),
        case.endpoint,
        case.live_config,
        case.live_package,
    )
    plan = plan_reconcile(desired(**case.spec), observation, Memory(history=case.history))
    assert plan.deployment is not None
    assert plan.deployment.trigger == case.trigger
    if case.trigger is not Trigger.DRIFT_CORRECTION:
        return
    # Drift is corrected by the ordinary update: back to the target config, created anew if
    # it was cleaned up meanwhile (creates of existing names are no-ops).
    assert tuple(type(a) for a in plan.actions) == (
        CreateModel,
        CreateEndpointConfig,
        UpdateEndpoint,
    )
    assert plan.actions[-1] == UpdateEndpoint(NAME, V2.config_name, apply_instance_count=True)


@dataclass(frozen=True)
class NoteCase:
    id: str
    endpoint: ObservedEndpoint | None
    history: tuple[HistoryEntry, ...]
    selected: int
    # Words the history message must contain; empty when there must be no message.
    note: tuple[str, ...]


NOTES = [
    NoteCase(
        "drift-names-the-config-it-was-found-on",
        endpoint("InService", HAND_MADE),
        (history_entry(V2),),
        2,
        (NAME, f"moved to config {HAND_MADE} outside the operator"),
    ),
    NoteCase(
        "deletion-outside-names-what-was-serving",
        None,
        (history_entry(V2),),
        2,
        (NAME, "disappeared outside the operator", "version 2", V2.config_name),
    ),
    NoteCase(
        # The operator deleted the Failed endpoint itself to replace it with version 3:
        # nothing happened outside the operator.
        "recreate-after-replacing-a-failed-endpoint",
        None,
        (history_entry(V2, Outcome.FAILED, "CannotStartContainerError"), history_entry(V1)),
        3,
        (),
    ),
    NoteCase("new-approval", endpoint("InService", V2.config_name), (history_entry(V2),), 3, ()),
    NoteCase("first-deployment", None, (), 2, ()),
]


@pytest.mark.parametrize("case", NOTES, ids=[c.id for c in NOTES])
def test_history_message(case: NoteCase) -> None:
    observation = Observation(VersionSelected(package(case.selected)), case.endpoint)
    plan = plan_reconcile(desired(), observation, Memory(history=case.history))
    assert plan.deployment is not None
    status = derive_status(
        desired=desired(),
        observation=observation,
        plan=plan,
        execution=Execution(plan.actions),
        history=case.history,
        previous=DeploymentStatus(history=case.history),
        now=T1,
        retry_seconds=60,
    )
    started = status.history[0]
    assert (started.outcome, started.started_at) == (Outcome.IN_PROGRESS, T1)
    if not case.note:
        assert started.message is None
        return
    assert started.message is not None
    for words in case.note:
        assert words in started.message


def test_the_note_survives_success_and_a_failure_replaces_it() -> None:
    note = f"Endpoint {NAME} was moved to config {HAND_MADE} outside the operator"
    started = history_entry(V2, Outcome.IN_PROGRESS, note, Trigger.DRIFT_CORRECTION)
    history = (started, history_entry(V2))
    succeeded = settle_history(history, endpoint("InService", V2.config_name), T1)
    assert (succeeded[0].outcome, succeeded[0].message) == (Outcome.SUCCEEDED, note)
    failed = settle_history(
        history, endpoint("InService", HAND_MADE, failure_reason="ping health check"), T1
    )
    assert (failed[0].outcome, failed[0].message) == (Outcome.FAILED, "ping health check")


# The Events that announce a deployment starting (one per CreateEndpoint or UpdateEndpoint).
STARTED_REASONS = (
    "CreatingEndpoint",
    "RecreatingEndpoint",
    "UpdatingEndpoint",
    "RollingBack",
    "CorrectingDrift",
)


def _events_for(observation: Observation, history: tuple[HistoryEntry, ...]) -> list[str]:
    previous = DeploymentStatus(history=history)
    plan = plan_reconcile(desired(), observation, Memory(history=history))
    status = derive_status(
        desired=desired(),
        observation=observation,
        plan=plan,
        execution=Execution(plan.actions),
        history=history,
        previous=previous,
        now=T1,
        retry_seconds=60,
    )
    return [
        f"{e.type} {e.reason}: {e.message}"
        for e in derive_events(previous, status, plan.actions)
        if e.reason in STARTED_REASONS
    ]


def test_events_announce_corrections_as_warnings() -> None:
    (moved,) = _events_for(
        Observation(
            VersionSelected(package(2)),
            endpoint("InService", HAND_MADE),
            HAND_MADE_CONFIG,
            package(2),
        ),
        (history_entry(V2),),
    )
    assert moved.startswith(f"{EventType.WARNING} CorrectingDrift: ")
    assert HAND_MADE in moved
    assert f"back to version 2 (config {V2.config_name})" in moved

    (deleted,) = _events_for(Observation(VersionSelected(package(2)), None), (history_entry(V2),))
    assert deleted.startswith(f"{EventType.WARNING} RecreatingEndpoint: ")
    assert "disappeared outside the operator" in deleted

    # A first deployment stays a Normal CreatingEndpoint.
    (created,) = _events_for(Observation(VersionSelected(package(2)), None), ())
    assert created.startswith(f"{EventType.NORMAL} CreatingEndpoint: ")


def test_plan_verdict_says_the_endpoint_was_moved() -> None:
    plan = plan_reconcile(
        desired(),
        Observation(
            VersionSelected(package(2)),
            endpoint("InService", HAND_MADE),
            HAND_MADE_CONFIG,
            package(2),
        ),
        Memory(history=(history_entry(V2),)),
    )
    assert f"moved to config {HAND_MADE} outside the operator" in plan.verdict.message
    assert V2.config_name in plan.verdict.message
    assert isinstance(plan.actions[-1], UpdateEndpoint)
    assert not any(isinstance(a, CreateEndpoint) for a in plan.actions)
