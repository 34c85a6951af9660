"""Rollouts of a dedicated endpoint (spec.rollout), as tables: the spec rendered as
UpdateEndpoint's DeploymentConfig, the deployment in progress in words, and what a rollback
an alarm caused makes the planner do."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import botocore.session
import pytest
from botocore.validate import ParamValidator

from model_deployment_operator.domain.actions import (
    RejectModelPackage,
    UpdateEndpoint,
    describe_action,
)
from model_deployment_operator.domain.observed import ObservedEndpoint
from model_deployment_operator.domain.plan import Memory, Observation
from model_deployment_operator.domain.planner import plan_reconcile
from model_deployment_operator.domain.policy import VersionSelected as Selected
from model_deployment_operator.domain.reasons import Reason
from model_deployment_operator.domain.rendering.deployment_config import (
    BlueGreenPolicy,
    CapacityStep,
    DeploymentConfig,
    RollingPolicy,
    render_deployment_config,
)
from model_deployment_operator.domain.rollout.failure import alarm_named
from model_deployment_operator.domain.rollout.observed import (
    PendingDeployment,
    PendingVariant,
    VariantPhase,
)
from model_deployment_operator.domain.rollout.progress import (
    duration,
    rollout_progress,
    rollout_view,
    time_left,
)
from model_deployment_operator.domain.spec import parse_spec
from model_deployment_operator.domain.status import Outcome, RolloutView
from model_deployment_operator.domain.verdict import VerdictKind
from model_deployment_operator.sagemaker import deployments, requests
from support.domain_builders import (
    T0,
    desired,
    endpoint,
    history_entry,
    live_config,
    package,
    spec_dict,
    target,
)

SERVICE = botocore.session.get_session().get_service_model("sagemaker")
CANARY_SPEC = {
    "strategy": "BlueGreen",
    "blueGreen": {
        "trafficShifting": "Canary",
        "stepSize": {"type": "CAPACITY_PERCENT", "value": 25},
        "waitIntervalSeconds": 300,
        "terminationWaitSeconds": 60,
        "maximumExecutionTimeoutSeconds": 3600,
    },
    "alarms": ["fraud-5xx"],
}
CANARY = DeploymentConfig(
    blue_green=BlueGreenPolicy(
        "CANARY",
        300,
        CapacityStep("CAPACITY_PERCENT", 25),
        60,
        maximum_execution_timeout_seconds=3600,
    ),
    alarms=("fraud-5xx",),
)
LINEAR = DeploymentConfig(
    blue_green=BlueGreenPolicy("LINEAR", 30, CapacityStep("INSTANCE_COUNT", 1))
)
ROLLING = DeploymentConfig(
    rolling=RollingPolicy(
        CapacityStep("INSTANCE_COUNT", 2), 120, CapacityStep("CAPACITY_PERCENT", 100), 1800
    ),
    alarms=("fraud-5xx", "fraud-latency"),
)

# ---------------------------------------------------------------------------- rendering

RENDERED = [
    pytest.param(None, None, None, id="no-rollout-is-sagemakers-default"),
    pytest.param({"strategy": "AllAtOnce"}, None, None, id="all-at-once-sends-nothing"),
    pytest.param(
        {"strategy": "AllAtOnce", "alarms": ["fraud-5xx"]},
        DeploymentConfig(alarms=("fraud-5xx",)),
        {"AutoRollbackConfiguration": {"Alarms": [{"AlarmName": "fraud-5xx"}]}},
        id="all-at-once-with-alarms",
    ),
    pytest.param(
        {"strategy": "BlueGreen"},
        DeploymentConfig(blue_green=BlueGreenPolicy("ALL_AT_ONCE")),
        {
            "BlueGreenUpdatePolicy": {
                "TrafficRoutingConfiguration": {"Type": "ALL_AT_ONCE", "WaitIntervalInSeconds": 0}
            }
        },
        id="blue-green-without-block-is-all-at-once",
    ),
    pytest.param(
        CANARY_SPEC,
        CANARY,
        {
            "BlueGreenUpdatePolicy": {
                "TrafficRoutingConfiguration": {
                    "Type": "CANARY",
                    "WaitIntervalInSeconds": 300,
                    "CanarySize": {"Type": "CAPACITY_PERCENT", "Value": 25},
                },
                "TerminationWaitInSeconds": 60,
                "MaximumExecutionTimeoutInSeconds": 3600,
            },
            "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": "fraud-5xx"}]},
        },
        id="canary",
    ),
    pytest.param(
        {
            "strategy": "BlueGreen",
            "blueGreen": {
                "trafficShifting": "Linear",
                "stepSize": {"type": "INSTANCE_COUNT", "value": 1},
                "waitIntervalSeconds": 30,
            },
        },
        LINEAR,
        {
            "BlueGreenUpdatePolicy": {
                "TrafficRoutingConfiguration": {
                    "Type": "LINEAR",
                    "WaitIntervalInSeconds": 30,
                    "LinearStepSize": {"Type": "INSTANCE_COUNT", "Value": 1},
                }
            }
        },
        id="linear",
    ),
    pytest.param(
        {
            "strategy": "Rolling",
            "rolling": {
                "maximumBatchSize": {"type": "INSTANCE_COUNT", "value": 2},
                "waitIntervalSeconds": 120,
                "rollbackMaximumBatchSize": {"type": "CAPACITY_PERCENT", "value": 100},
                "maximumExecutionTimeoutSeconds": 1800,
            },
            "alarms": ["fraud-5xx", "fraud-latency"],
        },
        ROLLING,
        {
            "RollingUpdatePolicy": {
                "MaximumBatchSize": {"Type": "INSTANCE_COUNT", "Value": 2},
                "WaitIntervalInSeconds": 120,
                "RollbackMaximumBatchSize": {"Type": "CAPACITY_PERCENT", "Value": 100},
                "MaximumExecutionTimeoutInSeconds": 1800,
            },
            "AutoRollbackConfiguration": {
                "Alarms": [{"AlarmName": "fraud-5xx"}, {"AlarmName": "fraud-latency"}]
            },
        },
        id="rolling",
    ),
]


@pytest.mark.parametrize(("rollout", "config", "request_"), RENDERED)
def test_rollout_renders_as_deployment_config(
    rollout: dict[str, Any] | None,
    config: DeploymentConfig | None,
    request_: dict[str, Any] | None,
) -> None:
    spec = parse_spec(spec_dict(endpoint={"initialInstanceCount": 4}, rollout=rollout))
    rendered = render_deployment_config(spec.rollout)
    assert rendered == config
    if rendered is None:
        return
    assert requests.deployment_config(rendered) == request_
    update = requests.update_endpoint(UpdateEndpoint("ep", "cfg", True, rendered))
    shape = SERVICE.operation_model("UpdateEndpoint").input_shape
    assert shape is not None
    report = ParamValidator().validate(update, shape)
    assert not report.has_errors(), report.generate_report()
    # DescribeEndpoint's LastDeploymentConfig reads back as what was sent.
    assert deployments.last_deployment_config({"LastDeploymentConfig": request_}) == rendered


def test_without_a_rollout_update_endpoint_sends_no_deployment_config() -> None:
    update = requests.update_endpoint(UpdateEndpoint("ep", "cfg", apply_instance_count=False))
    assert "DeploymentConfig" not in update


def test_changing_only_the_rollout_deploys_nothing() -> None:
    """The rollout is not part of the endpoint config nor of its name."""
    before = target(2)
    after = target(2, rollout=CANARY_SPEC)
    assert (after.config_name, after.config) == (before.config_name, before.config)
    observation = Observation(
        Selected(package(2)), endpoint("InService", before.config_name), live_config(before)
    )
    plan = plan_reconcile(desired(rollout=CANARY_SPEC), observation, Memory())
    assert plan.actions == ()
    assert plan.verdict.reason is Reason.DEPLOYED


def test_the_update_carries_the_rollout() -> None:
    v1, v2 = target(1), target(2, rollout=CANARY_SPEC)
    observation = Observation(
        Selected(package(2)),
        endpoint("InService", v1.config_name),
        live_config(v1),
        package(1),
    )
    plan = plan_reconcile(desired(rollout=CANARY_SPEC), observation, Memory())
    (update,) = [a for a in plan.actions if isinstance(a, UpdateEndpoint)]
    assert (update.config_name, update.deployment_config) == (v2.config_name, CANARY)
    assert describe_action(update).endswith(
        f"(config {v2.config_name}; blue/green, canary of 25%, watching alarm fraud-5xx)"
    )


# ---------------------------------------------------------------------------- progress


def deploying(
    config: DeploymentConfig | None,
    phase: str,
    *,
    current: int,
    desired_count: int = 4,
    message: str | None = None,
    status: str = "Updating",
    since: int = 0,
) -> ObservedEndpoint:
    pending = PendingDeployment(
        "cfg-v2",
        T0,
        (
            PendingVariant(
                "AllTraffic",
                desired_count,
                current,
                (VariantPhase(phase, message, T0 + timedelta(seconds=since)),),
            ),
        ),
    )
    return replace(
        endpoint(status, "cfg-v1", instance_count=desired_count),
        pending_deployment=pending,
        last_deployment_config=config,
    )


NOW = T0 + timedelta(seconds=90)
PROGRESS = [
    pytest.param(
        deploying(CANARY, "Creating", current=0, message="Launching 4 instance(s)."),
        "Canary: Launching 4 instance(s).",
        id="canary-launching-the-new-fleet",
    ),
    pytest.param(
        deploying(CANARY, "Baking", current=1),
        "Canary: 1 of 4 instances of endpoint config cfg-v2 take traffic, baking, 4 min left",
        id="canary-baking",
    ),
    pytest.param(
        deploying(CANARY, "Baking", current=4, since=30),
        "Canary done, full capacity: 4 of 4 instances of endpoint config cfg-v2 take "
        "traffic, baking, ending",
        id="termination-wait-after-the-canary",
    ),
    pytest.param(
        deploying(LINEAR, "Baking", current=2),
        "Linear step 2 of 4: 2 of 4 instances of endpoint config cfg-v2 take traffic, "
        "baking, ending",
        id="linear-step-baking",
    ),
    pytest.param(
        deploying(
            LINEAR,
            "ActivatingTraffic",
            current=2,
            message="Activating traffic on capacity of 1 instance(s).",
        ),
        "Linear step 3 of 4: 2 of 4 instances of endpoint config cfg-v2 take traffic; "
        "Activating traffic on capacity of 1 instance(s).",
        id="linear-step-activating",
    ),
    pytest.param(
        deploying(ROLLING, "Creating", current=2, desired_count=6, message="Launching 2."),
        "Rolling batch 2 of 3: 2 of 6 instances of endpoint config cfg-v2 take traffic; "
        "Launching 2.",
        id="rolling-second-batch-launching",
    ),
    pytest.param(
        deploying(ROLLING, "Baking", current=2, desired_count=6, since=60),
        "Rolling batch 1 of 3: 2 of 6 instances of endpoint config cfg-v2 take traffic, "
        "baking, 2 min left",
        id="rolling-first-batch-baking",
    ),
    pytest.param(
        deploying(
            None,
            "Baking",
            current=1,
            message="Baking for 600 seconds (WaitIntervalInSeconds) with traffic enabled on "
            "canary capacity of 1 instance(s).",
        ),
        "All at once: 1 of 4 instances of endpoint config cfg-v2 take traffic, baking, 9 min left",
        id="bake-length-from-sagemakers-message-without-the-config",
    ),
    pytest.param(
        deploying(
            CANARY,
            "Deleting",
            current=0,
            status="RollingBack",
            message="Terminating 4 instance(s).",
        ),
        "Rolling back: endpoint ml-prod-fraud-detector returns from endpoint config cfg-v2 "
        "to cfg-v1: Terminating 4 instance(s).",
        id="rolling-back",
    ),
]


@pytest.mark.parametrize(("observed", "words"), PROGRESS)
def test_progress_in_words(observed: ObservedEndpoint, words: str) -> None:
    message = rollout_progress(observed, NOW)
    assert message is not None
    assert message.endswith(words)


def test_progress_names_the_strategy_and_shows_in_the_reconciling_condition() -> None:
    v2 = target(2, rollout=CANARY_SPEC)
    observed = replace(deploying(CANARY, "Baking", current=1), pending_config_name=v2.config_name)
    observation = Observation(Selected(package(2)), observed, observed_at=NOW)
    memory = Memory(history=(history_entry(v2, Outcome.IN_PROGRESS),))
    plan = plan_reconcile(desired(rollout=CANARY_SPEC), observation, memory)
    assert (plan.verdict.kind, plan.verdict.reason) == (
        VerdictKind.PROGRESSING,
        Reason.ENDPOINT_UPDATING,
    )
    assert plan.verdict.message == (
        "Endpoint ml-prod-fraud-detector is Updating to endpoint config cfg-v2 (blue/green, "
        "canary of 25%, watching alarm fraud-5xx). Canary: 1 of 4 instances of "
        "endpoint config cfg-v2 take traffic, baking, 4 min left"
    )
    assert plan.actions == ()


def test_rolling_back_is_in_progress_and_changes_nothing() -> None:
    observed = deploying(CANARY, "Deleting", current=0, status="RollingBack")
    plan = plan_reconcile(
        desired(rollout=CANARY_SPEC), Observation(Selected(package(2)), observed), Memory()
    )
    assert (plan.actions, plan.verdict.kind) == ((), VerdictKind.PROGRESSING)
    assert plan.verdict.message.startswith("Rolling back")


@pytest.mark.parametrize(
    ("seconds", "words"), [(0, "0s"), (59.2, "1m"), (250, "4m10s"), (3900, "1h5m"), (-5, "0s")]
)
def test_durations(seconds: float, words: str) -> None:
    assert duration(seconds) == words


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (-1, "ending"),
        (0, "ending"),
        (0.5, "under a minute left"),
        (59.9, "under a minute left"),
        (60, "1 min left"),
        (61, "2 min left"),
        (210, "4 min left"),
    ],
)
def test_bake_time_left_changes_once_a_minute(seconds: float, words: str) -> None:
    assert time_left(seconds) == words


# ---------------------------------------------------------------------------- failure

ALARM_REASON = (
    "CloudWatch alarm fraud-5xx went into ALARM during the deployment of endpoint "
    "configuration cfg-v2 (AutoRollbackConfiguration); the endpoint was rolled back to "
    "endpoint configuration cfg-v1."
)


@dataclass(frozen=True)
class Failure:
    rollout: dict[str, Any]
    reason: str
    verdict: Reason
    rejects: bool


FAILURES = [
    pytest.param(
        Failure(CANARY_SPEC, ALARM_REASON, Reason.ROLLOUT_ROLLED_BACK, False), id="report"
    ),
    pytest.param(
        Failure(
            {**CANARY_SPEC, "onFailedRollout": "RejectVersion"},
            ALARM_REASON,
            Reason.ROLLOUT_ROLLED_BACK,
            True,
        ),
        id="reject-version",
    ),
    pytest.param(
        Failure(
            {**CANARY_SPEC, "onFailedRollout": "RejectVersion"},
            "The deployment of endpoint configuration cfg-v2 did not complete within "
            "MaximumExecutionTimeoutInSeconds (3600 seconds)",
            Reason.UPDATE_FAILED,
            False,
        ),
        id="a-timeout-is-no-evidence-against-the-version",
    ),
]


@pytest.mark.parametrize("case", FAILURES)
def test_a_rolled_back_rollout_is_not_retried(case: Failure) -> None:
    v1, v2 = target(1), target(2, rollout=case.rollout)
    observed = endpoint("InService", v1.config_name, failure_reason=case.reason)
    observation = Observation(Selected(package(2)), observed, live_config(v1), package(1))
    memory = Memory(history=(history_entry(v2, Outcome.FAILED, case.reason),))
    plan = plan_reconcile(desired(rollout=case.rollout), observation, memory)
    assert (plan.verdict.kind, plan.verdict.reason) == (VerdictKind.BLOCKED, case.verdict)
    assert not any(isinstance(a, UpdateEndpoint) for a in plan.actions)
    rejections = [a for a in plan.actions if isinstance(a, RejectModelPackage)]
    if case.verdict is Reason.ROLLOUT_ROLLED_BACK:
        assert "alarm fraud-5xx" in plan.verdict.message
        assert "version 2" in plan.verdict.message
    if case.rejects:
        (rejection,) = rejections
        assert (rejection.arn, rejection.version) == (v2.package.arn, 2)
        assert rejection.description == (
            "Rejected by model-deployment-operator: the rollout of version 2 to endpoint "
            "ml-prod-fraud-detector (ModelDeployment ml-prod/fraud-detector) was rolled back "
            "by SageMaker because CloudWatch alarm fraud-5xx went into ALARM"
        )
        assert "marked Rejected" in plan.verdict.message
    else:
        assert rejections == []


def test_once_rejected_the_previous_version_serves_on() -> None:
    """With the rolled-back version Rejected, LatestApproved selects the one still live:
    nothing to deploy, nothing to reject again."""
    rollout = {**CANARY_SPEC, "onFailedRollout": "RejectVersion"}
    v1, v2 = target(1), target(2, rollout=rollout)
    observed = endpoint("InService", v1.config_name, failure_reason=ALARM_REASON)
    observation = Observation(Selected(package(1)), observed, live_config(v1), package(1))
    history = (history_entry(v2, Outcome.FAILED, ALARM_REASON), history_entry(v1))
    plan = plan_reconcile(desired(rollout=rollout), observation, Memory(history=history))
    assert plan.actions == ()
    assert plan.verdict.reason is Reason.DEPLOYED


@pytest.mark.parametrize(
    ("reason", "alarms", "named"),
    [
        (ALARM_REASON, ("fraud-latency", "fraud-5xx"), "fraud-5xx"),
        (
            "alarm fraud-5xx-critical went into ALARM",
            ("fraud-5xx", "fraud-5xx-critical"),
            "fraud-5xx-critical",
        ),
        ("Launching instances failed", ("fraud-5xx",), None),
        (None, ("fraud-5xx",), None),
    ],
)
def test_the_alarm_a_failure_reason_names(
    reason: str | None, alarms: tuple[str, ...], named: str | None
) -> None:
    assert alarm_named(reason, alarms) == named


def test_describe_endpoint_reads_the_deployment_in_progress() -> None:
    response = {
        "PendingDeploymentSummary": {
            "EndpointConfigName": "cfg-v2",
            "StartTime": T0,
            "ProductionVariants": [
                {
                    "VariantName": "AllTraffic",
                    "DesiredInstanceCount": 4,
                    "CurrentInstanceCount": 1,
                    "VariantStatus": [
                        {
                            "Status": "Baking",
                            "StatusMessage": "Baking for 300 seconds.",
                            "StartTime": T0,
                        }
                    ],
                }
            ],
        }
    }
    assert deployments.pending_deployment(response) == PendingDeployment(
        "cfg-v2",
        T0,
        (
            PendingVariant(
                "AllTraffic", 4, 1, (VariantPhase("Baking", "Baking for 300 seconds.", T0),)
            ),
        ),
    )
    assert deployments.pending_deployment({}) is None
    assert deployments.last_deployment_config({}) is None


def test_status_rollout_holds_what_does_not_change_while_the_step_lasts() -> None:
    view = rollout_view(deploying(CANARY, "Baking", current=1, since=10))
    assert view == RolloutView(
        endpoint_config_name="cfg-v2",
        from_endpoint_config_name="cfg-v1",
        strategy="blue/green, canary of 25%, watching alarm fraud-5xx",
        step="Canary",
        phase="Baking",
        instances_with_traffic=1,
        desired_instances=4,
        bake_ends_at=T0 + timedelta(seconds=310),
    )
    back = rollout_view(deploying(CANARY, "Deleting", current=0, status="RollingBack"))
    assert back is not None
    assert (back.rolling_back, back.step, back.bake_ends_at) == (True, None, None)
    assert rollout_view(endpoint("InService", "cfg-v1")) is None
