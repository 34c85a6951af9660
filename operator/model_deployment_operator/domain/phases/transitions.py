"""Changes SageMaker refuses to make to a live endpoint with UpdateEndpoint, each a small
predicate over the live config and the target (cert-manager style), with the source that
says so. A refused change is reported, never attempted: the endpoint keeps serving."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from model_deployment_operator.domain.desired import Target
from model_deployment_operator.domain.observed import DeployedConfig
from model_deployment_operator.domain.rendering.config import ServerlessHosting


@dataclass(frozen=True)
class RefusedChange:
    change: str
    source: str


@dataclass(frozen=True)
class _Rule:
    applies: Callable[[DeployedConfig, Target], bool]
    refusal: RefusedChange


def _instance_to_serverless(live: DeployedConfig, target: Target) -> bool:
    becomes_serverless = isinstance(target.config.variant.hosting, ServerlessHosting)
    return not live.serverless and becomes_serverless


def _removes_async(live: DeployedConfig, target: Target) -> bool:
    return live.async_inference and target.config.async_inference is None


def _adds_async(live: DeployedConfig, target: Target) -> bool:
    return not live.async_inference and target.config.async_inference is not None


RULES = (
    _Rule(
        _instance_to_serverless,
        RefusedChange(
            "an instance-backed endpoint cannot become serverless",
            "SageMaker Developer Guide, 'Update a serverless endpoint': updating a real-time "
            "inference endpoint to a serverless endpoint is currently not supported",
        ),
    ),
    _Rule(
        _removes_async,
        RefusedChange(
            "asynchronous inference cannot be removed from an endpoint",
            "UpdateEndpoint answers 'The AsyncInferenceConfig parameter cannot be removed "
            "from this endpoint'",
        ),
    ),
    _Rule(
        _adds_async,
        RefusedChange(
            "a real-time endpoint cannot become asynchronous",
            "AWS documents no way to add AsyncInferenceConfig to a live real-time endpoint; "
            "the project treats it as refused, as it does removing it (docs/emulator.md)",
        ),
    ),
)


def refused_change(live: DeployedConfig | None, target: Target) -> RefusedChange | None:
    """The first rule the change from `live` to `target` breaks, if any."""
    if live is None:
        return None
    return next((rule.refusal for rule in RULES if rule.applies(live, target)), None)
