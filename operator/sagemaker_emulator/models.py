"""SageMaker Models: CreateModel (from an image or a registry package), DescribeModel,
ListModels, DeleteModel."""

from __future__ import annotations

import copy
from typing import Any, Final

from sagemaker_emulator.arns import sagemaker_arn
from sagemaker_emulator.context import Call, Params, Result
from sagemaker_emulator.errors import AwsError, validation_error
from sagemaker_emulator.listing import Listed, list_page, with_token
from sagemaker_emulator.records import Model, ServedModel
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


def _served_model(call: Call, name: str, arn: str, container: dict[str, Any]) -> ServedModel:
    package_ref = container.get("ModelPackageName")
    if package_ref is None:
        if not container.get("Image"):
            raise validation_error("Each container must specify either Image or ModelPackageName.")
        return ServedModel(
            name, arn, container["Image"], container.get("ModelDataUrl"), None, None, None
        )
    _, package = resolve_package(call, package_ref)
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
    spec_containers = (package.inference_specification or {}).get("Containers") or [{}]
    first = spec_containers[0]
    return ServedModel(
        model_name=name,
        model_arn=arn,
        image=first.get("Image"),
        model_data_url=first.get("ModelDataUrl"),
        package_arn=package.arn,
        package_group=package.group_name,
        package_version=package.version,
    )


def create_model(call: Call, params: Params) -> Result:
    partition = call.partition
    name = params["ModelName"]
    arn = model_arn(partition, name)
    if name.lower() in partition.models:
        raise validation_error(f'Cannot create already existing model "{arn}".')
    primary = params.get("PrimaryContainer")
    containers = params.get("Containers")
    if primary is not None and containers is not None:
        raise validation_error("Specify either PrimaryContainer or Containers, not both.")
    if primary is None and not containers:
        raise validation_error("A model needs a PrimaryContainer or at least one container.")
    all_containers: list[dict[str, Any]] = (
        [primary] if primary is not None else list(containers or [])
    )
    served = [_served_model(call, name, arn, c) for c in all_containers]
    partition.models[name.lower()] = Model(
        name=name,
        arn=arn,
        created_at=call.now,
        sequence=call.state.next_sequence(),
        served=served[0],
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
