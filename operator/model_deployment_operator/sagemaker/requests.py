"""The rendered Model and EndpointConfig (domain/rendering) as SageMaker API requests, one
option at a time. Pure mapping: tested against botocore's own parameter validation."""

from __future__ import annotations

from typing import Any

from model_deployment_operator.domain.actions import UpdateEndpoint
from model_deployment_operator.domain.rendering.config import (
    AsyncInference,
    DataCapture,
    EndpointConfigSpec,
    InstanceHosting,
    ManagedScaling,
    ServerlessHosting,
    VariantSpec,
)
from model_deployment_operator.domain.rendering.deployment_config import (
    CapacityStep,
    DeploymentConfig,
)
from model_deployment_operator.domain.rendering.model import ModelDefinition

Request = dict[str, Any]


def tag_list(pairs: tuple[tuple[str, str], ...]) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in pairs]


def create_model(name: str, spec: ModelDefinition, tags: tuple[tuple[str, str], ...]) -> Request:
    """SageMaker creates the model's containers from the package as registered (one, or an
    inference pipeline of several); environment overrides apply to each container."""
    container: Request = {"ModelPackageName": spec.package_arn}
    if spec.environment:
        container["Environment"] = dict(spec.environment)
    request: Request = {
        "ModelName": name,
        "ExecutionRoleArn": spec.execution_role_arn,
        "Containers": [container],
        "Tags": tag_list(tags),
    }
    if spec.vpc is not None:
        request["VpcConfig"] = {
            "SecurityGroupIds": list(spec.vpc.security_group_ids),
            "Subnets": list(spec.vpc.subnets),
        }
    if spec.network_isolation:
        request["EnableNetworkIsolation"] = True
    return request


def _variant(variant: VariantSpec) -> Request:
    request: Request = {"VariantName": variant.name}
    if variant.model_name is not None:
        request["ModelName"] = variant.model_name
    hosting = variant.hosting
    if isinstance(hosting, InstanceHosting):
        request["InstanceType"] = hosting.instance_type
        request["InitialInstanceCount"] = hosting.initial_instance_count
        request["InitialVariantWeight"] = 1.0
        optional = {
            "VolumeSizeInGB": hosting.volume_size_gb,
            "ModelDataDownloadTimeoutInSeconds": hosting.model_data_download_timeout_seconds,
            "ContainerStartupHealthCheckTimeoutInSeconds": (
                hosting.container_startup_timeout_seconds
            ),
        }
        request.update({k: v for k, v in optional.items() if v is not None})
        if hosting.managed_scaling is not None:
            request["ManagedInstanceScaling"] = _managed_scaling(hosting.managed_scaling)
            del request["InitialVariantWeight"]
    else:
        request["ServerlessConfig"] = _serverless(hosting)
    return request


def _managed_scaling(scaling: ManagedScaling) -> Request:
    request: Request = {
        "Status": "ENABLED",
        "MinInstanceCount": scaling.min_instances,
        "MaxInstanceCount": scaling.max_instances,
    }
    if scaling.scale_in_strategy is not None:
        policy: Request = {"Strategy": scaling.scale_in_strategy}
        if scaling.scale_in_max_step is not None:
            policy["MaximumStepSize"] = scaling.scale_in_max_step
        if scaling.scale_in_cooldown_minutes is not None:
            policy["CooldownInMinutes"] = scaling.scale_in_cooldown_minutes
        request["ScaleInPolicy"] = policy
    return request


def _serverless(hosting: ServerlessHosting) -> Request:
    config: Request = {
        "MemorySizeInMB": hosting.memory_size_mb,
        "MaxConcurrency": hosting.max_concurrency,
    }
    if hosting.provisioned_concurrency is not None:
        config["ProvisionedConcurrency"] = hosting.provisioned_concurrency
    return config


def _async(config: AsyncInference) -> Request:
    output: Request = {"S3OutputPath": config.output_path}
    if config.failure_path:
        output["S3FailurePath"] = config.failure_path
    if config.kms_key_id:
        output["KmsKeyId"] = config.kms_key_id
    notifications = config.notifications
    if notifications is not None:
        notification: Request = {}
        if notifications.success_topic:
            notification["SuccessTopic"] = notifications.success_topic
        if notifications.error_topic:
            notification["ErrorTopic"] = notifications.error_topic
        if notifications.include_response_in:
            notification["IncludeInferenceResponseIn"] = list(notifications.include_response_in)
        output["NotificationConfig"] = notification
    request: Request = {"OutputConfig": output}
    if config.max_concurrent_invocations_per_instance is not None:
        request["ClientConfig"] = {
            "MaxConcurrentInvocationsPerInstance": config.max_concurrent_invocations_per_instance
        }
    return request


def _data_capture(capture: DataCapture) -> Request:
    request: Request = {
        "EnableCapture": True,
        "InitialSamplingPercentage": capture.sampling_percentage,
        "DestinationS3Uri": capture.destination,
        "CaptureOptions": [{"CaptureMode": mode} for mode in capture.capture_modes],
    }
    if capture.kms_key_id:
        request["KmsKeyId"] = capture.kms_key_id
    header: Request = {}
    if capture.csv_content_types:
        header["CsvContentTypes"] = list(capture.csv_content_types)
    if capture.json_content_types:
        header["JsonContentTypes"] = list(capture.json_content_types)
    if header:
        request["CaptureContentTypeHeader"] = header
    return request


def create_endpoint_config(
    name: str, spec: EndpointConfigSpec, tags: tuple[tuple[str, str], ...]
) -> Request:
    request: Request = {
        "EndpointConfigName": name,
        "ProductionVariants": [_variant(spec.variant)],
        "Tags": tag_list(tags),
    }
    if spec.async_inference is not None:
        request["AsyncInferenceConfig"] = _async(spec.async_inference)
    if spec.data_capture is not None:
        request["DataCaptureConfig"] = _data_capture(spec.data_capture)
    if spec.kms_key_id:
        request["KmsKeyId"] = spec.kms_key_id
    if spec.execution_role_arn:
        request["ExecutionRoleArn"] = spec.execution_role_arn
    return request


def _capacity(step: CapacityStep) -> Request:
    return {"Type": step.type, "Value": step.value}


def deployment_config(config: DeploymentConfig) -> Request:
    """UpdateEndpoint's DeploymentConfig (deployment guardrails)."""
    request: Request = {}
    blue_green = config.blue_green
    if blue_green is not None:
        routing: Request = {
            "Type": blue_green.traffic_routing,
            "WaitIntervalInSeconds": blue_green.wait_interval_seconds,
        }
        if blue_green.step is not None:
            member = "CanarySize" if blue_green.traffic_routing == "CANARY" else "LinearStepSize"
            routing[member] = _capacity(blue_green.step)
        policy: Request = {"TrafficRoutingConfiguration": routing}
        if blue_green.termination_wait_seconds is not None:
            policy["TerminationWaitInSeconds"] = blue_green.termination_wait_seconds
        if blue_green.maximum_execution_timeout_seconds is not None:
            policy["MaximumExecutionTimeoutInSeconds"] = (
                blue_green.maximum_execution_timeout_seconds
            )
        request["BlueGreenUpdatePolicy"] = policy
    rolling = config.rolling
    if rolling is not None:
        batches: Request = {
            "MaximumBatchSize": _capacity(rolling.maximum_batch_size),
            "WaitIntervalInSeconds": rolling.wait_interval_seconds,
        }
        if rolling.rollback_maximum_batch_size is not None:
            batches["RollbackMaximumBatchSize"] = _capacity(rolling.rollback_maximum_batch_size)
        if rolling.maximum_execution_timeout_seconds is not None:
            batches["MaximumExecutionTimeoutInSeconds"] = rolling.maximum_execution_timeout_seconds
        request["RollingUpdatePolicy"] = batches
    if config.alarms:
        request["AutoRollbackConfiguration"] = {
            "Alarms": [{"AlarmName": alarm} for alarm in config.alarms]
        }
    return request


def update_endpoint(action: UpdateEndpoint) -> Request:
    """RetainAllVariantProperties keeps an autoscaled instance count; the count is excluded
    from retention when the spec owns it. DeploymentConfig only with spec.rollout."""
    excluded = (
        [{"VariantPropertyType": "DesiredInstanceCount"}] if action.apply_instance_count else []
    )
    request: Request = {
        "EndpointName": action.name,
        "EndpointConfigName": action.config_name,
        "RetainAllVariantProperties": True,
        "ExcludeRetainedVariantProperties": excluded,
    }
    if action.deployment_config is not None:
        request["DeploymentConfig"] = deployment_config(action.deployment_config)
    return request
