"""Phase: an endpoint of that name exists and is not ours. Adopt it when allowed and asked
for; otherwise it is a name conflict naming its owner."""

from __future__ import annotations

from model_deployment_operator.domain.actions import TagEndpoint
from model_deployment_operator.domain.desired import DesiredDeployment
from model_deployment_operator.domain.naming import ownership_tags
from model_deployment_operator.domain.observed import ObservedEndpoint
from model_deployment_operator.domain.plan import Plan
from model_deployment_operator.domain.reasons import Reason
from model_deployment_operator.domain.verdict import blocked, progressing


def plan_foreign_endpoint(desired: DesiredDeployment, endpoint: ObservedEndpoint) -> Plan:
    ownership = endpoint.ownership
    asked = desired.spec.endpoint.adopt_existing
    if asked and ownership.adoptable:
        tags = tuple(sorted(ownership_tags(desired.ref).items()))
        return Plan(
            (TagEndpoint(endpoint.name, endpoint.arn, tags),),
            progressing(
                Reason.ADOPTING_ENDPOINT,
                f"Adopting existing endpoint {endpoint.name} (spec.endpoint.adoptExisting is "
                f"true and {ownership.describe()}): tagging it as owned by this "
                "ModelDeployment",
            ),
        )
    if ownership.adoptable:
        remedy = (
            "Choose another spec.endpoint.name, or set spec.endpoint.adoptExisting: true "
            "to take it over"
        )
    elif asked:
        remedy = (
            "spec.endpoint.adoptExisting only takes an endpoint nobody claims or whose "
            "owner no longer exists; choose another spec.endpoint.name"
        )
    else:
        remedy = "Choose another spec.endpoint.name"
    return Plan(
        (),
        blocked(
            Reason.ENDPOINT_NAME_CONFLICT,
            f"Endpoint {endpoint.name} already exists and {ownership.describe()}; the "
            f"operator will not touch it. {remedy}",
        ),
    )
