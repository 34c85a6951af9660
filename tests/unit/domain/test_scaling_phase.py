"""The scaling phase as a table: wanted setup + what exists -> the actions that converge
them, touching only what the operator made."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from model_deployment_operator.domain.actions import Action
from model_deployment_operator.domain.phases.scaling import plan_scaling
from model_deployment_operator.domain.scaling.actions import (
    DeleteAlarms,
    DeleteScalingPolicy,
    DeleteScheduledAction,
    DeregisterScalableTarget,
    PutMetricAlarm,
    PutScalingPolicy,
    PutScheduledAction,
    RegisterScalableTarget,
)
from model_deployment_operator.domain.scaling.model import (
    Alarm,
    CustomizedMetric,
    Dimension,
    ObservedAlarm,
    ObservedScaling,
    ScalableTarget,
    ScalingSetup,
    ScheduledAction,
    StepAdjustment,
    StepScaling,
    TargetTracking,
)

RID = "endpoint/e/variant/AllTraffic"
BACKLOG = TargetTracking(
    "mdo-e-AllTraffic-backlog",
    5.0,
    customized_metric=CustomizedMetric(
        "ApproximateBacklogSizePerInstance", "AWS/SageMaker", "Average", (("EndpointName", "e"),)
    ),
)
WAKE = StepScaling(
    "mdo-e-AllTraffic-wake-from-zero", "ChangeInCapacity", (StepAdjustment(1, 0.0),), 60
)
ALARM = Alarm(
    "mdo-e-AllTraffic-has-backlog-without-capacity",
    WAKE.name,
    "HasBacklogWithoutCapacity",
    "AWS/SageMaker",
    (("EndpointName", "e"),),
    "Average",
    60,
    2,
    1.0,
    "GreaterThanOrEqualToThreshold",
)
PEAK = ScheduledAction("mdo-peak", "cron(0 8 ? * MON-FRI *)", 4, 10, "Europe/Paris")
WANTED = ScalingSetup(RID, Dimension.INSTANCE_COUNT, 0, 4, (BACKLOG, WAKE), (PEAK,), (ALARM,))
REGISTERED = ScalableTarget(RID, Dimension.INSTANCE_COUNT, 0, 4)


def arn(name: str) -> str:
    return f"arn:aws:autoscaling:us-east-1:1:scalingPolicy:x:resource/{name}"


CONVERGED = ObservedScaling(
    REGISTERED,
    ((BACKLOG, arn(BACKLOG.name)), (WAKE, arn(WAKE.name))),
    (PEAK,),
    (ObservedAlarm(ALARM, (arn(WAKE.name),)),),
)


@dataclass(frozen=True)
class Case:
    id: str
    wanted: ScalingSetup | None
    observed: ObservedScaling | None
    expected: tuple[Action, ...]
    registered_before: bool = False


CASES = [
    Case("not-read-this-tick", WANTED, None, ()),
    Case("converged", WANTED, CONVERGED, ()),
    Case(
        "nothing-yet: target and policies; the alarm waits for its policy's ARN",
        WANTED,
        ObservedScaling(None),
        (
            RegisterScalableTarget(RID, Dimension.INSTANCE_COUNT, 0, 4),
            PutScalingPolicy(RID, Dimension.INSTANCE_COUNT, BACKLOG),
            PutScalingPolicy(RID, Dimension.INSTANCE_COUNT, WAKE),
            PutScheduledAction(RID, Dimension.INSTANCE_COUNT, PEAK),
        ),
    ),
    Case(
        "policies-exist: the alarm now acts on the step policy",
        WANTED,
        ObservedScaling(
            REGISTERED, ((BACKLOG, arn(BACKLOG.name)), (WAKE, arn(WAKE.name))), (PEAK,)
        ),
        (PutMetricAlarm(ALARM, arn(WAKE.name)),),
    ),
    Case(
        "alarm acting on an old policy ARN is put again",
        WANTED,
        ObservedScaling(
            REGISTERED,
            CONVERGED.policies,
            (PEAK,),
            (ObservedAlarm(ALARM, ("arn:old",)),),
        ),
        (PutMetricAlarm(ALARM, arn(WAKE.name)),),
    ),
    Case(
        "range, policy and schedule changed",
        ScalingSetup(
            RID,
            Dimension.INSTANCE_COUNT,
            1,
            8,
            (BACKLOG,),
            (ScheduledAction("mdo-peak", "cron(0 9 ? * MON-FRI *)", 4, 10, "Europe/Paris"),),
        ),
        CONVERGED,
        (
            RegisterScalableTarget(RID, Dimension.INSTANCE_COUNT, 1, 8),
            DeleteScalingPolicy(RID, Dimension.INSTANCE_COUNT, WAKE.name),
            PutScheduledAction(
                RID,
                Dimension.INSTANCE_COUNT,
                ScheduledAction("mdo-peak", "cron(0 9 ? * MON-FRI *)", 4, 10, "Europe/Paris"),
            ),
            DeleteAlarms((ALARM.name,)),
        ),
    ),
    Case(
        "someone else's policy and schedule on the target are left alone",
        ScalingSetup(RID, Dimension.INSTANCE_COUNT, 0, 4, (BACKLOG,)),
        ObservedScaling(
            REGISTERED,
            ((BACKLOG, arn(BACKLOG.name)), (TargetTracking("theirs", 1.0), arn("theirs"))),
            (ScheduledAction("their-schedule", "rate(1 day)", 1, 1),),
        ),
        (),
    ),
    Case(
        "a scheduled action of ours no longer wanted is deleted",
        ScalingSetup(RID, Dimension.INSTANCE_COUNT, 0, 4, (BACKLOG,)),
        ObservedScaling(REGISTERED, ((BACKLOG, arn(BACKLOG.name)),), (PEAK,)),
        (DeleteScheduledAction(RID, Dimension.INSTANCE_COUNT, PEAK.name),),
    ),
    Case(
        "a target of another dimension is registered anew",
        ScalingSetup(RID, Dimension.PROVISIONED_CONCURRENCY, 1, 5, ()),
        ObservedScaling(REGISTERED),
        (RegisterScalableTarget(RID, Dimension.PROVISIONED_CONCURRENCY, 1, 5),),
    ),
    Case(
        "removed from the spec: deregister ours and delete our alarms",
        None,
        CONVERGED,
        (
            DeregisterScalableTarget(RID, Dimension.INSTANCE_COUNT),
            DeleteAlarms((ALARM.name,)),
        ),
    ),
    Case(
        "removed from the spec: a target without our policies is not ours",
        None,
        ObservedScaling(REGISTERED, ((TargetTracking("theirs", 1.0), arn("theirs")),)),
        (),
    ),
    Case(
        "removed from the spec: the status remembers registering it",
        None,
        ObservedScaling(REGISTERED),
        (DeregisterScalableTarget(RID, Dimension.INSTANCE_COUNT),),
        registered_before=True,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_scaling_phase(case: Case) -> None:
    actions = plan_scaling(case.wanted, case.observed, registered_before=case.registered_before)
    assert actions == case.expected
