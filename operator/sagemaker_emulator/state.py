"""Everything the emulator remembers, partitioned by account and region like AWS.

One re-entrant lock guards all SageMaker and Application Auto Scaling state: operations
touch several stores at once (DeleteEndpoint deregisters scalable targets, UpdateEndpoint
checks them), and each operation is short, so one lock is both simplest and fast enough.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from itertools import count
from typing import Any, Final

from sagemaker_emulator.aws_backends import alarm_in_alarm
from sagemaker_emulator.clock import Clock
from sagemaker_emulator.components import InferenceComponent, settle
from sagemaker_emulator.faults import EndpointFaults
from sagemaker_emulator.lifecycle import Endpoint
from sagemaker_emulator.records import (
    AsyncRequest,
    EndpointConfig,
    Model,
    ModelPackage,
    ModelPackageGroup,
    ScalableTarget,
    ScalingPolicy,
    ScheduledAction,
)

PACKAGE_STATUSES: Final = ("Pending", "InProgress", "Completed", "Failed", "Deleting")


@dataclass(frozen=True)
class Durations:
    """How long each endpoint transition takes, in seconds."""

    creating: float = 3.0
    updating: float = 3.0
    deleting: float = 2.0
    # How long an asynchronous invocation waits in the queue before its result is written.
    async_inference: float = 1.0
    # How long each step of a deployment takes to turn traffic on for the new instances
    # (ActivatingTraffic); their launch takes ``updating``.
    traffic_shift: float = 0.0

    def to_json(self) -> dict[str, float]:
        return {
            "creatingSeconds": self.creating,
            "updatingSeconds": self.updating,
            "deletingSeconds": self.deleting,
            "asyncInferenceSeconds": self.async_inference,
            "trafficShiftSeconds": self.traffic_shift,
        }

    def merged(self, changes: dict[str, Any]) -> Durations:
        """These durations with the given ``*Seconds`` fields replaced."""
        names = {"creatingSeconds": "creating", "updatingSeconds": "updating"}
        names["deletingSeconds"] = "deleting"
        names["asyncInferenceSeconds"] = "async_inference"
        names["trafficShiftSeconds"] = "traffic_shift"
        unknown = set(changes) - set(names)
        if unknown:
            raise ValueError(f"unknown fields {sorted(unknown)}; expected {sorted(names)}")
        values: dict[str, float] = {}
        for key, value in changes.items():
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ValueError(f"'{key}' must be a number of seconds >= 0")
            values[names[key]] = float(value)
        return replace(self, **values)


@dataclass(frozen=True)
class EventsTarget:
    """Where model package state-change events go: an SQS queue in moto's backend."""

    queue_url: str
    region: str | None = None


@dataclass(frozen=True)
class Settings:
    durations: Durations = field(default_factory=Durations)
    initial_package_status: str = "Completed"
    events_target: EventsTarget | None = None


class Partition:
    """The objects of one account in one region."""

    def __init__(self, account_id: str, region: str) -> None:
        self.account_id = account_id
        self.region = region
        # Keys are lower-cased names: SageMaker names are unique regardless of case, and
        # ARNs (which are lower-cased) would collide otherwise.
        self.groups: dict[str, ModelPackageGroup] = {}
        self.packages: dict[str, ModelPackage] = {}  # by lower-cased ARN
        self.client_tokens: dict[str, str] = {}  # CreateModelPackage ClientToken -> ARN
        self.models: dict[str, Model] = {}
        self.endpoint_configs: dict[str, EndpointConfig] = {}
        self.endpoints: dict[str, Endpoint] = {}
        self.components: dict[str, InferenceComponent] = {}
        self.tags: dict[str, dict[str, str]] = {}  # by lower-cased ARN
        self.scalable_targets: dict[tuple[str, str], ScalableTarget] = {}
        self.scaling_policies: dict[tuple[str, str, str], ScalingPolicy] = {}
        # When each scaling policy (by ARN) last scaled, for its cooldown.
        self.policy_activity: dict[str, float] = {}
        # (name, resource ID, dimension) -> action
        self.scheduled_actions: dict[tuple[str, str, str], ScheduledAction] = {}

    def endpoint(self, name: str, now: float) -> Endpoint | None:
        """The endpoint, with completed transitions applied (a finished delete removes it);
        a deployment in progress reads its rollback alarms from CloudWatch."""
        key = name.lower()
        endpoint = self.endpoints.get(key)
        if endpoint is not None and endpoint.settle(now, self._in_alarm):
            self.forget_endpoint(key)
            return None
        return endpoint

    def all_endpoints(self, now: float) -> Iterator[Endpoint]:
        for key in list(self.endpoints):
            endpoint = self.endpoint(key, now)
            if endpoint is not None:
                yield endpoint

    def settle_components(self, endpoint_name: str, now: float) -> list[InferenceComponent]:
        """The endpoint's inference components, settled together (their copies share its
        instances); components whose delete completed are forgotten."""
        key = endpoint_name.lower()
        hosted = [c for c in self.components.values() if c.endpoint_key == key]
        if not hosted:
            return []
        gone = settle(self.endpoint(key, now), hosted, now, self._in_alarm)
        for component in gone:
            self.components.pop(component.name.lower(), None)
            self.tags.pop(component.arn, None)
        return [c for c in hosted if c not in gone]

    def component(self, name: str, now: float) -> InferenceComponent | None:
        component = self.components.get(name.lower())
        if component is None:
            return None
        self.settle_components(component.endpoint_name, now)
        return self.components.get(name.lower())

    def all_components(self, now: float) -> list[InferenceComponent]:
        for endpoint_key in {c.endpoint_key for c in self.components.values()}:
            self.settle_components(endpoint_key, now)
        return list(self.components.values())

    def _in_alarm(self, names: Sequence[str]) -> str | None:
        return alarm_in_alarm(self.account_id, self.region, names)

    def forget_endpoint(self, key: str) -> None:
        endpoint = self.endpoints.pop(key)
        self.tags.pop(endpoint.arn, None)

    def targets_of_endpoint(self, endpoint_name: str) -> list[ScalableTarget]:
        key = endpoint_name.lower()
        return [
            t
            for t in self.scalable_targets.values()
            if t.endpoint_key == key and t.component is None
        ]

    def deregister_target(self, target: ScalableTarget) -> list[ScalingPolicy]:
        """Remove a scalable target with its scaling policies and scheduled actions
        (DeregisterScalableTarget API reference); returns the removed policies, whose
        CloudWatch alarms go with them."""
        self.scalable_targets.pop(target.key, None)
        keys = [k for k in self.scaling_policies if k[1] == target.resource_id]
        removed = [self.scaling_policies.pop(key) for key in keys]
        for key in [k for k in self.scheduled_actions if k[1] == target.resource_id]:
            del self.scheduled_actions[key]
        return removed


class EmulatorState:
    def __init__(self, clock: Clock, settings: Settings) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self._startup_settings = settings
        self.settings = settings
        self.endpoint_faults = EndpointFaults()
        self._partitions: dict[tuple[str, str], Partition] = {}
        self._sequence = count(1)
        # Asynchronous invocations waiting to complete: a heap by (due time, sequence).
        self.async_queue: list[tuple[float, int, AsyncRequest]] = []
        # The status last announced in an endpoint state-change event, by (account,
        # region, ARN, creation time); kept only while an events queue is configured.
        self.announced_endpoints: dict[tuple[str, str, str, float], str] = {}

    def partition(self, account_id: str, region: str) -> Partition:
        key = (account_id, region)
        partition = self._partitions.get(key)
        if partition is None:
            partition = self._partitions[key] = Partition(account_id, region)
        return partition

    def partitions(self) -> list[Partition]:
        """Every account and region that holds objects, for the control API."""
        return list(self._partitions.values())

    def next_sequence(self) -> int:
        """A global creation counter: a tie-breaker for objects created in the same instant."""
        return next(self._sequence)

    def reset(self) -> None:
        """Forget every object and go back to the start-up settings."""
        with self.lock:
            self._partitions.clear()
            self.settings = self._startup_settings
            self.endpoint_faults = EndpointFaults()
            self.async_queue.clear()
            self.announced_endpoints.clear()
