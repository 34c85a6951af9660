"""The SageMaker Model Registry: model package groups and their versioned packages
(reference §4), plus unversioned packages."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, Final

from sagemaker_emulator.arns import is_arn, parse_arn, sagemaker_arn
from sagemaker_emulator.context import Call, Params, Result
from sagemaker_emulator.errors import AwsError, conflict, validation_error
from sagemaker_emulator.listing import Listed, list_page, with_token
from sagemaker_emulator.records import ModelPackage, ModelPackageGroup
from sagemaker_emulator.state import PACKAGE_STATUSES, EmulatorState, Partition
from sagemaker_emulator.tagging import set_initial_tags, tags_from_request

STATE_CHANGE_EVENT: Final = "SageMaker Model Package State Change"
# Not documented; the value SageMaker is expected to use (reference §4, open question 3).
DEFAULT_APPROVAL_STATUS: Final = "PendingManualApproval"

# Request fields stored verbatim and returned by DescribeModelPackage.
_ECHOED_FIELDS: Final = (
    "MetadataProperties",
    "ModelMetrics",
    "Domain",
    "Task",
    "SamplePayloadUrl",
    "DriftCheckBaselines",
    "AdditionalInferenceSpecifications",
    "SkipModelValidation",
    "SourceUri",
    "SecurityConfig",
    "ValidationSpecification",
    "SourceAlgorithmSpecification",
    "ModelCard",
)


# ---------------------------------------------------------------------- lookups


def _group_arn(partition: Partition, name: str) -> str:
    return sagemaker_arn(partition.region, partition.account_id, "model-package-group", name)


def _package_arn(partition: Partition, name: str) -> str:
    return sagemaker_arn(partition.region, partition.account_id, "model-package", name)


def resolve_group(call: Call, name_or_arn: str) -> tuple[Partition, ModelPackageGroup]:
    partition, name = _group_location(call, name_or_arn)
    group = partition.groups.get(name.lower())
    if group is None:
        raise validation_error(f"ModelPackageGroup {_group_arn(partition, name)} does not exist.")
    return partition, group


def _group_location(call: Call, name_or_arn: str) -> tuple[Partition, str]:
    if not is_arn(name_or_arn):
        return call.partition, name_or_arn
    parsed = parse_arn(name_or_arn)
    if parsed is None or parsed.resource_type != "model-package-group":
        raise validation_error(f"{name_or_arn} is not a model package group ARN.")
    return call.partition_of(parsed.account_id, parsed.region), parsed.resource


def resolve_package(call: Call, name_or_arn: str) -> tuple[Partition, ModelPackage]:
    """A package by name, ``group/version``, ARN or versioned ARN, in any account."""
    if is_arn(name_or_arn):
        parsed = parse_arn(name_or_arn)
        if parsed is None or parsed.resource_type != "model-package":
            raise validation_error(f"{name_or_arn} is not a model package ARN.")
        partition = call.partition_of(parsed.account_id, parsed.region)
        arn = name_or_arn.lower()
    else:
        partition = call.partition
        arn = _package_arn(partition, name_or_arn)
    package = partition.packages.get(arn)
    if package is None:
        raise validation_error(f"ModelPackage {arn} does not exist.")
    return partition, package


# ---------------------------------------------------------------------- views


def group_view(group: ModelPackageGroup) -> Result:
    result: Result = {
        "ModelPackageGroupName": group.name,
        "ModelPackageGroupArn": group.arn,
        "CreationTime": group.created_at,
        "ModelPackageGroupStatus": "Completed",
    }
    if group.description is not None:
        result["ModelPackageGroupDescription"] = group.description
    return result


def describe_package_view(package: ModelPackage) -> Result:
    """DescribeModelPackage's answer, also the ``detail`` of state-change events."""
    result: Result = {
        "ModelPackageName": package.name,
        "ModelPackageArn": package.arn,
        "CreationTime": package.created_at,
        "ModelPackageStatus": package.package_status,
        "ModelPackageStatusDetails": {"ValidationStatuses": [], "ImageScanStatuses": []},
        "CertifyForMarketplace": False,
        "ModelPackageRegistrationType": "Registered",
    }
    if package.versioned:
        result["ModelPackageGroupName"] = package.group_name
        result["ModelPackageVersion"] = package.version
    optional = {
        "ModelPackageDescription": package.description,
        "ModelApprovalStatus": package.approval_status,
        "ApprovalDescription": package.approval_description,
        "InferenceSpecification": package.inference_specification,
        "LastModifiedTime": package.last_modified_at,
        "CustomerMetadataProperties": dict(package.customer_metadata) or None,
        "ModelLifeCycle": package.model_life_cycle,
    }
    result.update({key: value for key, value in optional.items() if value is not None})
    result.update(package.echo)
    return result


def _package_summary(package: ModelPackage) -> Result:
    result: Result = {
        "ModelPackageName": package.name,
        "ModelPackageArn": package.arn,
        "CreationTime": package.created_at,
        "ModelPackageStatus": package.package_status,
        "ModelPackageRegistrationType": "Registered",
    }
    if package.versioned:
        result["ModelPackageGroupName"] = package.group_name
        result["ModelPackageVersion"] = package.version
    if package.description is not None:
        result["ModelPackageDescription"] = package.description
    if package.approval_status is not None:
        result["ModelApprovalStatus"] = package.approval_status
    if package.model_life_cycle is not None:
        result["ModelLifeCycle"] = package.model_life_cycle
    return result


def _emit_state_change(call: Call, partition: Partition, package: ModelPackage) -> None:
    if not package.versioned:
        return
    detail = describe_package_view(package)
    # Events carry ISO-8601 times where the API returns epoch numbers (reference §5).
    for key in ("CreationTime", "LastModifiedTime"):
        if key in detail:
            detail[key] = _iso(detail[key])
    call.emit(partition, STATE_CHANGE_EVENT, (package.arn,), detail)


def _iso(epoch: float) -> str:
    return (
        datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    )


# ---------------------------------------------------------------------- groups


def create_model_package_group(call: Call, params: Params) -> Result:
    partition = call.partition
    name = params["ModelPackageGroupName"]
    arn = _group_arn(partition, name)
    if name.lower() in partition.groups:
        raise validation_error(f'Cannot create already existing model package group "{arn}".')
    tags = tags_from_request(params.get("Tags"))
    partition.groups[name.lower()] = ModelPackageGroup(
        name=name,
        arn=arn,
        description=params.get("ModelPackageGroupDescription"),
        created_at=call.now,
        sequence=call.state.next_sequence(),
    )
    if tags:
        partition.tags[arn] = tags
    return {"ModelPackageGroupArn": arn}


def describe_model_package_group(call: Call, params: Params) -> Result:
    _, group = resolve_group(call, params["ModelPackageGroupName"])
    return group_view(group) | {"CreatedBy": {}}


def list_model_package_groups(call: Call, params: Params) -> Result:
    page = list_page(
        list(call.partition.groups.values()),
        params,
        Listed[ModelPackageGroup](
            name=lambda g: g.name, created_at=lambda g: g.created_at, sequence=lambda g: g.sequence
        ),
        scope="ListModelPackageGroups",
        default_order="Ascending",
    )
    return with_token({"ModelPackageGroupSummaryList": [group_view(g) for g in page.items]}, page)


def delete_model_package_group(call: Call, params: Params) -> Result:
    partition, group = resolve_group(call, params["ModelPackageGroupName"])
    if any(p.group_name == group.name for p in partition.packages.values()):
        # Not documented (reference §4, open question 7); the likely condition.
        raise conflict(
            f"Model package group {group.arn} cannot be deleted because it still "
            "contains model package versions."
        )
    del partition.groups[group.name.lower()]
    partition.tags.pop(group.arn, None)
    return {}


# ---------------------------------------------------------------------- packages


def create_model_package(call: Call, params: Params) -> Result:
    group_ref = params.get("ModelPackageGroupName")
    unversioned_name = params.get("ModelPackageName")
    if (group_ref is None) == (unversioned_name is None):
        raise validation_error(
            "Specify exactly one of ModelPackageGroupName (versioned model package) and "
            "ModelPackageName (unversioned model package)."
        )
    token = params.get("ClientToken")
    if token is not None:
        earlier = call.partition.client_tokens.get(token)
        if earlier is not None and _package_exists(call, earlier):
            return {"ModelPackageArn": earlier}
    approval = params.get("ModelApprovalStatus")
    fields: dict[str, Any] = {
        "created_at": call.now,
        "sequence": call.state.next_sequence(),
        "package_status": call.state.settings.initial_package_status,
        "description": params.get("ModelPackageDescription"),
        "inference_specification": copy.deepcopy(params.get("InferenceSpecification")),
        "customer_metadata": dict(params.get("CustomerMetadataProperties") or {}),
        "model_life_cycle": copy.deepcopy(params.get("ModelLifeCycle")),
        "echo": {k: copy.deepcopy(params[k]) for k in _ECHOED_FIELDS if k in params},
    }
    if group_ref is not None:
        if params.get("Tags"):
            raise validation_error(
                "Tags cannot be specified for a versioned model package: it uses the tags "
                "of its model package group."
            )
        partition, group = resolve_group(call, group_ref)
        version = group.last_version + 1
        partition.groups[group.name.lower()] = replace(group, last_version=version)
        arn = _package_arn(partition, f"{group.name}/{version}")
        package = ModelPackage(
            arn=arn,
            name=group.name,
            group_name=group.name,
            version=version,
            approval_status=approval or DEFAULT_APPROVAL_STATUS,
            **fields,
        )
        # Versioned packages carry their group's tags (copied when created).
        if group.arn in partition.tags:
            partition.tags[arn] = dict(partition.tags[group.arn])
    else:
        partition = call.partition
        if unversioned_name is None:
            raise RuntimeError("an unversioned package is created only with a name")
        arn = _package_arn(partition, unversioned_name)
        if arn in partition.packages:
            raise validation_error(f'Cannot create already existing model package "{arn}".')
        package = ModelPackage(
            arn=arn,
            name=unversioned_name,
            group_name=None,
            version=None,
            approval_status=approval,
            **fields,
        )
        set_initial_tags(partition, arn, params.get("Tags"))
    partition.packages[arn] = package
    if token is not None:
        call.partition.client_tokens[token] = arn
    _emit_state_change(call, partition, package)
    return {"ModelPackageArn": arn}


def _package_exists(call: Call, arn: str) -> bool:
    try:
        resolve_package(call, arn)
    except AwsError:
        return False
    return True


def describe_model_package(call: Call, params: Params) -> Result:
    _, package = resolve_package(call, params["ModelPackageName"])
    return describe_package_view(package)


def batch_describe_model_package(call: Call, params: Params) -> Result:
    summaries: dict[str, Result] = {}
    errors: dict[str, Result] = {}
    for arn in params["ModelPackageArnList"]:
        try:
            _, package = resolve_package(call, arn)
        except AwsError as error:
            errors[arn] = {"ErrorCode": error.code, "ErrorResponse": error.message}
            continue
        view = describe_package_view(package)
        summaries[arn] = {
            key: view[key]
            for key in (
                "ModelPackageGroupName",
                "ModelPackageVersion",
                "ModelPackageArn",
                "ModelPackageDescription",
                "CreationTime",
                "InferenceSpecification",
                "ModelPackageStatus",
                "ModelApprovalStatus",
                "ModelPackageRegistrationType",
            )
            if key in view
        }
    result: Result = {"ModelPackageSummaries": summaries}
    if errors:
        result["BatchDescribeModelPackageErrorMap"] = errors
    return result


def update_model_package(call: Call, params: Params) -> Result:
    partition, package = resolve_package(call, params["ModelPackageArn"])
    metadata = dict(package.customer_metadata)
    metadata.update(params.get("CustomerMetadataProperties") or {})
    for key in params.get("CustomerMetadataPropertiesToRemove") or []:
        metadata.pop(key, None)
    approval = params.get("ModelApprovalStatus", package.approval_status)
    life_cycle = params.get("ModelLifeCycle", package.model_life_cycle)
    echo = dict(package.echo)
    if "SourceUri" in params:
        echo["SourceUri"] = params["SourceUri"]
    if "ModelCard" in params:
        echo["ModelCard"] = copy.deepcopy(params["ModelCard"])
    if params.get("AdditionalInferenceSpecificationsToAdd"):
        echo["AdditionalInferenceSpecifications"] = [
            *echo.get("AdditionalInferenceSpecifications", []),
            *copy.deepcopy(params["AdditionalInferenceSpecificationsToAdd"]),
        ]
    updated = replace(
        package,
        approval_status=approval,
        approval_description=params.get("ApprovalDescription", package.approval_description),
        customer_metadata=metadata,
        model_life_cycle=copy.deepcopy(life_cycle),
        inference_specification=copy.deepcopy(
            params.get("InferenceSpecification", package.inference_specification)
        ),
        last_modified_at=call.now,
        echo=echo,
    )
    partition.packages[package.arn] = updated
    if approval != package.approval_status or life_cycle != package.model_life_cycle:
        _emit_state_change(call, partition, updated)
    return {"ModelPackageArn": package.arn}


def delete_model_package(call: Call, params: Params) -> Result:
    partition, package = resolve_package(call, params["ModelPackageName"])
    del partition.packages[package.arn]
    partition.tags.pop(package.arn, None)
    return {}


def list_model_packages(call: Call, params: Params) -> Result:
    group_ref = params.get("ModelPackageGroupName")
    partition = call.partition
    group_name: str | None = None
    if group_ref is not None:
        partition, group_name = _group_location(call, group_ref)
    # The API reference says the default type is Unversioned, yet listing by group
    # returns the group's versions (reference §4): default to Versioned then.
    package_type = params.get("ModelPackageType", "Versioned" if group_ref else "Unversioned")
    approval = params.get("ModelApprovalStatus")
    candidates = [
        p
        for p in partition.packages.values()
        if (package_type == "Both" or p.versioned == (package_type == "Versioned"))
        and (group_name is None or (p.group_name or "").lower() == group_name.lower())
        and (approval is None or p.approval_status == approval)
    ]
    page = list_page(
        candidates,
        params,
        Listed[ModelPackage](
            name=lambda p: p.name, created_at=lambda p: p.created_at, sequence=lambda p: p.sequence
        ),
        scope=f"ListModelPackages:{partition.account_id}:{group_name}",
        default_order="Ascending",
    )
    return with_token({"ModelPackageSummaryList": [_package_summary(p) for p in page.items]}, page)


# ---------------------------------------------------------------------- control API


def set_package_status(state: EmulatorState, package_arn: str, status: str) -> Call:
    """Move a package to ``status`` (for example InProgress -> Completed), as SageMaker's
    own validation would. Returns the call context so the caller can deliver its events."""
    if status not in PACKAGE_STATUSES:
        raise ValueError(f"status must be one of {list(PACKAGE_STATUSES)}")
    parsed = parse_arn(package_arn)
    if parsed is None:
        raise ValueError(f"{package_arn} is not a model package ARN")
    call = Call(
        "emulator",
        "SetModelPackageStatus",
        parsed.account_id,
        parsed.region,
        state.clock.now(),
        state,
    )
    partition, package = resolve_package(call, package_arn)
    updated = replace(package, package_status=status, last_modified_at=call.now)
    partition.packages[package.arn] = updated
    if status != package.package_status:
        _emit_state_change(call, partition, updated)
    return call


OPERATIONS: Final = {
    "CreateModelPackageGroup": create_model_package_group,
    "DescribeModelPackageGroup": describe_model_package_group,
    "ListModelPackageGroups": list_model_package_groups,
    "DeleteModelPackageGroup": delete_model_package_group,
    "CreateModelPackage": create_model_package,
    "DescribeModelPackage": describe_model_package,
    "BatchDescribeModelPackage": batch_describe_model_package,
    "UpdateModelPackage": update_model_package,
    "DeleteModelPackage": delete_model_package,
    "ListModelPackages": list_model_packages,
}
