"""The SageMaker EndpointConfig for one deployment: its production variant and the options
that apply to the whole config. Each hosting option is a field of its own (options/ renders
it from the spec), so the gateway can map the spec to the API one option at a time."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields, is_dataclass
from typing import Any


@dataclass(frozen=True)
class ManagedScaling:
    """Managed instance scaling of an inference-component endpoint's variant."""

    min_instances: int
    max_instances: int
    scale_in_strategy: str | None = None
    scale_in_max_step: int | None = None
    scale_in_cooldown_minutes: int | None = None


@dataclass(frozen=True)
class InstanceHosting:
    """An instance-backed variant."""

    instance_type: str
    initial_instance_count: int
    volume_size_gb: int | None = None
    model_data_download_timeout_seconds: int | None = None
    container_startup_timeout_seconds: int | None = None
    managed_scaling: ManagedScaling | None = None


@dataclass(frozen=True)
class ServerlessHosting:
    memory_size_mb: int
    max_concurrency: int
    provisioned_concurrency: int | None = None


@dataclass(frozen=True)
class AsyncNotifications:
    success_topic: str | None = None
    error_topic: str | None = None
    include_response_in: tuple[str, ...] = ()


@dataclass(frozen=True)
class AsyncInference:
    output_path: str
    failure_path: str | None = None
    kms_key_id: str | None = None
    max_concurrent_invocations_per_instance: int | None = None
    notifications: AsyncNotifications | None = None


@dataclass(frozen=True)
class DataCapture:
    sampling_percentage: int
    destination: str
    capture_modes: tuple[str, ...]
    kms_key_id: str | None = None
    csv_content_types: tuple[str, ...] = ()
    json_content_types: tuple[str, ...] = ()


@dataclass(frozen=True)
class VariantSpec:
    name: str
    # None: the variant hosts inference components, not a model.
    model_name: str | None
    hosting: InstanceHosting | ServerlessHosting

    @property
    def instance_type(self) -> str | None:
        return self.hosting.instance_type if isinstance(self.hosting, InstanceHosting) else None

    @property
    def instance_count(self) -> int | None:
        hosting = self.hosting
        return hosting.initial_instance_count if isinstance(hosting, InstanceHosting) else None


@dataclass(frozen=True)
class EndpointConfigSpec:
    variant: VariantSpec
    async_inference: AsyncInference | None = None
    data_capture: DataCapture | None = None
    kms_key_id: str | None = None
    # Inference-component endpoints: the role SageMaker uses, since no model names one.
    execution_role_arn: str | None = None
    # Shared multi-model endpoints: what the artifacts under the prefix were when the
    # config was made; a new token is a new config, whose instances load artifacts afresh.
    refresh_token: str | None = None

    def hash_parts(self) -> tuple[str, ...]:
        """What the config's name is hashed from. An instance-backed config with nothing but
        type and count hashes exactly as before options existed, so upgrading the operator
        does not rename (and redeploy) any existing endpoint; every option set adds its
        canonical JSON."""
        variant = self.variant
        hosting = variant.hosting
        if isinstance(hosting, InstanceHosting):
            parts = [
                variant.model_name or "",
                variant.name,
                hosting.instance_type,
                str(hosting.initial_instance_count),
            ]
            extras = {
                f.name: _plain(getattr(hosting, f.name))
                for f in fields(hosting)
                if f.name not in ("instance_type", "initial_instance_count")
                and getattr(hosting, f.name) is not None
            }
            if extras:
                parts.append("instance=" + _canonical(extras))
        else:
            parts = [
                variant.model_name or "",
                variant.name,
                "serverless=" + _canonical(asdict(hosting)),
            ]
        for name in (
            "async_inference",
            "data_capture",
            "kms_key_id",
            "execution_role_arn",
            "refresh_token",
        ):
            value = getattr(self, name)
            if value is not None:
                parts.append(
                    f"{name}=" + _canonical(value if isinstance(value, str) else asdict(value))
                )
        return tuple(parts)


def _plain(value: Any) -> Any:
    """A field's value as JSON can hold it (a nested dataclass, such as managed scaling, as
    its fields)."""
    return asdict(value) if is_dataclass(value) and not isinstance(value, type) else value


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))
