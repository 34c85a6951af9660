"""Which AWS identity acts for a ModelDeployment: its namespace's tenant role, or the
operator's own.

A namespace asks for a role with an annotation; the operator's configuration decides which
roles a namespace may ask for (an allow-list of ARN patterns in which `{namespace}` stands for
the namespace's own name), so a namespace admin cannot point the operator at another team's
role. The role is assumed with an ExternalId derived from the namespace and with session tags
naming the namespace and the ModelDeployment, so the tenant role's trust policy and its
permissions can both be scoped to that namespace (see docs/tenancy.md).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from enum import StrEnum
from fnmatch import fnmatchcase

from model_deployment_operator.domain.naming import DeploymentRef
from model_deployment_operator.domain.reasons import Reason
from model_deployment_operator.domain.spec import ROLE_ARN_PATTERN

ROLE_ANNOTATION = "sagemaker.mlops.dev/aws-role-arn"
SESSION_TAG_NAMESPACE = "mdo-namespace"
SESSION_TAG_NAME = "mdo-modeldeployment"
DEFAULT_EXTERNAL_ID = "model-deployment-operator:{namespace}"
SESSION_NAME_LIMIT = 64
_SESSION_NAME_UNSAFE = re.compile(r"[^\w+=,.@-]+")


class UnmappedNamespaces(StrEnum):
    """What a namespace without a role annotation gets."""

    USE_OPERATOR_ROLE = "UseOperatorRole"
    REFUSE = "Refuse"


@dataclass(frozen=True)
class TenancyPolicy:
    # ARN patterns (fnmatch wildcards) a namespace may name; `{namespace}` is replaced by the
    # namespace asking. Empty: no namespace may name a role.
    allowed_roles: tuple[str, ...] = ()
    external_id: str = DEFAULT_EXTERNAL_ID
    unmapped: UnmappedNamespaces = UnmappedNamespaces.USE_OPERATOR_ROLE
    session_seconds: int = 3600

    def allows(self, namespace: str, role_arn: str) -> bool:
        return any(
            fnmatchcase(role_arn, pattern.replace("{namespace}", namespace))
            for pattern in self.allowed_roles
        )


@dataclass(frozen=True)
class AwsIdentity:
    """The identity SageMaker calls are made with. `role_arn` None: the operator's own
    credentials, as the AWS SDK's default chain finds them."""

    role_arn: str | None = None
    external_id: str | None = None
    session_name: str = ""
    session_tags: tuple[tuple[str, str], ...] = ()
    session_seconds: int = 3600

    def __str__(self) -> str:
        return self.role_arn or "the operator's own role"


OPERATOR_IDENTITY = AwsIdentity()


@dataclass(frozen=True)
class IdentityRefused:
    reason: Reason
    message: str


def session_name(ref: DeploymentRef) -> str:
    """`mdo-<namespace>-<name>`, shortened with a hash to STS's 64 characters. It shows in
    CloudTrail as the assumed-role session, so auditors see which object acted."""
    full = _SESSION_NAME_UNSAFE.sub("-", f"mdo-{ref.namespace}-{ref.name}")
    if len(full) <= SESSION_NAME_LIMIT:
        return full
    digest = hashlib.sha256(f"{ref.namespace}/{ref.name}".encode()).hexdigest()[:8]
    return f"{full[: SESSION_NAME_LIMIT - 9]}-{digest}"


def identity_for(
    policy: TenancyPolicy, ref: DeploymentRef, requested_role: str | None
) -> AwsIdentity | IdentityRefused:
    """The identity for `ref`, given the role its namespace's annotation names (if any)."""
    namespace = ref.namespace
    if not requested_role:
        if policy.unmapped is UnmappedNamespaces.USE_OPERATOR_ROLE:
            return OPERATOR_IDENTITY
        return IdentityRefused(
            Reason.TENANT_ROLE_MISSING,
            f"Namespace {namespace} has no {ROLE_ANNOTATION} annotation and the operator "
            "refuses to act for namespaces without a tenant role (unmappedNamespaces: "
            "Refuse). Annotate the namespace with a role the operator's allow-list permits",
        )
    role = requested_role.strip()
    if not re.match(ROLE_ARN_PATTERN, role):
        return IdentityRefused(
            Reason.TENANT_ROLE_NOT_ALLOWED,
            f"Namespace {namespace} annotation {ROLE_ANNOTATION}={role!r} is not an IAM role "
            "ARN (arn:aws:iam::<account>:role/<name>)",
        )
    if not policy.allows(namespace, role):
        allowed = ", ".join(policy.allowed_roles) or "none configured"
        return IdentityRefused(
            Reason.TENANT_ROLE_NOT_ALLOWED,
            f"Namespace {namespace} asks for role {role} ({ROLE_ANNOTATION}), which the "
            f"operator's tenant role allow-list does not permit for that namespace "
            f"(allowed patterns: {allowed})",
        )
    return AwsIdentity(
        role_arn=role,
        external_id=policy.external_id.replace("{namespace}", namespace),
        session_name=session_name(ref),
        session_tags=((SESSION_TAG_NAMESPACE, namespace), (SESSION_TAG_NAME, ref.name)),
        session_seconds=policy.session_seconds,
    )
