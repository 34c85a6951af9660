"""Planner tables: desired + observed (+ remembered history) -> actions + verdict."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from model_deployment_operator.domain.actions import (
    Action,
    CreateEndpoint,
    CreateEndpointConfig,
    CreateModel,
    DeleteEndpoint,
    DeleteEndpointConfig,
    DeleteModel,
    SetInstanceCount,
    TagEndpoint,
    UpdateEndpoint,
)
from model_deployment_operator.domain.naming import DeploymentRef
from model_deployment_operator.domain.observed import OwnedArtifacts
from model_deployment_operator.domain.ownership import Claim, OwnerPresence, Ownership
from model_deployment_operator.domain.planner import (
    Memory,
    Observation,
    plan_reconcile,
    plan_teardown,
    settle_history,
)
from model_deployment_operator.domain.policy import NoVersionAllowed, VersionSelected
from model_deployment_operator.domain.reasons import Reason
from model_deployment_operator.domain.scaling.actions import (
    DeregisterScalableTarget,
    PutScalingPolicy,
    RegisterScalableTarget,
)
from model_deployment_operator.domain.status import AutoscalingView, Outcome, Trigger
from model_deployment_operator.domain.verdict import VerdictKind
from support.domain_builders import (
    AUTOSCALING,
    NO_SCALING,
    T1,
    desired,
    endpoint,
    history_entry,
    live_config,
    package,
    scaling,
    target,
)

V1, V2, V3 = target(1), target(2), target(3)
NAME = "ml-prod-fraud-detector"


def selected(version: int, approval: str = "Approved") -> VersionSelected:
    return VersionSelected(package(version, approval))


OTHER_OWNER = DeploymentRef(namespace="team-a", name="fraud", uid="uid-of-team-a")
CLAIMED_LIVE = Ownership(Claim.OTHER, OTHER_OWNER, OwnerPresence.LIVE)
CLAIMED_GONE = Ownership(Claim.OTHER, OTHER_OWNER, OwnerPresence.GONE)
CLAIMED_UNKNOWN = Ownership(Claim.OTHER, OTHER_OWNER, OwnerPresence.UNKNOWN, "forbidden")
NONE_APPROVED = NoVersionAllowed(Reason.NO_APPROVED_VERSION, "Model package group g has none")


@dataclass(frozen=True)
class Case:
    id: str
    observation: Observation
    expected_kinds: tuple[type[Any], ...]
    verdict: tuple[VerdictKind, Reason]
    spec: dict[str, Any] = field(default_factory=dict)
    memory: Memory = field(default_factory=Memory)
    trigger: Trigger | None = None


CASES = [
    # --- creating
    Case(
        "create/no-endpoint",
        Observation(selected(2), endpoint=None),
        (CreateModel, CreateEndpointConfig, CreateEndpoint),
        (VerdictKind.PROGRESSING, Reason.ENDPOINT_CREATING),
        trigger=Trigger.INITIAL_DEPLOYMENT,
    ),
    Case(
        "create/endpoint-vanished-after-a-deployment",
        Observation(selected(2), endpoint=None),
        (CreateModel, CreateEndpointConfig, CreateEndpoint),
        (VerdictKind.PROGRESSING, Reason.ENDPOINT_CREATING),
        memory=Memory(history=(history_entry(V2),)),
        trigger=Trigger.RECREATE,
    ),
    Case(
        "create/same-target-was-rejected-before",
        Observation(selected(2), endpoint=None),
        (),
        (VerdictKind.BLOCKED, Reason.ENDPOINT_FAILED),
        memory=Memory(history=(history_entry(V2, Outcome.FAILED, "SageMaker rejected it"),)),
    ),
    # --- waiting on busy endpoints
    Case(
        "wait/creating",
        Observation(selected(2), endpoint("Creating", V2.config_name)),
        (),
        (VerdictKind.PROGRESSING, Reason.ENDPOINT_CREATING),
    ),
    Case(
        "wait/updating",
        Observation(selected(3), endpoint("Updating", V2.config_name, pending=V3.config_name)),
        (),
        (VerdictKind.PROGRESSING, Reason.ENDPOINT_UPDATING),
    ),
    Case(
        "wait/system-updating",
        Observation(selected(3), endpoint("SystemUpdating", V2.config_name)),
        (),
        (VerdictKind.PROGRESSING, Reason.ENDPOINT_UPDATING),
    ),
    Case(
        "wait/rolling-back",
        Observation(selected(3), endpoint("RollingBack", V2.config_name)),
        (),
        (VerdictKind.PROGRESSING, Reason.ENDPOINT_UPDATING),
    ),
    Case(
        "wait/deleted-out-of-band",
        Observation(selected(2), endpoint("Deleting", V2.config_name)),
        (),
        (VerdictKind.PROGRESSING, Reason.ENDPOINT_DELETING),
    ),
    # --- ownership
    Case(
        "foreign/conflict",
        Observation(selected(2), endpoint("InService", "someone-elses", owned=False)),
        (),
        (VerdictKind.BLOCKED, Reason.ENDPOINT_NAME_CONFLICT),
    ),
    Case(
        "foreign/conflict-even-without-approved-version",
        Observation(NONE_APPROVED, endpoint("InService", "someone-elses", owned=False)),
        (),
        (VerdictKind.BLOCKED, Reason.ENDPOINT_NAME_CONFLICT),
    ),
    Case(
        "foreign/adopt-when-asked",
        Observation(selected(2), endpoint("InService", "someone-elses", owned=False)),
        (TagEndpoint,),
        (VerdictKind.PROGRESSING, Reason.ADOPTING_ENDPOINT),
        spec={"endpoint": {"adoptExisting": True}},
    ),
    Case(
        "foreign/never-taken-from-a-live-owner-even-when-asked",
        Observation(selected(2), endpoint("InService", "theirs", ownership=CLAIMED_LIVE)),
        (),
        (VerdictKind.BLOCKED, Reason.ENDPOINT_NAME_CONFLICT),
        spec={"endpoint": {"adoptExisting": True}},
    ),
    Case(
        "foreign/owner-presence-unknown-is-not-taken",
        Observation(selected(2), endpoint("InService", "theirs", ownership=CLAIMED_UNKNOWN)),
        (),
        (VerdictKind.BLOCKED, Reason.ENDPOINT_NAME_CONFLICT),
        spec={"endpoint": {"adoptExisting": True}},
    ),
    Case(
        "foreign/unattributed-claim-is-not-taken",
        Observation(
            selected(2), endpoint("InService", "theirs", ownership=Ownership(Claim.UNATTRIBUTED))
        ),
        (),
        (VerdictKind.BLOCKED, Reason.ENDPOINT_NAME_CONFLICT),
        spec={"endpoint": {"adoptExisting": True}},
    ),
    Case(
        "foreign/adopted-from-an-owner-proven-gone",
        Observation(selected(2), endpoint("InService", "theirs", ownership=CLAIMED_GONE)),
        (TagEndpoint,),
        (VerdictKind.PROGRESSING, Reason.ADOPTING_ENDPOINT),
        spec={"endpoint": {"adoptExisting": True}},
    ),
    Case(
        "foreign/owner-gone-but-adoption-not-asked",
        Observation(selected(2), endpoint("InService", "theirs", ownership=CLAIMED_GONE)),
        (),
        (VerdictKind.BLOCKED, Reason.ENDPOINT_NAME_CONFLICT),
    ),
    # --- registry allows nothing
    Case(
        "no-version/nothing-deployed",
        Observation(NONE_APPROVED, endpoint=None),
        (),
        (VerdictKind.BLOCKED, Reason.NO_APPROVED_VERSION),
    ),
    Case(
        "no-version/last-one-rejected-keeps-serving",
        Observation(
            NONE_APPROVED,
            endpoint("InService", V2.config_name),
            live_config(V2),
            package(2, "Rejected"),
        ),
        (),
        (VerdictKind.BLOCKED, Reason.NO_APPROVED_VERSION),
    ),
    Case(
        "no-version/pinned-still-validating",
        Observation(
            NoVersionAllowed(Reason.PINNED_VERSION_NOT_READY, "in progress", transient=True),
            endpoint=None,
        ),
        (),
        (VerdictKind.PROGRESSING, Reason.PINNED_VERSION_NOT_READY),
    ),
    # --- updating
    Case(
        "update/new-approval",
        Observation(
            selected(3), endpoint("InService", V2.config_name), live_config(V2), package(2)
        ),
        (CreateModel, CreateEndpointConfig, UpdateEndpoint),
        (VerdictKind.PROGRESSING, Reason.ENDPOINT_UPDATING),
        memory=Memory(history=(history_entry(V2),)),
        trigger=Trigger.NEW_APPROVAL,
    ),
    Case(
        "update/rollback-after-rejection",
        Observation(
            selected(2),
            endpoint("InService", V3.config_name),
            live_config(V3),
            package(3, "Rejected"),
        ),
        (CreateModel, CreateEndpointConfig, UpdateEndpoint),
        (VerdictKind.PROGRESSING, Reason.ENDPOINT_UPDATING),
        memory=Memory(history=(history_entry(V3), history_entry(V2))),
        trigger=Trigger.ROLLBACK,
    ),
    Case(
        "update/pinned-older-version",
        Observation(
            selected(1), endpoint("InService", V3.config_name), live_config(V3), package(3)
        ),
        (CreateModel, CreateEndpointConfig, UpdateEndpoint),
        (VerdictKind.PROGRESSING, Reason.ENDPOINT_UPDATING),
        spec={"approval": {"policy": "Pinned", "pinnedVersion": 1}},
        trigger=Trigger.PINNED_VERSION,
    ),
    Case(
        "update/spec-change-of-instance-count",
        Observation(
            selected(2), endpoint("InService", V2.config_name), live_config(V2), package(2)
        ),
        (CreateModel, CreateEndpointConfig, UpdateEndpoint),
        (VerdictKind.PROGRESSING, Reason.ENDPOINT_UPDATING),
        spec={"endpoint": {"initialInstanceCount": 3}},
        trigger=Trigger.SPEC_CHANGE,
    ),
    Case(
        "update/failed-before-is-not-retried",
        Observation(selected(3), endpoint("InService", V2.config_name, failure_reason="boom")),
        (),
        (VerdictKind.BLOCKED, Reason.UPDATE_FAILED),
        memory=Memory(history=(history_entry(V3, Outcome.FAILED, "boom"), history_entry(V2))),
    ),
    Case(
        "update/internal-error-failure-is-retried",
        Observation(
            selected(3), endpoint("InService", V2.config_name), live_config(V2), package(2)
        ),
        (CreateModel, CreateEndpointConfig, UpdateEndpoint),
        (VerdictKind.PROGRESSING, Reason.ENDPOINT_UPDATING),
        memory=Memory(
            history=(
                history_entry(V3, Outcome.FAILED, "Request to service failed. Retry"),
                history_entry(V2),
            )
        ),
    ),
    # --- failed endpoints
    Case(
        "failed/same-target-waits-for-a-change",
        Observation(selected(2), endpoint("Failed", V2.config_name, failure_reason="crash")),
        (),
        (VerdictKind.BLOCKED, Reason.ENDPOINT_FAILED),
        memory=Memory(history=(history_entry(V2, Outcome.FAILED, "crash"),)),
    ),
    Case(
        "failed/new-target-replaces-it",
        Observation(selected(3), endpoint("Failed", V2.config_name, failure_reason="crash")),
        (DeleteEndpoint,),
        (VerdictKind.PROGRESSING, Reason.REPLACING_FAILED_ENDPOINT),
        memory=Memory(history=(history_entry(V2, Outcome.FAILED, "crash"),)),
    ),
    Case(
        "failed/update-rollback-failed-is-left-alone",
        Observation(selected(3), endpoint("UpdateRollbackFailed", V2.config_name)),
        (),
        (VerdictKind.BLOCKED, Reason.UPDATE_ROLLBACK_FAILED),
    ),
    # --- in service on the target
    Case(
        "steady/converged",
        Observation(
            selected(2), endpoint("InService", V2.config_name), live_config(V2), package(2)
        ),
        (),
        (VerdictKind.CONVERGED, Reason.DEPLOYED),
    ),
    Case(
        "steady/hand-scaled-count-is-restored",
        Observation(selected(2), endpoint("InService", V2.config_name, instance_count=5)),
        (SetInstanceCount,),
        (VerdictKind.PROGRESSING, Reason.ENDPOINT_UPDATING),
    ),
    Case(
        "steady/autoscaler-count-is-left-alone",
        Observation(
            selected(2),
            endpoint("InService", target(2, autoscaling=AUTOSCALING).config_name, instance_count=3),
            scaling=scaling(),
        ),
        (),
        (VerdictKind.CONVERGED, Reason.DEPLOYED),
        spec={"autoscaling": AUTOSCALING},
    ),
    Case(
        "autoscaling/register-when-missing",
        Observation(
            selected(2),
            endpoint("InService", target(2, autoscaling=AUTOSCALING).config_name),
            scaling=NO_SCALING,
        ),
        (RegisterScalableTarget, PutScalingPolicy),
        (VerdictKind.CONVERGED, Reason.DEPLOYED),
        spec={"autoscaling": AUTOSCALING},
    ),
    Case(
        "autoscaling/range-changed",
        Observation(
            selected(2),
            endpoint("InService", target(2, autoscaling=AUTOSCALING).config_name),
            scaling=scaling(max_capacity=2),
        ),
        (RegisterScalableTarget,),
        (VerdictKind.CONVERGED, Reason.DEPLOYED),
        spec={"autoscaling": AUTOSCALING},
    ),
    Case(
        "autoscaling/target-value-changed",
        Observation(
            selected(2),
            endpoint("InService", target(2, autoscaling=AUTOSCALING).config_name),
            scaling=scaling(target_value=10),
        ),
        (PutScalingPolicy,),
        (VerdictKind.CONVERGED, Reason.DEPLOYED),
        spec={"autoscaling": AUTOSCALING},
    ),
    Case(
        "autoscaling/removed-from-spec",
        Observation(selected(2), endpoint("InService", V2.config_name), scaling=scaling()),
        (DeregisterScalableTarget,),
        (VerdictKind.CONVERGED, Reason.DEPLOYED),
        memory=Memory(
            recorded_scaling=AutoscalingView(
                resource_id=f"endpoint/{NAME}/variant/AllTraffic",
                policy_name="p",
                min_capacity=1,
                max_capacity=4,
                target_invocations_per_instance=70,
            )
        ),
    ),
    Case(
        "autoscaling/someone-elses-target-is-left-alone",
        Observation(
            selected(2),
            endpoint("InService", V2.config_name),
            scaling=scaling(with_policy=False),
        ),
        (),
        (VerdictKind.CONVERGED, Reason.DEPLOYED),
    ),
    Case(
        "autoscaling/instance-type-change-deregisters-first",
        Observation(
            selected(2),
            endpoint("InService", target(2, autoscaling=AUTOSCALING).config_name),
            live_config(target(2, autoscaling=AUTOSCALING)),
            package(2),
            scaling=scaling(),
        ),
        (CreateModel, CreateEndpointConfig, DeregisterScalableTarget, UpdateEndpoint),
        (VerdictKind.PROGRESSING, Reason.ENDPOINT_UPDATING),
        spec={"autoscaling": AUTOSCALING, "endpoint": {"instanceType": "ml.c5.xlarge"}},
    ),
    Case(
        "autoscaling/model-update-keeps-the-target",
        Observation(
            selected(3),
            endpoint("InService", target(2, autoscaling=AUTOSCALING).config_name),
            live_config(target(2, autoscaling=AUTOSCALING)),
            package(2),
            scaling=scaling(),
        ),
        (CreateModel, CreateEndpointConfig, UpdateEndpoint),
        (VerdictKind.PROGRESSING, Reason.ENDPOINT_UPDATING),
        spec={"autoscaling": AUTOSCALING},
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_plan(case: Case) -> None:
    plan = plan_reconcile(desired(**case.spec), case.observation, case.memory)
    assert tuple(type(a) for a in plan.actions) == case.expected_kinds
    assert (plan.verdict.kind, plan.verdict.reason) == case.verdict
    starts_deployment = any(isinstance(a, (CreateEndpoint, UpdateEndpoint)) for a in plan.actions)
    assert (plan.deployment is not None) == starts_deployment
    if case.trigger is not None:
        assert plan.deployment is not None
        assert plan.deployment.trigger == case.trigger


def test_a_conflict_with_a_live_owner_names_that_owner_and_does_not_offer_adoption() -> None:
    conflict = plan_reconcile(
        desired(endpoint={"adoptExisting": True}),
        Observation(selected(2), endpoint("InService", "theirs", ownership=CLAIMED_LIVE)),
        Memory(),
    )
    message = conflict.verdict.message
    assert "team-a/fraud" in message
    assert "uid-of-team-a" in message
    assert "still exists" in message
    assert "set spec.endpoint.adoptExisting: true" not in message


def test_an_unknown_owner_presence_is_reported_with_the_api_servers_answer() -> None:
    conflict = plan_reconcile(
        desired(endpoint={"adoptExisting": True}),
        Observation(selected(2), endpoint("InService", "theirs", ownership=CLAIMED_UNKNOWN)),
        Memory(),
    )
    assert "could not confirm" in conflict.verdict.message
    assert "forbidden" in conflict.verdict.message


def test_messages_name_the_sagemaker_objects() -> None:
    conflict = plan_reconcile(
        desired(),
        Observation(selected(2), endpoint("InService", "x", owned=False)),
        Memory(),
    )
    assert NAME in conflict.verdict.message
    assert "adoptExisting" in conflict.verdict.message
    update = plan_reconcile(
        desired(),
        Observation(
            selected(3), endpoint("InService", V2.config_name), live_config(V2), package(2)
        ),
        Memory(),
    )
    assert V3.config_name in update.verdict.message
    assert "version 3" in update.verdict.message


def test_create_uses_deterministic_names_and_ownership_tags() -> None:
    plan = plan_reconcile(desired(), Observation(selected(2), endpoint=None), Memory())
    model, config, create = plan.actions
    assert isinstance(model, CreateModel)
    assert isinstance(config, CreateEndpointConfig)
    assert isinstance(create, CreateEndpoint)
    assert model.name == V2.model_name
    assert model.spec.package_arn == package(2).arn
    assert config.spec.variant.model_name == model.name
    assert create.config_name == config.name == V2.config_name
    assert dict(create.tags)["sagemaker.mlops.dev/owner-uid"] == "3f1c-uid"


def test_update_retains_autoscaled_count_but_applies_spec_count() -> None:
    observation = Observation(
        selected(3), endpoint("InService", V2.config_name), live_config(V2), package(2)
    )
    plain = plan_reconcile(desired(), observation, Memory())
    scaled = plan_reconcile(
        desired(autoscaling=AUTOSCALING),
        Observation(
            selected(3),
            endpoint("InService", target(2, autoscaling=AUTOSCALING).config_name),
            scaling=scaling(),
        ),
        Memory(),
    )
    (plain_update,) = [a for a in plain.actions if isinstance(a, UpdateEndpoint)]
    (scaled_update,) = [a for a in scaled.actions if isinstance(a, UpdateEndpoint)]
    assert plain_update.apply_instance_count is True
    assert scaled_update.apply_instance_count is False


def test_garbage_collection_keeps_current_and_previous() -> None:
    stale = target(1)
    artifacts = OwnedArtifacts(
        config_names=frozenset({V1.config_name, V2.config_name, V3.config_name, stale.config_name}),
        model_names=frozenset({V1.model_name, V2.model_name, V3.model_name}),
    )
    plan = plan_reconcile(
        desired(),
        Observation(
            selected(3),
            endpoint("InService", V3.config_name),
            live_config(V3),
            package(3),
            artifacts=artifacts,
        ),
        Memory(history=(history_entry(V3), history_entry(V2), history_entry(V1))),
    )
    assert plan.actions == (DeleteEndpointConfig(V1.config_name), DeleteModel(V1.model_name))
    assert plan.verdict.kind is VerdictKind.CONVERGED


def test_garbage_collection_waits_until_in_service_on_target() -> None:
    artifacts = OwnedArtifacts(frozenset({V1.config_name}), frozenset({V1.model_name}))
    plan = plan_reconcile(
        desired(),
        Observation(
            selected(3),
            endpoint("Updating", V2.config_name, pending=V3.config_name),
            artifacts=artifacts,
        ),
        Memory(history=(history_entry(V3, Outcome.IN_PROGRESS), history_entry(V2))),
    )
    assert plan.actions == ()


SETTLE = [
    pytest.param(endpoint("Updating", V2.config_name), None, id="still-updating"),
    pytest.param(endpoint("InService", V3.config_name), Outcome.SUCCEEDED, id="now-serving-it"),
    pytest.param(
        endpoint("InService", V2.config_name, failure_reason="health check failed"),
        Outcome.FAILED,
        id="sagemaker-rolled-back",
    ),
    pytest.param(
        endpoint("Failed", V3.config_name, failure_reason="x"), Outcome.FAILED, id="failed"
    ),
    pytest.param(None, Outcome.FAILED, id="endpoint-vanished"),
]


@pytest.mark.parametrize(("observed", "outcome"), SETTLE)
def test_settle_in_progress_deployment(observed: Any, outcome: Outcome | None) -> None:
    history = (history_entry(V3, Outcome.IN_PROGRESS), history_entry(V2))
    settled = settle_history(history, observed, T1)
    if outcome is None:
        assert settled == history
        return
    assert settled[0].outcome is outcome
    assert settled[0].finished_at == T1
    assert settled[1:] == history[1:]
    if outcome is Outcome.FAILED and observed is not None and observed.failure_reason:
        assert settled[0].message == observed.failure_reason


def test_settle_leaves_finished_history_alone() -> None:
    history = (history_entry(V2),)
    assert settle_history(history, None, T1) == history


TEARDOWN = [
    pytest.param(
        endpoint("InService", V2.config_name),
        scaling(),
        None,
        (DeregisterScalableTarget, DeleteEndpoint),
        False,
        id="delete-endpoint-and-scaling",
    ),
    pytest.param(
        endpoint("Updating", V2.config_name), None, None, (), False, id="wait-for-busy-endpoint"
    ),
    pytest.param(endpoint("Deleting", V2.config_name), None, None, (), False, id="wait-for-delete"),
    pytest.param(
        endpoint("Failed", V2.config_name), NO_SCALING, None, (DeleteEndpoint,), False, id="failed"
    ),
    pytest.param(None, None, None, (), False, id="gone-list-artifacts-next"),
    pytest.param(
        None,
        None,
        OwnedArtifacts(frozenset({V2.config_name}), frozenset({V2.model_name})),
        (DeleteEndpointConfig, DeleteModel),
        True,
        id="delete-configs-and-models",
    ),
    pytest.param(
        endpoint("InService", "foreign", owned=False),
        None,
        OwnedArtifacts(frozenset(), frozenset()),
        (),
        True,
        id="foreign-endpoint-untouched",
    ),
]


@pytest.mark.parametrize(("observed", "scaled", "artifacts", "kinds", "finished"), TEARDOWN)
def test_teardown(
    observed: Any,
    scaled: Any,
    artifacts: OwnedArtifacts | None,
    kinds: tuple[type[Action], ...],
    finished: bool,
) -> None:
    plan = plan_teardown(desired(), observed, scaled, artifacts)
    assert tuple(type(a) for a in plan.actions) == kinds
    assert plan.finished_after_actions is finished
