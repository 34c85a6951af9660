"""spec: the ModelDeployment as a whole, and the rules that span its parts."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Self

from pydantic import Field, ValidationError, model_validator

from model_deployment_operator.domain.spec import rules
from model_deployment_operator.domain.spec.autoscaling import AutoscalingSpec, autoscaling_problems
from model_deployment_operator.domain.spec.common import (
    GROUP_ARN_PATTERN,
    REGION_PATTERN,
    ROLE_ARN_PATTERN,
    SAGEMAKER_NAME_PATTERN,
    CamelModel,
    InvalidSpecError,
    explain,
    tag_key_problems,
)
from model_deployment_operator.domain.spec.endpoint import EndpointSpec
from model_deployment_operator.domain.spec.model import ModelSpec
from model_deployment_operator.domain.spec.placement import (
    EndpointRefSpec,
    InferenceComponentSpec,
    MultiModelTargetSpec,
    Placement,
)
from model_deployment_operator.domain.spec.promotion import Environment, RequirementsSpec
from model_deployment_operator.domain.spec.rollout import RolloutSpec, rollout_problems


class ApprovalPolicy(StrEnum):
    LATEST_APPROVED = "LatestApproved"
    PINNED = "Pinned"


class DeletionPolicy(StrEnum):
    DELETE = "Delete"
    RETAIN = "Retain"


class ApprovalSpec(CamelModel):
    policy: ApprovalPolicy = ApprovalPolicy.LATEST_APPROVED
    pinned_version: Annotated[int, Field(ge=1)] | None = None
    requirements: RequirementsSpec | None = None
    """Judged under LatestApproved only. Kept, and ignored, while the policy is Pinned, so that
    freezing a deployment (the Argo CD freeze and rollback actions pin a version) and
    unfreezing it again need not remove and restore them."""

    @model_validator(mode="after")
    def _pinned_version_iff_pinned(self) -> Self:
        if (self.policy is ApprovalPolicy.PINNED) != (self.pinned_version is not None):
            raise ValueError(rules.PINNED_VERSION_IFF_PINNED.message)
        return self


class NotOnADedicatedEndpointError(InvalidSpecError):
    """spec.endpoint was read for a ModelDeployment placed on a shared ModelEndpoint."""


class ModelDeploymentSpec(CamelModel):
    model_package_group_name: Annotated[str, Field(min_length=1, max_length=170)]
    region: Annotated[str, Field(pattern=REGION_PATTERN, max_length=32)] | None = None
    execution_role_arn: Annotated[str, Field(pattern=ROLE_ARN_PATTERN, max_length=2048)]
    approval: ApprovalSpec = ApprovalSpec()
    environment: Environment | None = None
    """The environment this deployment serves in (promotion records); the operator's
    MDO_ENVIRONMENT, else the namespace, when omitted."""
    dedicated_endpoint: EndpointSpec | None = Field(default=None, alias="endpoint")
    """spec.endpoint, None when the deployment is placed on a shared ModelEndpoint. Code that
    handles only dedicated endpoints reads `endpoint`."""
    endpoint_ref: EndpointRefSpec | None = None
    inference_component: InferenceComponentSpec | None = None
    multi_model: MultiModelTargetSpec | None = None
    model: ModelSpec | None = None
    autoscaling: AutoscalingSpec | None = None
    rollout: RolloutSpec | None = None
    deletion_policy: DeletionPolicy | None = None
    tags: Annotated[dict[str, Annotated[str, Field(max_length=256)]], Field(max_length=40)] = Field(
        default_factory=dict
    )

    @model_validator(mode="after")
    def _group_is_name_or_arn(self) -> Self:
        group = self.model_package_group_name
        if not (re.match(SAGEMAKER_NAME_PATTERN, group) or re.match(GROUP_ARN_PATTERN, group)):
            raise ValueError(rules.GROUP_NAME_OR_ARN.message)
        return self

    @model_validator(mode="after")
    def _tag_keys(self) -> Self:
        problems = tag_key_problems(self.tags)
        if problems:
            raise ValueError("; ".join(rule.message for rule in problems))
        return self

    @model_validator(mode="after")
    def _parts_agree(self) -> Self:
        """The rules the CRD declares on spec itself: one part constrains another."""
        problems = self._placement_problems()
        endpoint = self.dedicated_endpoint
        if self.model is not None:
            if endpoint is not None and endpoint.serverless is not None:
                if self.model.vpc_config is not None:
                    problems.append(rules.VPC_NOT_SERVERLESS)
                if self.model.enable_network_isolation:
                    problems.append(rules.ISOLATION_NOT_SERVERLESS)
            if self.multi_model is not None:
                problems.append(rules.MODEL_NOT_WITH_MULTI_MODEL)
        if self.autoscaling is not None:
            problems.extend(autoscaling_problems(self.autoscaling, endpoint, self.placement))
        if self.rollout is not None:
            problems.extend(rollout_problems(self.rollout, endpoint))
        if problems:
            raise ValueError("; ".join(rule.message for rule in problems))
        return self

    def _placement_problems(self) -> list[rules.Rule]:
        problems = []
        if (self.dedicated_endpoint is None) == (self.endpoint_ref is None):
            problems.append(rules.ENDPOINT_OR_REF)
        placed_as = (self.inference_component is not None) + (self.multi_model is not None)
        if self.endpoint_ref is not None and placed_as != 1:
            problems.append(rules.REF_NEEDS_ONE_PLACEMENT)
        if self.endpoint_ref is None and placed_as:
            problems.append(rules.PLACEMENT_NEEDS_REF)
        return problems

    @property
    def placement(self) -> Placement:
        """Where the model runs. Read it before `endpoint`, which only Dedicated has."""
        if self.endpoint_ref is None:
            return Placement.DEDICATED
        if self.multi_model is not None:
            return Placement.MULTI_MODEL
        return Placement.INFERENCE_COMPONENT

    @property
    def endpoint(self) -> EndpointSpec:
        """spec.endpoint of a deployment with a dedicated endpoint (Placement.DEDICATED).

        Raises NotOnADedicatedEndpointError for one placed on a shared ModelEndpoint (an
        InvalidSpecError, so code written before shared endpoints reports it rather than
        crash); such code should branch on `placement` first."""
        if self.dedicated_endpoint is None:
            ref = self.endpoint_ref.name if self.endpoint_ref is not None else "(none)"
            msg = (
                f"spec.endpointRef: this ModelDeployment is placed on the shared ModelEndpoint "
                f"{ref}, and has no spec.endpoint of its own"
            )
            raise NotOnADedicatedEndpointError(msg)
        return self.dedicated_endpoint

    @property
    def group_name(self) -> str:
        """The bare group name, whether the spec gave a name or an ARN."""
        match = re.match(GROUP_ARN_PATTERN, self.model_package_group_name)
        return match.group("name") if match else self.model_package_group_name


def parse_spec(raw: object) -> ModelDeploymentSpec:
    """Validate a spec mapping, turning pydantic's report into one readable sentence."""
    try:
        return ModelDeploymentSpec.model_validate(raw)
    except ValidationError as error:
        raise InvalidSpecError(explain(error)) from error
