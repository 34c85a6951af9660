"""An inference component as data: which model it runs on which shared endpoint, with how
much compute per copy and how many copies; and how an update rolls through its copies."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ComputeRequirements:
    memory_mb: int
    cpu_cores: float | None = None
    max_memory_mb: int | None = None
    accelerator_devices: int | None = None


@dataclass(frozen=True)
class ComponentSpec:
    """What DescribeInferenceComponent's Specification holds (so desired and observed
    compare by equality)."""

    model_name: str
    compute: ComputeRequirements
    startup_timeout_seconds: int | None = None


@dataclass(frozen=True)
class BatchSize:
    type: str  # COPY_COUNT | CAPACITY_PERCENT
    value: int


@dataclass(frozen=True)
class RollingUpdate:
    maximum_batch_size: BatchSize
    wait_interval_seconds: int
    rollback_maximum_batch_size: BatchSize | None = None
    maximum_execution_timeout_seconds: int | None = None
    alarms: tuple[str, ...] = ()


@dataclass(frozen=True)
class InferenceComponentTarget:
    name: str
    endpoint_name: str
    variant_name: str
    spec: ComponentSpec
    copy_count: int
    rolling_update: RollingUpdate | None = None
