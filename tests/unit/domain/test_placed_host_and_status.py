"""Where a placed ModelDeployment runs (its ModelEndpoint, read from the API server or, once
that is gone, from the deployment's own status), and what one tick writes: its status (the
history above all) and its Events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from model_deployment_operator.domain.actions import Action, CreateModel, DeleteModel
from model_deployment_operator.domain.api_group import MODEL_ENDPOINT
from model_deployment_operator.domain.errors import FailureKind, SageMakerCallError
from model_deployment_operator.domain.events import EventType
from model_deployment_operator.domain.fleet.actions import (
    CopyArtifact,
    CreateInferenceComponent,
    DeleteArtifact,
    DeleteInferenceComponent,
    SetCopyCount,
    UpdateInferenceComponent,
)
from model_deployment_operator.domain.fleet.desired import DesiredFleet
from model_deployment_operator.domain.fleet.hosted import hosted_view
from model_deployment_operator.domain.naming import DeploymentRef
from model_deployment_operator.domain.observed import ObservedEndpoint
from model_deployment_operator.domain.ownership import Claim, Ownership
from model_deployment_operator.domain.placed.component import wanted_scaling
from model_deployment_operator.domain.placed.desired import (
    ArtifactTarget,
    ComponentTarget,
    PlacedDeployment,
)
from model_deployment_operator.domain.placed.events import placed_action_events
from model_deployment_operator.domain.placed.host import host_endpoint, host_from_status
from model_deployment_operator.domain.placed.plan import (
    PlacedObservation,
    PlacedPlan,
    PlacedTarget,
    entry_for,
    settle_placed,
)
from model_deployment_operator.domain.placed.planner import plan_placed
from model_deployment_operator.domain.placed.status import placed_status
from model_deployment_operator.domain.policy import NoVersionAllowed, VersionSelected
from model_deployment_operator.domain.reasons import Reason
from model_deployment_operator.domain.registry import PackageVersion
from model_deployment_operator.domain.reporting import Execution
from model_deployment_operator.domain.scaling.actions import DeregisterScalableTarget
from model_deployment_operator.domain.scaling.model import (
    Dimension,
    ObservedAlarm,
    ObservedScaling,
    ScalableTarget,
    ScalingSetup,
)
from model_deployment_operator.domain.shared_observed import (
    ARTIFACT_OWNER,
    ARTIFACT_OWNER_UID,
    ARTIFACT_PACKAGE,
    HostEndpoint,
    ObservedArtifact,
    ObservedComponent,
)
from model_deployment_operator.domain.spec import (
    DeletionPolicy,
    ModelDeploymentSpec,
    parse_model_endpoint_spec,
    parse_spec,
)
from model_deployment_operator.domain.status import (
    HISTORY_LIMIT,
    AutoscalingView,
    ConditionStatus,
    ConditionType,
    DeploymentStatus,
    EndpointView,
    HistoryEntry,
    Outcome,
    PlacementView,
    Trigger,
)
from model_deployment_operator.domain.verdict import Verdict, VerdictKind

NAMESPACE = "ml-prod"
REF = DeploymentRef(NAMESPACE, "fraud", "uid-fraud")
GROUP = "fraud"
ROLE = "arn:aws:iam::111122223333:role/SageMakerExecution"
COMPONENT = "ml-prod-fraud"
PREFIX = "s3://models/risk/"
KEY = "fraud.tar.gz"
T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 1, 12, 5, tzinfo=UTC)

IC_ENDPOINT: dict[str, Any] = {
    "metadata": {"name": "gpu-pool", "namespace": NAMESPACE, "uid": "uid-gpu-pool"},
    "spec": {
        "executionRoleArn": ROLE,
        "mode": "InferenceComponents",
        "instanceType": "ml.g5.2xlarge",
    },
}
MM_ENDPOINT: dict[str, Any] = {
    "metadata": {"name": "risk", "namespace": NAMESPACE, "uid": "uid-risk"},
    "spec": {
        "executionRoleArn": ROLE,
        "mode": "MultiModel",
        "instanceType": "ml.m5.xlarge",
        "endpointName": "risk-models",
        "region": "eu-west-1",
        "multiModel": {"artifactPrefix": PREFIX, "image": "mme:1"},
    },
}
ON_IC: dict[str, Any] = {
    "endpointRef": {"name": "gpu-pool"},
    "inferenceComponent": {"memoryMb": 2048},
}
ON_MM: dict[str, Any] = {"endpointRef": {"name": "risk"}, "multiModel": {"targetModel": KEY}}
COPY_SCALING: dict[str, Any] = {"minCapacity": 0, "maxCapacity": 4, "targetInvocationsPerCopy": 5}


def spec(placement: dict[str, Any], **fields: Any) -> ModelDeploymentSpec:
    return parse_spec(
        {"modelPackageGroupName": GROUP, "executionRoleArn": ROLE, **placement, **fields}
    )


def with_spec(found: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**found, "spec": {**found["spec"], **changes}}


def host(placement: dict[str, Any], found: dict[str, Any], **fields: Any) -> HostEndpoint:
    placed = host_endpoint(spec(placement, **fields), NAMESPACE, found, default_region="us-east-1")
    assert isinstance(placed, HostEndpoint), placed
    return placed


# --------------------------------------------------------------------------- host_endpoint


@dataclass(frozen=True)
class HostCase:
    id: str
    placement: dict[str, Any]
    found: dict[str, Any] | None
    verdict: tuple[VerdictKind, Reason]
    names: tuple[str, ...]
    fields: dict[str, Any] | None = None


HOST_CASES = [
    HostCase(
        "model-endpoint-not-there-yet",
        ON_IC,
        None,
        (VerdictKind.PROGRESSING, Reason.WAITING_FOR_MODEL_ENDPOINT),
        ("gpu-pool", NAMESPACE),
    ),
    HostCase(
        "model-endpoint-spec-unreadable",
        ON_IC,
        with_spec(IC_ENDPOINT, mode="Sideways"),
        (VerdictKind.PROGRESSING, Reason.WAITING_FOR_MODEL_ENDPOINT),
        ("gpu-pool", "spec.mode"),
    ),
    HostCase(
        "inference-component-on-a-multi-model-endpoint",
        {"endpointRef": {"name": "risk"}, "inferenceComponent": {"memoryMb": 2048}},
        MM_ENDPOINT,
        (VerdictKind.BLOCKED, Reason.PLACEMENT_MISMATCH),
        ("spec.inferenceComponent", "InferenceComponents mode", "MultiModel mode", "risk"),
    ),
    HostCase(
        "target-model-on-an-inference-components-endpoint",
        {"endpointRef": {"name": "gpu-pool"}, "multiModel": {"targetModel": KEY}},
        IC_ENDPOINT,
        (VerdictKind.BLOCKED, Reason.PLACEMENT_MISMATCH),
        ("spec.multiModel", "MultiModel mode", "InferenceComponents mode", "gpu-pool"),
    ),
    HostCase(
        "region-differs-from-the-model-endpoints",
        ON_MM,
        MM_ENDPOINT,
        (VerdictKind.BLOCKED, Reason.PLACEMENT_MISMATCH),
        ("us-west-2", "eu-west-1", "risk"),
        {"region": "us-west-2"},
    ),
    HostCase(
        "region-differs-from-the-default-one",
        ON_IC,
        IC_ENDPOINT,
        (VerdictKind.BLOCKED, Reason.PLACEMENT_MISMATCH),
        ("eu-central-1", "us-east-1", "gpu-pool"),
        {"region": "eu-central-1"},
    ),
]


@pytest.mark.parametrize("case", HOST_CASES, ids=[c.id for c in HOST_CASES])
def test_a_deployment_that_cannot_be_placed_says_why(case: HostCase) -> None:
    found = host_endpoint(
        spec(case.placement, **(case.fields or {})),
        NAMESPACE,
        case.found,
        default_region="us-east-1",
    )
    assert isinstance(found, Verdict)
    assert (found.kind, found.reason) == case.verdict
    for name in case.names:
        assert name in found.message


def test_an_inference_components_host_with_defaults() -> None:
    placed = host(ON_IC, IC_ENDPOINT)
    assert placed == HostEndpoint(
        name="gpu-pool",
        mode="InferenceComponents",
        endpoint_name="ml-prod-gpu-pool",
        variant_name="AllTraffic",
        region="us-east-1",
        artifact_prefix=None,
        uid="uid-gpu-pool",
    )


def test_a_multi_model_host_names_its_endpoint_region_and_prefix() -> None:
    placed = host(ON_MM, MM_ENDPOINT, region="eu-west-1")
    assert (placed.mode, placed.endpoint_name, placed.region, placed.artifact_prefix) == (
        "MultiModel",
        "risk-models",
        "eu-west-1",
        PREFIX,
    )
    assert placed.uid == "uid-risk"


@pytest.mark.parametrize("found", [IC_ENDPOINT, MM_ENDPOINT], ids=["default-name", "named"])
def test_the_host_is_the_endpoint_its_model_endpoint_owns(found: dict[str, Any]) -> None:
    placement = ON_IC if found is IC_ENDPOINT else ON_MM
    metadata = found["metadata"]
    fleet = DesiredFleet.build(
        DeploymentRef(NAMESPACE, metadata["name"], metadata["uid"], MODEL_ENDPOINT),
        1,
        parse_model_endpoint_spec(found["spec"]),
        default_region="us-east-1",
        default_deletion_policy=DeletionPolicy.DELETE,
    )
    placed = host(placement, found)
    assert placed.endpoint_name == fleet.endpoint_name
    assert placed.region == fleet.region
    assert placed.variant_name == fleet.spec.variant_name


# --------------------------------------------------------------------------- host_from_status


def status_at(placement: PlacementView, endpoint: EndpointView | None) -> DeploymentStatus:
    return DeploymentStatus(placement=placement, endpoint=endpoint)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        pytest.param(None, None, id="never-reported"),
        pytest.param(DeploymentStatus(observed_generation=1), None, id="never-placed"),
        pytest.param(
            status_at(
                PlacementView(model_endpoint="gpu-pool", mode="InferenceComponents"),
                EndpointView(
                    name="ml-prod-gpu-pool",
                    arn="arn:aws:sagemaker:eu-west-1:111122223333:endpoint/ml-prod-gpu-pool",
                ),
            ),
            HostEndpoint(
                "gpu-pool", "InferenceComponents", "ml-prod-gpu-pool", "", "eu-west-1", None, ""
            ),
            id="region-from-the-endpoint-arn",
        ),
        pytest.param(
            status_at(
                PlacementView(
                    model_endpoint="risk",
                    mode="MultiModel",
                    target_model=KEY,
                    artifact=f"{PREFIX}{KEY}",
                ),
                EndpointView(name="risk-models"),
            ),
            HostEndpoint("risk", "MultiModel", "risk-models", "", "us-east-1", PREFIX, ""),
            id="prefix-from-the-artifact",
        ),
        pytest.param(
            status_at(
                PlacementView(model_endpoint="risk", mode="MultiModel", target_model=KEY), None
            ),
            HostEndpoint("risk", "MultiModel", "", "", "us-east-1", None, ""),
            id="nothing-copied-nothing-observed",
        ),
        pytest.param(
            status_at(
                PlacementView(
                    model_endpoint="risk",
                    mode="MultiModel",
                    target_model=KEY,
                    artifact="s3://elsewhere/other.tar.gz",
                ),
                EndpointView(name="risk-models", arn="not-an-arn"),
            ),
            HostEndpoint("risk", "MultiModel", "risk-models", "", "us-east-1", None, ""),
            id="artifact-not-at-the-target-model",
        ),
    ],
)
def test_host_from_status(status: DeploymentStatus | None, expected: HostEndpoint | None) -> None:
    assert host_from_status(spec(ON_MM), status, default_region="us-east-1") == expected


def test_host_from_status_falls_back_to_the_deployments_region() -> None:
    status = status_at(
        PlacementView(model_endpoint="risk", mode="MultiModel"), EndpointView(name="risk-models")
    )
    recorded = host_from_status(spec(ON_MM, region="ap-south-1"), status, default_region="x")
    assert recorded is not None
    assert recorded.region == "ap-south-1"


# --------------------------------------------------------------------------- one tick

IC_HOST = host(ON_IC, IC_ENDPOINT)
MM_HOST = host(ON_MM, MM_ENDPOINT)


def placed(placement: dict[str, Any], on: HostEndpoint, **fields: Any) -> PlacedDeployment:
    return PlacedDeployment(
        REF, 4, spec(placement, **fields), on, on.region or "us-east-1", DeletionPolicy.DELETE
    )


IC = placed(ON_IC, IC_HOST)
SCALED = placed(ON_IC, IC_HOST, autoscaling=COPY_SCALING)
MM = placed(ON_MM, MM_HOST)


def package(version: int, approval: str = "Approved") -> PackageVersion:
    return PackageVersion(
        arn=f"arn:aws:sagemaker:us-east-1:111122223333:model-package/{GROUP}/{version}",
        group_name=GROUP,
        version=version,
        approval_status=approval,
        package_status="Completed",
    )


def ct(version: int, desired: PlacedDeployment = IC) -> ComponentTarget:
    return desired.component_target(package(version))


def at(version: int) -> ArtifactTarget:
    return MM.artifact_target(package(version), f"s3://registry/v{version}.tar.gz")


V2, V3 = ct(2), ct(3)
A2, A3, A4 = at(2), at(3), at(4)


def shared_endpoint(on: HostEndpoint = IC_HOST, status: str = "InService") -> ObservedEndpoint:
    return ObservedEndpoint(
        name=on.endpoint_name,
        arn=f"arn:aws:sagemaker:{on.region}:111122223333:endpoint/{on.endpoint_name}",
        status=status,
        config_name=f"{on.endpoint_name}-v0-0123abcd",
        ownership=Ownership(Claim.OTHER, DeploymentRef(NAMESPACE, on.name, on.uid, MODEL_ENDPOINT)),
    )


def component(
    status: str = "InService", on: ComponentTarget = V2, copies: int = 2
) -> ObservedComponent:
    return ObservedComponent(
        name=COMPONENT,
        arn=f"arn:aws:sagemaker:us-east-1:111122223333:inference-component/{COMPONENT}",
        status=status,
        endpoint_name=IC_HOST.endpoint_name,
        spec=on.component.spec,
        desired_copies=copies,
        current_copies=copies - 1,
        ownership=Ownership(Claim.OURS, REF),
    )


def our_artifact(target: ArtifactTarget) -> ObservedArtifact:
    return ObservedArtifact(uri=target.destination, etag="etag-1", metadata=target.metadata)


def entry(
    target: PlacedTarget,
    outcome: Outcome = Outcome.SUCCEEDED,
    message: str | None = None,
    trigger: Trigger = Trigger.INITIAL_DEPLOYMENT,
) -> HistoryEntry:
    return entry_for(target, trigger, T0, outcome, message)


def on_ic(version: int, **observed: Any) -> PlacedObservation:
    return PlacedObservation(VersionSelected(package(version)), shared_endpoint(), **observed)


def on_mm(version: int, **observed: Any) -> PlacedObservation:
    return PlacedObservation(
        VersionSelected(package(version)),
        shared_endpoint(MM_HOST),
        artifact_source=f"s3://registry/v{version}.tar.gz",
        **observed,
    )


def rejected(code: str = "ValidationException") -> SageMakerCallError:
    return SageMakerCallError(FailureKind.REJECTED, "CreateInferenceComponent", code, "no room")


@dataclass(frozen=True)
class Tick:
    plan: PlacedPlan
    execution: Execution
    status: DeploymentStatus


def tick(
    desired: PlacedDeployment,
    observation: PlacedObservation,
    history: tuple[HistoryEntry, ...] = (),
    *,
    error: SageMakerCallError | None = None,
    previous: DeploymentStatus | None = None,
) -> Tick:
    """Settle, plan, run every action (or all but the last, which fails with `error`), and
    derive the status, as the placed reconciler does."""
    settled = settle_placed(history, observation, NOW)
    registered_before = previous is not None and previous.autoscaling is not None
    plan = plan_placed(desired, observation, settled, registered_before=registered_before)
    if error is None:
        execution = Execution(succeeded=plan.actions)
    else:
        *done, failed = plan.actions
        execution = Execution(tuple(done), failed, error)
    status = placed_status(
        desired=desired,
        observation=observation,
        plan=plan,
        execution=execution,
        history=settled,
        previous=previous,
        scaling=wanted_scaling(desired) if desired.spec.inference_component else None,
        now=NOW,
        retry_seconds=60,
    )
    return Tick(plan, execution, status)


def condition(status: DeploymentStatus, kind: ConditionType) -> tuple[ConditionStatus, str]:
    found = status.condition(kind)
    assert found is not None, kind
    return found.status, found.reason


# --------------------------------------------------------------------------- history


def test_a_started_deployment_is_recorded_in_progress() -> None:
    status = tick(IC, on_ic(2)).status
    (head,) = status.history
    assert head.outcome is Outcome.IN_PROGRESS
    assert head.trigger == Trigger.INITIAL_DEPLOYMENT
    assert (head.version, head.model_package_arn) == (2, package(2).arn)
    assert head.inference_component == V2.revision
    assert head.model_name == V2.model_name
    assert head.artifact is None
    assert head.endpoint_config_name is None
    assert (head.started_at, head.finished_at) == (NOW, None)
    assert condition(status, ConditionType.READY) == (ConditionStatus.FALSE, "EndpointCreating")


def test_a_new_copy_supersedes_the_one_still_waiting_for_its_refresh() -> None:
    waiting = entry(A3, Outcome.IN_PROGRESS, trigger=Trigger.NEW_APPROVAL)
    history = (waiting, entry(A2))
    status = tick(MM, on_mm(4, artifact=our_artifact(A3), live_package=package(3)), history).status
    head, superseded, served = status.history
    assert (head.outcome, head.trigger, head.artifact) == (
        Outcome.IN_PROGRESS,
        Trigger.NEW_APPROVAL,
        A4.revision,
    )
    assert head.model_name is None
    assert superseded.outcome is Outcome.SUPERSEDED
    assert superseded.finished_at == NOW
    assert superseded.artifact == A3.revision
    assert served == entry(A2)


def test_a_rejected_create_is_recorded_failed_and_not_tried_again() -> None:
    first = tick(IC, on_ic(2), error=rejected())
    assert isinstance(first.execution.succeeded[0], CreateModel)
    (head,) = first.status.history
    assert head.outcome is Outcome.FAILED
    assert head.inference_component == V2.revision
    assert head.message is not None
    assert "CreateInferenceComponent" in head.message
    assert COMPONENT in head.message
    assert "ValidationException" in head.message
    assert condition(first.status, ConditionType.STALLED) == (
        ConditionStatus.TRUE,
        Reason.SAGEMAKER_REJECTED,
    )
    again = tick(IC, on_ic(2), first.status.history, previous=first.status)
    assert again.plan.actions == ()
    assert (again.plan.verdict.kind, again.plan.verdict.reason) == (
        VerdictKind.BLOCKED,
        Reason.ENDPOINT_FAILED,
    )
    assert again.status.history == first.status.history


def test_a_transient_failure_records_nothing_and_is_unknown() -> None:
    error = SageMakerCallError(FailureKind.TRANSIENT, "CreateInferenceComponent", "Throttling", "x")
    status = tick(IC, on_ic(2), error=error).status
    assert status.history == ()
    assert condition(status, ConditionType.READY) == (
        ConditionStatus.UNKNOWN,
        Reason.SAGEMAKER_UNAVAILABLE,
    )


def test_a_deployment_found_in_place_is_recorded_once_as_observed() -> None:
    observation = on_ic(2, component=component(), live_package=package(2))
    first = tick(IC, observation)
    (head,) = first.status.history
    assert (head.outcome, head.trigger) == (Outcome.SUCCEEDED, Trigger.OBSERVED)
    assert head.inference_component == V2.revision
    again = tick(IC, observation, first.status.history, previous=first.status)
    assert again.status.history == first.status.history


def test_a_finished_deployment_is_settled_not_observed_again() -> None:
    started = entry(V3, Outcome.IN_PROGRESS, trigger=Trigger.NEW_APPROVAL)
    status = tick(
        IC, on_ic(3, component=component(on=V3), live_package=package(3)), (started, entry(V2))
    ).status
    head, previous = status.history
    assert (head.outcome, head.trigger, head.finished_at) == (
        Outcome.SUCCEEDED,
        Trigger.NEW_APPROVAL,
        NOW,
    )
    assert previous == entry(V2)
    assert condition(status, ConditionType.READY) == (ConditionStatus.TRUE, Reason.DEPLOYED)


def test_history_is_capped() -> None:
    old = tuple(entry(V2) for _ in range(HISTORY_LIMIT))
    status = tick(IC, on_ic(3, component=component(on=V2), live_package=package(2)), old).status
    assert len(status.history) == HISTORY_LIMIT
    assert status.history[0].trigger == Trigger.NEW_APPROVAL


# --------------------------------------------------------------------------- views


def test_an_inference_components_status() -> None:
    status = tick(
        SCALED,
        on_ic(
            2,
            component=component(on=ct(2, SCALED), copies=3),
            live_package=package(2),
            scaling=ObservedScaling(None),
        ),
    ).status
    assert status.placement == PlacementView(
        model_endpoint="gpu-pool",
        mode="InferenceComponents",
        inference_component=COMPONENT,
        model_name=ct(2, SCALED).model_name,
        status="InService",
        desired_copies=3,
        current_copies=2,
    )
    assert status.model_package is not None
    assert (status.model_package.version, status.model_package.approval_status) == (2, "Approved")
    assert status.endpoint is not None
    assert status.endpoint.name == IC_HOST.endpoint_name
    assert status.endpoint.arn is not None
    assert status.endpoint.status == "InService"
    setup = wanted_scaling(SCALED)
    assert setup is not None
    assert status.autoscaling == AutoscalingView(
        resource_id=f"inference-component/{COMPONENT}",
        policy_name=setup.policies[0].name,
        min_capacity=0,
        max_capacity=4,
        dimension=Dimension.COPY_COUNT,
        alarms=tuple(a.name for a in setup.alarms),
    )
    line = hosted_view({"metadata": {"name": "fraud"}, "status": status.to_kubernetes()})
    assert (line.version, line.copy_count, line.status) == (2, 2, "InService")


def test_the_endpoint_is_named_before_it_exists() -> None:
    status = tick(IC, PlacedObservation(VersionSelected(package(2)), None)).status
    assert status.endpoint == EndpointView(name=IC_HOST.endpoint_name)
    assert status.placement is not None
    assert status.placement.inference_component == COMPONENT
    assert status.placement.status is None


def test_a_target_models_status() -> None:
    status = tick(MM, on_mm(3, artifact=our_artifact(A3), served=True)).status
    assert status.placement == PlacementView(
        model_endpoint="risk",
        mode="MultiModel",
        target_model=KEY,
        artifact=f"{PREFIX}{KEY}",
        served=True,
    )
    # Without the registry's word, the package is the one the artifact is stamped with.
    assert status.model_package is not None
    assert status.model_package.arn == package(3).arn
    assert status.autoscaling is None
    line = hosted_view({"metadata": {"name": "fraud"}, "status": status.to_kubernetes()})
    assert (line.target_model, line.status) == (KEY, "Served")


def test_a_target_model_just_copied_is_recorded_at_once() -> None:
    """The copy's destination is in status from the tick that copied it, so a deletion finds
    it even when the ModelEndpoint is gone before the next tick (host_from_status)."""
    status = tick(MM, on_mm(3)).status
    assert status.placement is not None
    assert (status.placement.artifact, status.placement.served) == (
        "s3://models/risk/fraud.tar.gz",
        False,
    )
    line = hosted_view({"metadata": {"name": "fraud"}, "status": status.to_kubernetes()})
    assert line.status == "AwaitingRefresh"
    recorded = host_from_status(MM.spec, status, default_region="us-east-1")
    assert recorded is not None
    assert recorded.artifact_prefix == "s3://models/risk/"


def test_the_recorded_host_finds_the_same_endpoint_again() -> None:
    ic_status = tick(IC, on_ic(2, component=component(), live_package=package(2))).status
    mm_status = tick(MM, on_mm(3, artifact=our_artifact(A3), served=True)).status
    for desired, status in ((IC, ic_status), (MM, mm_status)):
        recorded = host_from_status(desired.spec, status, default_region="us-east-1")
        assert recorded is not None
        original = desired.host
        assert (recorded.name, recorded.mode, recorded.endpoint_name, recorded.region) == (
            original.name,
            original.mode,
            original.endpoint_name,
            original.region,
        )
        assert recorded.artifact_prefix == original.artifact_prefix


def test_deregistered_autoscaling_leaves_the_status() -> None:
    recorded = AutoscalingView(
        resource_id=f"inference-component/{COMPONENT}",
        policy_name="mdo-x",
        min_capacity=0,
        max_capacity=4,
    )
    observed = ObservedScaling(
        ScalableTarget(f"inference-component/{COMPONENT}", Dimension.COPY_COUNT, 0, 4)
    )
    result = tick(
        IC,
        on_ic(2, component=component(), live_package=package(2), scaling=observed),
        previous=DeploymentStatus(autoscaling=recorded),
    )
    assert any(isinstance(a, DeregisterScalableTarget) for a in result.execution.succeeded)
    assert result.status.autoscaling is None


def test_someone_elses_artifact_is_not_reported_as_ours() -> None:
    theirs = ObservedArtifact(
        uri=f"{PREFIX}{KEY}",
        etag="etag-x",
        metadata=(
            (ARTIFACT_OWNER, "ml-prod/fraud-old"),
            (ARTIFACT_OWNER_UID, "uid-old"),
            (ARTIFACT_PACKAGE, "arn:aws:sagemaker:us-east-1:111122223333:model-package/old/7"),
        ),
    )
    result = tick(MM, on_mm(3, artifact=theirs))
    assert result.plan.verdict.reason == Reason.TARGET_MODEL_CONFLICT
    assert result.status.model_package is None


def test_recorded_autoscaling_is_kept_while_no_version_is_allowed() -> None:
    setup: ScalingSetup | None = wanted_scaling(SCALED)
    assert setup is not None
    recorded = AutoscalingView(
        resource_id=setup.resource_id,
        policy_name=setup.policies[0].name,
        min_capacity=0,
        max_capacity=4,
        dimension=setup.dimension,
        alarms=tuple(a.name for a in setup.alarms),
    )
    observation = PlacedObservation(
        NoVersionAllowed(Reason.NO_APPROVED_VERSION, "none approved"),
        shared_endpoint(),
        component=component(),
    )
    result = tick(IC, observation, previous=DeploymentStatus(autoscaling=recorded))
    assert result.plan.target is None
    assert result.execution.succeeded == ()
    # Nothing deregistered the copy scaling: the status must still remember it.
    assert result.status.autoscaling == recorded


def test_scaling_observed_without_alarms_or_target_still_reports_the_wanted_setup() -> None:
    setup = wanted_scaling(SCALED)
    assert setup is not None
    in_place = ObservedScaling(
        ScalableTarget(setup.resource_id, setup.dimension, 0, 4),
        tuple((p, f"arn:{p.name}") for p in setup.policies),
        (),
        tuple(ObservedAlarm(a, (f"arn:{a.policy_name}",)) for a in setup.alarms),
    )
    result = tick(
        SCALED,
        on_ic(2, component=component(on=ct(2, SCALED)), live_package=package(2), scaling=in_place),
    )
    assert result.plan.actions == ()
    assert result.status.autoscaling is not None
    assert result.status.autoscaling.resource_id == setup.resource_id


# --------------------------------------------------------------------------- events


def _events(action: Action, trigger: Trigger | None) -> tuple[str, str]:
    history = (entry(V3, Outcome.IN_PROGRESS, trigger=trigger),) if trigger else ()
    (event,) = placed_action_events((action,), history)
    assert event.type is EventType.NORMAL
    return event.reason, event.message


@pytest.mark.parametrize(
    ("action", "trigger", "reason", "names"),
    [
        pytest.param(
            CopyArtifact("s3://registry/v3.tar.gz", f"{PREFIX}{KEY}", A3.metadata),
            Trigger.NEW_APPROVAL,
            "CopyingArtifact",
            ("version 3", f"{PREFIX}{KEY}"),
            id="copy",
        ),
        pytest.param(
            CopyArtifact("s3://registry/v3.tar.gz", f"{PREFIX}{KEY}", A3.metadata),
            Trigger.ROLLBACK,
            "RollingBack",
            ("Copying back version 3", f"{PREFIX}{KEY}"),
            id="copy-back",
        ),
        pytest.param(
            CreateInferenceComponent(V3.component, ()),
            Trigger.INITIAL_DEPLOYMENT,
            "CreatingInferenceComponent",
            (COMPONENT, IC_HOST.endpoint_name, "version 3", "1 copies"),
            id="create",
        ),
        pytest.param(
            UpdateInferenceComponent(V3.component),
            Trigger.NEW_APPROVAL,
            "UpdatingInferenceComponent",
            (COMPONENT, "version 3", V3.model_name),
            id="update",
        ),
        pytest.param(
            UpdateInferenceComponent(V3.component),
            Trigger.ROLLBACK,
            "RollingBack",
            (COMPONENT, "Rolling back", V3.model_name),
            id="rollback",
        ),
        pytest.param(
            UpdateInferenceComponent(V3.component),
            None,
            "UpdatingInferenceComponent",
            ("the selected version",),
            id="no-history",
        ),
        pytest.param(
            SetCopyCount(COMPONENT, 2),
            None,
            "CopyCountRestored",
            (COMPONENT, "2 copies"),
            id="copies",
        ),
        pytest.param(
            DeleteInferenceComponent(COMPONENT),
            None,
            "DeletingInferenceComponent",
            (COMPONENT,),
            id="delete-component",
        ),
        pytest.param(
            DeleteArtifact(f"{PREFIX}{KEY}"), None, "DeletedArtifact", (f"{PREFIX}{KEY}",),
            id="delete-artifact",
        ),
    ],
)  # fmt: skip
def test_placed_action_events(
    action: Action, trigger: Trigger | None, reason: str, names: tuple[str, ...]
) -> None:
    got_reason, message = _events(action, trigger)
    assert got_reason == reason
    for name in names:
        assert name in message


def test_no_events_for_models() -> None:
    actions: tuple[Action, ...] = (CreateModel(V3.model_name, V3.model, ()), DeleteModel("m"))
    assert placed_action_events(actions, ()) == ()


def test_events_follow_the_tick_that_started_the_deployment() -> None:
    result = tick(IC, on_ic(3, component=component(on=V2), live_package=package(2)), (entry(V2),))
    reasons = [
        e.reason for e in placed_action_events(result.execution.succeeded, result.status.history)
    ]
    assert reasons == ["UpdatingInferenceComponent"]
