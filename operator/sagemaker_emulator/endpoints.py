"""SageMaker Endpoints: create, describe, list, update, re-weight/re-scale and delete,
with the state rules of reference §1-§3. The state machine itself is in lifecycle.py."""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Final

from sagemaker_emulator.arns import sagemaker_arn
from sagemaker_emulator.autoscaling import remove_alarms
from sagemaker_emulator.context import Call, Params, Result
from sagemaker_emulator.deployment import Deployment, InjectedFailure
from sagemaker_emulator.endpoint_configs import config_not_found, features_of, find_config
from sagemaker_emulator.endpoint_events import announce
from sagemaker_emulator.errors import AwsError, validation_error
from sagemaker_emulator.faults import DeploymentFailure
from sagemaker_emulator.fleets import NewFleet
from sagemaker_emulator.guardrails import (
    FleetSize,
    Timings,
    check_policy,
    guardrails_excluded,
    plan_update,
)
from sagemaker_emulator.lifecycle import Endpoint, LiveVariant
from sagemaker_emulator.listing import Listed, list_page, with_token
from sagemaker_emulator.models import model_not_found
from sagemaker_emulator.records import EndpointConfig, VariantSpec
from sagemaker_emulator.state import Partition
from sagemaker_emulator.tagging import set_initial_tags
from sagemaker_emulator.update_rules import check_update


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
    served = None
    if spec.model_name is not None:
        model = partition.models.get(spec.model_name.lower())
        if model is None:
            raise model_not_found(partition, spec.model_name)
        served = model.served
    return LiveVariant(
        name=spec.name,
        served=served,
        managed_scaling=copy.deepcopy(spec.managed_scaling),
        instance_type=spec.instance_type,
        serverless=copy.deepcopy(spec.serverless),
        current_serverless=None,
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
    # Recorded for later updates (RetainDeploymentConfig), so it must be one that can run.
    check_policy(params.get("DeploymentConfig"))
    variants = [_new_variant(partition, spec) for spec in config.variants]
    durations = call.state.settings.durations
    endpoint = partition.endpoints[name.lower()] = Endpoint(
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
        features=features_of(config),
    )
    set_initial_tags(partition, arn, params.get("Tags"))
    announce(call, endpoint)
    return {"EndpointArn": arn}


def describe_endpoint(call: Call, params: Params) -> Result:
    endpoint = find_endpoint(call, params["EndpointName"])
    # Its inference components' copies decide the instance count of managed scaling.
    call.partition.settle_components(endpoint.name, call.now)
    return endpoint.describe(call.now)


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
    endpoint.ensure_updatable(new_config=True)
    # The update needs the serving config too: deleting it first makes the update fail
    # (observed on AWS, reference §1 "Deleting an EndpointConfig ... a live endpoint uses").
    current = partition.endpoint_configs.get(endpoint.config_name.lower())
    if current is None:
        raise config_not_found(partition, endpoint.config_name)
    new_config = find_config(partition, params["EndpointConfigName"])
    if "DeploymentConfig" in params:
        deployment_config = copy.deepcopy(params["DeploymentConfig"])
    elif params.get("RetainDeploymentConfig"):
        deployment_config = endpoint.deployment_config
    else:
        deployment_config = None
    check_update(
        partition,
        endpoint,
        current=current,
        new_config=new_config,
        params=params,
        deployment_config=deployment_config,
    )
    variants = _variants_after_update(partition, endpoint, new_config, params)
    endpoint.start_update(
        now=call.now,
        new_fleet=_new_fleet(call, endpoint, new_config, variants, deployment_config),
        deployment_config=deployment_config,
        features=features_of(new_config),
    )
    announce(call, endpoint)
    return {"EndpointArn": endpoint.arn}


def _new_fleet(
    call: Call,
    endpoint: Endpoint,
    config: EndpointConfig,
    variants: list[LiveVariant],
    deployment_config: Params | None,
) -> NewFleet:
    """The fleet the update deploys, with the deployment guardrails that move traffic to
    it (guardrails.py, deployment.py). Serverless variants count as one instance."""
    state = call.state
    durations = state.settings.durations
    live = {v.name: v for v in endpoint.variants}
    sizes = []
    for variant in variants:
        old = live.get(variant.name)
        old_count = 0 if old is None else (1 if old.is_serverless else old.current_count or 0)
        new_count = 1 if variant.is_serverless else variant.desired_count or 0
        sizes.append(FleetSize(variant.name, old_count, new_count, variant.is_serverless))
    instance_types = [v.instance_type for v in (*endpoint.variants, *variants)]
    plan = plan_update(
        deployment_config,
        sizes,
        Timings(durations.updating, durations.traffic_shift),
        call.now,
        excluded=guardrails_excluded(instance_types),
    )
    name = endpoint.name

    def rollback_failure() -> InjectedFailure | None:
        return _injected(state.endpoint_faults.take_rollback_failure(name))

    deployment = Deployment(
        plan,
        old_config=endpoint.config_name,
        new_config=config.name,
        failure=_injected(state.endpoint_faults.take_update_failure(name)),
        rollback_failure=rollback_failure,
    )
    return NewFleet(deployment, config.name, tuple(variants))


def _injected(failure: DeploymentFailure | None) -> InjectedFailure | None:
    if failure is None:
        return None
    return InjectedFailure(failure.failure_reason, failure.after_batches)


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
            if (
                "DesiredInstanceCount" not in excluded
                and spec.serverless is None
                and not old.is_serverless
            ):
                variant = replace(variant, desired_count=old.desired_count)
            if "DesiredWeight" not in excluded:
                variant = replace(
                    variant, desired_weight=old.desired_weight, current_weight=old.desired_weight
                )
        variants.append(variant)
    return variants


def update_endpoint_weights_and_capacities(call: Call, params: Params) -> Result:
    """New weights, instance counts or serverless concurrency for live variants
    (UpdateEndpointWeightsAndCapacities API reference, DesiredWeightAndCapacity)."""
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
        changed[variant.name] = _desired_variant(endpoint, variant, desired)
    endpoint.start_capacity_change(
        now=call.now,
        completes_at=call.now + call.state.settings.durations.updating,
        variants=[changed[v.name] for v in endpoint.variants],
    )
    announce(call, endpoint)
    return {"EndpointArn": endpoint.arn}


def _desired_variant(endpoint: Endpoint, variant: LiveVariant, desired: Params) -> LiveVariant:
    """Instance counts apply to instance-based variants and ServerlessUpdateConfig to
    serverless ones; the refusals of the other combinations are worded by the emulator."""
    if "DesiredInstanceCount" in desired:
        count = desired["DesiredInstanceCount"]
        if variant.is_serverless:
            raise validation_error(
                f"Variant {variant.name} is serverless: change its concurrency with "
                "ServerlessUpdateConfig, not DesiredInstanceCount."
            )
        if count == 0 and endpoint.features.async_config is None:
            # Only asynchronous endpoints scale to zero instances (developer guide,
            # "Autoscale an asynchronous endpoint"; "Auto scaling prerequisites": a
            # real-time variant keeps at least one instance).
            raise validation_error(
                f"Variant {variant.name} of endpoint {endpoint.name} must keep at least one "
                "instance; only asynchronous inference endpoints scale to zero."
            )
        variant = replace(variant, desired_count=count)
    if "DesiredWeight" in desired:
        variant = replace(variant, desired_weight=float(desired["DesiredWeight"]))
    if "ServerlessUpdateConfig" in desired:
        if variant.serverless is None:
            raise validation_error(
                f"Variant {variant.name} is instance-based: ServerlessUpdateConfig applies "
                "only to serverless variants."
            )
        merged = {**variant.serverless, **desired["ServerlessUpdateConfig"]}
        provisioned = merged.get("ProvisionedConcurrency")
        if provisioned is not None and provisioned > merged["MaxConcurrency"]:
            raise validation_error(
                f"Variant {variant.name}: ProvisionedConcurrency ({provisioned}) must not "
                f"exceed MaxConcurrency ({merged['MaxConcurrency']})."
            )
        variant = replace(variant, serverless=merged)
    return variant


# ---------------------------------------------------------------------- delete


def delete_endpoint(call: Call, params: Params) -> Result:
    partition = call.partition
    endpoint = find_endpoint(call, params["EndpointName"])
    endpoint.ensure_deletable()
    hosted = sorted(c.name for c in partition.settle_components(endpoint.name, call.now))
    if hosted:
        # The console refuses the same way ("There are some underlying Models that are
        # part of this endpoint ... Once all Models are deleted, you can delete this
        # endpoint", observed, aws/amazon-sagemaker-feedback#143); the API's words are
        # not documented, these are the emulator's.
        raise validation_error(
            f'Cannot delete endpoint "{endpoint.arn}": it hosts inference components '
            f"({', '.join(hosted)}). Delete them first."
        )
    # AWS deregisters the variants' scalable targets when the caller may do so (§1);
    # their policies' alarms go with them.
    for target in partition.targets_of_endpoint(endpoint.name):
        remove_alarms(call, partition.deregister_target(target))
    endpoint.start_delete(
        now=call.now, completes_at=call.now + call.state.settings.durations.deleting
    )
    announce(call, endpoint)
    return {}


OPERATIONS: Final = {
    "CreateEndpoint": create_endpoint,
    "DescribeEndpoint": describe_endpoint,
    "ListEndpoints": list_endpoints,
    "UpdateEndpoint": update_endpoint,
    "UpdateEndpointWeightsAndCapacities": update_endpoint_weights_and_capacities,
    "DeleteEndpoint": delete_endpoint,
}
