"""Inference components: describing a component into the domain's shapes and applying the
component actions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from model_deployment_operator.domain.fleet.actions import (
    CreateInferenceComponent,
    DeleteInferenceComponent,
    SetCopyCount,
    UpdateInferenceComponent,
)
from model_deployment_operator.domain.rendering.inference_component import (
    ComponentSpec,
    ComputeRequirements,
    InferenceComponentTarget,
    RollingUpdate,
)
from model_deployment_operator.domain.shared_observed import ObservedComponent
from model_deployment_operator.sagemaker.calls import read, write
from model_deployment_operator.sagemaker.requests import tag_list

if TYPE_CHECKING:
    from mypy_boto3_sagemaker import SageMakerClient

Request = dict[str, Any]


def specification(spec: ComponentSpec) -> Request:
    compute: Request = {"MinMemoryRequiredInMb": spec.compute.memory_mb}
    if spec.compute.cpu_cores is not None:
        compute["NumberOfCpuCoresRequired"] = spec.compute.cpu_cores
    if spec.compute.max_memory_mb is not None:
        compute["MaxMemoryRequiredInMb"] = spec.compute.max_memory_mb
    if spec.compute.accelerator_devices is not None:
        compute["NumberOfAcceleratorDevicesRequired"] = spec.compute.accelerator_devices
    request: Request = {"ModelName": spec.model_name, "ComputeResourceRequirements": compute}
    if spec.startup_timeout_seconds is not None:
        request["StartupParameters"] = {
            "ContainerStartupHealthCheckTimeoutInSeconds": spec.startup_timeout_seconds
        }
    return request


def spec_from(item: Any) -> ComponentSpec | None:
    if not item or "ModelName" not in item:
        return None
    compute = item.get("ComputeResourceRequirements") or {}
    cpu = compute.get("NumberOfCpuCoresRequired")
    startup = (item.get("StartupParameters") or {}).get(
        "ContainerStartupHealthCheckTimeoutInSeconds"
    )
    return ComponentSpec(
        model_name=item["ModelName"],
        compute=ComputeRequirements(
            memory_mb=int(compute.get("MinMemoryRequiredInMb", 0)),
            cpu_cores=float(cpu) if cpu is not None else None,
            max_memory_mb=compute.get("MaxMemoryRequiredInMb"),
            accelerator_devices=compute.get("NumberOfAcceleratorDevicesRequired"),
        ),
        startup_timeout_seconds=startup,
    )


def deployment_config(rolling: RollingUpdate) -> Request:
    policy: Request = {
        "MaximumBatchSize": {
            "Type": rolling.maximum_batch_size.type,
            "Value": rolling.maximum_batch_size.value,
        },
        "WaitIntervalInSeconds": rolling.wait_interval_seconds,
    }
    if rolling.rollback_maximum_batch_size is not None:
        policy["RollbackMaximumBatchSize"] = {
            "Type": rolling.rollback_maximum_batch_size.type,
            "Value": rolling.rollback_maximum_batch_size.value,
        }
    if rolling.maximum_execution_timeout_seconds is not None:
        policy["MaximumExecutionTimeoutInSeconds"] = rolling.maximum_execution_timeout_seconds
    config: Request = {"RollingUpdatePolicy": policy}
    if rolling.alarms:
        config["AutoRollbackConfiguration"] = {
            "Alarms": [{"AlarmName": alarm} for alarm in rolling.alarms]
        }
    return config


def create_request(
    component: InferenceComponentTarget, tags: tuple[tuple[str, str], ...]
) -> Request:
    return {
        "InferenceComponentName": component.name,
        "EndpointName": component.endpoint_name,
        "VariantName": component.variant_name,
        "Specification": specification(component.spec),
        "RuntimeConfig": {"CopyCount": component.copy_count},
        "Tags": tag_list(tags),
    }


def update_request(component: InferenceComponentTarget) -> Request:
    request: Request = {
        "InferenceComponentName": component.name,
        "Specification": specification(component.spec),
    }
    if component.rolling_update is not None:
        request["DeploymentConfig"] = deployment_config(component.rolling_update)
    return request


class InferenceComponents:
    def __init__(self, sagemaker: SageMakerClient) -> None:
        self._sagemaker = sagemaker

    def describe(self, name: str) -> ObservedComponent | None:
        sm = self._sagemaker
        response = read(
            "sagemaker",
            "DescribeInferenceComponent",
            lambda: sm.describe_inference_component(InferenceComponentName=name),
        )
        if response is None:
            return None
        runtime = response.get("RuntimeConfig") or {}
        return ObservedComponent(
            name=response["InferenceComponentName"],
            arn=response["InferenceComponentArn"],
            status=response.get("InferenceComponentStatus", ""),
            endpoint_name=response.get("EndpointName", ""),
            spec=spec_from(response.get("Specification")),
            desired_copies=runtime.get("DesiredCopyCount"),
            current_copies=runtime.get("CurrentCopyCount"),
            failure_reason=response.get("FailureReason") or None,
        )

    def apply(
        self,
        action: CreateInferenceComponent
        | UpdateInferenceComponent
        | SetCopyCount
        | DeleteInferenceComponent,
    ) -> None:
        sm = self._sagemaker
        match action:
            case CreateInferenceComponent():
                request = create_request(action.component, action.tags)
                write(
                    "sagemaker",
                    "CreateInferenceComponent",
                    lambda: sm.create_inference_component(**request),
                    exists_ok=True,
                )
            case UpdateInferenceComponent():
                update = update_request(action.component)
                write(
                    "sagemaker",
                    "UpdateInferenceComponent",
                    lambda: sm.update_inference_component(**update),
                )
            case SetCopyCount():
                write(
                    "sagemaker",
                    "UpdateInferenceComponentRuntimeConfig",
                    lambda: sm.update_inference_component_runtime_config(
                        InferenceComponentName=action.name,
                        DesiredRuntimeConfig={"CopyCount": action.copy_count},
                    ),
                )
            case DeleteInferenceComponent():
                write(
                    "sagemaker",
                    "DeleteInferenceComponent",
                    lambda: sm.delete_inference_component(InferenceComponentName=action.name),
                    missing_ok=True,
                )
