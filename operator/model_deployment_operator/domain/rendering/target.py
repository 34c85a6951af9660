"""Render the SageMaker objects that serve one package version under the current spec, and
name them from a hash of what they contain: the same desired state always maps to the same
names, so a retry after a crash finds what the first attempt created."""

from __future__ import annotations

from model_deployment_operator.domain import naming
from model_deployment_operator.domain.naming import DeploymentRef
from model_deployment_operator.domain.registry import PackageVersion
from model_deployment_operator.domain.rendering.config import (
    EndpointConfigSpec,
    InstanceHosting,
    VariantSpec,
)
from model_deployment_operator.domain.rendering.model import ModelSpec
from model_deployment_operator.domain.spec import ModelDeploymentSpec


def render_model(spec: ModelDeploymentSpec, package: PackageVersion) -> ModelSpec:
    return ModelSpec(package_arn=package.arn, execution_role_arn=spec.execution_role_arn)


def render_config(spec: ModelDeploymentSpec, model_name: str) -> EndpointConfigSpec:
    endpoint = spec.endpoint
    hosting = InstanceHosting(
        instance_type=endpoint.instance_type,
        initial_instance_count=endpoint.initial_instance_count,
    )
    return EndpointConfigSpec(
        variant=VariantSpec(name=endpoint.variant_name, model_name=model_name, hosting=hosting)
    )


def model_name(ref: DeploymentRef, endpoint_name: str, version: int, model: ModelSpec) -> str:
    digest = naming.short_hash("model", ref.uid, *model.hash_parts())
    return f"{naming.resource_stem(endpoint_name)}-v{version}-{digest}"


def config_name(
    ref: DeploymentRef, endpoint_name: str, version: int, config: EndpointConfigSpec
) -> str:
    digest = naming.short_hash("config", ref.uid, *config.hash_parts())
    return f"{naming.resource_stem(endpoint_name)}-v{version}-{digest}"
