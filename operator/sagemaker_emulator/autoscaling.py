"""Application Auto Scaling for SageMaker endpoint variants (reference §3): scalable
targets and scaling policies for ``endpoint/<name>/variant/<variant>``.

Requests for other service namespaces are handed to moto unchanged.
"""

from __future__ import annotations

import copy
import re
import uuid
from collections.abc import Callable
from dataclasses import replace
from typing import Final

from sagemaker_emulator.arns import aws_partition
from sagemaker_emulator.context import Call, Params, Result
from sagemaker_emulator.errors import (
    AwsError,
    DelegateToMoto,
    object_not_found,
    validation_error,
)
from sagemaker_emulator.lifecycle import Endpoint, EndpointStatus
from sagemaker_emulator.pagination import paginate
from sagemaker_emulator.records import ScalableTarget, ScalingPolicy
from sagemaker_emulator.state import Partition

NAMESPACE: Final = "sagemaker"
INSTANCE_COUNT: Final = "sagemaker:variant:DesiredInstanceCount"
PROVISIONED_CONCURRENCY: Final = "sagemaker:variant:DesiredProvisionedConcurrency"
_RESOURCE_ID = re.compile(r"^endpoint/(?P<endpoint>[^/]+)/variant/(?P<variant>[^/]+)$")


def _invalid_token() -> AwsError:
    return AwsError("InvalidNextTokenException", "The NextToken is not valid.", modeled=True)


def _sagemaker_only(params: Params) -> None:
    if params["ServiceNamespace"] != NAMESPACE:
        raise DelegateToMoto


def _parse_resource_id(resource_id: str) -> tuple[str, str]:
    match = _RESOURCE_ID.match(resource_id)
    if match is None:
        raise validation_error(
            f"Unsupported resource ID {resource_id}: the emulator scales SageMaker endpoint "
            "variants, endpoint/<endpoint-name>/variant/<variant-name>."
        )
    return match["endpoint"], match["variant"]


def _target_key(resource_id: str) -> tuple[str, str]:
    endpoint, variant = _parse_resource_id(resource_id)
    return endpoint.lower(), variant


def _target_not_found(params: Params, *, verb: str = "found") -> AwsError:
    return object_not_found(
        f"No scalable target {verb} for service namespace: {params['ServiceNamespace']}, "
        f"resource ID: {params['ResourceId']}, "
        f"scalable dimension: {params['ScalableDimension']}"
    )


def _find_target(partition: Partition, params: Params) -> ScalableTarget | None:
    target = partition.scalable_targets.get(_target_key(params["ResourceId"]))
    if target is None or target.dimension != params["ScalableDimension"]:
        return None
    return target


# ---------------------------------------------------------------------- targets


def register_scalable_target(call: Call, params: Params) -> Result:
    _sagemaker_only(params)
    partition = call.partition
    resource_id = params["ResourceId"]
    endpoint_name, variant_name = _parse_resource_id(resource_id)
    endpoint = partition.endpoint(endpoint_name, call.now)
    variant_serverless = _variant_kind(endpoint, variant_name)
    if endpoint is None or variant_serverless is None:
        # AWS answers ValidationException here (reference §3); the wording is the emulator's.
        raise validation_error(
            f"Unable to register scalable target: the SageMaker endpoint variant "
            f"{resource_id} does not exist."
        )
    dimension = params["ScalableDimension"]
    expected = PROVISIONED_CONCURRENCY if variant_serverless else INSTANCE_COUNT
    if dimension != expected:
        raise validation_error(
            f"Unsupported scalable dimension {dimension} for {resource_id}; use {expected}."
        )
    key = (endpoint.name.lower(), variant_name)
    existing = partition.scalable_targets.get(key)
    minimum = params.get("MinCapacity", existing.min_capacity if existing else None)
    maximum = params.get("MaxCapacity", existing.max_capacity if existing else None)
    if minimum is None or maximum is None:
        raise validation_error(
            "MinCapacity and MaxCapacity are required to register a new scalable target."
        )
    if minimum > maximum:
        raise validation_error(
            f"Minimum capacity ({minimum}) cannot be greater than maximum capacity ({maximum})."
        )
    region, account = partition.region, partition.account_id
    target = ScalableTarget(
        resource_id=existing.resource_id if existing else resource_id,
        endpoint_key=key[0],
        variant_name=variant_name,
        dimension=dimension,
        min_capacity=minimum,
        max_capacity=maximum,
        created_at=existing.created_at if existing else call.now,
        arn=existing.arn
        if existing
        else (
            f"arn:{aws_partition(region)}:application-autoscaling:{region}:{account}:"
            f"scalable-target/{uuid.uuid4().hex}{uuid.uuid4().hex[:4]}"
        ),
        role_arn=params.get("RoleARN")
        or (
            f"arn:{aws_partition(region)}:iam::{account}:role/aws-service-role/"
            "sagemaker.application-autoscaling.amazonaws.com/"
            "AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint"
        ),
        suspended_state=dict(
            params.get("SuspendedState")
            or (existing.suspended_state if existing else _NOT_SUSPENDED)
        ),
    )
    partition.scalable_targets[key] = target
    if not variant_serverless:
        _clamp_capacity(endpoint, variant_name, minimum, maximum)
    return {"ScalableTargetARN": target.arn}


_NOT_SUSPENDED: Final = {
    "DynamicScalingInSuspended": False,
    "DynamicScalingOutSuspended": False,
    "ScheduledScalingSuspended": False,
}


def _variant_kind(endpoint: Endpoint | None, variant_name: str) -> bool | None:
    """True for a serverless variant, False for instance-based, None when absent."""
    if endpoint is None or endpoint.status in (EndpointStatus.DELETING, EndpointStatus.FAILED):
        return None
    candidates = list(endpoint.variants)
    if endpoint.pending is not None:
        candidates.extend(endpoint.pending.variants)
    for variant in candidates:
        if variant.name == variant_name:
            return variant.serverless is not None
    return None


def _clamp_capacity(endpoint: Endpoint, variant_name: str, minimum: int, maximum: int) -> None:
    """Registering moves the variant's capacity into [min, max] at once (reference §3).
    AWS does this through a scaling activity; the emulator applies it without one."""
    variants = []
    for variant in endpoint.variants:
        count = variant.desired_count
        clamped = count
        if variant.name == variant_name and count is not None:
            clamped = min(max(count, minimum), maximum)
        if clamped != count:
            variants.append(replace(variant, desired_count=clamped, current_count=clamped))
        else:
            variants.append(variant)
    endpoint.set_variants(variants)


def _target_view(target: ScalableTarget) -> Result:
    return {
        "ServiceNamespace": NAMESPACE,
        "ResourceId": target.resource_id,
        "ScalableDimension": target.dimension,
        "MinCapacity": target.min_capacity,
        "MaxCapacity": target.max_capacity,
        "RoleARN": target.role_arn,
        "CreationTime": target.created_at,
        "SuspendedState": dict(target.suspended_state),
        "ScalableTargetARN": target.arn,
    }


def describe_scalable_targets(call: Call, params: Params) -> Result:
    _sagemaker_only(params)
    wanted_ids = params.get("ResourceIds")
    wanted_keys = {_target_key(r) for r in wanted_ids} if wanted_ids else None
    dimension = params.get("ScalableDimension")
    targets = [
        target
        for key, target in call.partition.scalable_targets.items()
        if (wanted_keys is None or key in wanted_keys)
        and (dimension is None or target.dimension == dimension)
    ]
    page = paginate(
        targets,
        lambda t: (t.created_at, t.resource_id),
        descending=False,
        max_results=params.get("MaxResults", 50),
        next_token=params.get("NextToken"),
        scope="DescribeScalableTargets",
        invalid_token=_invalid_token,
    )
    result: Result = {"ScalableTargets": [_target_view(t) for t in page.items]}
    if page.next_token:
        result["NextToken"] = page.next_token
    return result


def deregister_scalable_target(call: Call, params: Params) -> Result:
    _sagemaker_only(params)
    target = _find_target(call.partition, params)
    if target is None:
        raise _target_not_found(params)
    call.partition.deregister_target(target)
    return {}


# ---------------------------------------------------------------------- policies


def put_scaling_policy(call: Call, params: Params) -> Result:
    _sagemaker_only(params)
    partition = call.partition
    target = _find_target(partition, params)
    if target is None:
        raise _target_not_found(params, verb="registered")
    policy_type = params.get("PolicyType", "StepScaling")
    configuration_field = {
        "TargetTrackingScaling": "TargetTrackingScalingPolicyConfiguration",
        "StepScaling": "StepScalingPolicyConfiguration",
        "PredictiveScaling": "PredictiveScalingPolicyConfiguration",
    }[policy_type]
    configuration = params.get(configuration_field)
    if configuration is None:
        raise validation_error(f"{configuration_field} is required for a {policy_type} policy.")
    if policy_type == "TargetTrackingScaling":
        _check_target_tracking(configuration)
    name = params["PolicyName"]
    key = (name, target.resource_id, target.dimension)
    existing = partition.scaling_policies.get(key)
    region, account = partition.region, partition.account_id
    policy_id = uuid.uuid4()
    policy = ScalingPolicy(
        name=name,
        resource_id=target.resource_id,
        dimension=target.dimension,
        policy_type=policy_type,
        arn=existing.arn
        if existing
        else (
            f"arn:{aws_partition(region)}:autoscaling:{region}:{account}:scalingPolicy:"
            f"{policy_id}:resource/sagemaker/{target.resource_id}:policyName/{name}"
        ),
        created_at=existing.created_at if existing else call.now,
        configuration=copy.deepcopy(configuration),
        alarms=existing.alarms
        if existing
        else _target_tracking_alarms(partition, target, policy_id, policy_type),
    )
    partition.scaling_policies[key] = policy
    return {"PolicyARN": policy.arn, "Alarms": [dict(a) for a in policy.alarms]}


def _check_target_tracking(configuration: Params) -> None:
    predefined = configuration.get("PredefinedMetricSpecification")
    custom = configuration.get("CustomizedMetricSpecification")
    if (predefined is None) == (custom is None):
        raise validation_error(
            "Specify exactly one of PredefinedMetricSpecification and "
            "CustomizedMetricSpecification."
        )
    if predefined is not None and not predefined["PredefinedMetricType"].startswith("SageMaker"):
        raise validation_error(
            f"Predefined metric {predefined['PredefinedMetricType']} is not supported for "
            "SageMaker endpoint variants."
        )


def _target_tracking_alarms(
    partition: Partition, target: ScalableTarget, policy_id: uuid.UUID, policy_type: str
) -> tuple[dict[str, str], ...]:
    """The CloudWatch alarms AWS creates for a target-tracking policy. The emulator only
    reports them; it does not create them in CloudWatch."""
    if policy_type != "TargetTrackingScaling":
        return ()
    region, account = partition.region, partition.account_id
    alarms = []
    for side in ("AlarmHigh", "AlarmLow"):
        name = f"TargetTracking-{target.resource_id}-{side}-{policy_id}"
        arn = f"arn:{aws_partition(region)}:cloudwatch:{region}:{account}:alarm:{name}"
        alarms.append({"AlarmName": name, "AlarmARN": arn})
    return tuple(alarms)


def _policy_view(policy: ScalingPolicy) -> Result:
    configuration_field = {
        "TargetTrackingScaling": "TargetTrackingScalingPolicyConfiguration",
        "StepScaling": "StepScalingPolicyConfiguration",
        "PredictiveScaling": "PredictiveScalingPolicyConfiguration",
    }[policy.policy_type]
    return {
        "PolicyARN": policy.arn,
        "PolicyName": policy.name,
        "ServiceNamespace": NAMESPACE,
        "ResourceId": policy.resource_id,
        "ScalableDimension": policy.dimension,
        "PolicyType": policy.policy_type,
        configuration_field: copy.deepcopy(dict(policy.configuration)),
        "Alarms": [dict(a) for a in policy.alarms],
        "CreationTime": policy.created_at,
    }


def describe_scaling_policies(call: Call, params: Params) -> Result:
    _sagemaker_only(params)
    names = params.get("PolicyNames")
    resource_id = params.get("ResourceId")
    resource_key = _target_key(resource_id) if resource_id else None
    dimension = params.get("ScalableDimension")
    policies = [
        p
        for p in call.partition.scaling_policies.values()
        if (not names or p.name in names)
        and (resource_key is None or _target_key(p.resource_id) == resource_key)
        and (dimension is None or p.dimension == dimension)
    ]
    page = paginate(
        policies,
        lambda p: (p.created_at, p.resource_id, p.name),
        descending=False,
        max_results=params.get("MaxResults", 50),
        next_token=params.get("NextToken"),
        scope="DescribeScalingPolicies",
        invalid_token=_invalid_token,
    )
    result: Result = {"ScalingPolicies": [_policy_view(p) for p in page.items]}
    if page.next_token:
        result["NextToken"] = page.next_token
    return result


def delete_scaling_policy(call: Call, params: Params) -> Result:
    _sagemaker_only(params)
    partition = call.partition
    target = _find_target(partition, params)
    key = (params["PolicyName"], target.resource_id if target else "", params["ScalableDimension"])
    if partition.scaling_policies.pop(key, None) is None:
        raise object_not_found(
            f"No scaling policy found for service namespace: {params['ServiceNamespace']}, "
            f"resource ID: {params['ResourceId']}, scalable dimension: "
            f"{params['ScalableDimension']}, policy name: {params['PolicyName']}"
        )
    return {}


OPERATIONS: Final[dict[str, Callable[[Call, Params], Result]]] = {
    "RegisterScalableTarget": register_scalable_target,
    "DescribeScalableTargets": describe_scalable_targets,
    "DeregisterScalableTarget": deregister_scalable_target,
    "PutScalingPolicy": put_scaling_policy,
    "DescribeScalingPolicies": describe_scaling_policies,
    "DeleteScalingPolicy": delete_scaling_policy,
}
