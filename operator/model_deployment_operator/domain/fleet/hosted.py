"""What a ModelEndpoint reports of each ModelDeployment placed on it, read from that
ModelDeployment's own status (the ModelEndpoint never observes their SageMaker objects)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from model_deployment_operator.domain.model_endpoint_status import HostedView


def hosted_view(deployment: Mapping[str, Any]) -> HostedView:
    """A placed ModelDeployment object, as the API server has it, as a line of the
    ModelEndpoint's status.hosted."""
    name = str((deployment.get("metadata") or {}).get("name", ""))
    status = deployment.get("status") or {}
    package = status.get("modelPackage") or {}
    placement = status.get("placement") or {}
    version = package.get("version")
    copies = placement.get("currentCopies")
    state: str | None
    if placement.get("targetModel") is not None:
        # MultiModel: whether the endpoint loads the deployment's artifact yet.
        if placement.get("served"):
            state = "Served"
        elif placement.get("artifact"):
            state = "AwaitingRefresh"
        else:
            state = "Copying"
    else:
        state = placement.get("status")
    return HostedView(
        name=name,
        version=version if isinstance(version, int) else None,
        inference_component_name=placement.get("inferenceComponent"),
        copy_count=copies if isinstance(copies, int) else None,
        target_model=placement.get("targetModel"),
        status=state,
    )
