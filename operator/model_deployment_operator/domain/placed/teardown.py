"""Deleting what a placed ModelDeployment owns: its inference component (its autoscaling
first) and then its Models; or its artifact under the multi-model prefix (the ModelEndpoint
then refreshes the endpoint so it stops serving it)."""

from __future__ import annotations

from dataclasses import dataclass

from model_deployment_operator.domain.actions import Action, DeleteModel
from model_deployment_operator.domain.fleet.actions import (
    DeleteArtifact,
    DeleteInferenceComponent,
)
from model_deployment_operator.domain.observed import OwnedArtifacts
from model_deployment_operator.domain.placed.desired import PlacedDeployment
from model_deployment_operator.domain.scaling.actions import DeleteAlarms, DeregisterScalableTarget
from model_deployment_operator.domain.scaling.model import OWNED_PREFIX, ObservedScaling
from model_deployment_operator.domain.shared_observed import (
    ARTIFACT_OWNER_UID,
    ObservedArtifact,
    ObservedComponent,
)


@dataclass(frozen=True)
class PlacedTeardown:
    actions: tuple[Action, ...]
    finished_after_actions: bool
    message: str


def plan_placed_teardown(
    desired: PlacedDeployment,
    *,
    component: ObservedComponent | None,
    scaling: ObservedScaling | None,
    models: OwnedArtifacts | None,
    artifact: ObservedArtifact | None,
) -> PlacedTeardown:
    if desired.spec.multi_model is not None:
        if artifact is not None and artifact.meta(ARTIFACT_OWNER_UID) == desired.ref.uid:
            return PlacedTeardown(
                (DeleteArtifact(artifact.uri),),
                True,
                f"Deleting {artifact.uri}; ModelEndpoint {desired.host.name} refreshes the "
                "endpoint without it",
            )
        return PlacedTeardown((), True, "No artifact of this ModelDeployment is left")
    if component is not None and component.ownership.owned:
        if component.status == "Deleting" or component.is_busy:
            return PlacedTeardown(
                (), False, f"Waiting for inference component {component.name} ({component.status})"
            )
        actions: list[Action] = []
        if scaling is not None and scaling.target is not None:
            actions.append(
                DeregisterScalableTarget(scaling.target.resource_id, scaling.target.dimension)
            )
        alarms = tuple(
            a.alarm.name
            for a in (scaling.alarms if scaling else ())
            if a.alarm.name.startswith(OWNED_PREFIX)
        )
        if alarms:
            actions.append(DeleteAlarms(alarms))
        actions.append(DeleteInferenceComponent(component.name))
        return PlacedTeardown(
            tuple(actions), False, f"Deleting inference component {component.name}"
        )
    if models is None:
        return PlacedTeardown((), False, "Listing the models to delete")
    return PlacedTeardown(
        tuple(DeleteModel(n) for n in sorted(models.model_names)),
        True,
        f"All SageMaker resources of {desired.ref} are deleted",
    )
