"""Which AWS identity acts for a ModelDeployment, and the SageMaker port that acts as it:
the namespace's tenant role when its annotation names one the allow-list permits, else the
operator's own (docs/tenancy.md)."""

from __future__ import annotations

from model_deployment_operator.domain.endpoint_owner import EndpointOwner
from model_deployment_operator.domain.errors import AssumeRoleError, ClusterReadError
from model_deployment_operator.domain.naming import DeploymentRef
from model_deployment_operator.domain.reporting import (
    assume_role_verdict,
    namespace_unreadable_verdict,
)
from model_deployment_operator.domain.tenancy import (
    OPERATOR_IDENTITY,
    ROLE_ANNOTATION,
    AwsIdentity,
    IdentityRefused,
    TenancyPolicy,
    identity_for,
)
from model_deployment_operator.domain.verdict import Verdict, blocked
from model_deployment_operator.ports import ClusterDirectory, SageMakerPort, SageMakerPortFactory


class Identities:
    def __init__(
        self,
        ports: SageMakerPortFactory,
        directory: ClusterDirectory | None,
        tenancy: TenancyPolicy,
        retry_seconds: float,
    ) -> None:
        self._ports = ports
        # Without a directory (the `plan` command) every call uses the ambient identity.
        self._directory = directory
        self._tenancy = tenancy
        self._retry_seconds = retry_seconds

    def identity(self, ref: DeploymentRef) -> AwsIdentity | Verdict:
        """The AWS identity to act as for `ref`, or why there is none."""
        if self._directory is None:
            return OPERATOR_IDENTITY
        try:
            requested = self._directory.namespace_annotation(ref.namespace, ROLE_ANNOTATION)
        except ClusterReadError as error:
            return namespace_unreadable_verdict(error)
        chosen = identity_for(self._tenancy, ref, requested)
        if isinstance(chosen, IdentityRefused):
            return blocked(chosen.reason, chosen.message)
        return chosen

    def port(self, desired: EndpointOwner) -> SageMakerPort | Verdict:
        """The port acting as `desired`'s identity, or why it cannot act."""
        identity = self.identity(desired.ref)
        if isinstance(identity, Verdict):
            return identity
        try:
            return self._ports(desired.region, identity)
        except AssumeRoleError as error:
            return assume_role_verdict(error, identity, desired.ref.namespace, self._retry_seconds)
