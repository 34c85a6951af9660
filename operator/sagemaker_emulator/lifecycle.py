"""The endpoint state machine (reference §1), with time.

Transitions are lazy: a change records when it completes, and every read or write first
calls ``settle(now)``, which applies whatever has completed by then. No background
threads, and a thousand idle endpoints cost nothing.

    CreateEndpoint                 Creating -> InService | Failed (injected)
    UpdateEndpoint                 InService -> Updating -> InService on the new config,
                                   or (injected failure) InService on the OLD config
                                   with FailureReason set
    UpdateEndpointWeights...       InService -> Updating -> InService with the new counts
    DeleteEndpoint                 any settled state -> Deleting -> gone
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from sagemaker_emulator.errors import AwsError, validation_error
from sagemaker_emulator.multi_model import ModelCache
from sagemaker_emulator.records import Json, ServedModel
from sagemaker_emulator.routing import WeightedRoundRobin


class EndpointStatus(StrEnum):
    CREATING = "Creating"
    UPDATING = "Updating"
    IN_SERVICE = "InService"
    DELETING = "Deleting"
    FAILED = "Failed"


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
        self.pending: PendingChange | None = PendingChange(
            ChangeKind.CREATE, now, completes_at, config_name, tuple(variants), failure_reason
        )

    # ------------------------------------------------------------------ time

    def settle(self, now: float) -> bool:
        """Apply a change that has completed by ``now``. True when the endpoint is gone."""
        change = self.pending
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
        if change.kind is ChangeKind.UPDATE and change.failure_reason is not None:
            # AWS rolls back: old config, old variants, and the reason recorded (§1).
            self.failure_reason = change.failure_reason
            return False
        if change.kind is ChangeKind.UPDATE:
            if change.config_name is None:
                raise RuntimeError("an endpoint update always names its new config")
            self.config_name = change.config_name
            self.failure_reason = None
            if change.features is not None:
                self.features = change.features
            # A new fleet: its instances have loaded nothing yet.
            self.model_cache = ModelCache()
        self.variants = tuple(v.settled() for v in change.variants)
        self._resize_caches()
        return False

    def _resize_caches(self) -> None:
        for variant in self.variants:
            self.model_cache.resize(variant.name, variant.current_count or 0)

    # ------------------------------------------------------------------ guards

    def ensure_updatable(self) -> None:
        """UpdateEndpoint and UpdateEndpointWeightsAndCapacities need InService."""
        if self.status is EndpointStatus.IN_SERVICE:
            return
        if self.status is EndpointStatus.FAILED:
            raise validation_error(f'Cannot update failed endpoint "{self.arn}".')
        raise self._in_progress()

    def ensure_deletable(self) -> None:
        """DeleteEndpoint is the only call a Failed endpoint accepts; nothing may touch an
        endpoint while a change is in progress."""
        if self.status in (EndpointStatus.IN_SERVICE, EndpointStatus.FAILED):
            return
        raise self._in_progress()

    def _in_progress(self) -> AwsError:
        return validation_error(f'Cannot update in-progress endpoint "{self.arn}".')

    # ------------------------------------------------------------------ changes

    def start_update(
        self,
        *,
        now: float,
        completes_at: float,
        config_name: str,
        variants: Sequence[LiveVariant],
        deployment_config: Json | None,
        failure_reason: str | None,
        features: EndpointFeatures,
    ) -> None:
        self.status = EndpointStatus.UPDATING
        self.last_modified_at = now
        self.deployment_config = deployment_config
        self.pending = PendingChange(
            ChangeKind.UPDATE,
            now,
            completes_at,
            config_name,
            tuple(variants),
            failure_reason,
            features,
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
        self.pending = PendingChange(ChangeKind.DELETE, now, completes_at)

    def set_variants(self, variants: Sequence[LiveVariant]) -> None:
        """Replace the live variants without a status change (autoscaling range clamps)."""
        self.variants = tuple(variants)
        self._resize_caches()
        if self.pending is not None and self.pending.kind is ChangeKind.CAPACITY:
            self.pending = replace(self.pending, variants=self.variants)

    # ------------------------------------------------------------------ views

    def describe(self) -> Json:
        result: Json = {
            "EndpointName": self.name,
            "EndpointArn": self.arn,
            "EndpointConfigName": self.config_name,
            "EndpointStatus": str(self.status),
            "CreationTime": self.created_at,
            "LastModifiedTime": self.last_modified_at,
        }
        change = self.pending
        if self.variants:
            status = None
            if change is not None and change.kind is ChangeKind.CAPACITY:
                status = [_variant_status("Updating", "Scaling desired instance count.", change)]
            elif self.status is EndpointStatus.DELETING and change is not None:
                status = [_variant_status("Deleting", "Deleting instances.", change)]
            result["ProductionVariants"] = [v.summary(status) for v in self.variants]
        if change is not None and change.kind in (ChangeKind.CREATE, ChangeKind.UPDATE):
            if change.config_name is None:
                raise RuntimeError("a create or update always names its config")
            result["PendingDeploymentSummary"] = {
                "EndpointConfigName": change.config_name,
                "StartTime": change.started_at,
                "ProductionVariants": [
                    v.pending_summary([_variant_status("Creating", _launch_message(v), change)])
                    for v in change.variants
                ],
            }
        if self.failure_reason is not None:
            result["FailureReason"] = self.failure_reason
        if self.deployment_config is not None:
            result["LastDeploymentConfig"] = self.deployment_config
        result.update(self.features.describe())
        return result

    def summary(self) -> Json:
        return {
            "EndpointName": self.name,
            "EndpointArn": self.arn,
            "CreationTime": self.created_at,
            "LastModifiedTime": self.last_modified_at,
            "EndpointStatus": str(self.status),
        }


def _launch_message(variant: LiveVariant) -> str:
    if variant.is_serverless:
        return "Provisioning serverless compute."
    return f"Launching {variant.desired_count or 0} instance(s)."


def _variant_status(status: str, message: str, change: PendingChange) -> Json:
    return {"Status": status, "StatusMessage": message, "StartTime": change.started_at}
