"""What the operator process remembers between ticks. It only saves AWS calls; it never
replaces observing anything that can change behind the operator's back.

- endpoint configs (and the model package behind them) are immutable: cached by name;
- an endpoint's ownership tags are cached per endpoint incarnation (ARN + creation time);
- a model package group's name and ARN never change: cached;
- per ModelDeployment: the last registry read, when autoscaling was last verified, which
  deployment's leftovers were already collected, and how many transient failures in a row.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from model_deployment_operator.domain.observed import DeployedConfig
from model_deployment_operator.domain.registry import PackageGroup, PackageVersion


@dataclass
class RegistryRead:
    key: tuple[object, ...]
    read_at: float
    versions: tuple[PackageVersion, ...]
    group: PackageGroup | None


@dataclass
class ResourceMemory:
    """Per-ModelDeployment process memory: saves calls, never decides behaviour alone."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    registry: RegistryRead | None = None
    scaling_verified: tuple[tuple[object, ...], float] | None = None
    collected_config: str | None = None
    consecutive_transient_failures: int = 0


class SharedCache:
    """Facts about immutable SageMaker objects, shared by every ModelDeployment."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._groups: dict[tuple[str, str], PackageGroup] = {}
        self._configs: dict[tuple[str, str], DeployedConfig] = {}
        self._owners: dict[tuple[str, str, object], dict[str, str]] = {}

    def group(self, region: str, name_or_arn: str) -> PackageGroup | None:
        with self._lock:
            return self._groups.get((region, name_or_arn))

    def remember_group(self, region: str, name_or_arn: str, group: PackageGroup) -> None:
        with self._lock:
            self._groups[(region, name_or_arn)] = group

    def config(self, region: str, name: str) -> DeployedConfig | None:
        with self._lock:
            return self._configs.get((region, name))

    def remember_config(self, region: str, config: DeployedConfig) -> None:
        with self._lock:
            self._configs[(region, config.name)] = config

    def tags(self, region: str, arn: str, created_at: object) -> dict[str, str] | None:
        with self._lock:
            return self._owners.get((region, arn, created_at))

    def remember_tags(
        self, region: str, arn: str, created_at: object, tags: dict[str, str]
    ) -> None:
        with self._lock:
            self._owners[(region, arn, created_at)] = tags

    def forget_tags(self, arn: str) -> None:
        """The object was re-tagged (adopted): read its tags again."""
        with self._lock:
            self._owners = {k: v for k, v in self._owners.items() if k[1] != arn}


class MemoryBook:
    """ResourceMemory per ModelDeployment uid."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._resources: dict[str, ResourceMemory] = {}

    def of(self, uid: str) -> ResourceMemory:
        with self._lock:
            memory = self._resources.get(uid)
            if memory is None:
                memory = self._resources[uid] = ResourceMemory()
            return memory

    def forget(self, uid: str) -> None:
        with self._lock:
            self._resources.pop(uid, None)

    def registry_changed(self, group_name: str) -> None:
        """Drop every registry read of this group, so the next tick reads it again."""
        lowered = group_name.lower()
        with self._lock:
            for memory in self._resources.values():
                read = memory.registry
                if (
                    read is not None
                    and read.group is not None
                    and read.group.name.lower() == lowered
                ):
                    memory.registry = None
