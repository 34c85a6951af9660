"""Property tests of the planner's and status derivation's invariants over random states."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from model_deployment_operator.domain.actions import (
    CreateEndpointConfig,
    CreateModel,
    DeleteEndpoint,
    TagEndpoint,
)
from model_deployment_operator.domain.errors import FailureKind, SageMakerCallError
from model_deployment_operator.domain.observed import BUSY_STATUSES, EndpointStatus
from model_deployment_operator.domain.planner import (
    Memory,
    Observation,
    plan_reconcile,
    settle_history,
)
from model_deployment_operator.domain.policy import NoVersionAllowed, VersionSelected
from model_deployment_operator.domain.reasons import Reason
from model_deployment_operator.domain.reporting import Execution, derive_status
from model_deployment_operator.domain.status import ConditionStatus, Outcome
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

VERSIONS = (1, 2, 3)
# Creating models and configs never touches the endpoint; tagging is the explicit adoption.
NON_MUTATING = (CreateModel, CreateEndpointConfig, TagEndpoint)

selections = st.one_of(
    st.sampled_from(VERSIONS).map(lambda v: VersionSelected(package(v))),
    st.just(NoVersionAllowed(Reason.NO_APPROVED_VERSION, "none")),
    st.just(NoVersionAllowed(Reason.PINNED_VERSION_NOT_READY, "wait", transient=True)),
)
specs = st.fixed_dictionaries(
    {},
    optional={
        "autoscaling": st.just(AUTOSCALING),
        "endpoint": st.sampled_from(
            [{"instanceType": "ml.c5.xlarge"}, {"initialInstanceCount": 2}, {"adoptExisting": True}]
        ),
    },
)


@st.composite
def observations(draw: st.DrawFn) -> tuple[dict[str, Any], Observation, Memory]:
    spec = draw(specs)
    live_version = draw(st.sampled_from(VERSIONS))
    live = target(live_version, **spec)
    observed = draw(
        st.one_of(
            st.none(),
            st.builds(
                endpoint,
                status=st.sampled_from([s.value for s in EndpointStatus]),
                config=st.sampled_from([live.config_name, "foreign-config"]),
                owned=st.booleans(),
                instance_count=st.integers(1, 5),
                failure_reason=st.sampled_from([None, "boom", "Request to service failed"]),
            ),
        )
    )
    history = draw(
        st.lists(
            st.builds(
                history_entry,
                st.sampled_from(VERSIONS).map(lambda v: target(v, **spec)),
                st.sampled_from(list(Outcome)),
                st.sampled_from([None, "boom"]),
            ),
            max_size=3,
        )
    )
    observation = Observation(
        selection=draw(selections),
        endpoint=observed,
        live_config=live_config(live) if observed is not None else None,
        live_package=package(live_version, draw(st.sampled_from(["Approved", "Rejected"]))),
        scaling=draw(st.sampled_from([None, NO_SCALING, scaling(), scaling(max_capacity=9)])),
    )
    settled = settle_history(tuple(history), observed, T1)
    return spec, observation, Memory(history=settled)


@settings(max_examples=400, deadline=None)
@given(observations())
def test_never_mutates_a_busy_endpoint(case: tuple[dict[str, Any], Observation, Memory]) -> None:
    spec, observation, memory = case
    plan = plan_reconcile(desired(**spec), observation, memory)
    observed = observation.endpoint
    if observed is not None and observed.status in BUSY_STATUSES:
        assert all(isinstance(a, NON_MUTATING) for a in plan.actions), plan.actions


@settings(max_examples=400, deadline=None)
@given(observations())
def test_never_touches_a_foreign_endpoint_unless_adopting(
    case: tuple[dict[str, Any], Observation, Memory],
) -> None:
    spec, observation, memory = case
    plan = plan_reconcile(desired(**spec), observation, memory)
    observed = observation.endpoint
    if observed is not None and not observed.owned:
        allowed = (TagEndpoint,) if desired(**spec).spec.endpoint.adopt_existing else ()
        assert all(isinstance(a, allowed) for a in plan.actions), plan.actions


@settings(max_examples=400, deadline=None)
@given(observations())
def test_a_failed_endpoint_only_gets_deleted(
    case: tuple[dict[str, Any], Observation, Memory],
) -> None:
    spec, observation, memory = case
    plan = plan_reconcile(desired(**spec), observation, memory)
    observed = observation.endpoint
    if observed is not None and observed.owned and observed.status == EndpointStatus.FAILED:
        assert all(isinstance(a, DeleteEndpoint) for a in plan.actions), plan.actions


@settings(max_examples=400, deadline=None)
@given(
    observations(),
    st.one_of(st.none(), st.sampled_from(list(FailureKind))),
)
def test_exactly_one_of_ready_reconciling_stalled(
    case: tuple[dict[str, Any], Observation, Memory], failure: FailureKind | None
) -> None:
    spec, observation, memory = case
    wanted = desired(**spec)
    plan = plan_reconcile(wanted, observation, memory)
    if failure is not None and plan.actions:
        error = SageMakerCallError(failure, "Op", "Code", "message")
        execution = Execution((), plan.actions[0], error)
    else:
        execution = Execution(plan.actions)
    status = derive_status(
        desired=wanted,
        observation=observation,
        plan=plan,
        execution=execution,
        history=memory.history,
        previous=None,
        now=T1,
        retry_seconds=60,
    )
    by_type = {c.type: c.status for c in status.conditions}
    assert "Ready" in by_type
    # Reconciling and Stalled appear only while True.
    assert all(
        by_type[t] is ConditionStatus.TRUE for t in ("Reconciling", "Stalled") if t in by_type
    )
    true_count = sum(
        [
            by_type["Ready"] is ConditionStatus.TRUE,
            "Reconciling" in by_type,
            "Stalled" in by_type,
        ]
    )
    assert true_count == 1, by_type
    assert len(status.history) <= 20
