"""The scaling setup a ModelDeployment's spec asks for, by hosting option."""

from __future__ import annotations

from model_deployment_operator.domain import naming
from model_deployment_operator.domain.scaling.asynchronous import async_scaling
from model_deployment_operator.domain.scaling.instance import instance_scaling
from model_deployment_operator.domain.scaling.model import ScalingSetup
from model_deployment_operator.domain.scaling.serverless import serverless_scaling
from model_deployment_operator.domain.spec import Hosting, ModelDeploymentSpec

_BY_HOSTING = {
    Hosting.REAL_TIME: instance_scaling,
    Hosting.SERVERLESS: serverless_scaling,
    Hosting.ASYNC: async_scaling,
}


def scaling_setup(spec: ModelDeploymentSpec, endpoint_name: str) -> ScalingSetup | None:
    wanted = spec.autoscaling
    if wanted is None:
        return None
    variant = spec.endpoint.variant_name
    resource_id = naming.scaling_resource_id(endpoint_name, variant)
    return _BY_HOSTING[spec.endpoint.hosting](wanted, resource_id, endpoint_name, variant)
