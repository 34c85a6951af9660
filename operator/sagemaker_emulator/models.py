"""SageMaker Models: CreateModel (from an image or a registry package), DescribeModel,
ListModels, DeleteModel."""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any, Final

from sagemaker_emulator.arns import sagemaker_arn
from sagemaker_emulator.context import Call, Params, Result
from sagemaker_emulator.errors import AwsError, validation_error
from sagemaker_emulator.listing import Listed, list_page, with_token
from sagemaker_emulator.records import Model, ModelPackage, ServedContainer, ServedModel
from sagemaker_emulator.registry import resolve_package
from sagemaker_emulator.state import Partition
from sagemaker_emulator.tagging import set_initial_tags

_ECHOED_FIELDS: Final = (
    "PrimaryContainer",
    "Containers",
    "InferenceExecutionConfig",
    "ExecutionRoleArn",
    "VpcConfig",
)


def model_arn(partition: Partition, name: str) -> str:
    return sagemaker_arn(partition.region, partition.account_id, "model", name)


def model_not_found(partition: Partition, name: str) -> AwsError:
    return validation_error(f'Could not find model "{model_arn(partition, name)}".')


# ContainerDefinition API reference, Environment: all the maps of a CreateModel request,
# combined, are at most 32 KB (the service model bounds only each key and value). The
# wording of the refusal is the emulator's.
MAX_ENVIRONMENT_BYTES: Final = 32 * 1024


def _check_package_deployable(package: ModelPackage) -> None:
    # AWS's behaviour here is undocumented (reference §4, open question 1). The emulator
    # refuses what the API reference says cannot be deployed, so an operator that skips
    # its own gate fails loudly in tests.
    if package.versioned and package.approval_status != "Approved":
        raise validation_error(
            f"Model package {package.arn} cannot be deployed: its ModelApprovalStatus is "
            f"{package.approval_status}; a versioned model package must be Approved."
        )
    if package.package_status != "Completed":
        raise validation_error(
            f"Model package {package.arn} cannot be deployed: its ModelPackageStatus is "
            f"{package.package_status}, not Completed."
        )


def _package_containers(package: ModelPackage, specification_name: str | None) -> list[Any]:
    """The containers of the package's inference specification, or of the additional
    specification named by InferenceSpecificationName (CreateModel API reference)."""
    if specification_name is None:
        return list((package.inference_specification or {}).get("Containers") or [])
    for additional in package.echo.get("AdditionalInferenceSpecifications") or []:
        if additional.get("Name") == specification_name:
            return list(additional.get("Containers") or [])
    raise validation_error(
        f"Model package {package.arn} has no additional inference specification named "
        f"{specification_name}."
    )


def _expand_container(call: Call, container: dict[str, Any]) -> list[ServedContainer]:
    """A CreateModel container as the containers SageMaker runs: itself, or every
    container of the model package it names (an inference pipeline when several)."""
    environment = dict(container.get("Environment") or {})
    mode = container.get("Mode", "SingleModel")
    if mode == "MultiModel" and not container.get("ModelDataUrl"):
        # A multi-model container loads its models from this S3 prefix ("Create a
        # multi-model endpoint", developer guide); the wording is the emulator's.
        raise validation_error(
            "A container in MultiModel mode needs ModelDataUrl: the S3 prefix of its models."
        )
    caching = (container.get("MultiModelConfig") or {}).get("ModelCacheSetting") != "Disabled"
    package_ref = container.get("ModelPackageName")
    if package_ref is None:
        if not container.get("Image"):
            raise validation_error("Each container must specify either Image or ModelPackageName.")
        return [
            ServedContainer(
                hostname=container.get("ContainerHostname", ""),
                image=container["Image"],
                model_data_url=container.get("ModelDataUrl"),
                environment=environment,
                mode=mode,
                model_caching=caching,
            )
        ]
    _, package = resolve_package(call, package_ref)
    _check_package_deployable(package)
    definitions = _package_containers(package, container.get("InferenceSpecificationName"))
    if not definitions:
        raise validation_error(f"Model package {package.arn} has no inference containers.")
    return [
        ServedContainer(
            hostname=definition.get("ContainerHostname", ""),
            image=definition.get("Image"),
            model_data_url=definition.get("ModelDataUrl"),
            # The package's environment, overridden by the one CreateModel gives.
            environment={**(definition.get("Environment") or {}), **environment},
            mode=mode,
            model_caching=caching,
            package_arn=package.arn,
            package_group=package.group_name,
            package_version=package.version,
        )
        for definition in definitions
    ]


def _served_model(call: Call, params: Params, name: str, arn: str) -> ServedModel:
    primary = params.get("PrimaryContainer")
    containers = params.get("Containers")
    if primary is not None and containers is not None:
        raise validation_error("Specify either PrimaryContainer or Containers, not both.")
    if primary is None and not containers:
        raise validation_error("A model needs a PrimaryContainer or at least one container.")
    requested: list[dict[str, Any]] = [primary] if primary is not None else list(containers or [])
    served: list[ServedContainer] = []
    for container in requested:
        served.extend(_expand_container(call, container))
    # Unnamed containers are called container_1, container_2, ... as in AWS's messages
    # ('Failed to download model data for container "container_1"').
    served = [
        c if c.hostname else replace(c, hostname=f"container_{index}")
        for index, c in enumerate(served, start=1)
    ]
    hostnames = [c.hostname for c in served]
    if len(set(hostnames)) != len(hostnames):
        raise validation_error("ContainerHostname must be unique within a model.")
    if sum(c.mode == "MultiModel" for c in served) > 1:
        # Multi-model endpoints guide: at most one multi-model container per pipeline.
        raise validation_error(
            "An inference pipeline can have at most one container in MultiModel mode."
        )
    environment_bytes = sum(
        len(key.encode()) + len(value.encode())
        for c in served
        for key, value in c.environment.items()
    )
    if environment_bytes > MAX_ENVIRONMENT_BYTES:
        raise validation_error(
            f"The Environment maps of all containers together are {environment_bytes} bytes; "
            f"the limit is {MAX_ENVIRONMENT_BYTES} bytes."
        )
    execution = params.get("InferenceExecutionConfig") or {}
    return ServedModel(
        model_name=name,
        model_arn=arn,
        containers=tuple(served),
        execution_mode=execution.get("Mode", "Serial"),
        network_isolation=bool(params.get("EnableNetworkIsolation", False)),
        vpc_config=copy.deepcopy(params.get("VpcConfig")),
    )


def create_model(call: Call, params: Params) -> Result:
    partition = call.partition
    name = params["ModelName"]
    arn = model_arn(partition, name)
    if name.lower() in partition.models:
        raise validation_error(f'Cannot create already existing model "{arn}".')
    served = _served_model(call, params, name, arn)
    partition.models[name.lower()] = Model(
        name=name,
        arn=arn,
        created_at=call.now,
        sequence=call.state.next_sequence(),
        served=served,
        echo={
            **{k: copy.deepcopy(params[k]) for k in _ECHOED_FIELDS if k in params},
            "EnableNetworkIsolation": params.get("EnableNetworkIsolation", False),
        },
    )
    set_initial_tags(partition, arn, params.get("Tags"))
    return {"ModelArn": arn}


def describe_model(call: Call, params: Params) -> Result:
    partition = call.partition
    model = partition.models.get(params["ModelName"].lower())
    if model is None:
        raise model_not_found(partition, params["ModelName"])
    return {
        "ModelName": model.name,
        "ModelArn": model.arn,
        "CreationTime": model.created_at,
        **copy.deepcopy(dict(model.echo)),
    }


def list_models(call: Call, params: Params) -> Result:
    page = list_page(
        list(call.partition.models.values()),
        params,
        Listed[Model](
            name=lambda m: m.name, created_at=lambda m: m.created_at, sequence=lambda m: m.sequence
        ),
        scope="ListModels",
        default_order="Descending",
    )
    return with_token(
        {
            "Models": [
                {"ModelName": m.name, "ModelArn": m.arn, "CreationTime": m.created_at}
                for m in page.items
            ]
        },
        page,
    )


def delete_model(call: Call, params: Params) -> Result:
    """Allowed even while an endpoint uses the model, as on AWS (reference §1): running
    endpoints keep serving what they captured."""
    partition = call.partition
    model = partition.models.pop(params["ModelName"].lower(), None)
    if model is None:
        raise model_not_found(partition, params["ModelName"])
    partition.tags.pop(model.arn, None)
    return {}


OPERATIONS: Final = {
    "CreateModel": create_model,
    "DescribeModel": describe_model,
    "ListModels": list_models,
    "DeleteModel": delete_model,
}
