"""spec.model: settings of the SageMaker Model created from each model package version."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated

from pydantic import AfterValidator, Field

from model_deployment_operator.domain.spec import rules
from model_deployment_operator.domain.spec.common import (
    ENVIRONMENT_NAME_PATTERN,
    SECURITY_GROUP_ID_PATTERN,
    SUBNET_ID_PATTERN,
    CamelModel,
    no_duplicates,
)

MAX_ENVIRONMENT_NAME = 1024


def environment_names(rule: rules.Rule) -> Callable[[dict[str, str]], dict[str, str]]:
    """A check of environment variable names that reports `rule` (each place has its own)."""

    def check(environment: dict[str, str]) -> dict[str, str]:
        for name in environment:
            if len(name) > MAX_ENVIRONMENT_NAME or not re.match(ENVIRONMENT_NAME_PATTERN, name):
                raise ValueError(rule.message)
        return environment

    return check


Environment = Annotated[
    dict[str, Annotated[str, Field(max_length=1024)]],
    Field(max_length=100),
    AfterValidator(environment_names(rules.ENVIRONMENT_NAMES)),
]
"""Container environment variables: at most 100, names and values of at most 1024."""


class VpcConfigSpec(CamelModel):
    """The VPC the model's containers connect to (CreateModel VpcConfig)."""

    security_group_ids: Annotated[
        tuple[Annotated[str, Field(pattern=SECURITY_GROUP_ID_PATTERN, max_length=32)], ...],
        Field(min_length=1, max_length=5),
        AfterValidator(no_duplicates),
    ]
    subnets: Annotated[
        tuple[Annotated[str, Field(pattern=SUBNET_ID_PATTERN, max_length=32)], ...],
        Field(min_length=1, max_length=16),
        AfterValidator(no_duplicates),
    ]


class ModelSpec(CamelModel):
    """Settings of CreateModel, for the container that runs the model package."""

    environment: Environment = Field(default_factory=dict)
    vpc_config: VpcConfigSpec | None = None
    enable_network_isolation: bool = False
