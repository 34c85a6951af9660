"""Render the SageMaker objects that serve one package version under the current spec, and
name them from a hash of what they contain: the same desired state always maps to the same
names, so a retry after a crash finds what the first attempt created."""

from __future__ import annotations

from model_deployment_operator.domain import naming
from model_deployment_operator.domain.naming import DeploymentRef
from model_deployment_operator.domain.registry import PackageVersion
from model_deployment_operator.domain.rendering.config import EndpointConfigSpec, VariantSpec
from model_deployment_operator.domain.rendering.model import ModelDefinition, VpcSpec
from model_deployment_operator.domain.rendering.options.asynchronous import render_async
from model_deployment_operator.domain.rendering.options.data_capture import render_data_capture
from model_deployment_operator.domain.rendering.options.hosting import render_hosting
from model_deployment_operator.domain.spec import ModelDeploymentSpec


def render_model(spec: ModelDeploymentSpec, package: PackageVersion) -> ModelDefinition:
    settings = spec.model
    if settings is None:
        return ModelDefinition(package_arn=package.arn, execution_role_arn=spec.execution_role_arn)
    vpc = settings.vpc_config
    return ModelDefinition(
        package_arn=package.arn,
        execution_role_arn=spec.execution_role_arn,
        environment=tuple(sorted(settings.environment.items())),
        vpc=VpcSpec(tuple(vpc.security_group_ids), tuple(vpc.subnets)) if vpc else None,
        network_isolation=settings.enable_network_isolation,
    )


def render_config(spec: ModelDeploymentSpec, model_name: str) -> EndpointConfigSpec:
    endpoint = spec.endpoint
    return EndpointConfigSpec(
        variant=VariantSpec(
            name=endpoint.variant_name, model_name=model_name, hosting=render_hosting(endpoint)
        ),
        async_inference=render_async(endpoint.async_),
        data_capture=render_data_capture(endpoint.data_capture),
        kms_key_id=endpoint.kms_key_id,
    )


def model_name(ref: DeploymentRef, endpoint_name: str, version: int, model: ModelDefinition) -> str:
    digest = naming.short_hash("model", ref.uid, *model.hash_parts())
    return f"{naming.resource_stem(endpoint_name)}-v{version}-{digest}"


def config_name(
    ref: DeploymentRef, endpoint_name: str, version: int, config: EndpointConfigSpec
) -> str:
    digest = naming.short_hash("config", ref.uid, *config.hash_parts())
    return f"{naming.resource_stem(endpoint_name)}-v{version}-{digest}"
