"""The variant's hosting: instances (with their volume, timeouts) or serverless."""

from __future__ import annotations

from model_deployment_operator.domain.rendering.config import InstanceHosting, ServerlessHosting
from model_deployment_operator.domain.spec import EndpointSpec


def render_hosting(endpoint: EndpointSpec) -> InstanceHosting | ServerlessHosting:
    serverless = endpoint.serverless
    if serverless is not None:
        return ServerlessHosting(
            memory_size_mb=serverless.memory_size_in_mb,
            max_concurrency=serverless.max_concurrency,
            provisioned_concurrency=serverless.provisioned_concurrency,
        )
    instance_type = endpoint.instance_type
    assert instance_type is not None  # noqa: S101 - the spec has exactly one shape
    return InstanceHosting(
        instance_type=instance_type,
        initial_instance_count=endpoint.initial_instance_count,
        volume_size_gb=endpoint.volume_size_in_gb,
        model_data_download_timeout_seconds=endpoint.model_data_download_timeout_seconds,
        container_startup_timeout_seconds=endpoint.container_startup_health_check_timeout_seconds,
    )
