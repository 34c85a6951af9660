"""The two fleets of an endpoint during an UpdateEndpoint: which one answers an
invocation, and how DescribeEndpoint shows them (DescribeEndpoint API reference,
ProductionVariantSummary, PendingDeploymentSummary, PendingProductionVariantSummary and
ProductionVariantStatus; developer guide "Endpoint deployment state change" events).

The live ProductionVariants are the old fleet: CurrentInstanceCount counts its running
instances (a blue/green old fleet runs whole until the deployment ends, a rolling one
shrinks batch by batch). PendingDeploymentSummary shows the new fleet, its CurrentInstanceCount
the instances that already take traffic (AWS's canary example shows 1 of 3 while the
canary bakes). Both carry VariantStatus entries from deployment.py. After a failed
rollback (UpdateRollbackFailed) there is no pending deployment; the live variants count
the instances of both configs that still serve.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from sagemaker_emulator.deployment import Deployment
from sagemaker_emulator.guardrails import Strategy
from sagemaker_emulator.multi_model import ModelCache
from sagemaker_emulator.records import Json
from sagemaker_emulator.variant_status import launching

if TYPE_CHECKING:  # lifecycle.py imports this module
    from sagemaker_emulator.lifecycle import LiveVariant


@dataclass
class NewFleet:
    """The fleet an UpdateEndpoint deploys, with the deployment that moves traffic to it
    and what its instances have loaded (multi-model endpoints)."""

    deployment: Deployment
    config_name: str
    variants: tuple[LiveVariant, ...]
    model_cache: ModelCache = field(default_factory=ModelCache)

    def variant(self, name: str) -> LiveVariant | None:
        return next((v for v in self.variants if v.name == name), None)


@dataclass(frozen=True)
class Fleet:
    """What answers one invocation of a variant."""

    variant: LiveVariant  # its CurrentInstanceCount: the instances that take traffic
    config_name: str
    model_cache: ModelCache
    # "old" or "new" while two fleets serve; None otherwise.
    label: str | None = None


def serving_fleet(
    live: LiveVariant,
    *,
    config_name: str,
    model_cache: ModelCache,
    new_fleet: NewFleet | None,
    now: float,
) -> Fleet:
    """The fleet that answers the next invocation of ``live``: each fleet gets the share of
    the variant's traffic its instances with traffic have."""
    if new_fleet is None:
        return Fleet(live, config_name, model_cache)
    deployment = new_fleet.deployment
    new = new_fleet.variant(live.name)
    counts = deployment.counts(live.name, now)
    if new is not None and deployment.pick_new(live.name, now):
        answering = new if new.is_serverless else replace(new, current_count=counts.new_active)
        return Fleet(answering, new_fleet.config_name, new_fleet.model_cache, "new")
    if deployment.plan.variant(live.name) is None or live.is_serverless:
        return Fleet(live, config_name, model_cache, "old")
    return Fleet(replace(live, current_count=counts.old_active), config_name, model_cache, "old")


def live_summaries(
    variants: Sequence[LiveVariant], new_fleet: NewFleet, now: float, *, stopped: bool = False
) -> list[Json]:
    """DescribeEndpoint's ProductionVariants while ``new_fleet`` deploys, or (``stopped``)
    after its rollback failed."""
    deployment = new_fleet.deployment
    summaries = []
    for variant in variants:
        if deployment.plan.variant(variant.name) is None or variant.is_serverless:
            summaries.append(variant.summary())
            continue
        counts = deployment.counts(variant.name, now)
        if stopped:
            running = counts.old_active + counts.new_active
            summaries.append(replace(variant, current_count=running).summary())
            continue
        # A blue/green old fleet runs whole until the end; a rolling one shrinks.
        view = variant
        if deployment.plan.strategy is Strategy.ROLLING:
            view = replace(variant, current_count=counts.old_running)
        summaries.append(view.summary(deployment.live_status(variant.name, now)))
    return summaries


def pending_summary(new_fleet: NewFleet, started_at: float, now: float) -> Json:
    """PendingDeploymentSummary while ``new_fleet`` deploys."""
    deployment = new_fleet.deployment
    variants = []
    for variant in new_fleet.variants:
        status = deployment.pending_status(variant.name, now, launch_message(variant))
        view = variant
        if not variant.is_serverless:
            active = deployment.counts(variant.name, now).new_active
            view = replace(variant, current_count=active or None)
        variants.append(view.pending_summary(status))
    return {
        "EndpointConfigName": new_fleet.config_name,
        "StartTime": started_at,
        "ProductionVariants": variants,
    }


def launch_message(variant: LiveVariant) -> str:
    """The message of a variant whose instances are being created."""
    return launching(variant.desired_count, serverless=variant.is_serverless)
