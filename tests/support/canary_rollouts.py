"""Canary rollouts of a dedicated endpoint under the emulator's deployment guardrails, for
end-to-end tests: the rollout spec, the CloudWatch alarm it watches, and tripping that alarm
while the canary bakes (docs/emulator.md, "Deployment guardrails")."""

from __future__ import annotations

from typing import Any, Literal

from support.e2e_stack import Stack, wait_for

ALARM = "fraud-5xx"


def canary(wait_seconds: int, **extra: Any) -> dict[str, Any]:
    """A canary of one instance of two, baked `wait_seconds`, rolled back by ALARM."""
    return {
        "strategy": "BlueGreen",
        "blueGreen": {
            "trafficShifting": "Canary",
            "stepSize": {"type": "INSTANCE_COUNT", "value": 1},
            "waitIntervalSeconds": wait_seconds,
        },
        "alarms": [ALARM],
        **extra,
    }


def put_alarm(stack: Stack, name: str = "fraud") -> None:
    """ALARM on the 5XX errors of the endpoint of ModelDeployment `name` (state OK until set)."""
    stack.cloudwatch.put_metric_alarm(
        AlarmName=ALARM,
        Namespace="AWS/SageMaker",
        MetricName="Invocation5XXErrors",
        Dimensions=[
            {"Name": "EndpointName", "Value": stack.endpoint_name(name)},
            {"Name": "VariantName", "Value": "AllTraffic"},
        ],
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )


def set_alarm(stack: Stack, state: Literal["OK", "ALARM"], reason: str) -> None:
    """As CloudWatch does when the metric crosses the threshold (or falls back)."""
    stack.cloudwatch.set_alarm_state(AlarmName=ALARM, StateValue=state, StateReason=reason)


def reconciling_message(
    stack: Stack, containing: str, timeout: float = 30, name: str = "fraud"
) -> str:
    def probe() -> str | None:
        condition = stack.conditions(name).get("Reconciling") or {}
        message = str(condition.get("message", ""))
        return message if containing in message else None

    return wait_for(probe, timeout=timeout, what=f"Reconciling message with {containing!r}")


def trip_the_alarm_during_the_canary(stack: Stack) -> None:
    put_alarm(stack)
    reconciling_message(stack, "Canary: 1 of 2 instances")
    set_alarm(stack, "ALARM", "5XX errors on the canary")
