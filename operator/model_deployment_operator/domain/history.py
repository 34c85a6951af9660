"""The deployment history kept in status: settling the deployment in progress from what
SageMaker shows, remembering failed attempts so they are not repeated, and naming why a
deployment starts (its trigger, and a note when the endpoint was changed outside the
operator)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from model_deployment_operator.domain.desired import DesiredDeployment, Target
from model_deployment_operator.domain.observed import (
    RETRYABLE_FAILURE_PREFIX,
    EndpointStatus,
    ObservedEndpoint,
)
from model_deployment_operator.domain.plan import DeploymentStart, Observation
from model_deployment_operator.domain.spec import ApprovalPolicy
from model_deployment_operator.domain.status import HistoryEntry, Outcome, Trigger


def settle_history(
    history: Sequence[HistoryEntry], endpoint: ObservedEndpoint | None, now: datetime
) -> tuple[HistoryEntry, ...]:
    """Decide the outcome of the deployment in progress from what SageMaker shows now."""
    if not history or history[0].outcome is not Outcome.IN_PROGRESS:
        return tuple(history)
    entry = history[0]
    outcome: Outcome | None = None
    message: str | None = None
    if endpoint is None:
        outcome, message = Outcome.FAILED, "The endpoint disappeared before the deployment finished"
    elif endpoint.status == EndpointStatus.FAILED:
        outcome = Outcome.FAILED
        message = endpoint.failure_reason or "SageMaker marked the endpoint Failed"
    elif endpoint.status == EndpointStatus.UPDATE_ROLLBACK_FAILED:
        outcome = Outcome.FAILED
        message = endpoint.failure_reason or "The update and its rollback failed"
    elif endpoint.status == EndpointStatus.IN_SERVICE:
        if endpoint.config_name == entry.endpoint_config_name:
            # Keep the note the deployment started with (why it started); only a failure
            # replaces it, with what went wrong.
            outcome, message = Outcome.SUCCEEDED, entry.message
        else:
            outcome = Outcome.FAILED
            message = endpoint.failure_reason or (
                f"SageMaker kept endpoint config {endpoint.config_name}"
            )
    if outcome is None:
        return tuple(history)
    settled = entry.model_copy(update={"outcome": outcome, "finished_at": now, "message": message})
    return (settled, *history[1:])


def failed_attempt(history: Sequence[HistoryEntry], target: Target) -> HistoryEntry | None:
    """The latest attempt, if it was this very target and it failed for a reason worth
    not repeating."""
    if not history:
        return None
    last = history[0]
    if last.endpoint_config_name != target.config_name or last.outcome is not Outcome.FAILED:
        return None
    if (last.message or "").startswith(RETRYABLE_FAILURE_PREFIX):
        return None
    return last


def deployment_already_failed(history: Sequence[HistoryEntry], target: Target) -> bool:
    """True when the latest attempt was this target and failed in a way not worth repeating:
    the planner will not start it again until the desired state changes."""
    return failed_attempt(history, target) is not None


def previous_deployment(history: Sequence[HistoryEntry], target: Target) -> HistoryEntry | None:
    return next(
        (
            h
            for h in history
            if h.outcome is Outcome.SUCCEEDED and h.endpoint_config_name != target.config_name
        ),
        None,
    )


def _last_deployed(history: Sequence[HistoryEntry]) -> HistoryEntry | None:
    """The newest deployment that succeeded or is under way: the config the endpoint is on,
    as far as the operator knows."""
    return next((h for h in history if h.outcome in (Outcome.SUCCEEDED, Outcome.IN_PROGRESS)), None)


def _moved_outside(
    endpoint: ObservedEndpoint, target: Target, history: Sequence[HistoryEntry]
) -> bool:
    """The endpoint left the config the operator last deployed although the desired state
    still names that config (its name hashes everything in it): someone else moved it."""
    last = _last_deployed(history)
    return (
        last is not None
        and last.endpoint_config_name == target.config_name
        and endpoint.config_name != last.endpoint_config_name
    )


def deployment_trigger(
    desired: DesiredDeployment,
    target: Target,
    observation: Observation,
    history: Sequence[HistoryEntry],
) -> Trigger:
    if observation.endpoint is None:
        ever_deployed = any(h.outcome is Outcome.SUCCEEDED for h in history)
        return Trigger.RECREATE if ever_deployed else Trigger.INITIAL_DEPLOYMENT
    # Before comparing versions: a hand-made move to another version's config is not an
    # approval or a rollback, and one within the version is not a spec change.
    if _moved_outside(observation.endpoint, target, history):
        return Trigger.DRIFT_CORRECTION
    live = observation.live_package
    if live is None or live.group_name != target.package.group_name:
        return Trigger.SPEC_CHANGE
    if live.version == target.package.version:
        return Trigger.SPEC_CHANGE
    if desired.spec.approval.policy is ApprovalPolicy.PINNED:
        return Trigger.PINNED_VERSION
    if target.package.version > live.version:
        return Trigger.NEW_APPROVAL
    return Trigger.ROLLBACK


def _drift_note(
    trigger: Trigger,
    desired: DesiredDeployment,
    endpoint: ObservedEndpoint | None,
    history: Sequence[HistoryEntry],
) -> str | None:
    """The history message of a deployment that undoes a change made outside the operator."""
    name = desired.endpoint_name
    if trigger is Trigger.DRIFT_CORRECTION and endpoint is not None:
        return f"Endpoint {name} was moved to config {endpoint.config_name} outside the operator"
    newest = history[0] if history else None
    # Only the newest entry tells: after a failure the operator may have deleted the Failed
    # endpoint itself, to replace it.
    if trigger is Trigger.RECREATE and newest is not None and newest.outcome is Outcome.SUCCEEDED:
        return (
            f"Endpoint {name} disappeared outside the operator while serving version "
            f"{newest.version} (config {newest.endpoint_config_name})"
        )
    return None


def deployment_start(
    desired: DesiredDeployment,
    target: Target,
    observation: Observation,
    history: Sequence[HistoryEntry],
) -> DeploymentStart:
    trigger = deployment_trigger(desired, target, observation, history)
    note = _drift_note(trigger, desired, observation.endpoint, history)
    return DeploymentStart(target, trigger, note)
