"""The endpoint state machine (reference §1), with time.

Transitions are lazy: a change records when it completes, and every read or write first
calls ``settle(now)``, which applies whatever has completed by then. No background
threads, and a thousand idle endpoints cost nothing.

    CreateEndpoint                 Creating -> InService | Failed (injected)
    UpdateEndpoint                 InService -> Updating -> InService on the new config, as
                                   the deployment (deployment.py) moves traffic to the new
                                   fleet; or, when it fails or an alarm trips, RollingBack
                                   -> InService on the OLD config with FailureReason set;
                                   or (a rolling deployment whose rollback fails)
                                   UpdateRollbackFailed, serving both configs
    UpdateEndpointWeights...       InService -> Updating -> InService with the new counts
    DeleteEndpoint                 any settled state -> Deleting -> gone
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from sagemaker_emulator.deployment import AlarmCheck, Finished, Outcome
from sagemaker_emulator.errors import AwsError, validation_error
from sagemaker_emulator.fleets import (
    Fleet,
    NewFleet,
    launch_message,
    live_summaries,
    pending_summary,
    serving_fleet,
)
from sagemaker_emulator.multi_model import ModelCache
from sagemaker_emulator.records import Json, ServedModel
from sagemaker_emulator.routing import WeightedRoundRobin
from sagemaker_emulator.variant_status import entry, scaling, terminating


class EndpointStatus(StrEnum):
    CREATING = "Creating"
    UPDATING = "Updating"
    ROLLING_BACK = "RollingBack"
    IN_SERVICE = "InService"
    DELETING = "Deleting"
    FAILED = "Failed"
    UPDATE_ROLLBACK_FAILED = "UpdateRollbackFailed"


def _no_alarm(_: Sequence[str]) -> str | None:
    return None


class ChangeKind(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    CAPACITY = "capacity"
    DELETE = "delete"


@dataclass(frozen=True)
class LiveVariant:
    """A production variant as DescribeEndpoint reports it."""

    name: str
    # None when the variant hosts inference components instead of a model.
    served: ServedModel | None
    instance_type: str | None
    # The desired serverless settings; the current ones follow when a change completes.
    serverless: Mapping[str, Any] | None
    desired_count: int | None
    current_count: int | None
    desired_weight: float
    current_weight: float
    current_serverless: Mapping[str, Any] | None = None
    # ProductionVariantManagedInstanceScaling of an inference-component variant.
    managed_scaling: Mapping[str, Any] | None = None

    @property
    def is_serverless(self) -> bool:
        return self.serverless is not None

    @property
    def hosts_components(self) -> bool:
        return self.served is None

    def settled(self) -> LiveVariant:
        """The variant once SageMaker has reached what was asked for."""
        return replace(
            self,
            current_count=self.desired_count,
            current_weight=self.desired_weight,
            current_serverless=self.serverless,
        )

    def summary(self, variant_status: list[Json] | None = None) -> Json:
        containers = self.served.containers if self.served is not None else ()
        item: Json = {
            "VariantName": self.name,
            "DeployedImages": [_deployed_image(c.image) for c in containers if c.image],
            "CurrentWeight": self.current_weight,
            "DesiredWeight": self.desired_weight,
        }
        if self.managed_scaling is not None:
            item["ManagedInstanceScaling"] = dict(self.managed_scaling)
        if self.serverless is not None:
            # Serverless variants report concurrency, not instances (DescribeEndpoint API
            # reference, ProductionVariantSummary); the current value appears once the
            # endpoint has reached it.
            if self.current_serverless is not None:
                item["CurrentServerlessConfig"] = dict(self.current_serverless)
            item["DesiredServerlessConfig"] = dict(self.serverless)
        else:
            # A fleet still being launched has no current count yet.
            if self.current_count is not None:
                item["CurrentInstanceCount"] = self.current_count
            if self.desired_count is not None:
                item["DesiredInstanceCount"] = self.desired_count
        if variant_status:
            item["VariantStatus"] = variant_status
        return item

    def pending_summary(self, variant_status: list[Json]) -> Json:
        item = self.summary(variant_status)
        if self.instance_type is not None:
            item["InstanceType"] = self.instance_type
        return item


def _capacities(variants: Sequence[LiveVariant]) -> list[tuple[object, ...]]:
    return [
        (v.name, v.desired_count, v.current_count, v.serverless, v.current_serverless)
        for v in variants
    ]


def _deployed_image(image: str) -> Json:
    return {"SpecifiedImage": image, "ResolvedImage": image}


@dataclass(frozen=True)
class EndpointFeatures:
    """The endpoint-config settings an endpoint runs with (asynchronous inference, data
    capture, ...). They come from the config when a create starts or an update completes,
    so they stay with the serving config while an update is in progress."""

    async_config: Json | None = None
    data_capture: Json | None = None
    # Other config fields DescribeEndpoint returns as they were given.
    echo: Mapping[str, Any] = field(default_factory=dict)

    @property
    def capturing(self) -> bool:
        return self.data_capture is not None and bool(self.data_capture.get("EnableCapture", True))

    def describe(self) -> Json:
        result: Json = dict(self.echo)
        if self.async_config is not None:
            result["AsyncInferenceConfig"] = self.async_config
        capture = self.data_capture
        if capture is not None:
            summary: Json = {
                "EnableCapture": self.capturing,
                "CaptureStatus": "Started" if self.capturing else "Stopped",
                "CurrentSamplingPercentage": capture["InitialSamplingPercentage"],
                "DestinationS3Uri": capture["DestinationS3Uri"],
            }
            if capture.get("KmsKeyId"):
                summary["KmsKeyId"] = capture["KmsKeyId"]
            result["DataCaptureConfig"] = summary
        return result


@dataclass(frozen=True)
class PendingChange:
    kind: ChangeKind
    started_at: float
    completes_at: float
    config_name: str | None = None
    variants: tuple[LiveVariant, ...] = ()
    # Set when the emulator was told to fail this create or update.
    failure_reason: str | None = None
    # The config's features, applied when an update completes.
    features: EndpointFeatures | None = None
    # An update's new fleet and the deployment that moves traffic to it.
    new_fleet: NewFleet | None = None


class Endpoint:
    """One endpoint. Not thread-safe: callers hold the emulator's state lock."""

    def __init__(
        self,
        *,
        name: str,
        arn: str,
        sequence: int,
        config_name: str,
        variants: Sequence[LiveVariant],
        now: float,
        completes_at: float,
        deployment_config: Json | None,
        failure_reason: str | None,
        features: EndpointFeatures,
    ) -> None:
        self.name = name
        self.arn = arn
        self.sequence = sequence
        self.created_at = now
        self.last_modified_at = now
        self.status = EndpointStatus.CREATING
        # The serving config; while Creating, the config being created.
        self.config_name = config_name
        self.variants: tuple[LiveVariant, ...] = ()
        self.failure_reason: str | None = None
        self.deployment_config = deployment_config
        self.features = features
        self.router = WeightedRoundRobin()
        # Invocations seen per variant, for data capture's deterministic sampling.
        self.capture_counters: dict[str, int] = {}
        # What the fleet's instances have loaded, for multi-model endpoints.
        self.model_cache = ModelCache()
        # The new fleet a failed rollback left serving beside the old one
        # (UpdateRollbackFailed), until the next update or the delete.
        self.residual: NewFleet | None = None
        self.pending: PendingChange | None = PendingChange(
            ChangeKind.CREATE, now, completes_at, config_name, tuple(variants), failure_reason
        )

    # ------------------------------------------------------------------ time

    def settle(self, now: float, in_alarm: AlarmCheck = _no_alarm) -> bool:
        """Apply a change that has completed by ``now``. True when the endpoint is gone.
        ``in_alarm`` reads the rollback alarms of a deployment in progress."""
        change = self.pending
        if change is not None and change.new_fleet is not None:
            self._advance_update(change.new_fleet, now, in_alarm)
            return False
        if change is None or now < change.completes_at:
            return False
        self.pending = None
        self.last_modified_at = change.completes_at
        if change.kind is ChangeKind.DELETE:
            return True
        if change.kind is ChangeKind.CREATE:
            if change.failure_reason is not None:
                self.status = EndpointStatus.FAILED
                self.failure_reason = change.failure_reason
            else:
                self.status = EndpointStatus.IN_SERVICE
                self.variants = tuple(v.settled() for v in change.variants)
            return False
        self.status = EndpointStatus.IN_SERVICE
        self.variants = tuple(v.settled() for v in change.variants)
        self._resize_caches()
        return False

    def _advance_update(self, fleet: NewFleet, now: float, in_alarm: AlarmCheck) -> None:
        deployment = fleet.deployment
        finished = deployment.advance(now, in_alarm)
        if finished is None:
            status = EndpointStatus(deployment.status(now))
            if status is not self.status and deployment.rollback is not None:
                self.last_modified_at = deployment.rollback.started_at
            self.status = status
            return
        self._finish_update(fleet, finished)

    def _finish_update(self, fleet: NewFleet, finished: Finished) -> None:
        change = self.pending
        self.pending = None
        self.last_modified_at = finished.at
        if finished.outcome is Outcome.ROLLED_BACK:
            # AWS rolls back: old config, old variants, and the reason recorded (§1).
            self.status = EndpointStatus.IN_SERVICE
            self.failure_reason = finished.reason
            return
        if finished.outcome is Outcome.ROLLBACK_FAILED:
            self.status = EndpointStatus.UPDATE_ROLLBACK_FAILED
            self.failure_reason = finished.reason
            self.residual = fleet
            return
        self.status = EndpointStatus.IN_SERVICE
        self.config_name = fleet.config_name
        self.failure_reason = None
        if change is not None and change.features is not None:
            self.features = change.features
        # The new fleet's instances keep what they loaded while they took traffic.
        self.model_cache = fleet.model_cache
        self.variants = tuple(v.settled() for v in fleet.variants)
        self._resize_caches()

    def model_caches(self) -> list[ModelCache]:
        """What every serving fleet's instances have loaded (multi-model endpoints): the
        live fleet's, and a new fleet's while it deploys or after a failed rollback."""
        change = self.pending
        new_fleet = change.new_fleet if change is not None else None
        fleets = [f for f in (new_fleet, self.residual) if f is not None]
        return [self.model_cache, *(f.model_cache for f in fleets)]

    def _resize_caches(self) -> None:
        for variant in self.variants:
            self.model_cache.resize(variant.name, variant.current_count or 0)

    # ------------------------------------------------------------------ guards

    def ensure_updatable(self, *, new_config: bool = False) -> None:
        """UpdateEndpoint and UpdateEndpointWeightsAndCapacities need InService. An
        UpdateRollbackFailed endpoint accepts a new config (``new_config``, UpdateEndpoint),
        which replaces both of the fleets it serves (the emulator's choice: AWS's remedy
        is on its "Rolling Deployments" page, which the reference could not retrieve)."""
        if self.status is EndpointStatus.IN_SERVICE:
            return
        if self.status is EndpointStatus.UPDATE_ROLLBACK_FAILED:
            if new_config:
                return
            raise validation_error(
                f'Cannot update endpoint "{self.arn}" while it is UpdateRollbackFailed: update '
                "it to an endpoint configuration with UpdateEndpoint, or delete it."
            )
        if self.status is EndpointStatus.FAILED:
            raise validation_error(f'Cannot update failed endpoint "{self.arn}".')
        raise self._in_progress()

    def ensure_deletable(self) -> None:
        """DeleteEndpoint is the only call a Failed endpoint accepts; nothing may touch an
        endpoint while a change (or a rollback) is in progress."""
        settled = (
            EndpointStatus.IN_SERVICE,
            EndpointStatus.FAILED,
            EndpointStatus.UPDATE_ROLLBACK_FAILED,
        )
        if self.status in settled:
            return
        raise self._in_progress()

    def _in_progress(self) -> AwsError:
        return validation_error(f'Cannot update in-progress endpoint "{self.arn}".')

    # ------------------------------------------------------------------ changes

    def start_update(
        self,
        *,
        now: float,
        new_fleet: NewFleet,
        deployment_config: Json | None,
        features: EndpointFeatures,
    ) -> None:
        self.status = EndpointStatus.UPDATING
        self.last_modified_at = now
        self.deployment_config = deployment_config
        # A new deployment replaces whatever a failed rollback left serving.
        self.residual = None
        self.pending = PendingChange(
            ChangeKind.UPDATE,
            now,
            new_fleet.deployment.plan.completes_at,
            new_fleet.config_name,
            new_fleet.variants,
            features=features,
            new_fleet=new_fleet,
        )

    def start_capacity_change(
        self, *, now: float, completes_at: float, variants: Sequence[LiveVariant]
    ) -> None:
        self.status = EndpointStatus.UPDATING
        self.last_modified_at = now
        # Desired values show at once; current values follow when the change completes.
        self.variants = tuple(variants)
        self.pending = PendingChange(ChangeKind.CAPACITY, now, completes_at, None, self.variants)

    def start_delete(self, *, now: float, completes_at: float) -> None:
        self.status = EndpointStatus.DELETING
        self.last_modified_at = now
        self.residual = None
        self.pending = PendingChange(ChangeKind.DELETE, now, completes_at)

    def set_variants(self, variants: Sequence[LiveVariant], now: float) -> None:
        """Replace the live variants without a status change (autoscaling range clamps,
        managed instance scaling). AWS changes capacity through a scaling activity, which
        changes LastModifiedTime as UpdateEndpointWeightsAndCapacities does: so does a
        changed capacity here."""
        if _capacities(variants) != _capacities(self.variants):
            self.last_modified_at = now
        self.variants = tuple(variants)
        self._resize_caches()
        if self.pending is not None and self.pending.kind is ChangeKind.CAPACITY:
            self.pending = replace(self.pending, variants=self.variants)

    # ------------------------------------------------------------------ views

    def serving_fleet(self, variant: LiveVariant, now: float) -> Fleet:
        """The fleet that answers the next invocation of ``variant``."""
        change = self.pending
        new_fleet = change.new_fleet if change is not None else None
        return serving_fleet(
            variant,
            config_name=self.config_name,
            model_cache=self.model_cache,
            new_fleet=new_fleet or self.residual,
            now=now,
        )

    def describe(self, now: float) -> Json:
        result: Json = {
            "EndpointName": self.name,
            "EndpointArn": self.arn,
            "EndpointConfigName": self.config_name,
            "EndpointStatus": str(self.status),
            "CreationTime": self.created_at,
            "LastModifiedTime": self.last_modified_at,
        }
        change = self.pending
        new_fleet = change.new_fleet if change is not None else None
        if self.variants:
            if new_fleet is not None:
                result["ProductionVariants"] = live_summaries(self.variants, new_fleet, now)
            elif self.residual is not None:
                result["ProductionVariants"] = live_summaries(
                    self.variants, self.residual, now, stopped=True
                )
            else:
                result["ProductionVariants"] = [
                    v.summary(self._variant_status(v, change)) for v in self.variants
                ]
        if new_fleet is not None and change is not None:
            result["PendingDeploymentSummary"] = pending_summary(new_fleet, change.started_at, now)
        elif change is not None and change.kind is ChangeKind.CREATE:
            if change.config_name is None:
                raise RuntimeError("a create always names its config")
            result["PendingDeploymentSummary"] = {
                "EndpointConfigName": change.config_name,
                "StartTime": change.started_at,
                "ProductionVariants": [
                    v.pending_summary([entry("Creating", launch_message(v), change.started_at)])
                    for v in change.variants
                ],
            }
        if self.failure_reason is not None:
            result["FailureReason"] = self.failure_reason
        if self.deployment_config is not None:
            result["LastDeploymentConfig"] = self.deployment_config
        result.update(self.features.describe())
        return result

    @staticmethod
    def _variant_status(variant: LiveVariant, change: PendingChange | None) -> list[Json]:
        """A live variant's VariantStatus while its capacity changes or it is deleted."""
        serverless = variant.is_serverless
        if change is not None and change.kind is ChangeKind.CAPACITY:
            message = scaling(variant.desired_count, variant.current_count, serverless=serverless)
            return [entry("Updating", message, change.started_at)]
        if change is not None and change.kind is ChangeKind.DELETE:
            message = terminating(variant.current_count, serverless=serverless)
            return [entry("Deleting", message, change.started_at)]
        return []

    def summary(self) -> Json:
        return {
            "EndpointName": self.name,
            "EndpointArn": self.arn,
            "CreationTime": self.created_at,
            "LastModifiedTime": self.last_modified_at,
            "EndpointStatus": str(self.status),
        }
