"""Plan: a ModelDeployment as an inference component on a shared InferenceComponents
ModelEndpoint. Created from the approved version (a Model made from the package), updated
in place with the spec's rolling update on a new approval or a rejection, copies kept at the
spec's count or scaled, older Models collected; never changed while busy, a failed update
not retried for the same revision."""

from __future__ import annotations

from collections.abc import Sequence

from model_deployment_operator.domain.actions import Action, CreateModel, DeleteModel
from model_deployment_operator.domain.fleet.actions import (
    CreateInferenceComponent,
    DeleteInferenceComponent,
    SetCopyCount,
    UpdateInferenceComponent,
)
from model_deployment_operator.domain.observed import EndpointStatus
from model_deployment_operator.domain.phases.scaling import plan_scaling
from model_deployment_operator.domain.placed.desired import ComponentTarget, PlacedDeployment
from model_deployment_operator.domain.placed.plan import (
    PlacedObservation,
    PlacedPlan,
    PlacedStart,
    failed_attempt,
    placed_trigger,
)
from model_deployment_operator.domain.reasons import Reason
from model_deployment_operator.domain.scaling.component import component_scaling
from model_deployment_operator.domain.scaling.model import ScalingSetup
from model_deployment_operator.domain.status import HistoryEntry, Outcome
from model_deployment_operator.domain.verdict import blocked, converged, progressing


def wanted_scaling(desired: PlacedDeployment) -> ScalingSetup | None:
    wanted = desired.spec.autoscaling
    return component_scaling(wanted, desired.component_name) if wanted is not None else None


def plan_component(
    desired: PlacedDeployment,
    observation: PlacedObservation,
    target: ComponentTarget,
    history: Sequence[HistoryEntry],
    *,
    registered_before: bool,
) -> PlacedPlan:
    component = observation.component
    host = observation.host
    name = desired.component_name
    endpoint = desired.host.endpoint_name
    if component is not None and not component.ownership.owned:
        return PlacedPlan(
            (),
            blocked(
                Reason.ENDPOINT_NAME_CONFLICT,
                f"Inference component {name} already exists and "
                f"{component.ownership.describe()}; the operator will not touch it",
            ),
            target,
        )
    if component is None:
        if host is None or host.status != EndpointStatus.IN_SERVICE:
            state = host.status if host is not None else "not created yet"
            return PlacedPlan(
                (),
                progressing(
                    Reason.WAITING_FOR_MODEL_ENDPOINT,
                    f"Waiting for shared endpoint {endpoint} of ModelEndpoint "
                    f"{desired.host.name} to be InService ({state})",
                ),
                target,
            )
        failed = failed_attempt(history, target)
        if failed is not None:
            return PlacedPlan(
                (),
                blocked(
                    Reason.ENDPOINT_FAILED,
                    f"Creating inference component {name} with version "
                    f"{target.package.version} failed: {failed.message}. It is retried when "
                    "the desired state changes",
                ),
                target,
            )
        trigger = placed_trigger(
            desired.spec.approval.policy, observation.live_package, target, history
        )
        return PlacedPlan(
            (
                CreateModel(target.model_name, target.model, desired.tags),
                CreateInferenceComponent(target.component, desired.tags),
            ),
            progressing(
                Reason.ENDPOINT_CREATING,
                f"Creating inference component {name} on shared endpoint {endpoint} serving "
                f"version {target.package.version} of model package group "
                f"{target.package.group_name} ({target.component.copy_count} copies)",
            ),
            target,
            PlacedStart(target, trigger),
        )
    if component.is_busy:
        return PlacedPlan(
            (),
            progressing(
                Reason.ENDPOINT_CREATING
                if component.status == "Creating"
                else Reason.ENDPOINT_UPDATING,
                f"Inference component {name} is {component.status}; waiting before changing it",
            ),
            target,
        )
    if component.status == "Failed":
        failed = failed_attempt(history, target)
        if failed is not None:
            return PlacedPlan(
                (),
                blocked(
                    Reason.ENDPOINT_FAILED,
                    f"Inference component {name} is Failed: "
                    f"{component.failure_reason or 'no reason given'}. It is replaced when the "
                    "desired state changes",
                ),
                target,
            )
        return PlacedPlan(
            (DeleteInferenceComponent(name),),
            progressing(
                Reason.REPLACING_FAILED_ENDPOINT,
                f"Deleting Failed inference component {name} to create it again",
            ),
            target,
        )
    scaling = plan_scaling(
        wanted_scaling(desired), observation.scaling, registered_before=registered_before
    )
    live = observation.live_package
    serving = f"version {live.version}" if live is not None else "its current model"
    if component.spec != target.component.spec:
        failed = failed_attempt(history, target)
        if failed is not None:
            return PlacedPlan(
                scaling,
                blocked(
                    Reason.UPDATE_FAILED,
                    f"Updating inference component {name} to version "
                    f"{target.package.version} failed and SageMaker kept {serving}: "
                    f"{failed.message}. The update is not retried until the desired state "
                    "changes",
                ),
                target,
            )
        trigger = placed_trigger(
            desired.spec.approval.policy, observation.live_package, target, history
        )
        return PlacedPlan(
            (
                CreateModel(target.model_name, target.model, desired.tags),
                UpdateInferenceComponent(target.component),
            ),
            progressing(
                Reason.ENDPOINT_UPDATING,
                f"Updating inference component {name} to version {target.package.version} "
                f"(model {target.model_name}), replacing {serving}"
                + (" with a rolling update" if target.component.rolling_update else ""),
            ),
            target,
            PlacedStart(target, trigger),
        )
    actions: list[Action] = []
    wanted_copies = target.component.copy_count
    spec_owns_copies = desired.spec.autoscaling is None and not registered_before
    drifted = component.desired_copies is not None and component.desired_copies != wanted_copies
    if spec_owns_copies and drifted:
        actions.append(SetCopyCount(name, wanted_copies))
    actions.extend(scaling)
    actions.extend(_collect(observation, target, history))
    copies = component.current_copies
    return PlacedPlan(
        tuple(actions),
        converged(
            Reason.DEPLOYED,
            f"Inference component {name} on shared endpoint {endpoint} serves version "
            f"{target.package.version} of model package group {target.package.group_name} "
            f"(model {target.model_name}, {copies if copies is not None else '?'} copies)",
        ),
        target,
    )


def _collect(
    observation: PlacedObservation, target: ComponentTarget, history: Sequence[HistoryEntry]
) -> tuple[Action, ...]:
    models = observation.models
    if models is None:
        return ()
    keep = {target.model_name}
    previous = next(
        (
            h
            for h in history
            if h.outcome is Outcome.SUCCEEDED and h.model_name and h.model_name != target.model_name
        ),
        None,
    )
    if previous is not None and previous.model_name:
        keep.add(previous.model_name)
    return tuple(DeleteModel(n) for n in sorted(models.model_names - keep))
