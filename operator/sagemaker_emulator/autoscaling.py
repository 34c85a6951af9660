"""Application Auto Scaling for SageMaker endpoint variants (reference §3): scalable
targets, scaling policies and scheduled actions for ``endpoint/<name>/variant/<variant>``.

Target-tracking policies create their CloudWatch alarms in moto's CloudWatch, as
Application Auto Scaling does ("Target tracking scaling policies", Application Auto
Scaling User Guide), and remove them with the policy or the target. Requests for other
service namespaces are handed to moto unchanged.
"""

from __future__ import annotations

import copy
import functools
import itertools
import math
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any, Final

from sagemaker_emulator.arns import aws_partition
from sagemaker_emulator.aws_backends import (
    MetricAlarm,
    alarms_with_action,
    delete_alarms,
    put_alarm,
    put_metric,
    set_alarm_state,
)
from sagemaker_emulator.components import ComponentStatus, InferenceComponent
from sagemaker_emulator.context import Call, Params, Result
from sagemaker_emulator.errors import (
    AwsError,
    DelegateToMoto,
    object_not_found,
    validation_error,
)
from sagemaker_emulator.lifecycle import Endpoint, EndpointStatus, LiveVariant
from sagemaker_emulator.pagination import paginate
from sagemaker_emulator.records import ScalableTarget, ScalingPolicy, component_target_key
from sagemaker_emulator.state import Partition

NAMESPACE: Final = "sagemaker"
INSTANCE_COUNT: Final = "sagemaker:variant:DesiredInstanceCount"
PROVISIONED_CONCURRENCY: Final = "sagemaker:variant:DesiredProvisionedConcurrency"
COPY_COUNT: Final = "sagemaker:inference-component:DesiredCopyCount"
_RESOURCE_ID = re.compile(r"^endpoint/(?P<endpoint>[^/]+)/variant/(?P<variant>[^/]+)$")
_COMPONENT_ID = re.compile(r"^inference-component/(?P<component>[^/]+)$")


def invalid_token() -> AwsError:
    return AwsError("InvalidNextTokenException", "The NextToken is not valid.", modeled=True)


def sagemaker_only(params: Params) -> None:
    if params["ServiceNamespace"] != NAMESPACE:
        raise DelegateToMoto


def _parse_resource_id(resource_id: str) -> tuple[str, str]:
    """(endpoint, variant) of ``endpoint/<endpoint>/variant/<variant>``."""
    match = _RESOURCE_ID.match(resource_id)
    if match is None:
        raise validation_error(
            f"Unsupported resource ID {resource_id}: the emulator scales SageMaker endpoint "
            "variants, endpoint/<endpoint-name>/variant/<variant-name>, and inference "
            "components, inference-component/<inference-component-name>."
        )
    return match["endpoint"], match["variant"]


def _component_of(resource_id: str) -> str | None:
    """The component of ``inference-component/<name>`` (RegisterScalableTarget API
    reference, ResourceId), or None for any other resource ID."""
    match = _COMPONENT_ID.match(resource_id)
    return match["component"] if match else None


def target_key(resource_id: str) -> tuple[str, str]:
    component = _component_of(resource_id)
    if component is not None:
        return component_target_key(component)
    endpoint, variant = _parse_resource_id(resource_id)
    return endpoint.lower(), variant


def target_not_found(params: Params, *, verb: str = "found") -> AwsError:
    return object_not_found(
        f"No scalable target {verb} for service namespace: {params['ServiceNamespace']}, "
        f"resource ID: {params['ResourceId']}, "
        f"scalable dimension: {params['ScalableDimension']}"
    )


def find_target(partition: Partition, params: Params) -> ScalableTarget | None:
    target = partition.scalable_targets.get(target_key(params["ResourceId"]))
    if target is None or target.dimension != params["ScalableDimension"]:
        return None
    return target


# ---------------------------------------------------------------------- targets


def register_scalable_target(call: Call, params: Params) -> Result:
    sagemaker_only(params)
    if _component_of(params["ResourceId"]) is not None:
        return _register_component_target(call, params)
    partition = call.partition
    resource_id = params["ResourceId"]
    endpoint_name, variant_name = _parse_resource_id(resource_id)
    endpoint = partition.endpoint(endpoint_name, call.now)
    variant = _variant(endpoint, variant_name)
    if endpoint is None or variant is None:
        # AWS answers ValidationException here (reference §3); the wording is the emulator's.
        raise validation_error(
            f"Unable to register scalable target: the SageMaker endpoint variant "
            f"{resource_id} does not exist."
        )
    if variant.hosts_components:
        # Components, not instances, are what scales on such an endpoint (developer
        # guide, "Scale an endpoint to zero instances"); ManagedInstanceScaling sizes
        # the fleet. The wording is the emulator's.
        raise validation_error(
            f"Unable to register scalable target {resource_id}: variant {variant_name} hosts "
            "inference components; register each component "
            "(inference-component/<name>, sagemaker:inference-component:DesiredCopyCount) "
            "and let ManagedInstanceScaling size the instances."
        )
    dimension = params["ScalableDimension"]
    expected = PROVISIONED_CONCURRENCY if variant.is_serverless else INSTANCE_COUNT
    if dimension != expected:
        raise validation_error(
            f"Unsupported scalable dimension {dimension} for {resource_id}; use {expected}."
        )
    _check_scalable(endpoint, variant, resource_id)
    key = (endpoint.name.lower(), variant_name)
    existing = partition.scalable_targets.get(key)
    minimum, maximum = _range(params, existing)
    _check_minimum(endpoint, variant, resource_id, minimum)
    target = _target(
        call,
        params,
        existing,
        endpoint_key=key[0],
        variant_name=variant_name,
        minimum=minimum,
        maximum=maximum,
    )
    partition.scalable_targets[key] = target
    _clamp_capacity(endpoint, variant_name, minimum, maximum, call.now)
    return {"ScalableTargetARN": target.arn}


def _range(params: Params, existing: ScalableTarget | None) -> tuple[int, int]:
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
    return int(minimum), int(maximum)


def _target(
    call: Call,
    params: Params,
    existing: ScalableTarget | None,
    *,
    endpoint_key: str,
    variant_name: str,
    minimum: int,
    maximum: int,
    component: str | None = None,
) -> ScalableTarget:
    """The target as registered: a new one, or ``existing`` with the request's changes
    (RegisterScalableTarget creates or updates)."""
    region, account = call.partition.region, call.partition.account_id
    return ScalableTarget(
        resource_id=existing.resource_id if existing else params["ResourceId"],
        endpoint_key=endpoint_key,
        variant_name=variant_name,
        dimension=params["ScalableDimension"],
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
        component=component,
    )


def _register_component_target(call: Call, params: Params) -> Result:
    """``inference-component/<name>`` on sagemaker:inference-component:DesiredCopyCount,
    whose minimum may be 0 (developer guide, "Scale an endpoint to zero instances":
    "Register the inference component as a scalable target. When you register it, set
    the minimum capacity to 0"). Registering moves the desired copy count into the range,
    through the same change UpdateInferenceComponentRuntimeConfig makes."""
    partition = call.partition
    resource_id = params["ResourceId"]
    name = _component_of(resource_id) or ""
    component = partition.component(name, call.now)
    if component is None or component.status is ComponentStatus.DELETING:
        raise validation_error(
            f"Unable to register scalable target: the SageMaker inference component "
            f"{resource_id} does not exist."
        )
    if params["ScalableDimension"] != COPY_COUNT:
        raise validation_error(
            f"Unsupported scalable dimension {params['ScalableDimension']} for {resource_id}; "
            f"use {COPY_COUNT}."
        )
    key = component_target_key(component.name)
    existing = partition.scalable_targets.get(key)
    minimum, maximum = _range(params, existing)
    target = _target(
        call,
        params,
        existing,
        endpoint_key=component.endpoint_key,
        variant_name=component.variant_name,
        minimum=minimum,
        maximum=maximum,
        component=component.name.lower(),
    )
    partition.scalable_targets[key] = target
    clamped = min(max(component.desired, minimum), maximum)
    if clamped != component.desired and component.pending is None:
        durations = call.state.settings.durations
        component.start_copies(clamped, call.now, call.now + durations.updating)
    return {"ScalableTargetARN": target.arn}


_NOT_SUSPENDED: Final = {
    "DynamicScalingInSuspended": False,
    "DynamicScalingOutSuspended": False,
    "ScheduledScalingSuspended": False,
}
_BURSTABLE = re.compile(r"^ml\.t\d")


def _variant(endpoint: Endpoint | None, variant_name: str) -> LiveVariant | None:
    """The variant, live or being created; None when absent."""
    if endpoint is None or endpoint.status in (EndpointStatus.DELETING, EndpointStatus.FAILED):
        return None
    candidates = list(endpoint.variants)
    if endpoint.pending is not None:
        candidates.extend(endpoint.pending.variants)
    return next((v for v in candidates if v.name == variant_name), None)


def _check_scalable(endpoint: Endpoint, variant: LiveVariant, resource_id: str) -> None:
    """Variants that cannot be scaled. Burstable instances: "SageMaker doesn't support auto
    scaling for burstable instances such as T2" (developer guide, "Configure model auto
    scaling with the console"; AWS documents no error text). Serverless variants scale
    their provisioned concurrency, which they must have ("Automatically scale Provisioned
    Concurrency for a serverless endpoint")."""
    if variant.instance_type is not None and _BURSTABLE.match(variant.instance_type):
        raise validation_error(
            f"Unable to register scalable target {resource_id}: variant {variant.name} of "
            f"endpoint {endpoint.name} runs on {variant.instance_type}. SageMaker doesn't "
            "support auto scaling for burstable instances such as T2, because they already "
            "allow for increased capacity under increased workloads."
        )
    if variant.serverless is not None and variant.serverless.get("ProvisionedConcurrency") is None:
        raise validation_error(
            f"Unable to register scalable target {resource_id}: serverless variant "
            f"{variant.name} has no ProvisionedConcurrency to scale."
        )


def _check_minimum(
    endpoint: Endpoint, variant: LiveVariant, resource_id: str, minimum: int
) -> None:
    """A minimum of 0 is allowed only where SageMaker scales to zero: asynchronous
    endpoints ("Autoscale an asynchronous endpoint") and inference components
    (``_register_component_target``). Real-time variants keep at least one instance ("Auto scaling
    prerequisites": "Minimum instance count is required to be 1 or higher") and
    provisioned concurrency is at least 1 (ProductionVariantServerlessConfig). The
    Application Auto Scaling API reference says such errors name the minimum allowed."""
    if minimum >= 1 or (not variant.is_serverless and endpoint.features.async_config):
        return
    kind = (
        "a serverless variant's provisioned concurrency"
        if variant.is_serverless
        else ("a real-time endpoint variant")
    )
    raise validation_error(
        f"Minimum capacity for {resource_id} cannot be less than 1: {kind} does not scale "
        "to zero (only asynchronous inference endpoints and inference components do)."
    )


def _clamp_capacity(
    endpoint: Endpoint, variant_name: str, minimum: int, maximum: int, now: float
) -> None:
    """Registering moves the variant's capacity (instance count, or provisioned
    concurrency) into [min, max] at once (reference §3). AWS does this through a scaling
    activity; the emulator applies it without one."""
    variants = []
    for variant in endpoint.variants:
        if variant.name != variant_name:
            variants.append(variant)
        elif variant.serverless is not None:
            provisioned = variant.serverless.get("ProvisionedConcurrency")
            clamped = None if provisioned is None else min(max(provisioned, minimum), maximum)
            if clamped == provisioned:
                variants.append(variant)
            else:
                serverless = {**variant.serverless, "ProvisionedConcurrency": clamped}
                variants.append(
                    replace(variant, serverless=serverless, current_serverless=serverless)
                )
        elif variant.desired_count is not None:
            count = min(max(variant.desired_count, minimum), maximum)
            variants.append(replace(variant, desired_count=count, current_count=count))
        else:
            variants.append(variant)
    endpoint.set_variants(variants, now)


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
    sagemaker_only(params)
    wanted_ids = params.get("ResourceIds")
    wanted_keys = {target_key(r) for r in wanted_ids} if wanted_ids else None
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
        invalid_token=invalid_token,
    )
    result: Result = {"ScalableTargets": [_target_view(t) for t in page.items]}
    if page.next_token:
        result["NextToken"] = page.next_token
    return result


def deregister_scalable_target(call: Call, params: Params) -> Result:
    sagemaker_only(params)
    target = find_target(call.partition, params)
    if target is None:
        raise target_not_found(params)
    remove_alarms(call, call.partition.deregister_target(target))
    return {}


# ---------------------------------------------------------------------- policies


_CONFIGURATION_FIELDS: Final = {
    "TargetTrackingScaling": "TargetTrackingScalingPolicyConfiguration",
    "StepScaling": "StepScalingPolicyConfiguration",
    "PredictiveScaling": "PredictiveScalingPolicyConfiguration",
}
# The predefined metrics each dimension accepts, and the CloudWatch metric behind each
# (namespace AWS/SageMaker, dimensions EndpointName and VariantName).
_PREDEFINED_METRICS: Final = {
    INSTANCE_COUNT: (
        "SageMakerVariantInvocationsPerInstance",
        "SageMakerVariantConcurrentRequestsPerModelHighResolution",
    ),
    PROVISIONED_CONCURRENCY: ("SageMakerVariantProvisionedConcurrencyUtilization",),
    COPY_COUNT: (
        "SageMakerInferenceComponentInvocationsPerCopy",
        "SageMakerInferenceComponentConcurrentRequestsPerCopyHighResolution",
    ),
}
_CLOUDWATCH_METRICS: Final = {
    "SageMakerVariantInvocationsPerInstance": ("InvocationsPerInstance", "Sum", 60),
    "SageMakerVariantConcurrentRequestsPerModelHighResolution": (
        "ConcurrentRequestsPerModel",
        "Average",
        10,
    ),
    "SageMakerVariantProvisionedConcurrencyUtilization": (
        "ServerlessProvisionedConcurrencyUtilization",
        "Average",
        60,
    ),
    # Dimension InferenceComponentName.
    "SageMakerInferenceComponentInvocationsPerCopy": ("InvocationsPerCopy", "Sum", 60),
    "SageMakerInferenceComponentConcurrentRequestsPerCopyHighResolution": (
        "ConcurrentRequestsPerCopy",
        "Average",
        10,
    ),
}


def put_scaling_policy(call: Call, params: Params) -> Result:
    sagemaker_only(params)
    partition = call.partition
    target = find_target(partition, params)
    if target is None:
        raise target_not_found(params, verb="registered")
    policy_type = params.get("PolicyType", "StepScaling")
    configuration_field = _CONFIGURATION_FIELDS[policy_type]
    configuration = params.get(configuration_field)
    if configuration is None:
        raise validation_error(f"{configuration_field} is required for a {policy_type} policy.")
    if policy_type == "TargetTrackingScaling":
        _check_target_tracking(configuration, target.dimension)
    elif policy_type == "StepScaling":
        _check_step_scaling(configuration)
    name = params["PolicyName"]
    key = (name, target.resource_id, target.dimension)
    existing = partition.scaling_policies.get(key)
    region, account = partition.region, partition.account_id
    arn = (
        existing.arn
        if existing
        else (
            f"arn:{aws_partition(region)}:autoscaling:{region}:{account}:scalingPolicy:"
            f"{uuid.uuid4()}:resource/sagemaker/{target.resource_id}:policyName/{name}"
        )
    )
    alarms = _target_tracking_alarms(
        target, arn, configuration, policy_type, existing.alarms if existing else ()
    )
    policy = ScalingPolicy(
        name=name,
        resource_id=target.resource_id,
        dimension=target.dimension,
        policy_type=policy_type,
        arn=arn,
        created_at=existing.created_at if existing else call.now,
        configuration=copy.deepcopy(configuration),
        alarms=tuple(
            {"AlarmName": a.name, "AlarmARN": _alarm_arn(partition, a.name)} for a in alarms
        ),
        account_id=account,
        region=region,
    )
    partition.scaling_policies[key] = policy
    stale = [
        a["AlarmName"] for a in (existing.alarms if existing else ()) if a not in policy.alarms
    ]

    def write_alarms() -> None:
        delete_alarms(account, region, stale)
        for alarm in alarms:
            put_alarm(account, region, alarm)

    call.after(write_alarms)
    return {"PolicyARN": policy.arn, "Alarms": [dict(a) for a in policy.alarms]}


def _check_target_tracking(configuration: Params, dimension: str) -> None:
    predefined = configuration.get("PredefinedMetricSpecification")
    custom = configuration.get("CustomizedMetricSpecification")
    if (predefined is None) == (custom is None):
        raise validation_error(
            "Specify exactly one of PredefinedMetricSpecification and "
            "CustomizedMetricSpecification."
        )
    supported = _PREDEFINED_METRICS[dimension]
    if predefined is not None and predefined["PredefinedMetricType"] not in supported:
        # Observed wording (aws/aws-cdk#29065), for either SageMaker variant dimension.
        raise validation_error(
            f"Scalable dimension {dimension} only supports the following predefined metric "
            f"types: {', '.join(supported)}"
        )
    if (
        custom is not None
        and not custom.get("Metrics")
        and not (custom.get("MetricName") and custom.get("Namespace") and custom.get("Statistic"))
    ):
        raise validation_error(
            "CustomizedMetricSpecification needs MetricName, Namespace and Statistic, or "
            "Metrics (metric math)."
        )


def _check_step_scaling(configuration: Params) -> None:
    """A step scaling policy needs an AdjustmentType and at least one StepAdjustment whose
    intervals do not overlap ("Step scaling policies", Application Auto Scaling User
    Guide). The wording is the emulator's."""
    if not configuration.get("AdjustmentType"):
        raise validation_error("StepScalingPolicyConfiguration.AdjustmentType is required.")
    steps = configuration.get("StepAdjustments") or []
    if not steps:
        raise validation_error(
            "StepScalingPolicyConfiguration.StepAdjustments needs at least one step adjustment."
        )
    bounds = sorted(
        (
            step.get("MetricIntervalLowerBound", -math.inf),
            step.get("MetricIntervalUpperBound", math.inf),
        )
        for step in steps
    )
    if any(lower >= upper for lower, upper in bounds) or any(
        next_lower < upper for (_, upper), (next_lower, _) in itertools.pairwise(bounds)
    ):
        raise validation_error(
            "The step adjustments' metric intervals must not overlap, and each lower bound "
            "must be below its upper bound."
        )


def _alarm_arn(partition: Partition, name: str) -> str:
    region, account = partition.region, partition.account_id
    return f"arn:{aws_partition(region)}:cloudwatch:{region}:{account}:alarm:{name}"


def _target_tracking_alarms(
    target: ScalableTarget,
    policy_arn: str,
    configuration: Params,
    policy_type: str,
    existing: tuple[Mapping[str, str], ...],
) -> list[MetricAlarm]:
    """The CloudWatch alarms Application Auto Scaling creates for a target-tracking policy:
    ``TargetTracking-<resource ID>-AlarmHigh-<uuid>`` (above the target for 3 minutes:
    scale out) and ``...-AlarmLow-<uuid>`` (below 90% of it for 15 minutes: scale in; not
    created when scale-in is disabled). Names are kept when the policy is updated."""
    if policy_type != "TargetTrackingScaling":
        return []
    names = {
        side: name
        for a in existing
        for side in ("AlarmHigh", "AlarmLow")
        if f"-{side}-" in (name := a["AlarmName"])
    }
    predefined = configuration.get("PredefinedMetricSpecification")
    custom = configuration.get("CustomizedMetricSpecification") or {}
    metric_name: str | None
    statistic: str | None
    if predefined is not None:
        metric_name, statistic, period = _CLOUDWATCH_METRICS[predefined["PredefinedMetricType"]]
        namespace: str | None = "AWS/SageMaker"
        dimensions = _metric_dimensions(target.resource_id)
        unit = None
        metrics: list[Mapping[str, Any]] = []
    else:
        metric_name, namespace = custom.get("MetricName"), custom.get("Namespace")
        statistic, period, unit = custom.get("Statistic"), 60, custom.get("Unit")
        dimensions = list(custom.get("Dimensions") or [])
        metrics = list(custom.get("Metrics") or [])
    target_value = float(configuration["TargetValue"])
    sides = [("AlarmHigh", "GreaterThanThreshold", 3, target_value)]
    if not configuration.get("DisableScaleIn", False):
        sides.append(("AlarmLow", "LessThanThreshold", 15, target_value * 0.9))
    return [
        MetricAlarm(
            name=names.get(side) or f"TargetTracking-{target.resource_id}-{side}-{uuid.uuid4()}",
            description=f"DO NOT EDIT OR DELETE. For TargetTrackingScaling policy {policy_arn}.",
            namespace=namespace,
            metric_name=metric_name,
            dimensions=dimensions,
            statistic=statistic,
            period=period,
            evaluation_periods=periods,
            threshold=threshold,
            comparison_operator=operator,
            alarm_actions=[policy_arn],
            unit=unit,
            metrics=metrics,
        )
        for side, operator, periods, threshold in sides
    ]


def _metric_dimensions(resource_id: str) -> list[dict[str, str]]:
    """The CloudWatch dimensions of a target's SageMaker metrics."""
    component = _component_of(resource_id)
    if component is not None:
        return [{"Name": "InferenceComponentName", "Value": component}]
    endpoint_name, variant_name = _parse_resource_id(resource_id)
    return [
        {"Name": "EndpointName", "Value": endpoint_name},
        {"Name": "VariantName", "Value": variant_name},
    ]


def remove_alarms(call: Call, policies: list[ScalingPolicy]) -> None:
    """Delete the CloudWatch alarms of removed policies, once the state lock is released."""
    for policy in policies:
        names = [a["AlarmName"] for a in policy.alarms]
        if names:
            account, region = policy.account_id, policy.region
            call.after(functools.partial(delete_alarms, account, region, names))


def _policy_view(policy: ScalingPolicy) -> Result:
    configuration_field = _CONFIGURATION_FIELDS[policy.policy_type]
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
    sagemaker_only(params)
    names = params.get("PolicyNames")
    resource_id = params.get("ResourceId")
    resource_key = target_key(resource_id) if resource_id else None
    dimension = params.get("ScalableDimension")
    policies = [
        p
        for p in call.partition.scaling_policies.values()
        if (not names or p.name in names)
        and (resource_key is None or target_key(p.resource_id) == resource_key)
        and (dimension is None or p.dimension == dimension)
    ]
    page = paginate(
        policies,
        lambda p: (p.created_at, p.resource_id, p.name),
        descending=False,
        max_results=params.get("MaxResults", 50),
        next_token=params.get("NextToken"),
        scope="DescribeScalingPolicies",
        invalid_token=invalid_token,
    )
    result: Result = {"ScalingPolicies": [_policy_view(p) for p in page.items]}
    if page.next_token:
        result["NextToken"] = page.next_token
    return result


def delete_scaling_policy(call: Call, params: Params) -> Result:
    sagemaker_only(params)
    partition = call.partition
    target = find_target(partition, params)
    key = (params["PolicyName"], target.resource_id if target else "", params["ScalableDimension"])
    policy = partition.scaling_policies.pop(key, None)
    if policy is None:
        raise object_not_found(
            f"No scaling policy found for service namespace: {params['ServiceNamespace']}, "
            f"resource ID: {params['ResourceId']}, scalable dimension: "
            f"{params['ScalableDimension']}, policy name: {params['PolicyName']}"
        )
    remove_alarms(call, [policy])
    return {}


# ---------------------------------------------------------------------- scale out from zero

NO_CAPACITY_METRIC: Final = "NoCapacityInvocationFailures"


def no_capacity(call: Call, component: InferenceComponent) -> None:
    """An invocation found no copy of ``component``. SageMaker counts it in the
    NoCapacityInvocationFailures metric (AWS/SageMaker, dimension InferenceComponentName);
    the developer guide ("Scale an endpoint to zero instances") has users alarm on it
    with a step scaling policy as the alarm's action, so that the component scales out
    from zero. The emulator publishes the data point to moto's CloudWatch and, for each
    step scaling policy of the component's target that an alarm on that metric names as
    its action, sets the alarm to ALARM and applies the policy's step at once (a
    simplification of CloudWatch's evaluation), respecting the policy's Cooldown."""
    partition = call.partition
    account, region = partition.account_id, partition.region
    dimensions = {"InferenceComponentName": component.name}
    call.after(
        functools.partial(
            put_metric,
            account,
            region,
            namespace="AWS/SageMaker",
            metric_name=NO_CAPACITY_METRIC,
            dimensions=dimensions,
            value=1.0,
        )
    )
    target = partition.scalable_targets.get(component_target_key(component.name))
    if target is None or target.suspended_state.get("DynamicScalingOutSuspended"):
        return
    policies = [
        p
        for p in partition.scaling_policies.values()
        if p.resource_id == target.resource_id and p.policy_type == "StepScaling"
    ]
    for policy in policies:
        alarms = [
            alarm
            for alarm in alarms_with_action(account, region, policy.arn)
            if alarm.actions_enabled
            and alarm.metric_name == NO_CAPACITY_METRIC
            and alarm.dimensions.get("InferenceComponentName") == component.name
        ]
        if not alarms or not _cooled_down(partition, policy, call.now):
            continue
        alarm = alarms[0]
        call.after(
            functools.partial(
                set_alarm_state,
                account,
                region,
                alarm.name,
                "ALARM",
                "Threshold Crossed: 1 datapoint [1.0] was greater than or equal to the "
                f"threshold ({alarm.threshold}).",
            )
        )
        _apply_step(call, component, target, policy, 1.0 - alarm.threshold)


def _cooled_down(partition: Partition, policy: ScalingPolicy, now: float) -> bool:
    last = partition.policy_activity.get(policy.arn)
    cooldown = float(policy.configuration.get("Cooldown", 0))
    return last is None or now >= last + cooldown


def _apply_step(
    call: Call,
    component: InferenceComponent,
    target: ScalableTarget,
    policy: ScalingPolicy,
    breach: float,
) -> None:
    """The step whose interval holds ``breach`` (metric minus threshold), applied by its
    AdjustmentType and clamped into the target's range (Application Auto Scaling User
    Guide, "Step scaling policies")."""
    configuration = policy.configuration
    step = next(
        (
            s
            for s in configuration.get("StepAdjustments") or []
            if s.get("MetricIntervalLowerBound", -math.inf)
            <= breach
            < s.get("MetricIntervalUpperBound", math.inf)
        ),
        None,
    )
    if step is None or component.pending is not None:
        return
    adjustment = int(step["ScalingAdjustment"])
    current = component.desired
    kind = configuration.get("AdjustmentType")
    if kind == "ExactCapacity":
        wanted = adjustment
    elif kind == "PercentChangeInCapacity":
        wanted = current + max(
            math.ceil(abs(current * adjustment / 100)),
            int(configuration.get("MinAdjustmentMagnitude", 1)),
        ) * (1 if adjustment >= 0 else -1)
    else:
        wanted = current + adjustment
    wanted = min(max(wanted, target.min_capacity), target.max_capacity)
    call.partition.policy_activity[policy.arn] = call.now
    if wanted != current:
        durations = call.state.settings.durations
        component.start_copies(wanted, call.now, call.now + durations.updating)


OPERATIONS: Final[dict[str, Callable[[Call, Params], Result]]] = {
    "RegisterScalableTarget": register_scalable_target,
    "DescribeScalableTargets": describe_scalable_targets,
    "DeregisterScalableTarget": deregister_scalable_target,
    "PutScalingPolicy": put_scaling_policy,
    "DescribeScalingPolicies": describe_scaling_policies,
    "DeleteScalingPolicy": delete_scaling_policy,
}
