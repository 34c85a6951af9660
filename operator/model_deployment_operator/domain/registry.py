"""Model Registry facts as the operator sees them: groups and versioned packages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class ApprovalStatus(StrEnum):
    APPROVED = "Approved"
    REJECTED = "Rejected"
    PENDING_MANUAL_APPROVAL = "PendingManualApproval"


class PackageStatus(StrEnum):
    PENDING = "Pending"
    IN_PROGRESS = "InProgress"
    COMPLETED = "Completed"
    FAILED = "Failed"
    DELETING = "Deleting"


@dataclass(frozen=True)
class PackageGroup:
    name: str
    arn: str


@dataclass(frozen=True)
class PackageVersion:
    """One versioned model package. Status fields stay strings so an enum value AWS adds
    later is carried through to status messages instead of failing the parse."""

    arn: str
    group_name: str
    version: int
    approval_status: str
    package_status: str
    created_at: datetime | None = None

    @property
    def is_approved(self) -> bool:
        return self.approval_status == ApprovalStatus.APPROVED

    @property
    def is_deployable(self) -> bool:
        """Approved and Completed: the gate the operator applies itself, because CreateModel
        is not documented to refuse other packages."""
        return self.is_approved and self.package_status == PackageStatus.COMPLETED


def versioned_package_arn(group_arn: str, version: int) -> str:
    """arn:...:model-package-group/<g> -> arn:...:model-package/<g>/<version> (lower case, as
    SageMaker writes package ARNs)."""
    prefix, _, group_name = group_arn.partition(":model-package-group/")
    return f"{prefix}:model-package/{group_name.lower()}/{version}"
