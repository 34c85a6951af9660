"""Carrying out a plan: its actions in order through the port, stopping at the first one
SageMaker refuses."""

from __future__ import annotations

import logging

from model_deployment_operator.domain.actions import Action, TagEndpoint
from model_deployment_operator.domain.endpoint_owner import EndpointOwner
from model_deployment_operator.domain.errors import SageMakerCallError
from model_deployment_operator.domain.reporting import Execution
from model_deployment_operator.ports import SageMakerPort
from model_deployment_operator.reconcile.memory import SharedCache

log = logging.getLogger(__name__)


def execute(
    port: SageMakerPort,
    desired: EndpointOwner,
    actions: tuple[Action, ...],
    cache: SharedCache,
) -> Execution:
    try:
        return _execute(port, desired, actions, cache)
    finally:
        if actions:
            # Whatever the plan did may have changed the endpoint (its status, instance
            # counts, what it hosts): its next look describes it rather than trust a
            # description from before, and a describe that raced these actions is not kept.
            cache.endpoints.forget(desired.endpoint_name)


def _execute(
    port: SageMakerPort,
    desired: EndpointOwner,
    actions: tuple[Action, ...],
    cache: SharedCache,
) -> Execution:
    succeeded: list[Action] = []
    for action in actions:
        try:
            port.apply(action)
        except SageMakerCallError as error:
            log.warning(
                "SageMaker refused %s for %s: %s",
                type(action).__name__,
                desired.ref,
                error,
                extra={"modeldeployment": str(desired.ref), "failure_kind": str(error.kind)},
            )
            return Execution(tuple(succeeded), action, error)
        succeeded.append(action)
        if isinstance(action, TagEndpoint):
            cache.forget_tags(action.arn)
    return Execution(tuple(succeeded))
