"""A ModelDeployment the operator has not reported on yet.

The CRD defaults `status` to `{observedGeneration: 0}` so that kstatus (Flux) does not call
a fresh object Current. The operator must treat that placeholder exactly like no status at
all: the same first conditions (lastTransitionTime = now), the same first events, and a
status write that replaces the placeholder completely.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from model_deployment_operator.domain.events import EventType
from model_deployment_operator.domain.naming import DeploymentRef
from model_deployment_operator.domain.reasons import Reason
from model_deployment_operator.domain.reporting import build_conditions, status_with_verdict
from model_deployment_operator.domain.status import (
    UNREPORTED,
    ConditionStatus,
    ConditionType,
    DeploymentStatus,
    parse_status,
)
from model_deployment_operator.domain.verdict import blocked, converged
from model_deployment_operator.kopf_adapter.status_writer import merge_patch, status_changes
from model_deployment_operator.ports import SageMakerPort
from model_deployment_operator.reconcile import Reconciler, ReconcilerSettings

# What the API server returns for a new object (crds/modeldeployments...yaml defaults).
PLACEHOLDER: dict[str, Any] = {"observedGeneration": 0}
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
EARLIER = datetime(2026, 11, 19, 8, 0, tzinfo=UTC)


def test_the_placeholder_reads_as_no_status() -> None:
    assert DeploymentStatus.model_validate(PLACEHOLDER) == UNREPORTED
    assert parse_status(PLACEHOLDER) is None
    assert parse_status({}) is None
    assert parse_status(None) is None


def test_a_real_status_is_not_mistaken_for_the_placeholder() -> None:
    conditions = build_conditions(blocked(Reason.INVALID_SPEC, "bad"), 0, (), EARLIER)
    with_conditions = DeploymentStatus(observed_generation=0, conditions=conditions)
    assert parse_status(with_conditions.to_kubernetes()) == with_conditions
    reported = DeploymentStatus(observed_generation=1)
    assert parse_status(reported.to_kubernetes()) == reported


def _never_called(*args: object, **kwargs: object) -> SageMakerPort:
    raise AssertionError(f"an invalid spec must not reach SageMaker {args} {kwargs}")


def _reconcile(raw_status: dict[str, Any]) -> Any:
    reconciler = Reconciler(
        _never_called, ReconcilerSettings(default_region="us-east-1"), clock=lambda: NOW
    )
    ref = DeploymentRef(namespace="ml-prod", name="fraud-detector", uid="uid-1")
    # No modelPackageGroupName: the reconciler stops at the spec and reports InvalidSpec,
    # which exercises the first-visit conditions and events without SageMaker.
    return reconciler.reconcile(ref, 1, {"endpoint": {"instanceType": "ml.m5.large"}}, raw_status)


def test_first_reconcile_from_the_placeholder_is_a_first_visit() -> None:
    from_placeholder = _reconcile(dict(PLACEHOLDER))
    from_nothing = _reconcile({})

    assert from_placeholder.status == from_nothing.status
    assert from_placeholder.events == from_nothing.events
    status = from_placeholder.status
    assert status.observed_generation == 1
    stalled = status.condition(ConditionType.STALLED)
    assert stalled is not None
    assert stalled.reason == Reason.INVALID_SPEC
    assert {c.last_transition_time for c in status.conditions} == {NOW}
    # The first visit announces why a person has to act, once.
    assert [(e.type, e.reason) for e in from_placeholder.events] == [
        (EventType.WARNING, Reason.INVALID_SPEC)
    ]


def test_a_later_reconcile_does_not_repeat_the_first_visit() -> None:
    # Contrast: once a Stalled status is stored, the same verdict emits no new Warning and
    # keeps the stored lastTransitionTime, so the test above really observes a first visit.
    first = _reconcile({})
    stored = first.status.to_kubernetes()
    again = _reconcile(stored)
    assert again.events == ()
    assert again.status == first.status


@pytest.mark.parametrize(
    "verdict",
    [converged(Reason.DEPLOYED, "Endpoint e is InService"), blocked(Reason.INVALID_SPEC, "x")],
    ids=["converged", "blocked"],
)
def test_the_first_write_replaces_the_placeholder(verdict: Any) -> None:
    new = status_with_verdict(parse_status(PLACEHOLDER), verdict, 3, NOW)
    patch = status_changes(PLACEHOLDER, new)

    assert patch["observedGeneration"] == 3
    assert {c["lastTransitionTime"] for c in patch["conditions"]} == {"2026-11-20T10:00:00Z"}
    applied = {**PLACEHOLDER, **patch}
    assert applied == new.to_kubernetes()
    ready = new.condition(ConditionType.READY)
    assert ready is not None
    expected = ConditionStatus.TRUE if verdict.reason == Reason.DEPLOYED else ConditionStatus.FALSE
    assert ready.status is expected


def test_merge_patch_never_clears_observed_generation() -> None:
    # The placeholder's only field is one every status the operator writes carries, so the
    # merge-patch updates it instead of sending null (which would re-expose the default).
    assert merge_patch(PLACEHOLDER, {"observedGeneration": 1}) == {"observedGeneration": 1}
    assert "observedGeneration" not in merge_patch(
        {"observedGeneration": 1}, {"observedGeneration": 1}
    )
