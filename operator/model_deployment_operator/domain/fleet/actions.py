"""What the operator may do for a ModelEndpoint beyond the endpoint actions every kind
shares (domain/actions.py), and for the multi-model artifacts of the deployments on it."""

from __future__ import annotations

from dataclasses import dataclass

from model_deployment_operator.domain.fleet.desired import MultiModelContainer
from model_deployment_operator.domain.rendering.inference_component import (
    InferenceComponentTarget,
)


@dataclass(frozen=True)
class CreateMultiModelModel:
    name: str
    container: MultiModelContainer
    tags: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class PutRefreshRecord:
    """Record, next to the artifacts, which artifact (ETag) of each target a refresh
    config's instances load: the ModelDeployments read it to know they are served."""

    uri: str
    targets: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class CopyArtifact:
    """Copy a model package's artifact to a target key of a multi-model prefix, stamped
    with the package and the owning ModelDeployment."""

    source: str
    destination: str
    metadata: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class DeleteArtifact:
    uri: str


@dataclass(frozen=True)
class CreateInferenceComponent:
    component: InferenceComponentTarget
    tags: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class UpdateInferenceComponent:
    """A new specification (model or compute), rolled through the copies as the
    component's rolling update says."""

    component: InferenceComponentTarget


@dataclass(frozen=True)
class SetCopyCount:
    """UpdateInferenceComponentRuntimeConfig: the copies the spec asks for (no autoscaling)."""

    name: str
    copy_count: int


@dataclass(frozen=True)
class DeleteInferenceComponent:
    name: str


SharedAction = (
    CreateMultiModelModel
    | PutRefreshRecord
    | CopyArtifact
    | DeleteArtifact
    | CreateInferenceComponent
    | UpdateInferenceComponent
    | SetCopyCount
    | DeleteInferenceComponent
)
SHARED_ACTIONS = (
    CreateMultiModelModel,
    PutRefreshRecord,
    CopyArtifact,
    DeleteArtifact,
    CreateInferenceComponent,
    UpdateInferenceComponent,
    SetCopyCount,
    DeleteInferenceComponent,
)


def describe_shared_action(action: SharedAction) -> str:
    match action:
        case CreateMultiModelModel(name=name):
            return f"CreateModel {name} (multi-model container)"
        case PutRefreshRecord(uri=uri):
            return f"PutObject {uri}"
        case CopyArtifact(source=source, destination=destination):
            return f"CopyObject {source} to {destination}"
        case DeleteArtifact(uri=uri):
            return f"DeleteObject {uri}"
        case CreateInferenceComponent(component=component):
            return f"CreateInferenceComponent {component.name} on {component.endpoint_name}"
        case UpdateInferenceComponent(component=component):
            return f"UpdateInferenceComponent {component.name} (model {component.spec.model_name})"
        case SetCopyCount(name=name, copy_count=count):
            return f"UpdateInferenceComponentRuntimeConfig {name} to {count} copies"
        case DeleteInferenceComponent(name=name):
            return f"DeleteInferenceComponent {name}"
