"""The SageMaker Model created from a model package version: the package (whose containers
SageMaker takes as they were registered, one or several), the execution role, and the
settings the spec adds."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class VpcSpec:
    security_group_ids: tuple[str, ...]
    subnets: tuple[str, ...]


@dataclass(frozen=True)
class ModelDefinition:
    package_arn: str
    execution_role_arn: str
    # Environment overrides, sorted by name so equal settings hash equally.
    environment: tuple[tuple[str, str], ...] = ()
    vpc: VpcSpec | None = None
    network_isolation: bool = False

    def hash_parts(self) -> tuple[str, ...]:
        """What the model's name is hashed from. A model with no settings beyond package and
        role hashes exactly as before settings existed, so upgrading the operator does not
        rename (and redeploy) any existing endpoint."""
        parts = [self.package_arn, self.execution_role_arn]
        if self.environment:
            parts.append("env=" + "\x1e".join(f"{k}={v}" for k, v in self.environment))
        if self.vpc is not None:
            parts.append(
                "vpc=" + ",".join(sorted(self.vpc.security_group_ids))
                + "/" + ",".join(sorted(self.vpc.subnets))
            )  # fmt: skip
        if self.network_isolation:
            parts.append("network-isolation")
        return tuple(parts)
