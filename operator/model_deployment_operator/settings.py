"""Operator configuration: environment variables (MDO_*) overridden by command-line flags.

AWS settings are deliberately absent: credentials, region and endpoint come only from the
standard AWS SDK chain (IRSA, Pod Identity, AWS_REGION, AWS_ENDPOINT_URL, ...).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from model_deployment_operator.domain.installation import (
    DEFAULT_INSTALLATION,
    INSTALLATION_PATTERN,
    selector_problems,
)
from model_deployment_operator.domain.leader_election import LeaseTimings
from model_deployment_operator.domain.spec import DeletionPolicy
from model_deployment_operator.domain.spec.promotion import ENVIRONMENT_PATTERN
from model_deployment_operator.domain.tenancy import (
    DEFAULT_EXTERNAL_ID,
    TenancyPolicy,
    UnmappedNamespaces,
)


class LogFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


class RetryMode(StrEnum):
    STANDARD = "standard"
    ADAPTIVE = "adaptive"
    LEGACY = "legacy"


class OperatorSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MDO_", frozen=True, extra="ignore")

    namespaces: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(), description="Namespaces to watch; empty watches all namespaces."
    )
    selector: str | None = Field(
        default=None,
        description="Kubernetes label selector (e.g. team=fraud or shard in (a,b)) the "
        "ModelDeployments and ModelEndpoints of this installation carry; applied by the API "
        "server to the watch, so other objects are never seen. Unset: all of them.",
    )
    installation: str = Field(
        default=DEFAULT_INSTALLATION,
        pattern=INSTALLATION_PATTERN,
        description="This installation's name, written on each object it reconciles "
        "(annotation sagemaker.mlops.dev/installation); an object claimed by another name is "
        "left alone (docs/installations.md).",
    )
    default_region: str | None = Field(
        default=None,
        description="Region for ModelDeployments without spec.region; defaults to the AWS "
        "SDK's region (AWS_REGION / AWS_DEFAULT_REGION / profile).",
    )
    default_deletion_policy: DeletionPolicy = DeletionPolicy.DELETE
    environment: str | None = Field(
        default=None,
        pattern=ENVIRONMENT_PATTERN,
        max_length=63,
        description="The environment (e.g. staging, production) of ModelDeployments without "
        "spec.environment, as recorded on the model packages they serve; unset: their "
        "namespace. One per installation: a cluster or an account.",
    )
    registry_poll_seconds: float = Field(default=60.0, ge=5)
    busy_poll_seconds: float = Field(default=15.0, ge=1)
    scaling_check_seconds: float = Field(default=300.0, ge=10)
    jitter_fraction: float = Field(default=0.1, ge=0, le=0.5)
    workers: int = Field(default=16, ge=1, le=256, description="Threads for AWS calls.")
    aws_retry_mode: RetryMode = RetryMode.STANDARD
    aws_max_attempts: int = Field(default=8, ge=1, le=20)
    sagemaker_calls_per_second: float = Field(
        default=150.0,
        ge=0,
        description="The call budget: SageMaker and Application Auto Scaling HTTP attempts "
        "(retries included) per second, per AWS account and region, shared by every "
        "ModelDeployment and tenant role of this operator; each throttle response halves "
        "it for a while; 0 turns it off.",
    )
    sagemaker_call_burst: int = Field(
        default=100,
        ge=1,
        description="Calls the budget lets through at once after a quiet spell.",
    )
    registry_events_queue_url: str | None = Field(
        default=None,
        description="SQS queue receiving 'SageMaker Model Package State Change' events; "
        "when set, approvals are acted on within seconds instead of at the next poll.",
    )
    endpoint_list_seconds: float = Field(
        default=60.0,
        ge=1,
        description="How often ListEndpoints is read (per AWS identity and region) to learn "
        "which endpoints changed; an endpoint whose status and LastModifiedTime are as last "
        "described is not described again. An out-of-band change is noticed within this "
        "plus registry_poll_seconds (docs/endpoint-observation.md).",
    )
    endpoint_describe_seconds: float = Field(
        default=3600.0,
        ge=10,
        description="The longest an endpoint goes without a DescribeEndpoint: the bound for "
        "changes ListEndpoints cannot show.",
    )
    endpoint_events: bool = Field(
        default=False,
        description="The registry events queue also receives 'SageMaker Endpoint State "
        "Change' events: an endpoint in transition is then looked at when its event arrives "
        "(and every registry_poll_seconds), not every busy_poll_seconds.",
    )
    tenant_roles_allowed: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(),
        description="IAM role ARN patterns (fnmatch wildcards) a namespace may name in its "
        "sagemaker.mlops.dev/aws-role-arn annotation; {namespace} stands for the namespace's "
        "own name. Empty: no namespace may name a role.",
    )
    tenant_external_id: str = Field(
        default=DEFAULT_EXTERNAL_ID,
        min_length=2,
        max_length=1224,
        pattern=r"^[\w+=,.@:/{}-]+$",
        description="ExternalId sent when assuming a tenant role; {namespace} is replaced by "
        "the namespace.",
    )
    unmapped_namespaces: UnmappedNamespaces = Field(
        default=UnmappedNamespaces.USE_OPERATOR_ROLE,
        description="What a namespace without a role annotation gets: the operator's own "
        "role, or Refuse (Stalled TenantRoleMissing).",
    )
    # At least twice the 15 minutes botocore renews a session before it expires: shorter
    # sessions would be renewed on nearly every call.
    tenant_session_seconds: int = Field(default=3600, ge=1800, le=43200)
    namespace_cache_seconds: float = Field(
        default=60.0,
        ge=0,
        description="How long a namespace's role annotation is cached before it is read again.",
    )
    health_bind: str = Field(
        default="127.0.0.1:8080", description="host:port of the /healthz liveness endpoint."
    )
    metrics_bind: str | None = Field(
        default=None, description="host:port for Prometheus metrics; unset disables them."
    )
    log_format: LogFormat = LogFormat.TEXT
    verbose: bool = False
    leader_election: bool = Field(
        default=False,
        description="Run as one of several replicas: only the holder of the leader Lease "
        "reconciles, the others stand by (docs/high-availability.md).",
    )
    leader_election_namespace: str | None = Field(
        default=None,
        description="Namespace of the leader Lease; unset: the pod's own namespace.",
    )
    leader_election_lease_name: str = Field(
        default="model-deployment-operator",
        pattern=r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$",
        max_length=253,
    )
    leader_election_identity: str | None = Field(
        default=None,
        description="This replica's name in the Lease; unset: the pod name plus a random part.",
    )
    # The defaults replace a SIGKILLed leader within 15 s (domain/leader_election.py).
    lease_duration_seconds: int = Field(default=8, ge=2, le=300)
    lease_renew_deadline_seconds: float = Field(default=6.0, gt=0)
    lease_retry_period_seconds: float = Field(default=2.0, gt=0)

    @field_validator("namespaces", "tenant_roles_allowed", mode="before")
    @classmethod
    def _split_namespaces(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("selector")
    @classmethod
    def _selector_is_a_label_selector(cls, value: str | None) -> str | None:
        if value is None:
            return None
        problems = selector_problems(value)
        if problems:
            raise ValueError("; ".join(problems))
        return value.strip()

    @model_validator(mode="after")
    def _endpoint_events_come_with_a_queue(self) -> OperatorSettings:
        # Endpoints in transition would otherwise be looked at only every registry poll.
        if self.endpoint_events and not self.registry_events_queue_url:
            msg = (
                "endpoint_events needs registry_events_queue_url: endpoint state-change "
                "events arrive on the registry events queue"
            )
            raise ValueError(msg)
        return self

    @model_validator(mode="after")
    def _lease_timings_are_safe(self) -> OperatorSettings:
        problems = self.lease_timings().problems()
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def lease_timings(self) -> LeaseTimings:
        return LeaseTimings(
            lease_duration=float(self.lease_duration_seconds),
            renew_deadline=self.lease_renew_deadline_seconds,
            retry_period=self.lease_retry_period_seconds,
        )

    def tenancy(self) -> TenancyPolicy:
        return TenancyPolicy(
            allowed_roles=self.tenant_roles_allowed,
            external_id=self.tenant_external_id,
            unmapped=self.unmapped_namespaces,
            session_seconds=self.tenant_session_seconds,
        )
