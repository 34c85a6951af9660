"""An update SageMaker rolled back, as the operator reports it: which alarm rolled it back
(when one did), the verdict on the ModelDeployment, and, with spec.rollout.onFailedRollout
RejectVersion, the version marked Rejected in the registry so no other environment promotes
it.

Only a rollback an alarm caused rejects the version: an alarm watching the new fleet's
traffic is evidence against the model. A launch failure or a timeout is not (capacity,
quotas, a slow start), so it is reported and not retried, but the version stays Approved."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from model_deployment_operator.domain.actions import RejectModelPackage
from model_deployment_operator.domain.desired import DesiredDeployment, Target
from model_deployment_operator.domain.observed import ObservedEndpoint
from model_deployment_operator.domain.reasons import Reason
from model_deployment_operator.domain.spec.rollout import OnFailedRollout
from model_deployment_operator.domain.status import HistoryEntry
from model_deployment_operator.domain.verdict import Verdict, blocked

# UpdateModelPackageInput.ApprovalDescription
APPROVAL_DESCRIPTION_LIMIT = 1024


def alarm_named(reason: str | None, alarms: Iterable[str]) -> str | None:
    """The alarm among `alarms` that SageMaker's FailureReason names, if any. AWS does not
    document the wording, so the reason is searched for the names the operator sent."""
    if not reason:
        return None
    # The longest first: of fraud-5xx and fraud-5xx-critical, the reason names the latter.
    return next((alarm for alarm in sorted(alarms, key=len, reverse=True) if alarm in reason), None)


@dataclass(frozen=True)
class RolledBack:
    verdict: Verdict
    rejection: RejectModelPackage | None = None


def rolled_back_update(
    desired: DesiredDeployment,
    endpoint: ObservedEndpoint,
    target: Target,
    failed: HistoryEntry,
    serving: str,
) -> RolledBack | None:
    """The report of an update a rollout alarm rolled back; None when no alarm of the spec
    (or of the deployment SageMaker last ran) is named, for the generic UpdateFailed."""
    rollout = desired.spec.rollout
    sent = endpoint.last_deployment_config
    alarms = (*(rollout.alarms if rollout is not None else ()), *(sent.alarms if sent else ()))
    alarm = alarm_named(failed.message, alarms)
    if alarm is None:
        return None
    version = target.package.version
    group = target.package.group_name
    message = (
        f"SageMaker rolled back the update of endpoint {endpoint.name} to version {version} "
        f"of model package group {group} (config {target.config_name}) because CloudWatch "
        f"alarm {alarm} went into ALARM; it keeps serving {serving} (config "
        f"{endpoint.config_name}). Version {version} is not retried until the desired state "
        "changes"
    )
    rejection = None
    if rollout is not None and rollout.failure_policy is OnFailedRollout.REJECT_VERSION:
        rejection = RejectModelPackage(
            arn=target.package.arn,
            version=version,
            description=rejection_description(desired, endpoint.name, version, alarm),
        )
        message += (
            f"; version {version} is marked Rejected in the registry "
            "(spec.rollout.onFailedRollout RejectVersion)"
        )
    return RolledBack(blocked(Reason.ROLLOUT_ROLLED_BACK, message), rejection)


def rejection_description(
    desired: DesiredDeployment, endpoint_name: str, version: int, alarm: str
) -> str:
    text = (
        f"Rejected by model-deployment-operator: the rollout of version {version} to endpoint "
        f"{endpoint_name} (ModelDeployment {desired.ref.namespace}/{desired.ref.name}) was "
        f"rolled back by SageMaker because CloudWatch alarm {alarm} went into ALARM"
    )
    return text[:APPROVAL_DESCRIPTION_LIMIT]
