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
class ServedModel:
    """What a variant runs, captured when the endpoint is created or updated, so later
    deletes of the model or package do not change what the endpoint serves (as on AWS)."""

    model_name: str
    model_arn: str
    image: str | None
    model_data_url: str | None
    package_arn: str | None
    package_group: str | None
    package_version: int | None


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
    model_name: str
    instance_type: str | None
    initial_instance_count: int | None
    initial_weight: float
    serverless: Mapping[str, Any] | None
    echo: Mapping[str, Any]


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
