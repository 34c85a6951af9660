"""What the reconciler needs from AWS, as a Protocol. The boto3 gateway implements it; the
reconciler depends only on this shape."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from model_deployment_operator.domain.actions import Action
from model_deployment_operator.domain.endpoint_listing import EndpointSummary
from model_deployment_operator.domain.fleet.desired import Artifact
from model_deployment_operator.domain.naming import DeploymentRef
from model_deployment_operator.domain.observed import DeployedConfig, ObservedEndpoint
from model_deployment_operator.domain.ownership import OwnerPresence
from model_deployment_operator.domain.promotion.gates import PackageDetails, ReportRead
from model_deployment_operator.domain.registry import PackageGroup, PackageVersion
from model_deployment_operator.domain.scaling.model import ObservedScaling
from model_deployment_operator.domain.shared_observed import ObservedArtifact, ObservedComponent
from model_deployment_operator.domain.tenancy import OPERATOR_IDENTITY, AwsIdentity


class SageMakerPort(Protocol):
    """SageMaker and Application Auto Scaling in one region.

    Reads return None when the object does not exist. Every method raises
    `domain.errors.SageMakerCallError` for a call that failed after retries.
    """

    def describe_package_group(self, name_or_arn: str) -> PackageGroup | None: ...

    def list_package_versions(
        self, group_name_or_arn: str, next_token: str | None, page_size: int
    ) -> tuple[tuple[PackageVersion, ...], str | None]:
        """One page of the group's versions, newest first, and the token of the next page."""
        ...

    def describe_package(self, arn: str) -> PackageVersion | None: ...

    def describe_package_details(self, arn: str) -> PackageDetails | None:
        """Customer metadata, model life cycle and ModelMetrics report locations."""
        ...

    def update_package_metadata(
        self, arn: str, set_properties: Mapping[str, str], remove: Sequence[str] = ()
    ) -> None:
        """Set (merge) and remove CustomerMetadataProperties keys of a model package."""
        ...

    def read_report(self, uri: str) -> ReportRead:
        """A ModelMetrics report (JSON in S3), or why it could not be read."""
        ...

    def describe_endpoint(self, name: str) -> ObservedEndpoint | None:
        """The endpoint, claimed by nobody; the caller reads its ownership from its tags."""
        ...

    def list_endpoints(self) -> tuple[EndpointSummary, ...]:
        """Every endpoint in the region, as ListEndpoints summarises them (all pages)."""
        ...

    def list_tags(self, arn: str) -> dict[str, str]: ...

    def describe_endpoint_config(self, name: str) -> DeployedConfig | None:
        """The config, including the model package its model was created from."""
        ...

    def list_endpoint_config_names(self, name_contains: str) -> tuple[tuple[str, str], ...]:
        """(name, arn) of every endpoint config whose name contains the text."""
        ...

    def list_model_names(self, name_contains: str) -> tuple[tuple[str, str], ...]:
        """(name, arn) of every model whose name contains the text."""
        ...

    def describe_scaling(
        self, resource_id: str, *, scheduled: bool, alarms: Sequence[tuple[str, str]] = ()
    ) -> ObservedScaling:
        """The variant's scalable target, its policies, its scheduled actions (when
        `scheduled`) and the named CloudWatch alarms, as (alarm, policy name) pairs."""
        ...

    def describe_inference_component(self, name: str) -> ObservedComponent | None:
        """The component, claimed by nobody; the caller reads its ownership from its tags."""
        ...

    def model_package_of(self, model_name: str) -> str | None:
        """The model package a model was created from."""
        ...

    def package_artifact(self, package_arn: str) -> str | None:
        """The model package's artifact URI (its first container's ModelDataUrl)."""
        ...

    def list_artifacts(self, prefix: str, now: datetime) -> tuple[Artifact, ...]:
        """The artifacts under a multi-model prefix, and how long ago each changed."""
        ...

    def artifact(self, uri: str) -> ObservedArtifact | None: ...

    def refresh_record(self, uri: str) -> dict[str, str] | None:
        """What a multi-model refresh config's instances load: target -> ETag."""
        ...

    def apply(self, action: Action) -> None:
        """Perform one planned action. Creating something that already exists under the same
        deterministic name, and deleting something already gone, both count as success."""
        ...


class SageMakerPortFactory(Protocol):
    """One port per region and AWS identity; deployments may target different regions and
    act as different tenant roles."""

    def __call__(self, region: str, identity: AwsIdentity = OPERATOR_IDENTITY) -> SageMakerPort:
        """Raises `domain.errors.AssumeRoleError` when a tenant role cannot be assumed."""
        ...


class ClusterDirectory(Protocol):
    """What the reconciler reads from the Kubernetes API server besides its own objects."""

    def namespace_annotation(self, namespace: str, key: str) -> str | None:
        """The annotation's value, or None. Raises `domain.errors.ClusterReadError`."""
        ...

    def model_endpoint(self, namespace: str, name: str) -> dict[str, Any] | None:
        """The ModelEndpoint object as the API server has it. Raises ClusterReadError."""
        ...

    def placed_on(self, namespace: str, model_endpoint: str) -> tuple[dict[str, Any], ...]:
        """The ModelDeployments placed on a ModelEndpoint, as the API server has them, by
        name. Raises ClusterReadError."""
        ...

    def owner_presence(self, owner: DeploymentRef) -> tuple[OwnerPresence, str]:
        """Whether the ModelDeployment `owner` (same uid) still exists, with the API
        server's answer when it could not tell."""
        ...


class QueuedEvent(Protocol):
    @property
    def body(self) -> str: ...


class RegistryEventSource(Protocol):
    """A queue of registry events (SQS fed by EventBridge)."""

    def receive(self, wait_seconds: int) -> list[Any]: ...

    def delete(self, messages: list[Any]) -> None: ...


class Leadership(Protocol):
    """One replica's candidacy for the operator's leader Lease (kube.leader_lease)."""

    @property
    def identity(self) -> str: ...

    @property
    def lease(self) -> str:
        """namespace/name of the Lease."""
        ...

    def holder(self) -> str | None:
        """Who held the Lease at the last read."""
        ...

    def wait_until_leader(self, stop: threading.Event) -> bool:
        """Block until this replica holds the Lease (True) or `stop` is set (False)."""
        ...

    def keep_leading(self, on_lost: Callable[[str], None], stop: threading.Event) -> None:
        """Renew until `stop`; call `on_lost(why)` when the leadership is gone."""
        ...

    def release(self) -> None:
        """Give the Lease up on a clean shutdown, so a standby takes it at once."""
        ...


class ObjectClaims(Protocol):
    """Claims objects for this installation (kube.claims)."""

    def claim(self, ref: DeploymentRef, resource_version: str) -> bool:
        """Write this installation's name on the object if it has not changed since
        `resource_version`; False when it has (someone else may have claimed it)."""
        ...


class StatusPatches(Protocol):
    """Writes the status subresource of ModelDeployments and ModelEndpoints
    (kube.status_patches)."""

    def patch_status(self, ref: DeploymentRef, changes: Mapping[str, Any]) -> dict[str, Any] | None:
        """Merge-patch the object's status with `changes`; returns the object as stored
        afterwards, or None when it no longer exists."""
        ...
