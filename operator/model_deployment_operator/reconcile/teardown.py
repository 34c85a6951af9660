"""One step of deleting what a ModelDeployment owns (or nothing, with Retain)."""

from __future__ import annotations

from collections.abc import Callable

from model_deployment_operator.domain import naming
from model_deployment_operator.domain.desired import DesiredDeployment
from model_deployment_operator.domain.errors import SageMakerCallError
from model_deployment_operator.domain.events import derive_events
from model_deployment_operator.domain.phases.teardown import plan_teardown
from model_deployment_operator.domain.reporting import verdict_for_error
from model_deployment_operator.domain.spec import DeletionPolicy
from model_deployment_operator.domain.status import DeploymentStatus
from model_deployment_operator.domain.verdict import Verdict
from model_deployment_operator.reconcile.executor import execute
from model_deployment_operator.reconcile.identity import Identities
from model_deployment_operator.reconcile.memory import SharedCache
from model_deployment_operator.reconcile.observer import Observer
from model_deployment_operator.reconcile.outcomes import ReconcilerSettings, TeardownOutcome


def tear_down(
    desired: DesiredDeployment,
    *,
    identities: Identities,
    observer: Observer,
    cache: SharedCache,
    settings: ReconcilerSettings,
    jittered: Callable[[float], float],
) -> TeardownOutcome:
    if desired.deletion_policy is DeletionPolicy.RETAIN:
        message = (
            f"deletionPolicy is Retain: endpoint {desired.endpoint_name}, its configs, "
            "models and autoscaling are left in SageMaker"
        )
        return TeardownOutcome(True, message, (), 0)
    port = identities.port(desired)
    if isinstance(port, Verdict):
        message = f"Cannot delete the SageMaker resources yet: {port.message}"
        return TeardownOutcome(False, message, (), jittered(settings.registry_poll_seconds))
    try:
        endpoint = observer.endpoint(port, desired)
        scaling = None
        artifacts = None
        if endpoint is not None and endpoint.owned:
            variant = endpoint.variants[0].name if endpoint.variants else desired.variant_name
            resource_id = naming.scaling_resource_id(endpoint.name, variant)
            wanted = desired.scaling
            alarms = tuple((a.name, a.policy_name) for a in (wanted.alarms if wanted else ()))
            scaling = port.describe_scaling(resource_id, scheduled=False, alarms=alarms)
        else:
            artifacts = observer.owned_artifacts(port, desired)
    except SageMakerCallError as error:
        return TeardownOutcome(
            False,
            f"Could not observe SageMaker to delete {desired.endpoint_name}: {error}",
            (),
            jittered(settings.busy_poll_seconds),
        )
    plan = plan_teardown(desired, endpoint, scaling, artifacts)
    execution = execute(port, desired, plan.actions, cache)
    events = derive_events(None, DeploymentStatus(), execution.succeeded)
    if execution.error is not None:
        verdict = verdict_for_error(
            execution.error,
            f"{execution.error.operation} while deleting {desired.ref}",
            settings.busy_poll_seconds,
        )
        return TeardownOutcome(False, verdict.message, events, jittered(settings.busy_poll_seconds))
    return TeardownOutcome(
        plan.finished_after_actions, plan.message, events, jittered(settings.busy_poll_seconds)
    )
