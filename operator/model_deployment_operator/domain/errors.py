"""How a refused SageMaker call is classified. The gateway translates AWS errors into
SageMakerCallError; the reconciler and status derivation only look at `kind`."""

from __future__ import annotations

from enum import StrEnum


class FailureKind(StrEnum):
    # Throttling, 5xx, timeouts, connection errors: retry soon, never Stalled.
    TRANSIENT = "Transient"
    # The operator's IAM identity lacks a permission: Stalled until someone fixes IAM;
    # retried at the slow registry interval because no spec change will signal the fix.
    ACCESS_DENIED = "AccessDenied"
    # SageMaker refused the request as invalid (bad role, unsupported instance type, ...):
    # Stalled, and the same target is not retried until the desired state changes.
    REJECTED = "Rejected"
    # The endpoint changed state between observing and acting ("Cannot update in-progress
    # endpoint"): wait for the next tick.
    BUSY = "Busy"


class SageMakerCallError(Exception):
    """A SageMaker or Application Auto Scaling call that did not succeed after retries."""

    def __init__(self, kind: FailureKind, operation: str, code: str, message: str) -> None:
        super().__init__(f"{operation}: {code}: {message}")
        self.kind = kind
        self.operation = operation
        self.code = code
        self.message = message


class AssumeRoleError(SageMakerCallError):
    """STS would not (or could not) hand out a tenant role's credentials."""

    def __init__(self, kind: FailureKind, role_arn: str, code: str, message: str) -> None:
        super().__init__(kind, "sts:AssumeRole", code, message)
        self.role_arn = role_arn


class ClusterReadError(Exception):
    """The Kubernetes API server did not answer a read the operator needs."""

    def __init__(self, what: str, detail: str, *, forbidden: bool) -> None:
        super().__init__(f"{what}: {detail}")
        self.what = what
        self.detail = detail
        # Forbidden by RBAC: a person has to grant it. Otherwise: retry later.
        self.forbidden = forbidden
