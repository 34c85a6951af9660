"""Which changes UpdateEndpoint accepts on a live endpoint, and the refusals of the rest.

Each rule names its source; docs/emulator.md ("What UpdateEndpoint accepts on a live
endpoint") lists them with the changes that are accepted. Where AWS documents that a
change is refused but not the words, the wording is the emulator's; where AWS documents
nothing, the emulator refuses, so an operator prepares for the stricter case.
"""

from __future__ import annotations

from typing import Any

from sagemaker_emulator.errors import validation_error
from sagemaker_emulator.guardrails import check_policy
from sagemaker_emulator.lifecycle import Endpoint
from sagemaker_emulator.records import EndpointConfig
from sagemaker_emulator.state import Partition

Json = dict[str, Any]


def check_update(
    partition: Partition,
    endpoint: Endpoint,
    *,
    current: EndpointConfig,
    new_config: EndpointConfig,
    params: Json,
    deployment_config: Json | None,
) -> None:
    """Raise ValidationException for the first rule the update breaks."""
    _check_excluded_properties(params)
    _check_component_hosting(partition, endpoint, new_config)
    _check_serverless_conversion(endpoint, new_config)
    _check_async_config(endpoint, current, new_config)
    _check_deployment_config(endpoint, new_config, deployment_config)
    _check_autoscaled_variants(partition, endpoint, new_config)


def _check_excluded_properties(params: Json) -> None:
    """UpdateEndpoint API reference, VariantProperty: DataCaptureConfig is "(Not
    currently supported.)". Data capture always comes from the new config."""
    for item in params.get("ExcludeRetainedVariantProperties") or []:
        if item["VariantPropertyType"] == "DataCaptureConfig":
            raise validation_error(
                "VariantPropertyType DataCaptureConfig is not currently supported in "
                "ExcludeRetainedVariantProperties."
            )


def _check_component_hosting(
    partition: Partition, endpoint: Endpoint, new_config: EndpointConfig
) -> None:
    """An endpoint hosts models on its variants or inference components, not both
    (developer guide, "Deploy models with inference components"). Switching between the
    two through UpdateEndpoint is not documented; the emulator refuses it, and refuses
    removing a variant that still hosts components, whose copies would have nowhere to
    run. The wording is the emulator's."""
    hosted_before = any(v.hosts_components for v in endpoint.variants)
    hosts_after = all(v.model_name is None for v in new_config.variants)
    if hosted_before != hosts_after:
        kind = "inference components" if hosted_before else "models on its variants"
        raise validation_error(
            f"Endpoint {endpoint.name} hosts {kind}; the new endpoint configuration "
            f"{new_config.name} cannot change what the endpoint hosts. Create a new endpoint."
        )
    if not hosted_before:
        return
    kept = {v.name for v in new_config.variants}
    for component in partition.components.values():
        if component.endpoint_key == endpoint.name.lower() and component.variant_name not in kept:
            raise validation_error(
                f"Variant {component.variant_name} of endpoint {endpoint.name} hosts inference "
                f"component {component.name}; the new endpoint configuration {new_config.name} "
                "must keep it."
            )


def _check_serverless_conversion(endpoint: Endpoint, new_config: EndpointConfig) -> None:
    """Developer guide, "Serverless Inference", Feature exclusions: "You cannot convert
    your instance-based, real-time endpoint to a serverless endpoint. If you try to update
    your real-time endpoint to serverless, you receive a ValidationError message. You can
    convert a serverless endpoint to real-time" (one way). "Update a serverless endpoint"
    says the same of provisioned concurrency."""
    instance_based = [v.name for v in endpoint.variants if not v.is_serverless]
    serverless = [v.name for v in new_config.variants if v.serverless is not None]
    if instance_based and serverless:
        raise validation_error(
            f"Endpoint {endpoint.name} is instance-based (variant {instance_based[0]}) and "
            "cannot be updated to serverless; a serverless endpoint can be updated to "
            "instance-based, not the reverse."
        )


def _check_async_config(
    endpoint: Endpoint, current: EndpointConfig, new_config: EndpointConfig
) -> None:
    """Removing AsyncInferenceConfig is refused (observed, aws/sagemaker-python-sdk#3124).
    Adding it to a real-time endpoint is not documented either way; the emulator refuses
    it too, because an asynchronous endpoint "can only receive asynchronous invocations"
    (developer guide, "Asynchronous inference") and real-time callers would break."""
    had_async = current.echo.get("AsyncInferenceConfig") is not None
    has_async = new_config.echo.get("AsyncInferenceConfig") is not None
    if had_async and not has_async:
        raise validation_error(
            f"The AsyncInferenceConfig parameter cannot be removed from this endpoint "
            f"{endpoint.name}."
        )
    if has_async and not had_async:
        raise validation_error(
            f"The AsyncInferenceConfig parameter cannot be added to this endpoint "
            f"{endpoint.name}: it serves real-time inference. Create a new endpoint for "
            "asynchronous inference."
        )


def _check_deployment_config(
    endpoint: Endpoint, new_config: EndpointConfig, deployment_config: Json | None
) -> None:
    """Deployment guardrails (developer guide, "Exclusions"): "When doing a blue/green or
    rolling deployment, your new endpoint configuration must have the same variant name
    as the old endpoint configuration", and rolling deployments exclude serverless and
    multi-variant endpoints. DeploymentConfig API reference: "Only one update policy
    should be used". An update without a DeploymentConfig (SageMaker's default all-at-once
    replacement) may rename variants. The policy itself must be able to run
    (guardrails.check_policy)."""
    if deployment_config is None:
        return
    if "BlueGreenUpdatePolicy" in deployment_config and (
        "RollingUpdatePolicy" in deployment_config
    ):
        raise validation_error(
            "Only one update policy should be used in the deployment configuration: "
            "BlueGreenUpdatePolicy or RollingUpdatePolicy."
        )
    check_policy(deployment_config)
    policies = [
        p for p in ("BlueGreenUpdatePolicy", "RollingUpdatePolicy") if p in deployment_config
    ]
    policy = policies[0] if policies else None
    if policy is None:
        return
    old_names = sorted(v.name for v in endpoint.variants)
    new_names = sorted(v.name for v in new_config.variants)
    if old_names != new_names:
        raise validation_error(
            f"A deployment with {policy} needs the new endpoint configuration to keep the "
            f"variant names of endpoint {endpoint.name} ({', '.join(old_names)}); "
            f"{new_config.name} has {', '.join(new_names)}."
        )
    if policy == "RollingUpdatePolicy":
        serverless = any(v.is_serverless for v in endpoint.variants) or any(
            v.serverless is not None for v in new_config.variants
        )
        if serverless or len(new_config.variants) > 1:
            kind = "serverless" if serverless else "multi-variant"
            raise validation_error(
                f"Rolling deployments are not supported for {kind} endpoints; endpoint "
                f"{endpoint.name} cannot be updated with a RollingUpdatePolicy."
            )


def _check_autoscaled_variants(
    partition: Partition, endpoint: Endpoint, config: EndpointConfig
) -> None:
    """Developer guide, "Update or delete endpoints that use automatic scaling": an update
    that changes the instance type of, or removes, a variant that is a scalable target
    fails; changing only its model is fine. The error text is not documented; this
    wording is the emulator's (reference §3)."""
    new_variants = {v.name: v for v in config.variants}
    live = {v.name: v for v in endpoint.variants}
    for target in partition.targets_of_endpoint(endpoint.name):
        new = new_variants.get(target.variant_name)
        old = live.get(target.variant_name)
        if new is None:
            change = "remove it"
        elif old is not None and new.instance_type != old.instance_type:
            change = f"change its instance type from {old.instance_type} to {new.instance_type}"
        else:
            continue
        raise validation_error(
            f'Cannot update endpoint "{endpoint.arn}": variant {target.variant_name} is '
            f"registered as an Application Auto Scaling scalable target ({target.resource_id}) "
            f"and the update would {change}. Deregister the scalable target first, and "
            "register it again after the update."
        )
