"""Every inference option, from spec to SageMaker objects and plans: serverless, async,
data capture and model settings are rendered into the Model and EndpointConfig; each option
scales on its own dimension and metric; and the changes SageMaker refuses on a live endpoint
are reported, never attempted."""

from __future__ import annotations

from typing import Any

import pytest

from model_deployment_operator.domain.actions import CreateEndpoint, UpdateEndpoint
from model_deployment_operator.domain.observed import DeployedConfig
from model_deployment_operator.domain.plan import Memory, Observation
from model_deployment_operator.domain.planner import plan_reconcile
from model_deployment_operator.domain.policy import VersionSelected
from model_deployment_operator.domain.reasons import Reason
from model_deployment_operator.domain.rendering.config import (
    AsyncInference,
    AsyncNotifications,
    DataCapture,
    InstanceHosting,
    ServerlessHosting,
)
from model_deployment_operator.domain.rendering.model import VpcSpec
from model_deployment_operator.domain.scaling.model import Dimension, StepScaling, TargetTracking
from model_deployment_operator.domain.verdict import VerdictKind
from support.domain_builders import desired, endpoint, package, target

SERVERLESS = {"instanceType": None, "initialInstanceCount": None, "serverless": {
    "memorySizeInMB": 2048, "maxConcurrency": 20, "provisionedConcurrency": 4}}  # fmt: skip
ASYNC = {
    "outputPath": "s3://bucket/results/",
    "failurePath": "s3://bucket/failures/",
    "maxConcurrentInvocationsPerInstance": 4,
    "notifications": {
        "successTopic": "arn:aws:sns:us-east-1:111122223333:done",
        "errorTopic": "arn:aws:sns:us-east-1:111122223333:failed",
        "includeInferenceResponseIn": ["SUCCESS_NOTIFICATION_TOPIC"],
    },
}


def test_serverless_renders_a_serverless_variant_without_instances() -> None:
    rendered = target(2, endpoint=SERVERLESS)
    assert rendered.config.variant.hosting == ServerlessHosting(2048, 20, 4)
    assert rendered.instance_type is None
    assert rendered.instance_count is None
    assert rendered.config_name != target(2).config_name


def test_async_data_capture_and_instance_settings_render_into_the_config() -> None:
    rendered = target(
        2,
        endpoint={
            "async": ASYNC,
            "dataCapture": {
                "samplingPercentage": 20,
                "destination": "s3://bucket/capture/",
                "captureModes": ["Input", "Output"],
            },
            "volumeSizeInGB": 64,
            "modelDataDownloadTimeoutSeconds": 900,
            "containerStartupHealthCheckTimeoutSeconds": 600,
            "kmsKeyId": "alias/endpoints",
        },
    )
    config = rendered.config
    assert config.async_inference == AsyncInference(
        "s3://bucket/results/",
        "s3://bucket/failures/",
        None,
        4,
        AsyncNotifications(
            "arn:aws:sns:us-east-1:111122223333:done",
            "arn:aws:sns:us-east-1:111122223333:failed",
            ("SUCCESS_NOTIFICATION_TOPIC",),
        ),
    )
    assert config.data_capture == DataCapture(20, "s3://bucket/capture/", ("Input", "Output"))
    assert config.variant.hosting == InstanceHosting("ml.m5.large", 1, 64, 900, 600)
    assert config.kms_key_id == "alias/endpoints"


def test_model_settings_render_into_the_model_and_its_name() -> None:
    rendered = target(
        2,
        model={
            "environment": {"SAGEMAKER_MODEL_SERVER_WORKERS": "2", "A_FLAG": "on"},
            "vpcConfig": {"securityGroupIds": ["sg-0a1b2c3d"], "subnets": ["subnet-0a1b2c3d"]},
            "enableNetworkIsolation": True,
        },
    )
    model = rendered.model
    assert model.environment == (("A_FLAG", "on"), ("SAGEMAKER_MODEL_SERVER_WORKERS", "2"))
    assert model.vpc == VpcSpec(("sg-0a1b2c3d",), ("subnet-0a1b2c3d",))
    assert model.network_isolation is True
    assert rendered.model_name != target(2).model_name


@pytest.mark.parametrize(
    ("spec", "dimension", "metric"),
    [
        (
            {"autoscaling": {"minCapacity": 1, "maxCapacity": 4,
                             "targetInvocationsPerInstance": 70}},
            Dimension.INSTANCE_COUNT,
            "SageMakerVariantInvocationsPerInstance",
        ),
        (
            {"endpoint": SERVERLESS, "autoscaling": {"minCapacity": 1, "maxCapacity": 10,
             "targetProvisionedConcurrencyUtilization": 0.7}},
            Dimension.PROVISIONED_CONCURRENCY,
            "SageMakerVariantProvisionedConcurrencyUtilization",
        ),
    ],
    ids=["instance", "serverless"],
)  # fmt: skip
def test_each_option_scales_on_its_own_dimension_and_metric(
    spec: dict[str, Any], dimension: Dimension, metric: str
) -> None:
    setup = desired(**spec).scaling
    assert setup is not None
    assert setup.dimension is dimension
    (policy,) = setup.policies
    assert isinstance(policy, TargetTracking)
    assert policy.predefined_metric == metric
    assert setup.alarms == ()


def test_async_scaled_to_zero_tracks_backlog_and_wakes_on_the_no_capacity_alarm() -> None:
    setup = desired(
        endpoint={"async": ASYNC},
        autoscaling={
            "minCapacity": 0,
            "maxCapacity": 4,
            "targetInvocationsPerInstance": None,
            "targetBacklogPerInstance": 5,
        },
    ).scaling
    assert setup is not None
    assert (setup.dimension, setup.min_capacity) == (Dimension.INSTANCE_COUNT, 0)
    backlog, wake = setup.policies
    assert isinstance(backlog, TargetTracking)
    assert backlog.customized_metric is not None
    assert backlog.customized_metric.metric_name == "ApproximateBacklogSizePerInstance"
    assert dict(backlog.customized_metric.dimensions) == {"EndpointName": "ml-prod-fraud-detector"}
    assert isinstance(wake, StepScaling)
    (alarm,) = setup.alarms
    assert alarm.metric_name == "HasBacklogWithoutCapacity"
    assert alarm.policy_name == wake.name


def test_async_with_a_floor_needs_no_wake_up_policy() -> None:
    setup = desired(
        endpoint={"async": ASYNC},
        autoscaling={"minCapacity": 1, "maxCapacity": 4, "targetBacklogPerInstance": 5},
    ).scaling
    assert setup is not None
    assert [type(p) for p in setup.policies] == [TargetTracking]
    assert setup.alarms == ()


def test_scheduled_actions_are_named_as_the_operators_own() -> None:
    setup = desired(
        autoscaling={
            "minCapacity": 1,
            "maxCapacity": 4,
            "targetInvocationsPerInstance": 70,
            "scheduledActions": [
                {"name": "weekday-peak", "schedule": "cron(0 8 ? * MON-FRI *)",
                 "timezone": "Europe/Paris", "minCapacity": 3, "maxCapacity": 8,
                 "startTime": "2026-12-01T09:00:00+01:00"},
            ],
        }
    ).scaling  # fmt: skip
    assert setup is not None
    (action,) = setup.scheduled_actions
    assert action.name == "mdo-weekday-peak"
    assert (action.min_capacity, action.max_capacity) == (3, 8)
    assert action.start_time == "2026-12-01T08:00:00Z"


def live_config_of(serverless: bool = False, asynchronous: bool = False) -> DeployedConfig:
    live = target(2)
    return DeployedConfig(
        name="live-config",
        model_name=live.model_name,
        variant_name="AllTraffic",
        instance_type=None if serverless else "ml.m5.large",
        initial_instance_count=None if serverless else 1,
        model_package_arn=package(2).arn,
        serverless=serverless,
        async_inference=asynchronous,
    )


def plan_change(live: DeployedConfig, **spec: Any) -> tuple[type[Any], ...] | Reason:
    observation = Observation(
        VersionSelected(package(3)), endpoint("InService", live.name), live, package(2)
    )
    plan = plan_reconcile(desired(**spec), observation, Memory())
    if plan.verdict.kind is VerdictKind.BLOCKED:
        assert plan.actions == ()
        assert "keeps serving version 2" in plan.verdict.message
        return plan.verdict.reason
    return tuple(type(a) for a in plan.actions)


@pytest.mark.parametrize(
    ("live", "spec", "allowed"),
    [
        pytest.param(
            live_config_of(), {"endpoint": SERVERLESS}, False, id="instance-to-serverless"
        ),
        pytest.param(live_config_of(serverless=True), {}, True, id="serverless-to-instance"),
        pytest.param(live_config_of(asynchronous=True), {}, False, id="remove-async"),
        pytest.param(live_config_of(), {"endpoint": {"async": ASYNC}}, False, id="add-async"),
        pytest.param(
            live_config_of(asynchronous=True), {"endpoint": {"async": ASYNC}}, True, id="async"
        ),
    ],
)
def test_changes_sagemaker_refuses_are_reported_not_attempted(
    live: DeployedConfig, spec: dict[str, Any], allowed: bool
) -> None:
    outcome = plan_change(live, **spec)
    if allowed:
        assert isinstance(outcome, tuple)
        assert UpdateEndpoint in outcome
    else:
        assert outcome is Reason.ENDPOINT_CHANGE_NOT_SUPPORTED


def test_a_new_serverless_endpoint_is_created_as_such() -> None:
    plan = plan_reconcile(
        desired(endpoint=SERVERLESS),
        Observation(VersionSelected(package(1)), endpoint=None),
        Memory(),
    )
    assert isinstance(plan.actions[-1], CreateEndpoint)
    assert plan.target is not None
    assert isinstance(plan.target.config.variant.hosting, ServerlessHosting)
