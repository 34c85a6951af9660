"""Phase: the approval policy allows no version. Report why; an existing endpoint keeps
serving what it serves and is never torn down for it."""

from __future__ import annotations

from model_deployment_operator.domain.plan import Observation, Plan
from model_deployment_operator.domain.policy import NoVersionAllowed
from model_deployment_operator.domain.verdict import blocked, progressing


def plan_without_version(observation: Observation, selection: NoVersionAllowed) -> Plan:
    endpoint = observation.endpoint
    message = selection.message
    if endpoint is not None:
        live = observation.live_package
        serving = (
            f"version {live.version} ({live.approval_status})"
            if live is not None
            else f"config {endpoint.config_name}"
        )
        message = (
            f"{message}; endpoint {endpoint.name} keeps serving {serving} and is not torn down"
        )
    verdict = (
        progressing(selection.reason, message)
        if selection.transient
        else blocked(selection.reason, message)
    )
    return Plan((), verdict)
