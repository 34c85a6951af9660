"""Sessions that act as a tenant's IAM role: botocore's own AssumeRole fetcher and
refreshable credentials, so a session is refreshed before it expires without the operator
scheduling anything.

Each tenant session shares the operator's botocore data loader, so the service models are
parsed once per process, not once per tenant.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import boto3
import botocore.session
from botocore.config import Config
from botocore.credentials import (
    AssumeRoleCredentialFetcher,
    CredentialProvider,
    CredentialResolver,
    Credentials,
    DeferredRefreshableCredentials,
)
from botocore.exceptions import BotoCoreError, ClientError

from model_deployment_operator.domain.errors import AssumeRoleError
from model_deployment_operator.domain.tenancy import AwsIdentity
from model_deployment_operator.sagemaker.errors import classify

# Renew a tenant session when it has less than this left; botocore's default mandatory
# window is 10 minutes, so a failing refresh is retried for a while on valid credentials.
EXPIRY_WINDOW_SECONDS = 15 * 60


class _AssumedRoleProvider(CredentialProvider):
    """A credential provider that only ever answers with one set of role credentials."""

    METHOD = "mdo-tenant-assume-role"

    def __init__(self, credentials: Credentials) -> None:
        super().__init__()
        self._credentials = credentials

    def load(self) -> Credentials:
        return self._credentials


class TenantSession:
    """A boto3 session acting as `identity.role_arn`, assumed from the operator's own
    credentials with the identity's ExternalId, session name and session tags."""

    def __init__(
        self,
        source: botocore.session.Session,
        identity: AwsIdentity,
        region: str,
        config: Config,
        *,
        on_client: Any = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        """`clock`: botocore's (local, aware) time by default; tests move it forward."""
        if identity.role_arn is None:
            msg = "a tenant session needs a role to assume"
            raise ValueError(msg)
        self.identity = identity

        def sts_client(service: str, **kwargs: Any) -> Any:
            client = source.create_client(service, region_name=region, config=config, **kwargs)
            if on_client is not None:
                on_client(client)
            return client

        extra_args: dict[str, Any] = {
            "RoleSessionName": identity.session_name,
            "DurationSeconds": identity.session_seconds,
            "Tags": [{"Key": key, "Value": value} for key, value in identity.session_tags],
        }
        if identity.external_id:
            extra_args["ExternalId"] = identity.external_id
        fetcher = AssumeRoleCredentialFetcher(
            client_creator=sts_client,
            source_credentials=source.get_credentials(),
            role_arn=identity.role_arn,
            extra_args=extra_args,
            expiry_window_seconds=EXPIRY_WINDOW_SECONDS,
        )
        timing = {"time_fetcher": clock} if clock is not None else {}
        self._credentials = DeferredRefreshableCredentials(
            refresh_using=fetcher.fetch_credentials, method=_AssumedRoleProvider.METHOD, **timing
        )
        tenant = botocore.session.Session()
        tenant.register_component("data_loader", source.get_component("data_loader"))
        tenant.register_component(
            "response_parser_factory", source.get_component("response_parser_factory")
        )
        tenant.register_component(
            "credential_provider", CredentialResolver([_AssumedRoleProvider(self._credentials)])
        )
        self.session = boto3.session.Session(botocore_session=tenant, region_name=region)

    def ensure_credentials(self) -> None:
        """Assume the role now if the session has none or they are about to expire, so a
        refusal is reported as such instead of surfacing inside some SageMaker call."""
        role = self.identity.role_arn or ""
        try:
            self._credentials.get_frozen_credentials()
        except (ClientError, BotoCoreError) as error:
            failure = classify("AssumeRole", error)
            raise AssumeRoleError(failure.kind, role, failure.code, failure.message) from error
