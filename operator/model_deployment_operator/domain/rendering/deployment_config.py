"""spec.rollout as UpdateEndpoint's DeploymentConfig, in data: the policy SageMaker's
deployment guardrails run (blue/green traffic shifting or rolling batches) and the alarms
that roll it back. None is SageMaker's default (all at once, no bake), today's behaviour.

Not part of the endpoint config nor of its name: a change to spec.rollout alone deploys
nothing and applies to the next UpdateEndpoint."""

from __future__ import annotations

from dataclasses import dataclass

from model_deployment_operator.domain.spec.rollout import (
    BlueGreenSpec,
    RollingSpec,
    RolloutSpec,
    RolloutStrategy,
    StepSizeSpec,
    TrafficShifting,
)

TRAFFIC_ROUTING_TYPES = {
    TrafficShifting.ALL_AT_ONCE: "ALL_AT_ONCE",
    TrafficShifting.CANARY: "CANARY",
    TrafficShifting.LINEAR: "LINEAR",
}


@dataclass(frozen=True)
class CapacityStep:
    """CapacitySize."""

    type: str  # INSTANCE_COUNT | CAPACITY_PERCENT
    value: int

    def describe(self) -> str:
        if self.type == "CAPACITY_PERCENT":
            return f"{self.value}%"
        return f"{self.value} instance" + ("s" if self.value != 1 else "")


@dataclass(frozen=True)
class BlueGreenPolicy:
    """BlueGreenUpdatePolicy with its TrafficRoutingConfiguration."""

    traffic_routing: str  # ALL_AT_ONCE | CANARY | LINEAR
    wait_interval_seconds: int = 0
    step: CapacityStep | None = None
    """CanarySize (CANARY) or LinearStepSize (LINEAR)."""
    termination_wait_seconds: int | None = None
    maximum_execution_timeout_seconds: int | None = None


@dataclass(frozen=True)
class RollingPolicy:
    """RollingUpdatePolicy."""

    maximum_batch_size: CapacityStep
    wait_interval_seconds: int
    rollback_maximum_batch_size: CapacityStep | None = None
    maximum_execution_timeout_seconds: int | None = None


@dataclass(frozen=True)
class DeploymentConfig:
    """At most one of blue_green and rolling; alarms are AutoRollbackConfiguration."""

    blue_green: BlueGreenPolicy | None = None
    rolling: RollingPolicy | None = None
    alarms: tuple[str, ...] = ()

    def describe(self) -> str:
        """A short phrase for messages: how the deployment moves traffic."""
        if self.rolling is not None:
            what = f"rolling in batches of {self.rolling.maximum_batch_size.describe()}"
        elif self.blue_green is not None and self.blue_green.step is not None:
            kind = "canary" if self.blue_green.traffic_routing == "CANARY" else "linear steps"
            what = f"blue/green, {kind} of {self.blue_green.step.describe()}"
        elif self.blue_green is not None:
            what = "blue/green, all at once"
        else:
            what = "all at once"
        if self.alarms:
            what += ", watching alarm" + ("s " if len(self.alarms) > 1 else " ")
            what += ", ".join(self.alarms)
        return what


def _step(size: StepSizeSpec | None) -> CapacityStep | None:
    return CapacityStep(str(size.type), size.value) if size is not None else None


def _blue_green(spec: BlueGreenSpec | None) -> BlueGreenPolicy:
    if spec is None:
        return BlueGreenPolicy("ALL_AT_ONCE")
    return BlueGreenPolicy(
        traffic_routing=TRAFFIC_ROUTING_TYPES[spec.traffic_shifting],
        wait_interval_seconds=spec.wait_interval_seconds or 0,
        step=_step(spec.step_size),
        termination_wait_seconds=spec.termination_wait_seconds,
        maximum_execution_timeout_seconds=spec.maximum_execution_timeout_seconds,
    )


def _rolling(spec: RollingSpec) -> RollingPolicy:
    return RollingPolicy(
        maximum_batch_size=CapacityStep(
            str(spec.maximum_batch_size.type), spec.maximum_batch_size.value
        ),
        wait_interval_seconds=spec.wait_interval_seconds,
        rollback_maximum_batch_size=_step(spec.rollback_maximum_batch_size),
        maximum_execution_timeout_seconds=spec.maximum_execution_timeout_seconds,
    )


def render_deployment_config(rollout: RolloutSpec | None) -> DeploymentConfig | None:
    """The DeploymentConfig UpdateEndpoint sends; None leaves SageMaker's default."""
    if rollout is None:
        return None
    alarms = tuple(rollout.alarms)
    match rollout.strategy:
        case RolloutStrategy.BLUE_GREEN:
            return DeploymentConfig(blue_green=_blue_green(rollout.blue_green), alarms=alarms)
        case RolloutStrategy.ROLLING if rollout.rolling is not None:
            return DeploymentConfig(rolling=_rolling(rollout.rolling), alarms=alarms)
        case _:
            return DeploymentConfig(alarms=alarms) if alarms else None
