"""SageMaker Endpoints: create, describe, list, update, re-weight/re-scale and delete,
with the state rules of reference §1-§3. The state machine itself is in lifecycle.py."""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Final

from sagemaker_emulator.arns import sagemaker_arn
from sagemaker_emulator.context import Call, Params, Result
from sagemaker_emulator.endpoint_configs import config_not_found, find_config
from sagemaker_emulator.errors import AwsError, validation_error
from sagemaker_emulator.lifecycle import Endpoint, LiveVariant
from sagemaker_emulator.listing import Listed, list_page, with_token
from sagemaker_emulator.models import model_not_found
from sagemaker_emulator.records import EndpointConfig, VariantSpec
from sagemaker_emulator.state import Partition
from sagemaker_emulator.tagging import set_initial_tags


def endpoint_arn(partition: Partition, name: str) -> str:
    return sagemaker_arn(partition.region, partition.account_id, "endpoint", name)


def endpoint_not_found(partition: Partition, name: str) -> AwsError:
    return validation_error(f'Could not find endpoint "{endpoint_arn(partition, name)}".')


def find_endpoint(call: Call, name: str) -> Endpoint:
    endpoint = call.partition.endpoint(name, call.now)
    if endpoint is None:
        raise endpoint_not_found(call.partition, name)
    return endpoint


def _new_variant(partition: Partition, spec: VariantSpec) -> LiveVariant:
    model = partition.models.get(spec.model_name.lower())
    if model is None:
        raise model_not_found(partition, spec.model_name)
    return LiveVariant(
        name=spec.name,
        served=model.served,
        instance_type=spec.instance_type,
        serverless=copy.deepcopy(spec.serverless),
        desired_count=spec.initial_instance_count,
        current_count=None,
        desired_weight=spec.initial_weight,
        current_weight=spec.initial_weight,
    )


# ---------------------------------------------------------------------- create / read


def create_endpoint(call: Call, params: Params) -> Result:
    partition = call.partition
    name = params["EndpointName"]
    arn = endpoint_arn(partition, name)
    # Names are unique regardless of case (reference §6).
    if partition.endpoint(name, call.now) is not None:
        raise validation_error(f'Cannot create already existing endpoint "{arn}".')
    config = find_config(partition, params["EndpointConfigName"])
    variants = [_new_variant(partition, spec) for spec in config.variants]
    durations = call.state.settings.durations
    partition.endpoints[name.lower()] = Endpoint(
        name=name,
        arn=arn,
        sequence=call.state.next_sequence(),
        config_name=config.name,
        variants=variants,
        now=call.now,
        completes_at=call.now + durations.creating,
        # Recorded for later updates; it changes nothing about the create (reference §2).
        deployment_config=copy.deepcopy(params.get("DeploymentConfig")),
        failure_reason=call.state.endpoint_faults.take_create_failure(name),
        echo=_endpoint_echo(config),
    )
    set_initial_tags(partition, arn, params.get("Tags"))
    return {"EndpointArn": arn}


def _endpoint_echo(config: EndpointConfig) -> dict[str, object]:
    async_config = config.echo.get("AsyncInferenceConfig")
    return {"AsyncInferenceConfig": copy.deepcopy(async_config)} if async_config else {}


def describe_endpoint(call: Call, params: Params) -> Result:
    return find_endpoint(call, params["EndpointName"]).describe()


def list_endpoints(call: Call, params: Params) -> Result:
    status = params.get("StatusEquals")
    modified_after = params.get("LastModifiedTimeAfter")
    modified_before = params.get("LastModifiedTimeBefore")
    endpoints = [
        e
        for e in call.partition.all_endpoints(call.now)
        if (status is None or e.status == status)
        and (modified_after is None or e.last_modified_at > float(modified_after))
        and (modified_before is None or e.last_modified_at < float(modified_before))
    ]
    page = list_page(
        endpoints,
        params,
        Listed[Endpoint](
            name=lambda e: e.name,
            created_at=lambda e: e.created_at,
            sequence=lambda e: e.sequence,
            extra_sort_keys={"Status": lambda e: str(e.status)},
        ),
        scope="ListEndpoints",
        default_order="Descending",
    )
    return with_token({"Endpoints": [e.summary() for e in page.items]}, page)


# ---------------------------------------------------------------------- update


def update_endpoint(call: Call, params: Params) -> Result:
    partition = call.partition
    endpoint = find_endpoint(call, params["EndpointName"])
    endpoint.ensure_updatable()
    # The update needs the serving config too: deleting it first makes the update fail
    # (observed on AWS, reference §1 "Deleting an EndpointConfig ... a live endpoint uses").
    current = partition.endpoint_configs.get(endpoint.config_name.lower())
    if current is None:
        raise config_not_found(partition, endpoint.config_name)
    new_config = find_config(partition, params["EndpointConfigName"])
    _check_autoscaled_variants(partition, endpoint, new_config)
    _check_one_way_changes(endpoint, current, new_config)
    variants = _variants_after_update(partition, endpoint, new_config, params)
    if "DeploymentConfig" in params:
        deployment_config = copy.deepcopy(params["DeploymentConfig"])
    elif params.get("RetainDeploymentConfig"):
        deployment_config = endpoint.deployment_config
    else:
        deployment_config = None
    endpoint.start_update(
        now=call.now,
        completes_at=call.now + call.state.settings.durations.updating,
        config_name=new_config.name,
        variants=variants,
        deployment_config=deployment_config,
        failure_reason=call.state.endpoint_faults.take_update_failure(endpoint.name),
    )
    return {"EndpointArn": endpoint.arn}


def _variants_after_update(
    partition: Partition, endpoint: Endpoint, config: EndpointConfig, params: Params
) -> list[LiveVariant]:
    """RetainAllVariantProperties keeps the live DesiredInstanceCount and DesiredWeight of
    variants with the same name, except the properties listed in
    ExcludeRetainedVariantProperties, which come from the new config (reference §2, §3)."""
    retain = bool(params.get("RetainAllVariantProperties", False))
    excluded = {
        item["VariantPropertyType"] for item in params.get("ExcludeRetainedVariantProperties", [])
    }
    live = {v.name: v for v in endpoint.variants}
    variants = []
    for spec in config.variants:
        variant = _new_variant(partition, spec)
        old = live.get(spec.name)
        if retain and old is not None:
            if "DesiredInstanceCount" not in excluded and spec.serverless is None:
                variant = replace(variant, desired_count=old.desired_count)
            if "DesiredWeight" not in excluded:
                variant = replace(
                    variant, desired_weight=old.desired_weight, current_weight=old.desired_weight
                )
        variants.append(variant)
    return variants


def _check_autoscaled_variants(
    partition: Partition, endpoint: Endpoint, config: EndpointConfig
) -> None:
    """AWS refuses an update that changes the instance type of, or removes, a variant that
    is a scalable target; changing only its model is fine (reference §3). The error text
    is not documented; this wording is the emulator's."""
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


def _check_one_way_changes(
    endpoint: Endpoint, current: EndpointConfig, new_config: EndpointConfig
) -> None:
    """Two changes AWS refuses (reference §2 "Limits on blue/green and rolling")."""
    if current.echo.get("AsyncInferenceConfig") and not new_config.echo.get("AsyncInferenceConfig"):
        raise validation_error(
            f"The AsyncInferenceConfig parameter cannot be removed from this endpoint "
            f"{endpoint.name}."
        )
    instance_based = {v.name for v in endpoint.variants if v.serverless is None}
    for spec in new_config.variants:
        if spec.serverless is not None and spec.name in instance_based:
            raise validation_error(
                f"Variant {spec.name} of endpoint {endpoint.name} is instance-based and "
                "cannot be updated to serverless."
            )


def update_endpoint_weights_and_capacities(call: Call, params: Params) -> Result:
    partition = call.partition
    endpoint = find_endpoint(call, params["EndpointName"])
    endpoint.ensure_updatable()
    if endpoint.config_name.lower() not in partition.endpoint_configs:
        raise config_not_found(partition, endpoint.config_name)
    live = {v.name: v for v in endpoint.variants}
    changed = dict(live)
    for desired in params["DesiredWeightsAndCapacities"]:
        variant = live.get(desired["VariantName"])
        if variant is None:
            raise validation_error(
                f"The variant name {desired['VariantName']} is not present in endpoint "
                f'"{endpoint.arn}".'
            )
        if "DesiredInstanceCount" in desired:
            variant = replace(variant, desired_count=desired["DesiredInstanceCount"])
        if "DesiredWeight" in desired:
            variant = replace(variant, desired_weight=float(desired["DesiredWeight"]))
        if "ServerlessUpdateConfig" in desired and variant.serverless is not None:
            variant = replace(
                variant, serverless={**variant.serverless, **desired["ServerlessUpdateConfig"]}
            )
        changed[variant.name] = variant
    endpoint.start_capacity_change(
        now=call.now,
        completes_at=call.now + call.state.settings.durations.updating,
        variants=[changed[v.name] for v in endpoint.variants],
    )
    return {"EndpointArn": endpoint.arn}


# ---------------------------------------------------------------------- delete


def delete_endpoint(call: Call, params: Params) -> Result:
    partition = call.partition
    endpoint = find_endpoint(call, params["EndpointName"])
    endpoint.ensure_deletable()
    # AWS deregisters the variants' scalable targets when the caller may do so (§1).
    for target in partition.targets_of_endpoint(endpoint.name):
        partition.deregister_target(target)
    endpoint.start_delete(
        now=call.now, completes_at=call.now + call.state.settings.durations.deleting
    )
    return {}


OPERATIONS: Final = {
    "CreateEndpoint": create_endpoint,
    "DescribeEndpoint": describe_endpoint,
    "ListEndpoints": list_endpoints,
    "UpdateEndpoint": update_endpoint,
    "UpdateEndpointWeightsAndCapacities": update_endpoint_weights_and_capacities,
    "DeleteEndpoint": delete_endpoint,
}
