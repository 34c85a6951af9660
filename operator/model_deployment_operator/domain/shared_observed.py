"""What one tick observes of the shared placements: a ModelDeployment's inference component,
its multi-model artifact, and the ModelEndpoint it is placed on."""

from __future__ import annotations

from dataclasses import dataclass

from model_deployment_operator.domain.ownership import NOBODY, Ownership
from model_deployment_operator.domain.rendering.inference_component import ComponentSpec

# Metadata the operator stamps on the artifacts it copies (S3 lower-cases the keys).
ARTIFACT_PACKAGE = "mdo-model-package-arn"
ARTIFACT_OWNER_UID = "mdo-owner-uid"
ARTIFACT_OWNER = "mdo-owner"


@dataclass(frozen=True)
class ObservedComponent:
    name: str
    arn: str
    status: str
    endpoint_name: str
    spec: ComponentSpec | None
    desired_copies: int | None
    current_copies: int | None
    failure_reason: str | None = None
    ownership: Ownership = NOBODY

    @property
    def is_busy(self) -> bool:
        return self.status in ("Creating", "Updating", "Deleting")


@dataclass(frozen=True)
class ObservedArtifact:
    uri: str
    etag: str
    metadata: tuple[tuple[str, str], ...] = ()

    def meta(self, key: str) -> str | None:
        return dict(self.metadata).get(key)


@dataclass(frozen=True)
class HostEndpoint:
    """The ModelEndpoint a ModelDeployment is placed on, as the API server has it."""

    name: str  # the ModelEndpoint object's name
    mode: str  # InferenceComponents | MultiModel
    endpoint_name: str
    variant_name: str
    region: str | None
    artifact_prefix: str | None
    uid: str
