"""Phase: delete this ModelDeployment's old models and endpoint configs once the endpoint
is InService on the target, keeping the previous deployment's pair for a fast rollback."""

from __future__ import annotations

from model_deployment_operator.domain.actions import Action, DeleteEndpointConfig, DeleteModel
from model_deployment_operator.domain.desired import Target
from model_deployment_operator.domain.history import previous_deployment
from model_deployment_operator.domain.plan import Memory, Observation


def plan_garbage_collection(
    observation: Observation, memory: Memory, target: Target
) -> tuple[Action, ...]:
    artifacts = observation.artifacts
    if artifacts is None:
        return ()
    keep_configs = {target.config_name}
    keep_models = {target.model_name}
    previous = previous_deployment(memory.history, target)
    if previous is not None:
        if previous.endpoint_config_name:
            keep_configs.add(previous.endpoint_config_name)
        if previous.model_name:
            keep_models.add(previous.model_name)
    configs = sorted(artifacts.config_names - keep_configs)
    models = sorted(artifacts.model_names - keep_models)
    return (
        *(DeleteEndpointConfig(name) for name in configs),
        *(DeleteModel(name) for name in models),
    )
