"""The emulator's stored SageMaker and Application Auto Scaling objects.

All records are frozen: a change replaces the record in its store, so a reader holding
one never sees it half-updated. Request fields the emulator does not interpret are kept
verbatim in ``echo`` mappings and returned by the matching Describe call.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

Json = dict[str, Any]


@dataclass(frozen=True)
class ModelPackageGroup:
    name: str
    arn: str
    description: str | None
    created_at: float
    sequence: int
    # The highest version number ever issued in this group. Versions are never reused,
    # even after deletes (reference §4, open question 3).
    last_version: int = 0


@dataclass(frozen=True)
class ModelPackage:
    arn: str
    # For versioned packages AWS reports the group name here (reference §4).
    name: str
    group_name: str | None
    version: int | None
    created_at: float
    sequence: int
    package_status: str
    approval_status: str | None
    last_modified_at: float | None = None
    description: str | None = None
    approval_description: str | None = None
    inference_specification: Json | None = None
    customer_metadata: Mapping[str, str] = field(default_factory=dict)
    model_life_cycle: Json | None = None
    echo: Mapping[str, Any] = field(default_factory=dict)

    @property
    def versioned(self) -> bool:
        return self.version is not None


@dataclass(frozen=True)
class ServedContainer:
    """One container of a model as SageMaker runs it. A model package's inference
    specification may hold several (an AutoML candidate has a feature transform and a
    model): SageMaker then runs them as an inference pipeline."""

    hostname: str
    image: str | None
    model_data_url: str | None
    environment: Mapping[str, str]
    mode: str  # SingleModel | MultiModel
    package_arn: str | None = None
    package_group: str | None = None
    package_version: int | None = None
    # MultiModelConfig.ModelCacheSetting: Enabled (the default) or Disabled.
    model_caching: bool = True

    def to_json(self) -> Json:
        result: Json = {"containerHostname": self.hostname, "image": self.image}
        result["modelDataUrl"] = self.model_data_url
        result["mode"] = self.mode
        if self.environment:
            result["environment"] = dict(self.environment)
        if self.package_arn is not None:
            result["modelPackageArn"] = self.package_arn
        return result


@dataclass(frozen=True)
class ServedModel:
    """What a variant runs, captured when the endpoint is created or updated, so later
    deletes of the model or package do not change what the endpoint serves (as on AWS)."""

    model_name: str
    model_arn: str
    containers: tuple[ServedContainer, ...]
    # InferenceExecutionConfig.Mode: Serial (a pipeline, every container in order) or
    # Direct (the caller names one container with TargetContainerHostname).
    execution_mode: str = "Serial"
    network_isolation: bool = False
    vpc_config: Mapping[str, Any] | None = None

    @property
    def first(self) -> ServedContainer:
        return self.containers[0]

    @property
    def image(self) -> str | None:
        return self.first.image

    @property
    def model_data_url(self) -> str | None:
        return self.first.model_data_url

    @property
    def multi_model(self) -> ServedContainer | None:
        """The container in MultiModel mode, if any (at most one per pipeline)."""
        return next((c for c in self.containers if c.mode == "MultiModel"), None)

    @property
    def package(self) -> ServedContainer | None:
        """The first container that came from a model package."""
        return next((c for c in self.containers if c.package_arn is not None), None)


@dataclass(frozen=True)
class Model:
    name: str
    arn: str
    created_at: float
    sequence: int
    served: ServedModel
    echo: Mapping[str, Any]


@dataclass(frozen=True)
class VariantSpec:
    name: str
    # None for a variant that hosts inference components instead of a model.
    model_name: str | None
    instance_type: str | None
    initial_instance_count: int | None
    initial_weight: float
    serverless: Mapping[str, Any] | None
    echo: Mapping[str, Any]
    # ProductionVariantManagedInstanceScaling, inference-component variants only.
    managed_scaling: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class EndpointConfig:
    name: str
    arn: str
    created_at: float
    sequence: int
    variants: tuple[VariantSpec, ...]
    echo: Mapping[str, Any]


@dataclass(frozen=True)
class ScalableTarget:
    resource_id: str
    endpoint_key: str  # lower-cased endpoint name: endpoint names are case-insensitive
    variant_name: str
    dimension: str
    min_capacity: int
    max_capacity: int
    created_at: float
    arn: str
    role_arn: str
    suspended_state: Mapping[str, bool]
    # Lower-cased name of the inference component scaled (inference-component/<name>);
    # None for an endpoint variant.
    component: str | None = None

    @property
    def key(self) -> tuple[str, str]:
        """Where the partition keeps the target."""
        return (
            component_target_key(self.component)
            if self.component
            else (
                self.endpoint_key,
                self.variant_name,
            )
        )


def component_target_key(component_name: str) -> tuple[str, str]:
    # Endpoint names cannot contain "/", so this never collides with a variant's key.
    return (f"inference-component/{component_name.lower()}", "")


@dataclass(frozen=True)
class ScalingPolicy:
    name: str
    resource_id: str
    dimension: str
    policy_type: str
    arn: str
    created_at: float
    configuration: Mapping[str, Any]
    alarms: tuple[Mapping[str, str], ...]
    # Where the policy's alarms live (CloudWatch is regional).
    account_id: str = ""
    region: str = ""


@dataclass(frozen=True)
class AsyncRequest:
    """An InvokeEndpointAsync request waiting in its endpoint's queue."""

    inference_id: str
    account_id: str
    region: str
    endpoint_name: str
    sequence: int
    received_at: float
    due_at: float
    expires_at: float
    content_type: str | None
    body: bytes
    input_location: str | None
    output_location: str
    failure_location: str | None
    headers: Mapping[str, str]
    # Set when the control API told the emulator to fail this request.
    injected_failure: str | None = None


@dataclass(frozen=True)
class ScheduledAction:
    name: str
    arn: str
    resource_id: str
    dimension: str
    schedule: str
    timezone: str | None
    start_time: float | None
    end_time: float | None
    target_action: Mapping[str, int]
    created_at: float
