"""The operator re-checks the spec rules the CRD enforces, with the same messages.

The rejected and accepted specs are the ones tests/crd/test_admission.py applies to the API
server (tests/crd/spec_cases.py), so both sides are held to the same table.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from crd.spec_cases import ACCEPTED, REJECTED, Rejected, merged, on_copies, spec
from model_deployment_operator.domain.spec import (
    CapacitySizeType,
    CaptureMode,
    Hosting,
    InvalidSpecError,
    NotificationTopic,
    NotOnADedicatedEndpointError,
    Placement,
    parse_spec,
    rules,
)
from support.domain_builders import GROUP_ARN, spec_dict

SAMPLES = sorted((Path(__file__).resolve().parents[3] / "manifests" / "samples").glob("*.yaml"))


def test_defaults_match_the_crd() -> None:
    parsed = parse_spec(spec_dict())
    assert parsed.approval.policy == "LatestApproved"
    assert parsed.endpoint.variant_name == "AllTraffic"
    assert parsed.endpoint.initial_instance_count == 1
    assert parsed.deletion_policy is None
    assert parsed.group_name == "fraud-detector"
    assert parsed.model is None
    assert parsed.autoscaling is None
    assert parsed.placement is Placement.DEDICATED
    assert parsed.endpoint_ref is None


def test_group_arn_gives_the_bare_group_name() -> None:
    assert parse_spec(spec_dict(modelPackageGroupName=GROUP_ARN)).group_name == "fraud-detector"


def test_a_manifest_written_before_the_inference_options_means_what_it_meant() -> None:
    """v1alpha1 as it was: instanceType, the count defaulted by the CRD or omitted, and an
    autoscaling block with targetInvocationsPerInstance."""
    before = spec(
        endpoint={"variantName": "AllTraffic", "adoptExisting": False},
        autoscaling={
            "minCapacity": 1,
            "maxCapacity": 4,
            "targetInvocationsPerInstance": 70,
            "scaleInCooldownSeconds": 300,
            "scaleOutCooldownSeconds": 300,
        },
    )
    for count in ({}, {"initialInstanceCount": 1}):
        parsed = parse_spec(merged(before, {"endpoint": count}))
        assert parsed.endpoint.hosting is Hosting.REAL_TIME
        assert parsed.endpoint.instance_type == "ml.m5.large"
        assert parsed.endpoint.instance_count == 1
        assert parsed.endpoint.serverless is None
        assert parsed.endpoint.async_ is None
        assert parsed.endpoint.data_capture is None
        assert parsed.autoscaling is not None
        assert parsed.autoscaling.target_value == 70
        assert parsed.autoscaling.scheduled_actions == ()
        assert parsed.placement is Placement.DEDICATED
        assert parsed.endpoint is parsed.dedicated_endpoint
        assert (parsed.endpoint_ref, parsed.inference_component, parsed.multi_model) == (
            None,
            None,
            None,
        )


INVALID = [
    pytest.param(
        {"endpoint": {"instanceType": "m5.large"}}, "spec.endpoint.instanceType", id="instance-type"
    ),
    pytest.param({"endpoint": {"name": "bad_name"}}, "spec.endpoint.name", id="endpoint-name"),
    pytest.param({"surprise": 1}, "spec.surprise", id="unknown-field"),
    pytest.param(
        {"endpoint": {"instanceType": "ml.m5.large", "asyncInference": {}}},
        "spec.endpoint.asyncInference: Extra inputs are not permitted",
        id="unknown-endpoint-field",
    ),
]


@pytest.mark.parametrize(("overrides", "fragment"), INVALID)
def test_invalid_specs_are_explained(overrides: dict[str, Any], fragment: str) -> None:
    with pytest.raises(InvalidSpecError) as caught:
        parse_spec(spec_dict(**overrides))
    assert fragment in str(caught.value)


@pytest.mark.parametrize("case", REJECTED, ids=[case.id for case in REJECTED])
def test_the_models_reject_what_admission_rejects(case: Rejected) -> None:
    with pytest.raises(InvalidSpecError) as caught:
        parse_spec(case.spec)
    assert case.model_message in str(caught.value)


@pytest.mark.parametrize("raw", list(ACCEPTED.values()), ids=list(ACCEPTED))
def test_the_models_accept_what_admission_accepts(raw: dict[str, Any]) -> None:
    parse_spec(raw)


def test_every_rule_the_models_check_has_a_rejected_case() -> None:
    """The shared table covers each CEL rule the models can check (transition rules compare
    two versions of the object; only the admission tests can exercise them)."""
    covered = {case.message for case in REJECTED if isinstance(case.message, rules.Rule)}
    checkable = {rule for rule in rules.RULES if not rule.transition}
    assert checkable - covered == set()


def test_each_message_names_the_field_it_is_declared_on() -> None:
    """A rule on spec itself relates parts of the spec and names fields of those parts."""
    for rule in rules.RULES:
        if rule.at == "spec":
            parts = (
                "spec.",
                "endpoint.",
                "model.",
                "autoscaling",
                "endpointRef",
                "inferenceComponent",
                "multiModel",
                "rollout",
            )
            assert any(part in rule.message for part in parts), rule
        else:
            field = rule.at.removesuffix("[]").rsplit(".", 1)[-1]
            assert field.removesuffix("s") in rule.message, rule


def test_serverless_reads_as_serverless() -> None:
    parsed = parse_spec(ACCEPTED["serverless-provisioned-autoscaled"])
    endpoint = parsed.endpoint
    assert endpoint.hosting is Hosting.SERVERLESS
    assert endpoint.instance_type is None
    assert endpoint.instance_count is None
    assert endpoint.serverless is not None
    assert (endpoint.serverless.memory_size_in_mb, endpoint.serverless.max_concurrency) == (
        2048,
        20,
    )
    assert endpoint.serverless.provisioned_concurrency == 5
    assert parsed.autoscaling is not None
    assert parsed.autoscaling.target_provisioned_concurrency_utilization == 0.7
    assert parsed.autoscaling.target_value == 0.7


def test_async_reads_as_async_with_its_notifications_and_scale_to_zero() -> None:
    parsed = parse_spec(ACCEPTED["async-notifications-scale-to-zero"])
    endpoint = parsed.endpoint
    assert endpoint.hosting is Hosting.ASYNC
    assert endpoint.instance_count == 1
    assert endpoint.async_ is not None
    assert endpoint.async_.output_path == "s3://fraud-results/output/"
    assert endpoint.async_.max_concurrent_invocations_per_instance == 4
    notifications = endpoint.async_.notifications
    assert notifications is not None
    assert notifications.include_inference_response_in == (NotificationTopic.SUCCESS,)
    assert parsed.autoscaling is not None
    assert parsed.autoscaling.min_capacity == 0
    assert parsed.autoscaling.target_value == parsed.autoscaling.target_backlog_per_instance == 5
    assert [a.max_capacity for a in parsed.autoscaling.scheduled_actions] == [0, 4]


def test_data_capture_model_settings_and_scheduled_actions_are_read() -> None:
    capture = parse_spec(ACCEPTED["data-capture"]).endpoint.data_capture
    assert capture is not None
    assert capture.capture_modes == (CaptureMode.INPUT, CaptureMode.OUTPUT)
    assert capture.json_content_types == ("application/json", "application/jsonlines")
    model = parse_spec(ACCEPTED["model-settings"]).model
    assert model is not None
    assert model.environment == {"LOG_LEVEL": "info", "_THREADS": "4"}
    assert model.vpc_config is not None
    assert model.vpc_config.subnets == ("subnet-0a1b2c3d", "subnet-0123456789abcdef0")
    assert model.enable_network_isolation is True
    scaling = parse_spec(ACCEPTED["scheduled-actions"]).autoscaling
    assert scaling is not None
    peak = scaling.scheduled_actions[0]
    assert (peak.name, peak.timezone, peak.min_capacity, peak.max_capacity) == (
        "weekday-peak",
        "Europe/Paris",
        4,
        10,
    )
    assert peak.start_time is not None
    assert peak.start_time.utcoffset() is not None


def test_autoscaling_settings_stay_hashable() -> None:
    """The reconciler compares and keys on spec.autoscaling (what a verified setup was
    verified against), so it must stay hashable with scheduled actions in it."""
    scaling = parse_spec(ACCEPTED["scheduled-actions"]).autoscaling
    assert scaling is not None
    assert hash(scaling) == hash(parse_spec(ACCEPTED["scheduled-actions"]).autoscaling)


def test_every_problem_is_reported_at_once() -> None:
    """Like the API server, which evaluates every rule: fixing one problem should not
    reveal the next only on the following apply."""
    with pytest.raises(InvalidSpecError) as caught:
        parse_spec(
            spec(
                endpoint={"instanceType": "ml.t2.medium"},
                autoscaling={"minCapacity": 0, "maxCapacity": 2, "targetBacklogPerInstance": 3},
            )
        )
    for rule in (
        rules.NOT_BURSTABLE,
        rules.SCALE_TO_ZERO_NEEDS_ASYNC,
        rules.INVOCATIONS_TARGET_IFF_REAL_TIME,
        rules.BACKLOG_TARGET_IFF_ASYNC,
    ):
        assert rule.message in str(caught.value)


def sample_specs() -> list[dict[str, Any]]:
    """The spec of every ModelDeployment in manifests/samples/ (a file may hold several
    documents, ModelEndpoints among them: test_spec_model_endpoint.py reads those)."""
    return [
        document["spec"]
        for path in SAMPLES
        for document in yaml.safe_load_all(path.read_text())
        if document and document["kind"] == "ModelDeployment"
    ]


def test_the_samples_are_specs_the_models_accept_and_show_every_option() -> None:
    """tests/crd/test_samples.py has the API server admit them; here the operator reads
    them, and between them they show each hosting shape, each placement and each option."""
    specs = [parse_spec(raw) for raw in sample_specs()]
    dedicated = [parsed for parsed in specs if parsed.placement is Placement.DEDICATED]
    assert {parsed.endpoint.hosting for parsed in dedicated} == set(Hosting)
    assert {parsed.placement for parsed in specs} == set(Placement)
    shown = {
        "serverless autoscaling": any(
            parsed.autoscaling and parsed.endpoint.hosting is Hosting.SERVERLESS
            for parsed in dedicated
        ),
        "async notifications": any(
            parsed.endpoint.async_ and parsed.endpoint.async_.notifications for parsed in dedicated
        ),
        "scale to zero": any(
            parsed.autoscaling and parsed.autoscaling.min_capacity == 0 for parsed in specs
        ),
        "data capture": any(parsed.endpoint.data_capture for parsed in dedicated),
        "model settings": any(parsed.model and parsed.model.vpc_config for parsed in specs),
        "scheduled actions": any(
            parsed.autoscaling and parsed.autoscaling.scheduled_actions for parsed in specs
        ),
        "copies autoscaled": any(
            parsed.autoscaling and parsed.autoscaling.target_invocations_per_copy
            for parsed in specs
        ),
        "rolling update": any(
            parsed.inference_component and parsed.inference_component.rolling_update
            for parsed in specs
        ),
    }
    assert [option for option, present in shown.items() if not present] == []


def test_the_multi_model_sample_places_several_model_groups_on_one_endpoint() -> None:
    """The flow of seed 002: three model groups served by one multi-model endpoint, each
    under its own TargetModel."""
    placed = [
        parsed
        for parsed in map(parse_spec, sample_specs())
        if parsed.placement is Placement.MULTI_MODEL
    ]
    refs = {parsed.endpoint_ref.name for parsed in placed if parsed.endpoint_ref}
    assert len(refs) == 1
    assert len({parsed.group_name for parsed in placed}) >= 3
    targets = [parsed.multi_model.target_model for parsed in placed if parsed.multi_model]
    assert len(set(targets)) == len(targets) == len(placed)


# ---------------------------------------------------------------------------- placement


def test_an_inference_component_reads_as_one() -> None:
    parsed = parse_spec(ACCEPTED["inference-component-autoscaled-with-rolling-update"])
    assert parsed.placement is Placement.INFERENCE_COMPONENT
    assert parsed.endpoint_ref is not None
    assert parsed.endpoint_ref.name == "shared-gpu"
    component = parsed.inference_component
    assert component is not None
    assert (component.cpu_cores, component.memory_mb, component.max_memory_mb) == (1.5, 2048, 4096)
    assert (component.accelerator_devices, component.copy_count) == (1, 2)
    assert component.startup_timeout_seconds == 600
    rolling = component.rolling_update
    assert rolling is not None
    assert rolling.maximum_batch_size.type is CapacitySizeType.COPY_COUNT
    assert rolling.rollback_maximum_batch_size is not None
    assert rolling.rollback_maximum_batch_size.value == 100
    assert rolling.alarms == ("fraud-detector-5xx", "fraud-detector latency p99")
    assert parsed.autoscaling is not None
    assert parsed.autoscaling.min_capacity == 0
    assert parsed.autoscaling.target_value == parsed.autoscaling.target_invocations_per_copy == 10


def test_an_inference_component_defaults_to_one_copy() -> None:
    component = parse_spec(on_copies()).inference_component
    assert component is not None
    assert component.copy_count == 1
    assert component.rolling_update is None
    assert (component.cpu_cores, component.accelerator_devices) == (None, None)


def test_a_multi_model_target_reads_as_one() -> None:
    parsed = parse_spec(ACCEPTED["multi-model-target-in-a-folder"])
    assert parsed.placement is Placement.MULTI_MODEL
    assert parsed.multi_model is not None
    assert parsed.multi_model.target_model == "fraud/v2_model.tar.gz"
    assert (parsed.model, parsed.autoscaling, parsed.inference_component) == (None, None, None)


@pytest.mark.parametrize(
    "name", ["inference-component", "multi-model-target"], ids=["copies", "multi-model"]
)
def test_a_placed_deployment_has_no_endpoint_of_its_own(name: str) -> None:
    """Code written for dedicated endpoints reads spec.endpoint; for a deployment on a
    shared ModelEndpoint that is a clear InvalidSpecError naming the placement, not an
    AttributeError on None."""
    parsed = parse_spec(ACCEPTED[name])
    assert parsed.dedicated_endpoint is None
    with pytest.raises(NotOnADedicatedEndpointError, match=r"spec\.endpointRef") as caught:
        _ = parsed.endpoint
    assert isinstance(caught.value, InvalidSpecError)
    assert "shared-gpu" in str(caught.value)


def test_placement_problems_are_reported_at_once() -> None:
    with pytest.raises(InvalidSpecError) as caught:
        parse_spec(
            on_copies(
                multiModel={"targetModel": "fraud.tar.gz"},
                model={"environment": {"LOG_LEVEL": "info"}},
                autoscaling={"minCapacity": 0, "maxCapacity": 2, "targetInvocationsPerInstance": 5},
            )
        )
    for rule in (
        rules.REF_NEEDS_ONE_PLACEMENT,
        rules.MODEL_NOT_WITH_MULTI_MODEL,
        rules.INVOCATIONS_TARGET_IFF_REAL_TIME,
        rules.NO_AUTOSCALING_WITH_MULTI_MODEL,
    ):
        assert rule.message in str(caught.value)
