"""SageMaker inference components: Create, Describe, List, Update,
UpdateInferenceComponentRuntimeConfig and Delete (API references; developer guide
"Deploy models with inference components", "Update inference components with rolling
updates"). The state machine and copy placement are in components.py."""

from __future__ import annotations

import copy
import math
from dataclasses import replace
from typing import Final

from sagemaker_emulator.arns import sagemaker_arn
from sagemaker_emulator.autoscaling import remove_alarms
from sagemaker_emulator.components import (
    ComponentSpec,
    InferenceComponent,
    Pending,
    Phase,
    Rollout,
    check_fits,
)
from sagemaker_emulator.context import Call, Params, Result
from sagemaker_emulator.endpoints import endpoint_not_found
from sagemaker_emulator.errors import AwsError, validation_error
from sagemaker_emulator.lifecycle import Endpoint, EndpointStatus, LiveVariant
from sagemaker_emulator.listing import Listed, list_page, with_token
from sagemaker_emulator.models import model_not_found
from sagemaker_emulator.placement import Resources
from sagemaker_emulator.records import Json, ServedContainer, ServedModel, component_target_key
from sagemaker_emulator.state import Partition
from sagemaker_emulator.tagging import set_initial_tags


def component_arn(partition: Partition, name: str) -> str:
    return sagemaker_arn(partition.region, partition.account_id, "inference-component", name)


def component_not_found(partition: Partition, name: str) -> AwsError:
    """Terraform's provider treats ValidationException "Could not find inference
    component" as not found (hashicorp/terraform-provider-aws, inference_component.go);
    the rest follows the endpoint's observed message."""
    return validation_error(
        f'Could not find inference component "{component_arn(partition, name)}".'
    )


def find_component(call: Call, name: str) -> InferenceComponent:
    component = call.partition.component(name, call.now)
    if component is None:
        raise component_not_found(call.partition, name)
    return component


# ---------------------------------------------------------------------- specification


def _specification(params: Params, component_name: str) -> Json:
    """The request's single Specification. Specifications (one per instance type) belong
    to variants with InstancePools and adapters (BaseInferenceComponentName) share a base
    component's copies; the emulator models neither and says so."""
    if params.get("Specifications") is not None:
        if params.get("Specification") is not None:
            raise validation_error("Specify either Specification or Specifications, not both.")
        raise validation_error(
            "Specifications (one per instance type) is for variants with InstancePools, "
            "which the SageMaker emulator does not model; use Specification."
        )
    raw = params.get("Specification")
    if raw is None:
        raise validation_error(f"Inference component {component_name}: Specification is required.")
    if raw.get("BaseInferenceComponentName") is not None:
        raise validation_error(
            "Adapter inference components (BaseInferenceComponentName) are not modelled by "
            "the SageMaker emulator."
        )
    spec: Json = raw
    return spec


def _build_spec(call: Call, raw: Json, component_name: str, revision: int) -> ComponentSpec:
    """A Specification as copies run it. It names a model (ModelName) or a container
    (Container), and a non-adapter component states its ComputeResourceRequirements
    (InferenceComponentSpecification API reference). Refusal wording is the emulator's."""
    model_name = raw.get("ModelName")
    container = raw.get("Container")
    if (model_name is None) == (container is None):
        raise validation_error(
            f"Inference component {component_name}: specify either ModelName or Container "
            "in the Specification."
        )
    requirements = raw.get("ComputeResourceRequirements")
    if requirements is None:
        raise validation_error(
            f"Inference component {component_name}: ComputeResourceRequirements is required "
            "(only adapter components use their base component's resources)."
        )
    minimum = requirements["MinMemoryRequiredInMb"]
    maximum = requirements.get("MaxMemoryRequiredInMb")
    if maximum is not None and maximum < minimum:
        raise validation_error(
            f"Inference component {component_name}: MaxMemoryRequiredInMb ({maximum}) cannot "
            f"be less than MinMemoryRequiredInMb ({minimum})."
        )
    echo = copy.deepcopy(raw)
    if model_name is not None:
        partition = call.partition
        model = partition.models.get(model_name.lower())
        if model is None:
            raise model_not_found(partition, model_name)
        if model.served.multi_model is not None:
            raise validation_error(
                f"Model {model_name} runs a container in MultiModel mode; an inference "
                "component hosts one model."
            )
        served = model.served
    else:
        container = raw["Container"]
        image = container.get("Image")
        if not image:
            raise validation_error(
                f"Inference component {component_name}: Container.Image is required."
            )
        served = ServedModel(
            model_name=component_name,
            model_arn=component_arn(call.partition, component_name),
            containers=(
                ServedContainer(
                    hostname="",
                    image=image,
                    model_data_url=container.get("ArtifactUrl"),
                    environment=dict(container.get("Environment") or {}),
                    mode="SingleModel",
                ),
            ),
        )
        # DescribeInferenceComponent returns the container with its deployed image.
        summary: Json = {
            "DeployedImage": {
                "SpecifiedImage": image,
                "ResolvedImage": image,
                "ResolutionTime": call.now,
            }
        }
        for key in ("ArtifactUrl", "Environment", "ContainerMetricsConfig"):
            if key in container:
                summary[key] = copy.deepcopy(container[key])
        echo["Container"] = summary
    needs = Resources(
        cpus=float(requirements.get("NumberOfCpuCoresRequired", 0)),
        memory_mb=float(minimum),
        accelerators=float(requirements.get("NumberOfAcceleratorDevicesRequired", 0)),
    )
    return ComponentSpec(revision, echo, served, model_name, needs)


def _hosting_variant(endpoint: Endpoint, params: Params, name: str) -> LiveVariant:
    """The variant the component runs on. An endpoint whose variants name models cannot
    host components (observed wording: pulumi/pulumi-aws#4940,
    hashicorp/terraform-provider-aws#40644); VariantName is required for a component that
    is not an adapter (hashicorp/terraform-provider-aws, inference_component.go)."""
    if endpoint.status not in (EndpointStatus.IN_SERVICE, EndpointStatus.UPDATING):
        raise validation_error(
            f'Cannot create inference component {name} on endpoint "{endpoint.arn}": the '
            f"endpoint is {endpoint.status}."
        )
    if not all(v.hosts_components for v in endpoint.variants):
        raise validation_error(
            "Inference Components are not supported in this Endpoint. Please make sure "
            "this endpoint can deploy inference components."
        )
    variant_name = params.get("VariantName")
    if variant_name is None:
        raise validation_error(
            f"Inference component {name}: VariantName is required; it names the production "
            f"variant of endpoint {endpoint.name} that hosts the component."
        )
    variant = next((v for v in endpoint.variants if v.name == variant_name), None)
    if variant is None:
        raise validation_error(
            f'The variant name {variant_name} is not present in endpoint "{endpoint.arn}".'
        )
    return variant


# ---------------------------------------------------------------------- create / read


def create_inference_component(call: Call, params: Params) -> Result:
    partition = call.partition
    name = params["InferenceComponentName"]
    arn = component_arn(partition, name)
    if partition.component(name, call.now) is not None:
        raise validation_error(f'Cannot create already existing inference component "{arn}".')
    raw = _specification(params, name)
    endpoint = partition.endpoint(params["EndpointName"], call.now)
    if endpoint is None:
        raise endpoint_not_found(partition, params["EndpointName"])
    variant = _hosting_variant(endpoint, params, name)
    runtime = params.get("RuntimeConfig")
    if runtime is None:
        raise validation_error(f"Inference component {name}: RuntimeConfig is required.")
    if runtime["CopyCount"] < 1:
        # Observed wording (stdapi-ai/stdapi.ai#43): a component starts with at least one
        # copy; scaling to zero happens afterwards.
        raise validation_error("Inference components copy count an integer larger than 0")
    spec = _build_spec(call, raw, name, revision=1)
    check_fits(name, variant, spec.needs)
    partition.components[name.lower()] = InferenceComponent(
        name=name,
        arn=arn,
        endpoint_name=endpoint.name,
        endpoint_arn=endpoint.arn,
        variant_name=variant.name,
        sequence=call.state.next_sequence(),
        created_at=call.now,
        last_modified_at=call.now,
        spec=spec,
        desired=runtime["CopyCount"],
        pending=Pending(Phase.CREATING, call.now + call.state.settings.durations.creating),
    )
    set_initial_tags(partition, arn, params.get("Tags"))
    return {"InferenceComponentArn": arn}


def describe_inference_component(call: Call, params: Params) -> Result:
    return find_component(call, params["InferenceComponentName"]).describe(call.now)


def list_inference_components(call: Call, params: Params) -> Result:
    """ListInferenceComponents API reference: filters by endpoint, variant, status, name
    and times; SortBy Name, CreationTime (default) or Status; SortOrder default
    Descending; MaxResults default 10."""
    endpoint = params.get("EndpointNameEquals")
    variant = params.get("VariantNameEquals")
    status = params.get("StatusEquals")
    after = params.get("LastModifiedTimeAfter")
    before = params.get("LastModifiedTimeBefore")
    components = [
        c
        for c in call.partition.all_components(call.now)
        if (endpoint is None or c.endpoint_key == endpoint.lower())
        and (variant is None or c.variant_name == variant)
        and (status is None or str(c.status) == status)
        and (after is None or c.last_modified_at > float(after))
        and (before is None or c.last_modified_at < float(before))
    ]
    page = list_page(
        components,
        params,
        Listed[InferenceComponent](
            name=lambda c: c.name,
            created_at=lambda c: c.created_at,
            sequence=lambda c: c.sequence,
            extra_sort_keys={"Status": lambda c: str(c.status)},
        ),
        scope="ListInferenceComponents",
        default_order="Descending",
    )
    return with_token({"InferenceComponents": [c.summary() for c in page.items]}, page)


# ---------------------------------------------------------------------- update


def update_inference_component(call: Call, params: Params) -> Result:
    partition = call.partition
    component = find_component(call, params["InferenceComponentName"])
    name = component.name
    if (
        params.get("Specification") is None
        and params.get("Specifications") is None
        and (params.get("RuntimeConfig") is None)
    ):
        # Terraform's provider: UpdateInferenceComponent "rejects a request carrying only
        # the name or only a DeploymentConfig" (inference_component.go). The wording is
        # the emulator's.
        raise validation_error(
            f"Inference component {name}: an update needs a Specification or a RuntimeConfig."
        )
    component.ensure_updatable()
    runtime = params.get("RuntimeConfig")
    desired = runtime["CopyCount"] if runtime is not None else component.desired
    deployment_config = copy.deepcopy(params.get("DeploymentConfig"))
    durations = call.state.settings.durations
    new_spec = None
    if params.get("Specification") is not None or params.get("Specifications") is not None:
        raw = _specification(params, name)
        new_spec = _build_spec(call, raw, name, revision=component.spec.revision + 1)
        if new_spec.echo == component.spec.echo:
            new_spec = None
    if new_spec is None:
        component.start_copies(desired, call.now, call.now + durations.updating)
        if deployment_config is not None:
            component.deployment_config = deployment_config
        return {"InferenceComponentArn": component.arn}
    endpoint = partition.endpoint(component.endpoint_name, call.now)
    variant = next(
        (v for v in (endpoint.variants if endpoint else ()) if v.name == component.variant_name),
        None,
    )
    if variant is not None:
        check_fits(name, variant, new_spec.needs)
    rollout = _rollout(call, component, new_spec, desired, deployment_config)
    component.start_rollout(rollout, call.now, deployment_config)
    return {"InferenceComponentArn": component.arn}


def _rollout(
    call: Call,
    component: InferenceComponent,
    new_spec: ComponentSpec,
    desired: int,
    deployment_config: Json | None,
) -> Rollout:
    """Batches of MaximumBatchSize copies (COPY_COUNT, or CAPACITY_PERCENT of the copies
    that run), each provisioned in ``updatingSeconds`` and then baked for
    WaitIntervalInSeconds (InferenceComponentRollingUpdatePolicy API reference). A
    rollback restores RollbackMaximumBatchSize copies a step, by default all at once
    ("If this field is absent, the value is set to the default, which is 100% of the total
    capacity"). Without a DeploymentConfig every copy is replaced in one step."""
    copies = component.current
    updating = call.state.settings.durations.updating
    policy = (deployment_config or {}).get("RollingUpdatePolicy")
    failure = call.state.endpoint_faults.take_component_update_failure(component.name)
    if policy is None:
        batch, step = max(copies, 1), updating
        rollback_batch = None
    else:
        batch = _batch_size(policy["MaximumBatchSize"], copies)
        step = updating + float(policy["WaitIntervalInSeconds"])
        rollback = policy.get("RollbackMaximumBatchSize")
        rollback_batch = _batch_size(rollback, copies) if rollback is not None else None
    alarms = tuple(
        alarm["AlarmName"]
        for alarm in ((deployment_config or {}).get("AutoRollbackConfiguration") or {}).get(
            "Alarms"
        )
        or []
    )
    rollout = Rollout(
        old=component.spec,
        new=new_spec,
        copies=copies,
        old_desired=component.desired,
        new_desired=desired,
        batch=batch,
        step_seconds=step,
        started_at=call.now,
        rollback_batch=rollback_batch,
        rollback_step_seconds=updating,
        alarms=alarms,
    )
    if failure is not None:
        rollout = replace(
            rollout,
            fail_after_batch=min(max(failure.after_batches, 1), rollout.steps),
            failure_reason=failure.failure_reason,
        )
    return rollout


def _batch_size(size: Json, copies: int) -> int:
    value = int(size["Value"])
    if size["Type"] == "CAPACITY_PERCENT":
        return max(1, math.ceil(copies * min(value, 100) / 100))
    return value


def update_inference_component_runtime_config(call: Call, params: Params) -> Result:
    """A new copy count (0 scales the component to zero: developer guide, "Scale an
    endpoint to zero instances"): Updating until the copies are provisioned and placed."""
    component = find_component(call, params["InferenceComponentName"])
    component.ensure_updatable()
    copies = params["DesiredRuntimeConfig"]["CopyCount"]
    component.start_copies(copies, call.now, call.now + call.state.settings.durations.updating)
    return {"InferenceComponentArn": component.arn}


# ---------------------------------------------------------------------- delete


def delete_inference_component(call: Call, params: Params) -> Result:
    """Deleting -> gone. Its Application Auto Scaling target goes with it, as a deleted
    endpoint's variants' targets do (reference §1)."""
    partition = call.partition
    component = find_component(call, params["InferenceComponentName"])
    component.ensure_deletable()
    target = partition.scalable_targets.get(component_target_key(component.name))
    if target is not None:
        remove_alarms(call, partition.deregister_target(target))
    component.start_delete(call.now, call.now + call.state.settings.durations.deleting)
    return {}


OPERATIONS: Final = {
    "CreateInferenceComponent": create_inference_component,
    "DescribeInferenceComponent": describe_inference_component,
    "ListInferenceComponents": list_inference_components,
    "UpdateInferenceComponent": update_inference_component,
    "UpdateInferenceComponentRuntimeConfig": update_inference_component_runtime_config,
    "DeleteInferenceComponent": delete_inference_component,
}
