"""Phase: deleting what a ModelDeployment owns, endpoint (and its autoscaling) first, then
its endpoint configs and models. An endpoint it does not own is left alone."""

from __future__ import annotations

from model_deployment_operator.domain.actions import (
    Action,
    DeleteEndpoint,
    DeleteEndpointConfig,
    DeleteModel,
)
from model_deployment_operator.domain.desired import DesiredDeployment
from model_deployment_operator.domain.observed import (
    EndpointStatus,
    ObservedEndpoint,
    OwnedArtifacts,
)
from model_deployment_operator.domain.plan import TeardownPlan
from model_deployment_operator.domain.scaling.actions import DeleteAlarms, DeregisterScalableTarget
from model_deployment_operator.domain.scaling.model import OWNED_PREFIX, ObservedScaling


def plan_teardown(
    desired: DesiredDeployment,
    endpoint: ObservedEndpoint | None,
    scaling: ObservedScaling | None,
    artifacts: OwnedArtifacts | None,
) -> TeardownPlan:
    """Delete everything this ModelDeployment owns, endpoint first, then configs and models.

    An endpoint it does not own is left alone; its own configs and models still go.
    """
    if endpoint is not None and endpoint.owned:
        if endpoint.status == EndpointStatus.DELETING:
            return TeardownPlan(
                (), False, f"Waiting for SageMaker to delete endpoint {endpoint.name}"
            )
        if endpoint.is_busy:
            waiting = (
                f"Waiting for endpoint {endpoint.name} to leave {endpoint.status} to delete it"
            )
            return TeardownPlan((), False, waiting)
        actions: list[Action] = []
        if scaling is not None and scaling.target is not None:
            target = scaling.target
            actions.append(DeregisterScalableTarget(target.resource_id, target.dimension))
        alarms = tuple(
            a.alarm.name
            for a in (scaling.alarms if scaling is not None else ())
            if a.alarm.name.startswith(OWNED_PREFIX)
        )
        if alarms:
            actions.append(DeleteAlarms(alarms))
        actions.append(DeleteEndpoint(endpoint.name))
        return TeardownPlan(
            tuple(actions), False, f"Deleting endpoint {endpoint.name} and its autoscaling"
        )
    if artifacts is None:
        return TeardownPlan((), False, "Listing the endpoint configs and models to delete")
    deletions: tuple[Action, ...] = (
        *(DeleteEndpointConfig(n) for n in sorted(artifacts.config_names)),
        *(DeleteModel(n) for n in sorted(artifacts.model_names)),
    )
    if deletions:
        names = ", ".join(sorted(artifacts.config_names | artifacts.model_names))
        return TeardownPlan(deletions, True, f"Deleting endpoint configs and models: {names}")
    return TeardownPlan((), True, f"All SageMaker resources of {desired.ref} are deleted")
