"""The issue's scenario: N ModelDeployments over G model package groups, N/G on each, every
deployment on an endpoint of its own."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bench.kube_api import API_GROUP, API_VERSION

from model_deployment_operator.domain.naming import DeploymentRef, default_endpoint_name

ROLE = "arn:aws:iam::123456789012:role/SageMakerExecution"


@dataclass(frozen=True)
class Scenario:
    deployments: int
    groups: int
    namespace: str = "bench"

    def __post_init__(self) -> None:
        if not 1 <= self.groups <= self.deployments:
            msg = f"need 1 <= groups <= deployments, got {self.groups} over {self.deployments}"
            raise ValueError(msg)

    @staticmethod
    def group(index: int) -> str:
        return f"group-{index}"

    def names_in(self, group_index: int) -> list[str]:
        """Deployment i uses group i mod G, so the groups differ by one at most."""
        return [
            f"{self.group(group_index)}-model-{i // self.groups}"
            for i in range(group_index, self.deployments, self.groups)
        ]

    def endpoints_of(self, group: str) -> set[str]:
        """The endpoints of a group's deployments (each has its own, named by default)."""
        index = int(group.removeprefix("group-"))
        return {
            default_endpoint_name(DeploymentRef(self.namespace, name, uid=""))
            for name in self.names_in(index)
        }

    def all_names(self) -> list[str]:
        return [name for g in range(self.groups) for name in self.names_in(g)]

    def bodies(self) -> list[dict[str, Any]]:
        """In creation order: round-robin over the groups, as N/G teams applying at once."""
        per_group = [self.names_in(g) for g in range(self.groups)]
        ordered = [
            (names[k], g)
            for k in range(max(len(n) for n in per_group))
            for g, names in enumerate(per_group)
            if k < len(names)
        ]
        return [self.body(name, self.group(g)) for name, g in ordered]

    def body(self, name: str, group: str) -> dict[str, Any]:
        return {
            "apiVersion": f"{API_GROUP}/{API_VERSION}",
            "kind": "ModelDeployment",
            "metadata": {"name": name, "namespace": self.namespace},
            "spec": {
                "modelPackageGroupName": group,
                "executionRoleArn": ROLE,
                "endpoint": {"instanceType": "ml.m5.large"},
                # The bench stops with its deployments in place; nothing to tear down.
                "deletionPolicy": "Retain",
            },
        }
