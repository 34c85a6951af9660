"""Plan: a ModelDeployment as a target model of a shared MultiModel ModelEndpoint. The
approved version's artifact is copied under the endpoint's prefix at the target model's key,
stamped with the package and the owner; the ModelEndpoint then refreshes the endpoint (its
instances keep serving what they loaded until it does). A rejection copies the previous
approved artifact back. An object at the key the operator did not put there is never
overwritten."""

from __future__ import annotations

from collections.abc import Sequence

from model_deployment_operator.domain.fleet.actions import CopyArtifact
from model_deployment_operator.domain.placed.desired import ArtifactTarget, PlacedDeployment
from model_deployment_operator.domain.placed.plan import (
    PlacedObservation,
    PlacedPlan,
    PlacedStart,
    failed_attempt,
    placed_trigger,
)
from model_deployment_operator.domain.reasons import Reason
from model_deployment_operator.domain.shared_observed import (
    ARTIFACT_OWNER,
    ARTIFACT_OWNER_UID,
    ARTIFACT_PACKAGE,
)
from model_deployment_operator.domain.status import HistoryEntry
from model_deployment_operator.domain.verdict import blocked, converged, progressing


def plan_artifact(
    desired: PlacedDeployment,
    observation: PlacedObservation,
    target: ArtifactTarget,
    history: Sequence[HistoryEntry],
) -> PlacedPlan:
    artifact = observation.artifact
    host = desired.host
    if artifact is not None and artifact.meta(ARTIFACT_OWNER_UID) != desired.ref.uid:
        owner = artifact.meta(ARTIFACT_OWNER)
        whose = f"it belongs to ModelDeployment {owner}" if owner else "nobody claims it"
        return PlacedPlan(
            (),
            blocked(
                Reason.TARGET_MODEL_CONFLICT,
                f"{target.destination} already exists and {whose}; the operator will not "
                "overwrite it. Choose another spec.multiModel.targetModel",
            ),
            target,
        )
    if artifact is None or artifact.meta(ARTIFACT_PACKAGE) != target.package.arn:
        failed = failed_attempt(history, target)
        if failed is not None:
            return PlacedPlan(
                (),
                blocked(
                    Reason.SAGEMAKER_REJECTED,
                    f"Copying version {target.package.version} to {target.destination} "
                    f"failed: {failed.message}. It is retried when the desired state changes",
                ),
                target,
            )
        trigger = placed_trigger(
            desired.spec.approval.policy, observation.live_package, target, history
        )
        return PlacedPlan(
            (CopyArtifact(target.source, target.destination, target.metadata),),
            progressing(
                Reason.REFRESHING_MODELS,
                f"Copying version {target.package.version} of model package group "
                f"{target.package.group_name} to {target.destination}; ModelEndpoint "
                f"{host.name} then refreshes endpoint {host.endpoint_name} to load it",
            ),
            target,
            PlacedStart(target, trigger),
        )
    if not observation.served:
        return PlacedPlan(
            (),
            progressing(
                Reason.REFRESHING_MODELS,
                f"Version {target.package.version} is at {target.destination}; waiting for "
                f"ModelEndpoint {host.name} to refresh endpoint {host.endpoint_name} so its "
                "instances load it",
            ),
            target,
        )
    return PlacedPlan(
        (),
        converged(
            Reason.DEPLOYED,
            f"Endpoint {host.endpoint_name} serves version {target.package.version} of model "
            f"package group {target.package.group_name} as target model {target.key}",
        ),
        target,
    )
