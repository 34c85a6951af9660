"""The plan of a placed ModelDeployment: the version the policy allows, made into its
target on the shared endpoint (an inference component, or a multi-model artifact), then
planned by the placement's own rules (component.py, artifact.py)."""

from __future__ import annotations

from collections.abc import Sequence

from model_deployment_operator.domain.placed.artifact import plan_artifact
from model_deployment_operator.domain.placed.component import plan_component
from model_deployment_operator.domain.placed.desired import PlacedDeployment
from model_deployment_operator.domain.placed.plan import PlacedObservation, PlacedPlan
from model_deployment_operator.domain.policy import NoVersionAllowed
from model_deployment_operator.domain.reasons import Reason
from model_deployment_operator.domain.status import HistoryEntry
from model_deployment_operator.domain.verdict import blocked, progressing


def plan_placed(
    desired: PlacedDeployment,
    observation: PlacedObservation,
    history: Sequence[HistoryEntry],
    *,
    registered_before: bool,
) -> PlacedPlan:
    selection = observation.selection
    if isinstance(selection, NoVersionAllowed):
        message = selection.message
        live = observation.live_package
        if live is not None:
            message = (
                f"{message}; version {live.version} ({live.approval_status}) keeps serving on "
                f"ModelEndpoint {desired.host.name}"
            )
        verdict = (
            progressing(selection.reason, message)
            if selection.transient
            else blocked(selection.reason, message)
        )
        return PlacedPlan((), verdict)
    package = selection.package
    if desired.spec.inference_component is not None:
        return plan_component(
            desired,
            observation,
            desired.component_target(package),
            history,
            registered_before=registered_before,
        )
    source = observation.artifact_source
    if source is None:
        return PlacedPlan(
            (),
            blocked(
                Reason.MODEL_ARTIFACT_NOT_FOUND,
                f"Model package {package.arn} (version {package.version}) names no "
                "ModelDataUrl in its InferenceSpecification, so there is no artifact to copy "
                f"to ModelEndpoint {desired.host.name}'s prefix",
            ),
        )
    return plan_artifact(desired, observation, desired.artifact_target(package, source), history)
