"""A deployment in progress as DescribeEndpoint shows it: PendingDeploymentSummary (the new
fleet) and the VariantStatus entries of its variants and of the live ones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class VariantPhaseStatus(StrEnum):
    """ProductionVariantStatus Status."""

    CREATING = "Creating"
    UPDATING = "Updating"
    DELETING = "Deleting"
    ACTIVATING_TRAFFIC = "ActivatingTraffic"
    BAKING = "Baking"


@dataclass(frozen=True)
class VariantPhase:
    """One ProductionVariantStatus entry: what a variant's fleet is doing, since when."""

    status: str
    message: str | None = None
    started_at: datetime | None = None


@dataclass(frozen=True)
class PendingVariant:
    """A variant of the new fleet: its instances taking traffic (current) of those wanted."""

    name: str
    desired_instance_count: int | None = None
    current_instance_count: int | None = None
    phases: tuple[VariantPhase, ...] = ()

    @property
    def phase(self) -> VariantPhase | None:
        return self.phases[-1] if self.phases else None


@dataclass(frozen=True)
class PendingDeployment:
    """PendingDeploymentSummary: the endpoint config being deployed and its fleet."""

    config_name: str
    started_at: datetime | None = None
    variants: tuple[PendingVariant, ...] = ()

    def variant(self, name: str) -> PendingVariant | None:
        return next((v for v in self.variants if v.name == name), None)
