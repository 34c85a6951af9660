"""Placed ModelDeployment tables: desired + observed (+ history) -> actions + verdict, for an
inference component on a shared InferenceComponents endpoint and for a target model of a
shared MultiModel endpoint; settling the deployment in progress; its teardown; and the copy
scaling of an inference component."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from model_deployment_operator.domain.actions import Action, CreateModel, DeleteModel
from model_deployment_operator.domain.fleet.actions import (
    CopyArtifact,
    CreateInferenceComponent,
    DeleteArtifact,
    DeleteInferenceComponent,
    SetCopyCount,
    UpdateInferenceComponent,
)
from model_deployment_operator.domain.naming import OWNER_UID_TAG, DeploymentRef
from model_deployment_operator.domain.observed import ObservedEndpoint, OwnedArtifacts
from model_deployment_operator.domain.ownership import Claim, OwnerPresence, Ownership
from model_deployment_operator.domain.placed.component import wanted_scaling
from model_deployment_operator.domain.placed.desired import (
    ArtifactTarget,
    ComponentTarget,
    PlacedDeployment,
)
from model_deployment_operator.domain.placed.plan import (
    PlacedObservation,
    PlacedTarget,
    entry_for,
    placed_trigger,
    settle_placed,
)
from model_deployment_operator.domain.placed.planner import plan_placed
from model_deployment_operator.domain.placed.teardown import plan_placed_teardown
from model_deployment_operator.domain.policy import NoVersionAllowed, VersionSelected
from model_deployment_operator.domain.reasons import Reason
from model_deployment_operator.domain.registry import PackageVersion
from model_deployment_operator.domain.scaling.actions import (
    DeleteAlarms,
    DeregisterScalableTarget,
    PutScalingPolicy,
    RegisterScalableTarget,
)
from model_deployment_operator.domain.scaling.component import (
    INVOCATIONS_PER_COPY_METRIC,
    NO_CAPACITY_METRIC,
    component_scaling,
)
from model_deployment_operator.domain.scaling.model import (
    OWNED_PREFIX,
    Alarm,
    Dimension,
    ObservedAlarm,
    ObservedScaling,
    ScalableTarget,
    ScalingSetup,
    StepScaling,
    TargetTracking,
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
    AutoscalingSpec,
    DeletionPolicy,
    ModelDeploymentSpec,
    parse_spec,
)
from model_deployment_operator.domain.status import HistoryEntry, Outcome, Trigger
from model_deployment_operator.domain.verdict import VerdictKind

REF = DeploymentRef("ml-prod", "fraud", "uid-fraud")
OURS = Ownership(Claim.OURS, REF)
GROUP = "fraud"
ROLE = "arn:aws:iam::111122223333:role/SageMakerExecution"
COMPONENT = "ml-prod-fraud"  # the component is named like a dedicated endpoint would be
PREFIX = "s3://models/risk/"
KEY = "fraud.tar.gz"
T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
T1 = datetime(2026, 11, 1, 12, 5, tzinfo=UTC)

IC_HOST = HostEndpoint(
    name="gpu-pool",
    mode="InferenceComponents",
    endpoint_name="ml-prod-gpu-pool",
    variant_name="AllTraffic",
    region="us-east-1",
    artifact_prefix=None,
    uid="uid-gpu-pool",
)
MM_HOST = HostEndpoint(
    name="risk",
    mode="MultiModel",
    endpoint_name="ml-prod-risk",
    variant_name="AllTraffic",
    region="us-east-1",
    artifact_prefix=PREFIX,
    uid="uid-risk",
)
COMPONENT_SPEC: dict[str, Any] = {"memoryMb": 2048, "copyCount": 2}
COPY_SCALING: dict[str, Any] = {"minCapacity": 0, "maxCapacity": 4, "targetInvocationsPerCopy": 5}


def spec(**fields: Any) -> ModelDeploymentSpec:
    return parse_spec(
        {"modelPackageGroupName": GROUP, "executionRoleArn": ROLE, **fields},
    )


def ic(component: dict[str, Any] | None = None, **fields: Any) -> PlacedDeployment:
    """Placed as an inference component on IC_HOST; `component` merges into COMPONENT_SPEC."""
    wanted = spec(
        endpointRef={"name": IC_HOST.name},
        inferenceComponent={**COMPONENT_SPEC, **(component or {})},
        **fields,
    )
    return PlacedDeployment(REF, 1, wanted, IC_HOST, "us-east-1", DeletionPolicy.DELETE)


def mm(**fields: Any) -> PlacedDeployment:
    wanted = spec(endpointRef={"name": MM_HOST.name}, multiModel={"targetModel": KEY}, **fields)
    return PlacedDeployment(REF, 1, wanted, MM_HOST, "us-east-1", DeletionPolicy.DELETE)


def package(version: int, approval: str = "Approved", group: str = GROUP) -> PackageVersion:
    return PackageVersion(
        arn=f"arn:aws:sagemaker:us-east-1:111122223333:model-package/{group}/{version}",
        group_name=group,
        version=version,
        approval_status=approval,
        package_status="Completed",
    )


def selected(version: int) -> VersionSelected:
    return VersionSelected(package(version))


def source(version: int) -> str:
    return f"s3://registry/{GROUP}/v{version}/model.tar.gz"


IC = ic()
SCALED = ic(autoscaling=COPY_SCALING)
MM = mm()


def ct(version: int, desired: PlacedDeployment = IC) -> ComponentTarget:
    return desired.component_target(package(version))


def at(version: int) -> ArtifactTarget:
    return MM.artifact_target(package(version), source(version))


V1, V2, V3 = ct(1), ct(2), ct(3)
A2, A3 = at(2), at(3)


def shared_endpoint(status: str = "InService") -> ObservedEndpoint:
    return ObservedEndpoint(
        name=IC_HOST.endpoint_name,
        arn=f"arn:aws:sagemaker:us-east-1:111122223333:endpoint/{IC_HOST.endpoint_name}",
        status=status,
        config_name="ml-prod-gpu-pool-v0-12345678",
        ownership=Ownership(Claim.OTHER, DeploymentRef("ml-prod", "gpu-pool", "uid-gpu-pool")),
    )


def component(
    status: str = "InService",
    on: ComponentTarget = V2,
    *,
    copies: int | None = 2,
    ownership: Ownership = OURS,
    failure_reason: str | None = None,
) -> ObservedComponent:
    return ObservedComponent(
        name=COMPONENT,
        arn=f"arn:aws:sagemaker:us-east-1:111122223333:inference-component/{COMPONENT}",
        status=status,
        endpoint_name=IC_HOST.endpoint_name,
        spec=on.component.spec,
        desired_copies=copies,
        current_copies=copies,
        failure_reason=failure_reason,
        ownership=ownership,
    )


def our_artifact(target: ArtifactTarget, etag: str = "etag-1") -> ObservedArtifact:
    return ObservedArtifact(uri=target.destination, etag=etag, metadata=target.metadata)


def foreign_artifact(*metadata: tuple[str, str]) -> ObservedArtifact:
    return ObservedArtifact(uri=f"{PREFIX}{KEY}", etag="etag-x", metadata=metadata)


def entry(
    target: PlacedTarget,
    outcome: Outcome = Outcome.SUCCEEDED,
    message: str | None = None,
    trigger: Trigger = Trigger.INITIAL_DEPLOYMENT,
) -> HistoryEntry:
    return entry_for(target, trigger, T0, outcome, message)


def policy_arn(name: str) -> str:
    return f"arn:aws:autoscaling:us-east-1:111122223333:scalingPolicy:x:resource/{name}"


def scaling_in_place(setup: ScalingSetup) -> ObservedScaling:
    """Application Auto Scaling and CloudWatch holding exactly `setup`."""
    return ObservedScaling(
        ScalableTarget(setup.resource_id, setup.dimension, setup.min_capacity, setup.max_capacity),
        tuple((p, policy_arn(p.name)) for p in setup.policies),
        (),
        tuple(ObservedAlarm(a, (policy_arn(a.policy_name),)) for a in setup.alarms),
    )


COPY_SETUP = wanted_scaling(SCALED)
assert COPY_SETUP is not None
NONE_APPROVED = NoVersionAllowed(Reason.NO_APPROVED_VERSION, "Model package group fraud has none")
RETRYABLE = "Request to service failed. If failure persists after retry, contact customer support"
OTHER_OWNER = Ownership(
    Claim.OTHER, DeploymentRef("ml-prod", "fraud-old", "uid-old"), OwnerPresence.LIVE
)


# --------------------------------------------------------------------------- the plan


@dataclass(frozen=True)
class Case:
    id: str
    desired: PlacedDeployment
    observation: PlacedObservation
    actions: tuple[type[Any], ...]
    verdict: tuple[VerdictKind, Reason]
    history: tuple[HistoryEntry, ...] = ()
    trigger: Trigger | None = None
    registered_before: bool = False


def seen(
    version: int,
    *,
    host: ObservedEndpoint | None = None,
    live: PackageVersion | None = None,
    component_: ObservedComponent | None = None,
    scaling: ObservedScaling | None = None,
    models: OwnedArtifacts | None = None,
) -> PlacedObservation:
    """An inference component placement's observation with `version` selected."""
    return PlacedObservation(
        selected(version),
        host if host is not None else shared_endpoint(),
        live_package=live,
        component=component_,
        scaling=scaling,
        models=models,
    )


def copied(
    version: int,
    artifact: ObservedArtifact | None,
    *,
    live: PackageVersion | None = None,
    served: bool = False,
) -> PlacedObservation:
    """A multi-model placement's observation with `version` selected."""
    return PlacedObservation(
        selected(version),
        shared_endpoint(),
        live_package=live,
        artifact=artifact,
        artifact_source=source(version),
        served=served,
    )


COMPONENT_CASES = [
    # --- creating
    Case(
        "create/waits-for-the-shared-endpoint-to-exist",
        IC,
        PlacedObservation(selected(2), None),
        (),
        (VerdictKind.PROGRESSING, Reason.WAITING_FOR_MODEL_ENDPOINT),
    ),
    Case(
        "create/waits-while-the-shared-endpoint-is-creating",
        IC,
        seen(2, host=shared_endpoint("Creating")),
        (),
        (VerdictKind.PROGRESSING, Reason.WAITING_FOR_MODEL_ENDPOINT),
    ),
    Case(
        "create/first-deployment",
        IC,
        seen(2),
        (CreateModel, CreateInferenceComponent),
        (VerdictKind.PROGRESSING, Reason.ENDPOINT_CREATING),
        trigger=Trigger.INITIAL_DEPLOYMENT,
    ),
    Case(
        "create/again-after-it-vanished",
        IC,
        seen(2),
        (CreateModel, CreateInferenceComponent),
        (VerdictKind.PROGRESSING, Reason.ENDPOINT_CREATING),
        history=(entry(V2),),
        trigger=Trigger.RECREATE,
    ),
    Case(
        "create/rejected-before-is-not-retried",
        IC,
        seen(2),
        (),
        (VerdictKind.BLOCKED, Reason.ENDPOINT_FAILED),
        history=(entry(V2, Outcome.FAILED, "ValidationException: no capacity"),),
    ),
    Case(
        "create/sagemaker-internal-error-is-retried",
        IC,
        seen(2),
        (CreateModel, CreateInferenceComponent),
        (VerdictKind.PROGRESSING, Reason.ENDPOINT_CREATING),
        history=(entry(V2, Outcome.FAILED, RETRYABLE),),
    ),
    Case(
        "create/a-failure-of-another-version-is-not-this-ones",
        IC,
        seen(3),
        (CreateModel, CreateInferenceComponent),
        (VerdictKind.PROGRESSING, Reason.ENDPOINT_CREATING),
        history=(entry(V2, Outcome.FAILED, "boom"),),
    ),
    # --- someone else's component of that name
    Case(
        "foreign/unclaimed-component",
        IC,
        seen(3, live=package(2), component_=component(ownership=Ownership(Claim.UNCLAIMED))),
        (),
        (VerdictKind.BLOCKED, Reason.ENDPOINT_NAME_CONFLICT),
    ),
    Case(
        "foreign/another-deployments-component",
        IC,
        seen(3, live=package(2), component_=component(ownership=OTHER_OWNER)),
        (),
        (VerdictKind.BLOCKED, Reason.ENDPOINT_NAME_CONFLICT),
    ),
    # --- busy: never touched
    Case(
        "busy/creating",
        IC,
        seen(3, live=package(2), component_=component("Creating")),
        (),
        (VerdictKind.PROGRESSING, Reason.ENDPOINT_CREATING),
    ),
    Case(
        "busy/updating-with-a-newer-version-waiting",
        IC,
        seen(3, live=package(2), component_=component("Updating")),
        (),
        (VerdictKind.PROGRESSING, Reason.ENDPOINT_UPDATING),
    ),
    Case(
        "busy/deleting",
        IC,
        seen(2, live=package(2), component_=component("Deleting", copies=9)),
        (),
        (VerdictKind.PROGRESSING, Reason.ENDPOINT_UPDATING),
    ),
    # --- failed components
    Case(
        "failed/same-revision-waits-for-a-change",
        IC,
        seen(2, component_=component("Failed", failure_reason="OOM")),
        (),
        (VerdictKind.BLOCKED, Reason.ENDPOINT_FAILED),
        history=(entry(V2, Outcome.FAILED, "OOM"),),
    ),
    Case(
        "failed/new-version-replaces-it",
        IC,
        seen(3, component_=component("Failed", failure_reason="OOM")),
        (DeleteInferenceComponent,),
        (VerdictKind.PROGRESSING, Reason.REPLACING_FAILED_ENDPOINT),
        history=(entry(V2, Outcome.FAILED, "OOM"),),
    ),
    Case(
        "failed/internal-error-replaces-it",
        IC,
        seen(2, component_=component("Failed", failure_reason=RETRYABLE)),
        (DeleteInferenceComponent,),
        (VerdictKind.PROGRESSING, Reason.REPLACING_FAILED_ENDPOINT),
        history=(entry(V2, Outcome.FAILED, RETRYABLE),),
    ),
    # --- updating in place
    Case(
        "update/new-approval",
        IC,
        seen(3, live=package(2), component_=component(on=V2)),
        (CreateModel, UpdateInferenceComponent),
        (VerdictKind.PROGRESSING, Reason.ENDPOINT_UPDATING),
        history=(entry(V2),),
        trigger=Trigger.NEW_APPROVAL,
    ),
    Case(
        "update/rollback-after-rejection",
        IC,
        seen(2, live=package(3, "Rejected"), component_=component(on=V3)),
        (CreateModel, UpdateInferenceComponent),
        (VerdictKind.PROGRESSING, Reason.ENDPOINT_UPDATING),
        history=(entry(V3, trigger=Trigger.NEW_APPROVAL), entry(V2)),
        trigger=Trigger.ROLLBACK,
    ),
    Case(
        "update/pinned-to-an-older-version",
        ic(approval={"policy": "Pinned", "pinnedVersion": 1}),
        seen(1, live=package(3), component_=component(on=V3)),
        (CreateModel, UpdateInferenceComponent),
        (VerdictKind.PROGRESSING, Reason.ENDPOINT_UPDATING),
        trigger=Trigger.PINNED_VERSION,
    ),
    Case(
        "update/more-memory-per-copy",
        ic({"memoryMb": 4096}),
        seen(2, live=package(2), component_=component(on=V2)),
        (CreateModel, UpdateInferenceComponent),
        (VerdictKind.PROGRESSING, Reason.ENDPOINT_UPDATING),
        trigger=Trigger.SPEC_CHANGE,
    ),
    Case(
        "update/failed-update-is-not-retried",
        IC,
        seen(3, live=package(2), component_=component(on=V2)),
        (),
        (VerdictKind.BLOCKED, Reason.UPDATE_FAILED),
        history=(entry(V3, Outcome.FAILED, "SageMaker kept model x"), entry(V2)),
    ),
    Case(
        "update/failed-update-still-converges-scaling",
        SCALED,
        seen(
            3,
            live=package(2),
            component_=component(on=ct(2, SCALED)),
            scaling=ObservedScaling(None),
        ),
        (RegisterScalableTarget, PutScalingPolicy, PutScalingPolicy),
        (VerdictKind.BLOCKED, Reason.UPDATE_FAILED),
        history=(entry(ct(3, SCALED), Outcome.FAILED, "rolled back"), entry(ct(2, SCALED))),
    ),
    # --- in service on the target
    Case(
        "steady/converged",
        IC,
        seen(2, live=package(2), component_=component(on=V2)),
        (),
        (VerdictKind.CONVERGED, Reason.DEPLOYED),
        history=(entry(V2),),
    ),
    Case(
        "steady/hand-changed-copy-count-is-restored",
        IC,
        seen(2, live=package(2), component_=component(on=V2, copies=5)),
        (SetCopyCount,),
        (VerdictKind.CONVERGED, Reason.DEPLOYED),
    ),
    Case(
        "steady/unknown-copy-count-is-left-alone",
        IC,
        seen(2, live=package(2), component_=component(on=V2, copies=None)),
        (),
        (VerdictKind.CONVERGED, Reason.DEPLOYED),
    ),
    Case(
        "steady/autoscaling-owns-the-copies",
        SCALED,
        seen(
            2,
            live=package(2),
            component_=component(on=ct(2, SCALED), copies=4),
            scaling=scaling_in_place(COPY_SETUP),
        ),
        (),
        (VerdictKind.CONVERGED, Reason.DEPLOYED),
        registered_before=True,
    ),
    Case(
        "steady/autoscaling-registered-policies-first-alarm-next-tick",
        SCALED,
        seen(
            2,
            live=package(2),
            component_=component(on=ct(2, SCALED), copies=0),
            scaling=ObservedScaling(None),
        ),
        (RegisterScalableTarget, PutScalingPolicy, PutScalingPolicy),
        (VerdictKind.CONVERGED, Reason.DEPLOYED),
    ),
    Case(
        "steady/autoscaling-removed-is-deregistered-before-copies-are-set",
        IC,
        seen(
            2,
            live=package(2),
            component_=component(on=V2, copies=4),
            scaling=scaling_in_place(COPY_SETUP),
        ),
        (DeregisterScalableTarget, DeleteAlarms),
        (VerdictKind.CONVERGED, Reason.DEPLOYED),
        registered_before=True,
    ),
    Case(
        "steady/older-models-are-collected",
        IC,
        seen(
            3,
            live=package(3),
            component_=component(on=V3),
            models=OwnedArtifacts(
                frozenset(), frozenset({V1.model_name, V2.model_name, V3.model_name})
            ),
        ),
        (DeleteModel,),
        (VerdictKind.CONVERGED, Reason.DEPLOYED),
        history=(entry(V3), entry(V2), entry(V1)),
    ),
    # --- the registry allows nothing
    Case(
        "no-version/nothing-deployed",
        IC,
        PlacedObservation(NONE_APPROVED, shared_endpoint()),
        (),
        (VerdictKind.BLOCKED, Reason.NO_APPROVED_VERSION),
    ),
    Case(
        "no-version/pinned-still-validating",
        IC,
        PlacedObservation(
            NoVersionAllowed(Reason.PINNED_VERSION_NOT_READY, "in progress", transient=True),
            shared_endpoint(),
        ),
        (),
        (VerdictKind.PROGRESSING, Reason.PINNED_VERSION_NOT_READY),
    ),
]

ARTIFACT_CASES = [
    Case(
        "copy/first-deployment",
        MM,
        copied(2, None),
        (CopyArtifact,),
        (VerdictKind.PROGRESSING, Reason.REFRESHING_MODELS),
        trigger=Trigger.INITIAL_DEPLOYMENT,
    ),
    Case(
        "copy/again-after-it-vanished",
        MM,
        copied(2, None),
        (CopyArtifact,),
        (VerdictKind.PROGRESSING, Reason.REFRESHING_MODELS),
        history=(entry(A2),),
        trigger=Trigger.RECREATE,
    ),
    Case(
        "copy/new-approval-overwrites-our-artifact",
        MM,
        copied(3, our_artifact(A2), live=package(2), served=True),
        (CopyArtifact,),
        (VerdictKind.PROGRESSING, Reason.REFRESHING_MODELS),
        history=(entry(A2),),
        trigger=Trigger.NEW_APPROVAL,
    ),
    Case(
        "copy/rejection-copies-the-previous-version-back",
        MM,
        copied(2, our_artifact(A3), live=package(3, "Rejected"), served=True),
        (CopyArtifact,),
        (VerdictKind.PROGRESSING, Reason.REFRESHING_MODELS),
        history=(entry(A3), entry(A2)),
        trigger=Trigger.ROLLBACK,
    ),
    Case(
        "conflict/another-deployments-artifact",
        MM,
        copied(
            2,
            foreign_artifact(
                (ARTIFACT_OWNER, "ml-prod/fraud-old"),
                (ARTIFACT_OWNER_UID, "uid-old"),
                (ARTIFACT_PACKAGE, package(7).arn),
            ),
        ),
        (),
        (VerdictKind.BLOCKED, Reason.TARGET_MODEL_CONFLICT),
    ),
    Case(
        "conflict/an-object-nobody-claims",
        MM,
        copied(2, foreign_artifact()),
        (),
        (VerdictKind.BLOCKED, Reason.TARGET_MODEL_CONFLICT),
    ),
    Case(
        "wait/copied-but-not-loaded-yet",
        MM,
        copied(3, our_artifact(A3), live=package(3)),
        (),
        (VerdictKind.PROGRESSING, Reason.REFRESHING_MODELS),
        history=(entry(A3, Outcome.IN_PROGRESS, trigger=Trigger.NEW_APPROVAL), entry(A2)),
    ),
    Case(
        "steady/served",
        MM,
        copied(3, our_artifact(A3), live=package(3), served=True),
        (),
        (VerdictKind.CONVERGED, Reason.DEPLOYED),
        history=(entry(A3),),
    ),
    Case(
        "copy/failed-attempt-is-not-retried",
        MM,
        copied(3, our_artifact(A2), live=package(2), served=True),
        (),
        (VerdictKind.BLOCKED, Reason.SAGEMAKER_REJECTED),
        history=(entry(A3, Outcome.FAILED, "AccessDenied on CopyObject"), entry(A2)),
    ),
    Case(
        "copy/internal-error-is-retried",
        MM,
        copied(3, our_artifact(A2), live=package(2), served=True),
        (CopyArtifact,),
        (VerdictKind.PROGRESSING, Reason.REFRESHING_MODELS),
        history=(entry(A3, Outcome.FAILED, RETRYABLE), entry(A2)),
        trigger=Trigger.NEW_APPROVAL,
    ),
    Case(
        "copy/package-without-model-data-url",
        MM,
        PlacedObservation(selected(2), shared_endpoint()),
        (),
        (VerdictKind.BLOCKED, Reason.MODEL_ARTIFACT_NOT_FOUND),
    ),
    Case(
        "no-version/last-one-rejected-keeps-serving",
        MM,
        PlacedObservation(
            NONE_APPROVED, shared_endpoint(), package(2, "Rejected"), artifact=our_artifact(A2)
        ),
        (),
        (VerdictKind.BLOCKED, Reason.NO_APPROVED_VERSION),
    ),
]

DEPLOYING = (CreateInferenceComponent, UpdateInferenceComponent, CopyArtifact)


@pytest.mark.parametrize(
    "case", COMPONENT_CASES + ARTIFACT_CASES, ids=[c.id for c in COMPONENT_CASES + ARTIFACT_CASES]
)
def test_plan_placed(case: Case) -> None:
    plan = plan_placed(
        case.desired, case.observation, case.history, registered_before=case.registered_before
    )
    assert tuple(type(a) for a in plan.actions) == case.actions
    assert (plan.verdict.kind, plan.verdict.reason) == case.verdict
    starts = any(isinstance(a, DEPLOYING) for a in plan.actions)
    assert (plan.start is not None) == starts
    if case.trigger is not None:
        assert plan.start is not None
        assert plan.start.trigger == case.trigger
        assert plan.start.target == plan.target
    selection = case.observation.selection
    if isinstance(selection, VersionSelected) and plan.target is not None:
        assert plan.target.package == selection.package
        expected = ComponentTarget if case.desired.spec.inference_component else ArtifactTarget
        assert isinstance(plan.target, expected)


def _plan(case_id: str) -> Any:
    (case,) = [c for c in COMPONENT_CASES + ARTIFACT_CASES if c.id == case_id]
    return plan_placed(
        case.desired, case.observation, case.history, registered_before=case.registered_before
    )


def test_create_makes_the_model_then_the_component_on_the_shared_endpoint() -> None:
    plan = _plan("create/first-deployment")
    model, create = plan.actions
    assert isinstance(model, CreateModel)
    assert isinstance(create, CreateInferenceComponent)
    assert model.name == V2.model_name
    assert model.spec.package_arn == package(2).arn
    assert model.name.startswith(COMPONENT)
    ic_ = create.component
    assert (ic_.name, ic_.endpoint_name, ic_.variant_name) == (
        COMPONENT,
        IC_HOST.endpoint_name,
        "AllTraffic",
    )
    assert ic_.spec.model_name == model.name
    assert ic_.spec.compute.memory_mb == 2048
    assert ic_.copy_count == 2
    assert dict(create.tags)[OWNER_UID_TAG] == REF.uid
    assert model.tags == create.tags
    for name in (COMPONENT, IC_HOST.endpoint_name, "version 2"):
        assert name in plan.verdict.message


def test_an_update_rolls_the_new_model_through_the_copies_as_the_spec_says() -> None:
    rolling = {
        "maximumBatchSize": {"type": "COPY_COUNT", "value": 1},
        "waitIntervalSeconds": 60,
        "rollbackMaximumBatchSize": {"type": "CAPACITY_PERCENT", "value": 50},
        "alarms": ["fraud-5xx"],
    }
    desired = ic({"rollingUpdate": rolling})
    target = ct(3, desired)
    plan = plan_placed(
        desired,
        seen(3, live=package(2), component_=component(on=ct(2, desired))),
        (),
        registered_before=False,
    )
    model, update = plan.actions
    assert isinstance(model, CreateModel)
    assert isinstance(update, UpdateInferenceComponent)
    assert update.component == target.component
    assert update.component.spec.model_name == model.name == target.model_name
    rolling_update = update.component.rolling_update
    assert rolling_update is not None
    assert (rolling_update.maximum_batch_size.type, rolling_update.maximum_batch_size.value) == (
        "COPY_COUNT",
        1,
    )
    assert rolling_update.rollback_maximum_batch_size is not None
    assert rolling_update.rollback_maximum_batch_size.type == "CAPACITY_PERCENT"
    assert rolling_update.alarms == ("fraud-5xx",)
    assert "rolling update" in plan.verdict.message
    assert "version 2" in plan.verdict.message


def test_a_restored_copy_count_is_the_specs() -> None:
    plan = _plan("steady/hand-changed-copy-count-is-restored")
    assert plan.actions == (SetCopyCount(COMPONENT, 2),)


def test_collection_keeps_the_target_and_the_previous_success_only() -> None:
    assert _plan("steady/older-models-are-collected").actions == (DeleteModel(V1.model_name),)
    failed_between = plan_placed(
        IC,
        seen(
            3,
            live=package(3),
            component_=component(on=V3),
            models=OwnedArtifacts(
                frozenset(), frozenset({V1.model_name, V2.model_name, V3.model_name})
            ),
        ),
        (entry(V3), entry(V2, Outcome.FAILED, "boom"), entry(V1)),
        registered_before=False,
    )
    assert failed_between.actions == (DeleteModel(V2.model_name),)
    not_listed = plan_placed(
        IC,
        seen(3, live=package(3), component_=component(on=V3)),
        (entry(V3), entry(V1)),
        registered_before=False,
    )
    assert not_listed.actions == ()


def test_the_copy_is_stamped_with_the_package_and_the_owner() -> None:
    plan = _plan("copy/first-deployment")
    (copy,) = plan.actions
    assert isinstance(copy, CopyArtifact)
    assert copy.source == source(2)
    assert copy.destination == f"{PREFIX}{KEY}"
    metadata = dict(copy.metadata)
    assert metadata[ARTIFACT_OWNER_UID] == REF.uid
    assert metadata[ARTIFACT_OWNER] == str(REF)
    assert metadata[ARTIFACT_PACKAGE] == package(2).arn
    for name in (copy.destination, MM_HOST.name, MM_HOST.endpoint_name, "version 2"):
        assert name in plan.verdict.message


@pytest.mark.parametrize(
    ("case_id", "names"),
    [
        ("conflict/another-deployments-artifact", (f"{PREFIX}{KEY}", "ml-prod/fraud-old")),
        ("conflict/an-object-nobody-claims", (f"{PREFIX}{KEY}", "nobody claims it")),
        ("foreign/another-deployments-component", (COMPONENT, "ml-prod/fraud-old")),
        ("wait/copied-but-not-loaded-yet", (MM_HOST.name, MM_HOST.endpoint_name)),
        ("steady/served", (MM_HOST.endpoint_name, KEY, "version 3")),
        ("copy/failed-attempt-is-not-retried", (f"{PREFIX}{KEY}", "AccessDenied on CopyObject")),
        ("copy/package-without-model-data-url", (package(2).arn, MM_HOST.name)),
        ("update/failed-update-is-not-retried", (COMPONENT, "version 3", "version 2")),
        ("failed/same-revision-waits-for-a-change", (COMPONENT, "OOM")),
        ("create/waits-for-the-shared-endpoint-to-exist", (IC_HOST.endpoint_name, IC_HOST.name)),
        ("busy/updating-with-a-newer-version-waiting", (COMPONENT, "Updating")),
    ],
)
def test_messages_name_the_objects(case_id: str, names: tuple[str, ...]) -> None:
    message = _plan(case_id).verdict.message
    for name in names:
        assert name in message


def test_no_version_allowed_says_which_version_keeps_serving_where() -> None:
    message = _plan("no-version/last-one-rejected-keeps-serving").verdict.message
    assert "version 2 (Rejected) keeps serving" in message
    assert MM_HOST.name in message
    assert _plan("no-version/nothing-deployed").target is None


# --------------------------------------------------------------------------- triggers


@pytest.mark.parametrize(
    ("live", "version", "pinned", "history", "trigger"),
    [
        pytest.param(None, 2, False, (), Trigger.INITIAL_DEPLOYMENT, id="nothing-live"),
        pytest.param(
            None, 2, False, (entry(V1, Outcome.FAILED, "x"),), Trigger.INITIAL_DEPLOYMENT,
            id="nothing-ever-succeeded",
        ),
        pytest.param(None, 2, False, (entry(V1),), Trigger.RECREATE, id="vanished"),
        pytest.param(package(2), 3, False, (), Trigger.NEW_APPROVAL, id="newer"),
        pytest.param(package(3), 2, False, (), Trigger.ROLLBACK, id="older"),
        pytest.param(package(3), 1, True, (), Trigger.PINNED_VERSION, id="pinned-older"),
        pytest.param(package(1), 3, True, (), Trigger.PINNED_VERSION, id="pinned-newer"),
        pytest.param(package(2), 2, False, (), Trigger.SPEC_CHANGE, id="same-version"),
        pytest.param(
            package(9, group="other-group"), 2, False, (), Trigger.SPEC_CHANGE,
            id="another-group",
        ),
    ],
)  # fmt: skip
def test_placed_trigger(
    live: PackageVersion | None,
    version: int,
    pinned: bool,
    history: tuple[HistoryEntry, ...],
    trigger: Trigger,
) -> None:
    desired = ic(approval={"policy": "Pinned", "pinnedVersion": version}) if pinned else IC
    policy = desired.spec.approval.policy
    assert placed_trigger(policy, live, ct(version, desired), history) == trigger


# --------------------------------------------------------------------------- settling


@dataclass(frozen=True)
class SettleCase:
    id: str
    history: tuple[HistoryEntry, ...]
    observation: PlacedObservation
    outcome: Outcome | None  # None: left as it was
    message: str = ""  # what the settled entry's message says


IN_PROGRESS_V3 = entry(V3, Outcome.IN_PROGRESS, "why it started", Trigger.NEW_APPROVAL)
IN_PROGRESS_A3 = entry(A3, Outcome.IN_PROGRESS, "why it started", Trigger.NEW_APPROVAL)

SETTLE_CASES = [
    SettleCase("nothing-in-progress", (entry(V2),), seen(2), None),
    SettleCase(
        "component/still-updating",
        (IN_PROGRESS_V3,),
        seen(3, component_=component("Updating")),
        None,
    ),
    SettleCase(
        "component/in-service-on-the-new-model",
        (IN_PROGRESS_V3, entry(V2)),
        seen(3, component_=component(on=V3)),
        Outcome.SUCCEEDED,
        "why it started",
    ),
    SettleCase(
        "component/rolled-back-to-the-old-model",
        (IN_PROGRESS_V3, entry(V2)),
        seen(3, component_=component(on=V2)),
        Outcome.FAILED,
        V2.model_name,
    ),
    SettleCase(
        "component/rolled-back-with-a-reason",
        (IN_PROGRESS_V3,),
        seen(3, component_=component(on=V2, failure_reason="alarm fraud-5xx fired")),
        Outcome.FAILED,
        "alarm fraud-5xx fired",
    ),
    SettleCase(
        "component/failed",
        (IN_PROGRESS_V3,),
        seen(3, component_=component("Failed", failure_reason="OOM")),
        Outcome.FAILED,
        "OOM",
    ),
    SettleCase(
        "component/vanished",
        (IN_PROGRESS_V3,),
        seen(3),
        Outcome.FAILED,
        "disappeared",
    ),
    SettleCase("artifact/copied-not-loaded", (IN_PROGRESS_A3,), copied(3, our_artifact(A3)), None),
    SettleCase(
        "artifact/loaded",
        (IN_PROGRESS_A3, entry(A2)),
        copied(3, our_artifact(A3), served=True),
        Outcome.SUCCEEDED,
        "why it started",
    ),
    SettleCase(
        "artifact/loaded-but-another-version-is-there",
        (IN_PROGRESS_A3,),
        copied(3, our_artifact(A2), served=True),
        None,
    ),
    SettleCase(
        "artifact/vanished",
        (IN_PROGRESS_A3,),
        copied(3, None),
        Outcome.FAILED,
        "disappeared",
    ),
]


@pytest.mark.parametrize("case", SETTLE_CASES, ids=[c.id for c in SETTLE_CASES])
def test_settle_placed(case: SettleCase) -> None:
    settled = settle_placed(case.history, case.observation, T1)
    assert settled[1:] == case.history[1:]
    if case.outcome is None:
        assert settled == case.history
        return
    head = settled[0]
    assert head.outcome is case.outcome
    assert head.finished_at == T1
    assert head.message is not None
    assert case.message in head.message
    assert head.revision == case.history[0].revision
    assert head.trigger == case.history[0].trigger


# --------------------------------------------------------------------------- teardown


def scaling_with_alarms(*alarm_names: str) -> ObservedScaling:
    alarms = tuple(
        ObservedAlarm(Alarm(n, "p", "m", "AWS/SageMaker", (), "Sum", 60, 1, 1.0, "GE"), ())
        for n in alarm_names
    )
    return ObservedScaling(
        ScalableTarget(f"inference-component/{COMPONENT}", Dimension.COPY_COUNT, 0, 4),
        alarms=alarms,
    )


@dataclass(frozen=True)
class TeardownCase:
    id: str
    desired: PlacedDeployment
    component: ObservedComponent | None
    scaling: ObservedScaling | None
    models: OwnedArtifacts | None
    artifact: ObservedArtifact | None
    actions: tuple[Action, ...]
    finished: bool
    names: tuple[str, ...] = ()


TEARDOWN_CASES = [
    TeardownCase(
        "artifact/ours-is-deleted",
        MM,
        None,
        None,
        None,
        our_artifact(A2),
        (DeleteArtifact(f"{PREFIX}{KEY}"),),
        True,
        (f"{PREFIX}{KEY}", MM_HOST.name),
    ),
    TeardownCase(
        "artifact/someone-elses-is-left",
        MM,
        None,
        None,
        None,
        foreign_artifact((ARTIFACT_OWNER_UID, "uid-old")),
        (),
        True,
    ),
    TeardownCase("artifact/none", MM, None, None, None, None, (), True),
    TeardownCase(
        "component/scaling-then-alarms-then-component",
        SCALED,
        component(),
        scaling_with_alarms(f"{OWNED_PREFIX}{COMPONENT}-no-capacity", "their-own-alarm"),
        None,
        None,
        (
            DeregisterScalableTarget(f"inference-component/{COMPONENT}", Dimension.COPY_COUNT),
            DeleteAlarms((f"{OWNED_PREFIX}{COMPONENT}-no-capacity",)),
            DeleteInferenceComponent(COMPONENT),
        ),
        False,
        (COMPONENT,),
    ),
    TeardownCase(
        "component/without-scaling",
        IC,
        component(),
        ObservedScaling(None),
        None,
        None,
        (DeleteInferenceComponent(COMPONENT),),
        False,
    ),
    TeardownCase(
        "component/failed-is-deleted",
        IC,
        component("Failed"),
        None,
        None,
        None,
        (DeleteInferenceComponent(COMPONENT),),
        False,
    ),
    TeardownCase(
        "component/waits-while-updating", IC, component("Updating"), None, None, None, (), False,
        (COMPONENT, "Updating"),
    ),
    TeardownCase(
        "component/waits-while-deleting", IC, component("Deleting"), None, None, None, (), False,
        (COMPONENT, "Deleting"),
    ),
    TeardownCase("component/gone-lists-models", IC, None, None, None, None, (), False),
    TeardownCase(
        "component/gone-deletes-models",
        IC,
        None,
        None,
        OwnedArtifacts(frozenset(), frozenset({V3.model_name, V2.model_name})),
        None,
        tuple(DeleteModel(n) for n in sorted((V2.model_name, V3.model_name))),
        True,
        (str(REF),),
    ),
    TeardownCase(
        "component/someone-elses-is-not-deleted",
        IC,
        component(ownership=OTHER_OWNER),
        None,
        OwnedArtifacts(frozenset(), frozenset()),
        None,
        (),
        True,
    ),
]  # fmt: skip


@pytest.mark.parametrize("case", TEARDOWN_CASES, ids=[c.id for c in TEARDOWN_CASES])
def test_placed_teardown(case: TeardownCase) -> None:
    teardown = plan_placed_teardown(
        case.desired,
        component=case.component,
        scaling=case.scaling,
        models=case.models,
        artifact=case.artifact,
    )
    assert teardown.actions == case.actions
    assert teardown.finished_after_actions is case.finished
    for name in case.names:
        assert name in teardown.message


# --------------------------------------------------------------------------- copy scaling


def _scaling(**wanted: Any) -> ScalingSetup:
    return component_scaling(AutoscalingSpec.model_validate(wanted), COMPONENT)


def test_copies_track_invocations_per_copy() -> None:
    setup = _scaling(
        minCapacity=1,
        maxCapacity=6,
        targetInvocationsPerCopy=12.5,
        scaleInCooldownSeconds=600,
        scaleOutCooldownSeconds=30,
    )
    assert setup.resource_id == f"inference-component/{COMPONENT}"
    assert setup.dimension is Dimension.COPY_COUNT
    assert (setup.min_capacity, setup.max_capacity) == (1, 6)
    (policy,) = setup.policies
    assert isinstance(policy, TargetTracking)
    assert policy.predefined_metric == INVOCATIONS_PER_COPY_METRIC
    assert policy.target_value == 12.5
    assert (policy.scale_in_cooldown, policy.scale_out_cooldown) == (600, 30)
    assert policy.name.startswith(OWNED_PREFIX + COMPONENT)
    assert setup.alarms == ()
    assert setup.scheduled_actions == ()


def test_scaling_from_zero_copies_adds_a_step_when_invocations_find_no_capacity() -> None:
    setup = _scaling(minCapacity=0, maxCapacity=4, targetInvocationsPerCopy=5)
    tracking, wake = setup.policies
    assert isinstance(tracking, TargetTracking)
    assert isinstance(wake, StepScaling)
    assert wake.adjustment_type == "ChangeInCapacity"
    assert [(s.scaling_adjustment, s.lower_bound) for s in wake.steps] == [(1, 0.0)]
    (alarm,) = setup.alarms
    assert alarm.policy_name == wake.name
    assert alarm.metric_name == NO_CAPACITY_METRIC
    assert alarm.namespace == "AWS/SageMaker"
    assert alarm.dimensions == (("InferenceComponentName", COMPONENT),)
    assert alarm.threshold == 1.0
    assert alarm.comparison == "GreaterThanOrEqualToThreshold"
    for name in (tracking.name, wake.name, alarm.name):
        assert name.startswith(OWNED_PREFIX + COMPONENT)
    assert len({tracking.name, wake.name, alarm.name}) == 3


def test_placed_copy_scaling_is_the_components() -> None:
    assert wanted_scaling(IC) is None
    assert _scaling(**COPY_SCALING) == COPY_SETUP
