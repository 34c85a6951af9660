"""Which shared endpoint a placed ModelDeployment runs on: its ModelEndpoint, read from the
API server, checked against the placement the ModelDeployment asks for."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from model_deployment_operator.domain import naming
from model_deployment_operator.domain.api_group import MODEL_ENDPOINT
from model_deployment_operator.domain.installation import CLAIM_ANNOTATION, ClaimState, claim_of
from model_deployment_operator.domain.naming import DeploymentRef
from model_deployment_operator.domain.reasons import Reason
from model_deployment_operator.domain.shared_observed import HostEndpoint
from model_deployment_operator.domain.spec import InvalidSpecError, ModelDeploymentSpec
from model_deployment_operator.domain.spec.model_endpoint import (
    EndpointMode,
    parse_model_endpoint_spec,
)
from model_deployment_operator.domain.spec.placement import Placement
from model_deployment_operator.domain.status import DeploymentStatus
from model_deployment_operator.domain.verdict import Verdict, blocked, progressing

MODE_OF_PLACEMENT = {
    Placement.INFERENCE_COMPONENT: EndpointMode.INFERENCE_COMPONENTS,
    Placement.MULTI_MODEL: EndpointMode.MULTI_MODEL,
}
SPEC_FIELD_OF_PLACEMENT = {
    Placement.INFERENCE_COMPONENT: "spec.inferenceComponent",
    Placement.MULTI_MODEL: "spec.multiModel",
}


def host_endpoint(
    spec: ModelDeploymentSpec,
    namespace: str,
    found: Mapping[str, Any] | None,
    *,
    default_region: str,
    installation: str | None = None,
) -> HostEndpoint | Verdict:
    """The ModelEndpoint `spec.endpointRef` names, or why the deployment cannot be placed on
    it now: it does not exist yet or its spec is unreadable (waiting), or it hosts models
    another way or in another region, or another installation reconciles it (someone has
    to fix a spec or labels)."""
    assert spec.endpoint_ref is not None  # noqa: S101 - only for placed deployments
    name = spec.endpoint_ref.name
    if found is None:
        return progressing(
            Reason.WAITING_FOR_MODEL_ENDPOINT,
            f"ModelEndpoint {name} does not exist in namespace {namespace}; the deployment is "
            "placed once it does",
        )
    try:
        host_spec = parse_model_endpoint_spec(found.get("spec"))
    except InvalidSpecError as error:
        return progressing(
            Reason.WAITING_FOR_MODEL_ENDPOINT,
            f"ModelEndpoint {name} has an invalid spec ({error}); the deployment is placed "
            "once it is fixed",
        )
    placement = spec.placement
    wanted_mode = MODE_OF_PLACEMENT[placement]
    if host_spec.mode is not wanted_mode:
        return blocked(
            Reason.PLACEMENT_MISMATCH,
            f"{SPEC_FIELD_OF_PLACEMENT[placement]} needs a ModelEndpoint in {wanted_mode} mode, "
            f"but ModelEndpoint {name} is in {host_spec.mode} mode. Point spec.endpointRef at "
            f"an {wanted_mode} ModelEndpoint, or place the model as its mode expects",
        )
    region = host_spec.region or default_region
    if spec.region is not None and spec.region != region:
        return blocked(
            Reason.PLACEMENT_MISMATCH,
            f"spec.region is {spec.region} but ModelEndpoint {name} runs in {region}; remove "
            "spec.region or make them agree",
        )
    metadata = found.get("metadata") or {}
    claim = claim_of(metadata.get("annotations"), installation or "")
    if installation is not None and claim.claim is ClaimState.OTHERS:
        # Two installations acting on one SageMaker endpoint (one its variant, the other
        # its components or models) is what the claims exist to prevent.
        return blocked(
            Reason.PLACEMENT_MISMATCH,
            f"ModelEndpoint {name} is reconciled by installation {claim.holder} (annotation "
            f"{CLAIM_ANNOTATION}), this ModelDeployment by installation {installation}; give "
            "both the labels of one installation's selector",
        )
    host_ref = DeploymentRef(
        namespace=namespace, name=name, uid=str(metadata.get("uid", "")), kind=MODEL_ENDPOINT
    )
    container = host_spec.multi_model
    return HostEndpoint(
        name=name,
        mode=str(host_spec.mode),
        endpoint_name=host_spec.endpoint_name or naming.default_endpoint_name(host_ref),
        variant_name=host_spec.variant_name,
        region=region,
        artifact_prefix=container.artifact_prefix if container is not None else None,
        uid=host_ref.uid,
    )


def host_from_status(
    spec: ModelDeploymentSpec, status: DeploymentStatus | None, *, default_region: str
) -> HostEndpoint | None:
    """Where the deployment was placed, as its status recorded it: what deleting it needs
    when its ModelEndpoint is already gone (or now hosts models another way)."""
    if status is None or status.placement is None:
        return None
    placement = status.placement
    endpoint = status.endpoint
    region = spec.region or default_region
    if endpoint is not None and endpoint.arn:
        parts = endpoint.arn.split(":")
        # arn:aws:sagemaker:<region>:<account>:endpoint/<name>
        region = parts[3] if len(parts) > 3 and parts[3] else region
    prefix = None
    target = placement.target_model
    if placement.artifact and target and placement.artifact.endswith(target):
        prefix = placement.artifact[: -len(target)]
    return HostEndpoint(
        name=placement.model_endpoint,
        mode=placement.mode,
        endpoint_name=endpoint.name if endpoint is not None else "",
        variant_name="",
        region=region,
        artifact_prefix=prefix,
        uid="",
    )
