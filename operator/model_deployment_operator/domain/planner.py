"""Desired + observed -> the next safe actions and a verdict on where the deployment stands.

The planner never asks SageMaker for anything and never waits: it looks at one observation
and returns what is safe to do *now*, running its phases in order (domain/phases/): an
endpoint that is not ours stops at ownership; a policy that allows no version stops at
selection; otherwise the endpoint phase decides, and when the endpoint serves the target,
scaling and garbage collection follow.
"""

from __future__ import annotations

from model_deployment_operator.domain.desired import DesiredDeployment
from model_deployment_operator.domain.history import (
    deployment_already_failed,
    deployment_start,
    deployment_trigger,
    settle_history,
)
from model_deployment_operator.domain.phases.endpoint import plan_endpoint
from model_deployment_operator.domain.phases.ownership import plan_foreign_endpoint
from model_deployment_operator.domain.phases.selection import plan_without_version
from model_deployment_operator.domain.phases.teardown import plan_teardown
from model_deployment_operator.domain.plan import (
    DeploymentStart,
    Memory,
    Observation,
    Plan,
    TeardownPlan,
)
from model_deployment_operator.domain.policy import NoVersionAllowed

__all__ = [
    "DeploymentStart",
    "Memory",
    "Observation",
    "Plan",
    "TeardownPlan",
    "deployment_already_failed",
    "deployment_start",
    "deployment_trigger",
    "plan_reconcile",
    "plan_teardown",
    "settle_history",
]


def plan_reconcile(desired: DesiredDeployment, observation: Observation, memory: Memory) -> Plan:
    """The next safe actions towards `desired`, given one fresh observation."""
    endpoint = observation.endpoint
    if endpoint is not None and not endpoint.owned:
        return plan_foreign_endpoint(desired, endpoint)
    selection = observation.selection
    if isinstance(selection, NoVersionAllowed):
        return plan_without_version(observation, selection)
    target = desired.target_for(selection.package)
    return plan_endpoint(desired, observation, memory, target)
