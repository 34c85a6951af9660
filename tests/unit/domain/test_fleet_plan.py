"""ModelEndpoint (fleet) tables: desired + observed -> actions + verdict, its teardown, the
names its targets get, the hosted lines it reports, and its status and Events."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import pytest

from model_deployment_operator.domain.actions import (
    Action,
    CreateEndpoint,
    CreateEndpointConfig,
    DeleteEndpoint,
    DeleteEndpointConfig,
    DeleteModel,
    UpdateEndpoint,
)
from model_deployment_operator.domain.api_group import MODEL_ENDPOINT
from model_deployment_operator.domain.events import EventType
from model_deployment_operator.domain.fleet.actions import (
    CreateMultiModelModel,
    DeleteArtifact,
    PutRefreshRecord,
)
from model_deployment_operator.domain.fleet.desired import (
    REFRESH_RECORDS,
    REFRESH_SETTLE_SECONDS,
    Artifact,
    DesiredFleet,
    refresh_token,
)
from model_deployment_operator.domain.fleet.hosted import hosted_view
from model_deployment_operator.domain.fleet.plan import (
    FleetObservation,
    FleetPlan,
    plan_fleet,
    plan_fleet_teardown,
    refresh_record_uri,
)
from model_deployment_operator.domain.fleet.status import fleet_events, fleet_status
from model_deployment_operator.domain.model_endpoint_status import (
    HostedView,
    ModelEndpointStatus,
    RefreshView,
)
from model_deployment_operator.domain.naming import (
    OWNER_KIND_TAG,
    OWNER_UID_TAG,
    DeploymentRef,
    owned_name_pattern,
)
from model_deployment_operator.domain.observed import (
    ObservedEndpoint,
    ObservedVariant,
    OwnedArtifacts,
)
from model_deployment_operator.domain.ownership import Claim, OwnerPresence, Ownership
from model_deployment_operator.domain.reasons import Reason
from model_deployment_operator.domain.spec import DeletionPolicy, parse_model_endpoint_spec
from model_deployment_operator.domain.status import ConditionStatus, ConditionType
from model_deployment_operator.domain.verdict import VerdictKind

REF = DeploymentRef("ml-prod", "risk", "uid-risk", kind=MODEL_ENDPOINT)
OURS = Ownership(Claim.OURS, REF)
NAME = "ml-prod-risk"
ROLE = "arn:aws:iam::111122223333:role/SageMakerExecution"
PREFIX = "s3://models/risk/"
IMAGE = "763104351884.dkr.ecr.us-east-1.amazonaws.com/mme:1"
T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
T1 = datetime(2026, 11, 1, 12, 5, tzinfo=UTC)

IC_SPEC: dict[str, Any] = {
    "executionRoleArn": ROLE,
    "mode": "InferenceComponents",
    "instanceType": "ml.g5.2xlarge",
    "initialInstanceCount": 1,
}
MM_SPEC: dict[str, Any] = {
    "executionRoleArn": ROLE,
    "mode": "MultiModel",
    "instanceType": "ml.m5.xlarge",
    "multiModel": {"artifactPrefix": PREFIX, "image": IMAGE},
}
MANAGED = {"minInstanceCount": 1, "maxInstanceCount": 4}


def fleet(base: dict[str, Any], ref: DeploymentRef = REF, **changes: Any) -> DesiredFleet:
    return DesiredFleet.build(
        ref,
        1,
        parse_model_endpoint_spec({**base, **changes}),
        default_region="us-east-1",
        default_deletion_policy=DeletionPolicy.DELETE,
    )


def endpoint(
    status: str = "InService",
    config: str = "",
    *,
    ownership: Ownership = OURS,
    failure_reason: str | None = None,
    instances: int = 2,
) -> ObservedEndpoint:
    return ObservedEndpoint(
        name=NAME,
        arn=f"arn:aws:sagemaker:us-east-1:111122223333:endpoint/{NAME}",
        status=status,
        config_name=config,
        ownership=ownership,
        failure_reason=failure_reason,
        variants=(ObservedVariant("AllTraffic", instances, instances),),
    )


def artifact(key: str, etag: str, age: float = 3600.0) -> Artifact:
    return Artifact(key=key, etag=etag, age_seconds=age)


def hosted(*names: str) -> tuple[HostedView, ...]:
    return tuple(HostedView(name=n) for n in names)


IC = fleet(IC_SPEC)
IC_CONFIG = IC.target().config_name
IC_BIGGER = fleet(IC_SPEC, instanceType="ml.g5.12xlarge")
IC_MANAGED = fleet(IC_SPEC, managedInstanceScaling=MANAGED)
MM = fleet(MM_SPEC)

FRAUD_V1 = artifact("fraud.tar.gz", "etag-fraud-1")
CHURN_V1 = artifact("churn.tar.gz", "etag-churn-1")
LOADED = (FRAUD_V1, CHURN_V1)
LOADED_CONFIG = MM.target(LOADED).config_name


def fraud_v2_copied(seconds_ago: float) -> tuple[Artifact, ...]:
    """fraud's artifact replaced `seconds_ago`, churn's untouched."""
    return (artifact("fraud.tar.gz", "etag-fraud-2", seconds_ago), CHURN_V1)


OTHER = DeploymentRef("team-b", "risk", "uid-team-b", kind=MODEL_ENDPOINT)
LIVE_OTHER = Ownership(Claim.OTHER, OTHER, OwnerPresence.LIVE)


# --------------------------------------------------------------------------- the plan


@dataclass(frozen=True)
class Case:
    id: str
    desired: DesiredFleet
    observation: FleetObservation
    actions: tuple[type[Any], ...]
    verdict: tuple[VerdictKind, Reason]
    refreshing: bool = False


CASES = [
    # --- InferenceComponents mode
    Case(
        "ic/create",
        IC,
        FleetObservation(None),
        (CreateEndpointConfig, CreateEndpoint),
        (VerdictKind.PROGRESSING, Reason.ENDPOINT_CREATING),
    ),
    Case(
        "ic/someone-elses-endpoint-of-that-name",
        IC,
        FleetObservation(endpoint(config="theirs", ownership=Ownership(Claim.UNCLAIMED))),
        (),
        (VerdictKind.BLOCKED, Reason.ENDPOINT_NAME_CONFLICT),
    ),
    Case(
        "ic/another-model-endpoints-live-endpoint",
        IC,
        FleetObservation(endpoint(config="theirs", ownership=LIVE_OTHER)),
        (),
        (VerdictKind.BLOCKED, Reason.ENDPOINT_NAME_CONFLICT),
    ),
    Case(
        "ic/busy-creating",
        IC,
        FleetObservation(endpoint("Creating", IC_CONFIG)),
        (),
        (VerdictKind.PROGRESSING, Reason.ENDPOINT_CREATING),
    ),
    Case(
        "ic/busy-updating-spec-change-waits",
        IC_BIGGER,
        FleetObservation(endpoint("Updating", IC_CONFIG)),
        (),
        (VerdictKind.PROGRESSING, Reason.ENDPOINT_UPDATING),
    ),
    Case(
        "ic/busy-system-updating",
        IC_BIGGER,
        FleetObservation(endpoint("SystemUpdating", IC_CONFIG)),
        (),
        (VerdictKind.PROGRESSING, Reason.ENDPOINT_UPDATING),
    ),
    Case(
        "ic/busy-rolling-back",
        IC_BIGGER,
        FleetObservation(endpoint("RollingBack", IC_CONFIG)),
        (),
        (VerdictKind.PROGRESSING, Reason.ENDPOINT_UPDATING),
    ),
    Case(
        "ic/failed-on-the-target-waits-for-a-spec-change",
        IC,
        FleetObservation(endpoint("Failed", IC_CONFIG, failure_reason="capacity")),
        (),
        (VerdictKind.BLOCKED, Reason.ENDPOINT_FAILED),
    ),
    Case(
        "ic/failed-and-spec-changed-is-replaced",
        IC_BIGGER,
        FleetObservation(endpoint("Failed", IC_CONFIG, failure_reason="capacity")),
        (DeleteEndpoint,),
        (VerdictKind.PROGRESSING, Reason.REPLACING_FAILED_ENDPOINT),
    ),
    Case(
        "ic/update-rollback-failed-is-never-replaced",
        IC_BIGGER,
        FleetObservation(endpoint("UpdateRollbackFailed", IC_CONFIG)),
        (),
        (VerdictKind.BLOCKED, Reason.ENDPOINT_FAILED),
    ),
    Case(
        "ic/spec-change-updates-the-endpoint",
        IC_BIGGER,
        FleetObservation(endpoint("InService", IC_CONFIG)),
        (CreateEndpointConfig, UpdateEndpoint),
        (VerdictKind.PROGRESSING, Reason.ENDPOINT_UPDATING),
    ),
    Case(
        "ic/converged",
        IC,
        FleetObservation(endpoint("InService", IC_CONFIG), hosted=hosted("fraud", "churn")),
        (),
        (VerdictKind.CONVERGED, Reason.DEPLOYED),
    ),
    Case(
        "ic/converged-collects-leftovers",
        IC,
        FleetObservation(
            endpoint("InService", IC_CONFIG),
            owned=OwnedArtifacts(frozenset({IC_CONFIG, "old-config"}), frozenset({"old-model"})),
        ),
        (DeleteEndpointConfig, DeleteModel),
        (VerdictKind.CONVERGED, Reason.DEPLOYED),
    ),
    # --- MultiModel mode
    Case(
        "mm/create",
        MM,
        FleetObservation(None, LOADED),
        (CreateMultiModelModel, PutRefreshRecord, CreateEndpointConfig, CreateEndpoint),
        (VerdictKind.PROGRESSING, Reason.ENDPOINT_CREATING),
    ),
    Case(
        "mm/create-does-not-wait-for-fresh-artifacts",
        MM,
        FleetObservation(None, fraud_v2_copied(1)),
        (CreateMultiModelModel, PutRefreshRecord, CreateEndpointConfig, CreateEndpoint),
        (VerdictKind.PROGRESSING, Reason.ENDPOINT_CREATING),
    ),
    Case(
        "mm/converged-on-the-artifacts-it-loads",
        MM,
        FleetObservation(endpoint("InService", LOADED_CONFIG), LOADED, hosted("fraud", "churn")),
        (),
        (VerdictKind.CONVERGED, Reason.DEPLOYED),
    ),
    Case(
        "mm/artifact-changed-3s-ago-waits-for-others",
        MM,
        FleetObservation(endpoint("InService", LOADED_CONFIG), fraud_v2_copied(3)),
        (),
        (VerdictKind.PROGRESSING, Reason.ENDPOINT_UPDATING),
        refreshing=True,
    ),
    Case(
        "mm/one-settled-one-fresh-waits-for-the-newest",
        MM,
        FleetObservation(
            endpoint("InService", LOADED_CONFIG),
            (artifact("fraud.tar.gz", "etag-fraud-2", 60), artifact("churn.tar.gz", "e-2", 2)),
        ),
        (),
        (VerdictKind.PROGRESSING, Reason.ENDPOINT_UPDATING),
        refreshing=True,
    ),
    Case(
        "mm/artifact-changed-20s-ago-refreshes",
        MM,
        FleetObservation(endpoint("InService", LOADED_CONFIG), fraud_v2_copied(20)),
        (CreateMultiModelModel, PutRefreshRecord, CreateEndpointConfig, UpdateEndpoint),
        (VerdictKind.PROGRESSING, Reason.ENDPOINT_UPDATING),
        refreshing=True,
    ),
    Case(
        "mm/settled-exactly-at-the-settle-time-refreshes",
        MM,
        FleetObservation(
            endpoint("InService", LOADED_CONFIG), fraud_v2_copied(REFRESH_SETTLE_SECONDS)
        ),
        (CreateMultiModelModel, PutRefreshRecord, CreateEndpointConfig, UpdateEndpoint),
        (VerdictKind.PROGRESSING, Reason.ENDPOINT_UPDATING),
        refreshing=True,
    ),
    Case(
        "mm/an-artifact-deleted-refreshes-without-it",
        MM,
        FleetObservation(endpoint("InService", LOADED_CONFIG), (CHURN_V1,)),
        (CreateMultiModelModel, PutRefreshRecord, CreateEndpointConfig, UpdateEndpoint),
        (VerdictKind.PROGRESSING, Reason.ENDPOINT_UPDATING),
        refreshing=True,
    ),
    Case(
        "mm/never-refreshed-while-busy",
        MM,
        FleetObservation(endpoint("Updating", LOADED_CONFIG), fraud_v2_copied(600)),
        (),
        (VerdictKind.PROGRESSING, Reason.ENDPOINT_UPDATING),
    ),
    Case(
        "mm/spec-change-with-settled-artifacts-updates-at-once",
        fleet(MM_SPEC, instanceType="ml.c5.xlarge"),
        FleetObservation(endpoint("InService", LOADED_CONFIG), LOADED),
        (CreateMultiModelModel, PutRefreshRecord, CreateEndpointConfig, UpdateEndpoint),
        (VerdictKind.PROGRESSING, Reason.ENDPOINT_UPDATING),
        refreshing=True,
    ),
    Case(
        "mm/foreign-endpoint-is-not-refreshed",
        MM,
        FleetObservation(
            endpoint("InService", "theirs", ownership=Ownership(Claim.UNATTRIBUTED)),
            fraud_v2_copied(600),
        ),
        (),
        (VerdictKind.BLOCKED, Reason.ENDPOINT_NAME_CONFLICT),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_plan_fleet(case: Case) -> None:
    plan = plan_fleet(case.desired, case.observation)
    assert tuple(type(a) for a in plan.actions) == case.actions
    assert (plan.verdict.kind, plan.verdict.reason) == case.verdict
    assert plan.refreshing is case.refreshing
    assert plan.target == case.desired.target(case.observation.artifacts or ())
    assert NAME in plan.verdict.message


def _only(plan: FleetPlan, kind: type[Any]) -> Any:
    (found,) = [a for a in plan.actions if isinstance(a, kind)]
    return found


def test_create_points_the_endpoint_at_the_config_it_creates_with_the_owners_tags() -> None:
    plan = plan_fleet(IC, FleetObservation(None))
    config = _only(plan, CreateEndpointConfig)
    create = _only(plan, CreateEndpoint)
    assert create.name == NAME
    assert create.config_name == config.name == IC_CONFIG
    tags = dict(create.tags)
    assert tags[OWNER_UID_TAG] == REF.uid
    assert tags[OWNER_KIND_TAG] == MODEL_ENDPOINT
    assert config.tags == create.tags
    assert IC_CONFIG in plan.verdict.message


def test_a_refresh_records_what_it_loads_before_creating_the_config_it_moves_to() -> None:
    artifacts = fraud_v2_copied(20)
    plan = plan_fleet(MM, FleetObservation(endpoint("InService", LOADED_CONFIG), artifacts))
    model, record, config, update = plan.actions
    assert isinstance(model, CreateMultiModelModel)
    assert isinstance(record, PutRefreshRecord)
    assert isinstance(config, CreateEndpointConfig)
    assert isinstance(update, UpdateEndpoint)
    new_config = MM.target(artifacts).config_name
    assert new_config != LOADED_CONFIG
    assert update.name == NAME
    assert update.config_name == config.name == new_config
    assert config.spec.variant.model_name == model.name
    assert record.uri == f"{PREFIX}{REFRESH_RECORDS}{new_config}.json"
    assert record.targets == (("churn.tar.gz", "etag-churn-1"), ("fraud.tar.gz", "etag-fraud-2"))
    assert model.container.artifact_prefix == PREFIX
    assert model.container.image == IMAGE
    assert new_config in plan.verdict.message


def test_waiting_for_artifacts_to_settle_says_how_long_ago_they_changed() -> None:
    plan = plan_fleet(
        MM, FleetObservation(endpoint("InService", LOADED_CONFIG), fraud_v2_copied(3))
    )
    assert "3s ago" in plan.verdict.message
    assert f"{REFRESH_SETTLE_SECONDS:g}s" in plan.verdict.message


# rendering/config.py EndpointConfigSpec.hash_parts json-dumps the ManagedScaling dataclass:
# any ModelEndpoint with spec.managedInstanceScaling cannot be named (TypeError).
@pytest.mark.parametrize(
    ("desired", "current", "applies_count"),
    [
        pytest.param(IC_BIGGER, IC, True, id="spec-sizes-the-instances"),
        pytest.param(
            fleet(IC_SPEC, managedInstanceScaling=MANAGED, instanceType="ml.g5.12xlarge"),
            IC_MANAGED,
            False,
            id="managed-scaling-owns-the-count",
        ),
        pytest.param(MM, MM, True, id="multi-model"),
    ],
)
def test_update_applies_the_instance_count_only_when_no_managed_scaling_owns_it(
    desired: DesiredFleet, current: DesiredFleet, applies_count: bool
) -> None:
    live = current.target(LOADED).config_name
    plan = plan_fleet(desired, FleetObservation(endpoint("InService", live), fraud_v2_copied(60)))
    update = _only(plan, UpdateEndpoint)
    assert update.apply_instance_count is applies_count


def test_collection_deletes_refresh_records_before_their_configs_and_keeps_the_current() -> None:
    current = MM.target(LOADED)
    plan = plan_fleet(
        MM,
        FleetObservation(
            endpoint("InService", LOADED_CONFIG),
            LOADED,
            owned=OwnedArtifacts(
                config_names=frozenset(
                    {LOADED_CONFIG, "ml-prod-risk-v0-bbbb", "ml-prod-risk-v0-aaaa"}
                ),
                model_names=frozenset({current.model_name or "", "ml-prod-risk-v0-cccc"}),
            ),
        ),
    )
    assert plan.actions == (
        DeleteArtifact(refresh_record_uri(PREFIX, "ml-prod-risk-v0-aaaa")),
        DeleteArtifact(refresh_record_uri(PREFIX, "ml-prod-risk-v0-bbbb")),
        DeleteEndpointConfig("ml-prod-risk-v0-aaaa"),
        DeleteEndpointConfig("ml-prod-risk-v0-bbbb"),
        DeleteModel("ml-prod-risk-v0-cccc"),
    )
    assert plan.verdict.kind is VerdictKind.CONVERGED


def test_the_converged_message_counts_the_hosted_deployments() -> None:
    plan = plan_fleet(
        IC, FleetObservation(endpoint("InService", IC_CONFIG), hosted=hosted("a", "b", "c"))
    )
    assert "3 ModelDeployments" in plan.verdict.message


def test_a_conflict_names_the_other_owner() -> None:
    plan = plan_fleet(IC, FleetObservation(endpoint(config="theirs", ownership=LIVE_OTHER)))
    assert str(OTHER) in plan.verdict.message
    assert "spec.endpointName" in plan.verdict.message


def test_a_failed_endpoint_reports_sagemakers_reason() -> None:
    plan = plan_fleet(IC, FleetObservation(endpoint("Failed", IC_CONFIG, failure_reason="boom")))
    assert "boom" in plan.verdict.message


def test_an_endpoint_deleted_out_of_band_is_left_alone() -> None:
    plan = plan_fleet(IC, FleetObservation(endpoint("Deleting", IC_CONFIG)))
    assert plan.actions == ()
    assert plan.verdict.kind is VerdictKind.PROGRESSING


# --------------------------------------------------------------------------- names


def test_names_are_deterministic_and_match_the_endpoints_collection_pattern() -> None:
    again = fleet(IC_SPEC)
    assert again.target() == IC.target()
    pattern = owned_name_pattern(NAME)
    mm = MM.target(LOADED)
    for name in (IC_CONFIG, mm.config_name, mm.model_name or ""):
        assert pattern.match(name), name
        assert "-v0-" in name


def test_multi_model_config_names_follow_the_artifacts_not_their_order_or_age() -> None:
    loaded = MM.target(LOADED)
    assert MM.target(tuple(reversed(LOADED))).config_name == loaded.config_name
    aged = tuple(replace(a, age_seconds=1.0) for a in LOADED)
    assert MM.target(aged).config_name == loaded.config_name
    changed = MM.target(fraud_v2_copied(60))
    assert changed.config_name != loaded.config_name
    # The shared container is the same: only the config (what the instances load) changes.
    assert changed.model_name == loaded.model_name
    assert changed.model == loaded.model
    added = MM.target((*LOADED, artifact("credit.tar.gz", "etag-credit-1")))
    assert added.config_name not in (loaded.config_name, changed.config_name)


def test_refresh_tokens_are_equal_for_equal_sets_only() -> None:
    assert refresh_token(LOADED) == refresh_token(tuple(reversed(LOADED)))
    assert refresh_token(LOADED) != refresh_token(fraud_v2_copied(3600))
    assert refresh_token(LOADED) != refresh_token(LOADED[:1])
    assert refresh_token(()) == refresh_token(())


def test_inference_component_configs_ignore_artifacts_and_carry_the_role() -> None:
    target = IC.target()
    assert IC.target(LOADED) == target
    assert target.model is None
    assert target.model_name is None
    assert target.config.variant.model_name is None
    assert target.config.execution_role_arn == ROLE
    assert target.config.refresh_token is None


def test_multi_model_configs_run_the_shared_container_and_carry_a_refresh_token() -> None:
    target = MM.target(LOADED)
    assert target.model is not None
    assert target.config.variant.model_name == target.model_name
    assert target.config.refresh_token == refresh_token(LOADED)
    assert target.model.execution_role_arn == ROLE
    assert target.model.cache_enabled is True
    no_cache = fleet(
        MM_SPEC,
        multiModel={"artifactPrefix": PREFIX, "image": IMAGE, "modelCacheSetting": "Disabled"},
    ).target(LOADED)
    assert no_cache.model is not None
    assert no_cache.model.cache_enabled is False
    assert no_cache.model_name != target.model_name


@pytest.mark.parametrize(
    "changed",
    [
        pytest.param(fleet(IC_SPEC, instanceType="ml.g5.12xlarge"), id="instance-type"),
        pytest.param(fleet(IC_SPEC, initialInstanceCount=2), id="instance-count"),
        pytest.param(IC_MANAGED, id="managed-scaling"),
        pytest.param(
            fleet(IC_SPEC, executionRoleArn="arn:aws:iam::111122223333:role/Other"), id="role"
        ),
        pytest.param(fleet(IC_SPEC, variantName="Blue"), id="variant"),
        pytest.param(
            fleet(IC_SPEC, ref=DeploymentRef("ml-prod", "risk", "uid-2", MODEL_ENDPOINT)),
            id="another-object-of-the-same-name",
        ),
    ],
)
def test_any_change_to_the_config_renames_it(changed: DesiredFleet) -> None:
    assert changed.target().config_name != IC_CONFIG


def test_managed_scaling_is_rendered_into_the_variant() -> None:
    desired = fleet(
        IC_SPEC,
        managedInstanceScaling={
            **MANAGED,
            "scaleInPolicy": {"strategy": "IDLE_RELEASE", "maximumStepSize": 2},
        },
    )
    hosting = desired.target().config.variant.hosting
    scaling = getattr(hosting, "managed_scaling", None)
    assert scaling is not None
    assert (scaling.min_instances, scaling.max_instances) == (1, 4)
    assert scaling.scale_in_strategy == "IDLE_RELEASE"
    assert scaling.scale_in_max_step == 2


def test_a_named_endpoint_keeps_its_name() -> None:
    desired = fleet(IC_SPEC, endpointName="shared-gpu")
    assert desired.endpoint_name == "shared-gpu"
    assert owned_name_pattern("shared-gpu").match(desired.target().config_name)


# --------------------------------------------------------------------------- teardown

OWNED_LEFT = OwnedArtifacts(
    config_names=frozenset({"ml-prod-risk-v0-bbbb", "ml-prod-risk-v0-aaaa"}),
    model_names=frozenset({"ml-prod-risk-v0-cccc"}),
)


@dataclass(frozen=True)
class TeardownCase:
    id: str
    desired: DesiredFleet
    observation: FleetObservation
    actions: tuple[Action, ...]
    finished: bool
    names: tuple[str, ...]


TEARDOWN_CASES = [
    TeardownCase(
        "waits-while-deployments-are-placed-on-it",
        IC,
        FleetObservation(endpoint("InService", IC_CONFIG), hosted=hosted("fraud", "churn")),
        (),
        False,
        ("churn, fraud",),
    ),
    TeardownCase(
        "waits-while-hosted-even-when-failed",
        MM,
        FleetObservation(endpoint("Failed", LOADED_CONFIG), hosted=hosted("credit")),
        (),
        False,
        ("credit",),
    ),
    TeardownCase(
        "deletes-the-endpoint-first",
        IC,
        FleetObservation(endpoint("InService", IC_CONFIG), owned=OWNED_LEFT),
        (DeleteEndpoint(NAME),),
        False,
        (NAME,),
    ),
    TeardownCase(
        "deletes-a-failed-endpoint",
        IC,
        FleetObservation(endpoint("Failed", IC_CONFIG)),
        (DeleteEndpoint(NAME),),
        False,
        (NAME,),
    ),
    TeardownCase(
        "waits-while-the-endpoint-is-deleting",
        IC,
        FleetObservation(endpoint("Deleting", IC_CONFIG)),
        (),
        False,
        (NAME, "Deleting"),
    ),
    TeardownCase(
        "waits-while-the-endpoint-is-updating",
        IC,
        FleetObservation(endpoint("Updating", IC_CONFIG)),
        (),
        False,
        (NAME, "Updating"),
    ),
    TeardownCase(
        "endpoint-gone-lists-what-is-left",
        IC,
        FleetObservation(None),
        (),
        False,
        (),
    ),
    TeardownCase(
        "endpoint-gone-deletes-configs-then-models",
        IC,
        FleetObservation(None, owned=OWNED_LEFT),
        (
            DeleteEndpointConfig("ml-prod-risk-v0-aaaa"),
            DeleteEndpointConfig("ml-prod-risk-v0-bbbb"),
            DeleteModel("ml-prod-risk-v0-cccc"),
        ),
        True,
        (str(REF),),
    ),
    TeardownCase(
        "multi-model-deletes-refresh-records-first",
        MM,
        FleetObservation(None, owned=OWNED_LEFT),
        (
            DeleteArtifact(refresh_record_uri(PREFIX, "ml-prod-risk-v0-aaaa")),
            DeleteArtifact(refresh_record_uri(PREFIX, "ml-prod-risk-v0-bbbb")),
            DeleteEndpointConfig("ml-prod-risk-v0-aaaa"),
            DeleteEndpointConfig("ml-prod-risk-v0-bbbb"),
            DeleteModel("ml-prod-risk-v0-cccc"),
        ),
        True,
        (),
    ),
    TeardownCase(
        "someone-elses-endpoint-is-not-deleted",
        IC,
        FleetObservation(
            endpoint("InService", "theirs", ownership=LIVE_OTHER),
            owned=OwnedArtifacts(frozenset(), frozenset()),
        ),
        (),
        True,
        (),
    ),
]


@pytest.mark.parametrize("case", TEARDOWN_CASES, ids=[c.id for c in TEARDOWN_CASES])
def test_fleet_teardown(case: TeardownCase) -> None:
    teardown = plan_fleet_teardown(case.desired, case.observation)
    assert teardown.actions == case.actions
    assert teardown.finished_after_actions is case.finished
    for name in case.names:
        assert name in teardown.message


# --------------------------------------------------------------------------- hosted lines


@dataclass(frozen=True)
class HostedCase:
    id: str
    status: dict[str, Any] | None
    expected: HostedView


HOSTED_CASES = [
    HostedCase("not-reported-yet", None, HostedView(name="fraud")),
    HostedCase(
        "inference-component",
        {
            "modelPackage": {"arn": "arn:p/3", "version": 3},
            "placement": {
                "modelEndpoint": "risk",
                "mode": "InferenceComponents",
                "inferenceComponent": "ml-prod-fraud",
                "status": "InService",
                "desiredCopies": 2,
                "currentCopies": 1,
            },
        },
        HostedView(
            name="fraud",
            version=3,
            inference_component_name="ml-prod-fraud",
            copy_count=1,
            status="InService",
        ),
    ),
    HostedCase(
        "multi-model-served",
        {
            "modelPackage": {"arn": "arn:p/2", "version": 2},
            "placement": {
                "targetModel": "fraud.tar.gz",
                "artifact": f"{PREFIX}fraud.tar.gz",
                "served": True,
            },
        },
        HostedView(name="fraud", version=2, target_model="fraud.tar.gz", status="Served"),
    ),
    HostedCase(
        "multi-model-copied-not-loaded-yet",
        {"placement": {"targetModel": "fraud.tar.gz", "artifact": f"{PREFIX}fraud.tar.gz"}},
        HostedView(name="fraud", target_model="fraud.tar.gz", status="AwaitingRefresh"),
    ),
    HostedCase(
        "multi-model-nothing-copied-yet",
        {"placement": {"targetModel": "fraud.tar.gz", "served": False}},
        HostedView(name="fraud", target_model="fraud.tar.gz", status="Copying"),
    ),
    HostedCase(
        "unreadable-numbers-are-dropped",
        {
            "modelPackage": {"version": "3"},
            "placement": {"inferenceComponent": "c", "currentCopies": "two"},
        },
        HostedView(name="fraud", inference_component_name="c"),
    ),
]


@pytest.mark.parametrize("case", HOSTED_CASES, ids=[c.id for c in HOSTED_CASES])
def test_hosted_view(case: HostedCase) -> None:
    deployment: dict[str, Any] = {"metadata": {"name": "fraud", "namespace": "ml-prod"}}
    if case.status is not None:
        deployment["status"] = case.status
    assert hosted_view(deployment) == case.expected


# --------------------------------------------------------------------------- status, events


def _status(
    desired: DesiredFleet,
    observation: FleetObservation,
    succeeded: tuple[Action, ...] = (),
    previous: ModelEndpointStatus | None = None,
    now: datetime = T1,
) -> tuple[FleetPlan, ModelEndpointStatus]:
    plan = plan_fleet(desired, observation)
    status = fleet_status(
        generation=3,
        observation=observation,
        plan=plan,
        verdict=plan.verdict,
        succeeded=succeeded,
        previous=previous,
        now=now,
    )
    return plan, status


def test_status_shows_the_endpoint_being_created() -> None:
    plan, status = _status(IC, FleetObservation(None), succeeded=())
    assert status.endpoint is None
    _, created = _status(IC, FleetObservation(None), succeeded=plan.actions)
    assert created.endpoint is not None
    assert (created.endpoint.name, created.endpoint.status) == (NAME, "Creating")
    assert created.endpoint.endpoint_config_name == IC_CONFIG
    assert created.observed_generation == 3
    ready = created.condition(ConditionType.READY)
    assert ready is not None
    assert ready.status is ConditionStatus.FALSE
    assert ready.reason == Reason.ENDPOINT_CREATING


def test_status_reports_the_endpoint_and_what_it_hosts() -> None:
    hosting = hosted("fraud", "churn")
    _, status = _status(
        IC, FleetObservation(endpoint("InService", IC_CONFIG, instances=3), hosted=hosting)
    )
    assert status.endpoint is not None
    assert status.endpoint.instance_count == 3
    assert status.endpoint.endpoint_config_name == IC_CONFIG
    assert status.hosted == hosting
    assert status.hosted_count == 2
    ready = status.condition(ConditionType.READY)
    assert ready is not None
    assert ready.status is ConditionStatus.TRUE


def test_a_refresh_that_started_is_recorded_with_its_config_and_targets() -> None:
    observation = FleetObservation(endpoint("InService", LOADED_CONFIG), fraud_v2_copied(20))
    plan, status = _status(MM, observation)
    assert plan.refreshing
    assert status.last_refresh is None  # nothing was called
    _, started = _status(MM, observation, succeeded=plan.actions)
    assert started.last_refresh == RefreshView(
        config_name=MM.target(fraud_v2_copied(20)).config_name,
        at=T1,
        targets=("churn.tar.gz", "fraud.tar.gz"),
    )
    assert started.endpoint is not None
    assert started.endpoint.status == "Updating"


def test_the_last_refresh_is_kept_while_waiting_and_when_the_update_failed() -> None:
    earlier = ModelEndpointStatus(last_refresh=RefreshView(config_name="c-1", at=T0))
    waiting = FleetObservation(endpoint("InService", LOADED_CONFIG), fraud_v2_copied(3))
    _, status = _status(MM, waiting, previous=earlier)
    assert status.last_refresh == earlier.last_refresh
    settled = FleetObservation(endpoint("InService", LOADED_CONFIG), fraud_v2_copied(20))
    plan, _ = _status(MM, settled)
    stopped_before_update = plan.actions[:-1]
    _, status = _status(MM, settled, succeeded=stopped_before_update, previous=earlier)
    assert status.last_refresh == earlier.last_refresh


def test_an_inference_components_spec_change_is_not_a_refresh() -> None:
    observation = FleetObservation(endpoint("InService", IC_CONFIG))
    plan, status = _status(IC_BIGGER, observation)
    _, status = _status(IC_BIGGER, observation, succeeded=plan.actions)
    assert status.last_refresh is None
    (event,) = fleet_events(None, status, plan.actions, plan.refreshing)
    assert event.reason == "UpdatingEndpoint"


@pytest.mark.parametrize(
    ("action", "refreshing", "reason"),
    [
        pytest.param(CreateEndpoint(NAME, "c-1", ()), False, "CreatingEndpoint", id="create"),
        pytest.param(UpdateEndpoint(NAME, "c-2", True), True, "RefreshingModels", id="refresh"),
        pytest.param(UpdateEndpoint(NAME, "c-2", True), False, "UpdatingEndpoint", id="update"),
        pytest.param(DeleteEndpoint(NAME), False, "DeletingEndpoint", id="delete"),
    ],
)
def test_events_for_what_was_done(action: Action, refreshing: bool, reason: str) -> None:
    (event,) = fleet_events(None, ModelEndpointStatus(), (action,), refreshing)
    assert event.type is EventType.NORMAL
    assert event.reason == reason
    assert NAME in event.message


def test_no_events_for_configs_models_and_records() -> None:
    plan = plan_fleet(MM, FleetObservation(None, LOADED))
    events = fleet_events(None, ModelEndpointStatus(), plan.actions[:-1], False)
    assert events == ()


def test_a_stall_is_announced_once_and_again_when_its_reason_changes() -> None:
    conflict = FleetObservation(endpoint(config="theirs", ownership=LIVE_OTHER))
    _, stalled = _status(IC, conflict)
    (warning,) = fleet_events(None, stalled, (), False)
    assert warning.type is EventType.WARNING
    assert warning.reason == Reason.ENDPOINT_NAME_CONFLICT
    _, still = _status(IC, conflict, previous=stalled)
    assert fleet_events(stalled, still, (), False) == ()
    _, failed = _status(IC, FleetObservation(endpoint("Failed", IC_CONFIG)), previous=still)
    (warning,) = fleet_events(still, failed, (), False)
    assert warning.reason == Reason.ENDPOINT_FAILED
