"""What every owner of a SageMaker endpoint offers the code that observes and acts for it:
a ModelDeployment with a dedicated endpoint, and a ModelEndpoint."""

from __future__ import annotations

from typing import Protocol

from model_deployment_operator.domain.naming import DeploymentRef


class EndpointOwner(Protocol):
    @property
    def ref(self) -> DeploymentRef: ...

    @property
    def region(self) -> str: ...

    @property
    def endpoint_name(self) -> str: ...
