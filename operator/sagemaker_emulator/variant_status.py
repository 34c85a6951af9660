"""VariantStatus entries of DescribeEndpoint's ProductionVariants and
PendingDeploymentSummary (ProductionVariantStatus API reference: Status Creating,
Updating, Deleting, ActivatingTraffic or Baking, with StatusMessage and StartTime).

The messages follow AWS's samples (developer guide, "Endpoint deployment state change"):
"Launching X instance(s).", "Terminating X instance(s).", "Scaling out desired instance
count to X.", "Activating traffic on canary capacity of X instance(s).", "Baking for X
seconds (TerminationWaitInSeconds) with traffic enabled on full capacity of Y
instance(s).". Scaling in, serverless variants and steps that are neither the canary nor
the whole fleet ("capacity of X instance(s)") are worded by the emulator after them.
"""

from __future__ import annotations

from typing import Any

Json = dict[str, Any]


def entry(status: str, message: str, start: float) -> Json:
    return {"Status": status, "StatusMessage": message, "StartTime": start}


def launching(count: int | None, *, serverless: bool = False) -> str:
    if serverless:
        return "Provisioning serverless compute."
    return f"Launching {count or 0} instance(s)."


def terminating(count: int | None, *, serverless: bool = False) -> str:
    if serverless:
        return "Terminating serverless compute."
    return f"Terminating {count or 0} instance(s)."


def scaling(desired: int | None, current: int | None, *, serverless: bool = False) -> str:
    if serverless or desired is None or desired == current:
        return "Updating variant weight and capacity."
    if current is None or desired > current:
        return f"Scaling out desired instance count to {desired}."
    return f"Scaling in desired instance count to {desired}."


def capacity(label: str, count: int, *, serverless: bool = False) -> str:
    """Where a deployment step has traffic: ``label`` is "canary capacity", "full
    capacity" or "capacity"."""
    if serverless:
        return "serverless capacity"
    return f"{label} of {count} instance(s)"


def activating(where: str) -> str:
    return f"Activating traffic on {where}."


def baking(seconds: float, wait: str | None, where: str) -> str:
    return f"Baking for {seconds:g} seconds ({wait}) with traffic enabled on {where}."
