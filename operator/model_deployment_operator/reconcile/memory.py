"""What the operator process remembers between ticks. It only saves AWS calls; it never
replaces observing anything that can change behind the operator's back.

- endpoint configs (and the model package behind them) are immutable: cached by name;
- an endpoint's ownership tags are cached per endpoint incarnation (ARN + creation time);
- placed deployments: the package a Model was made from, a package's artifact URI and what
  a multi-model refresh config loads never change either: cached (bounded);
- per ModelDeployment: when autoscaling was last verified, which deployment's leftovers
  were already collected, how many transient failures in a row, and whom its registry
  read says to wake.

The registry reads every ModelDeployment shares are in registry_cache.py.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from model_deployment_operator.domain.desired import DesiredDeployment
from model_deployment_operator.domain.observed import DeployedConfig
from model_deployment_operator.domain.spec import ModelDeploymentSpec
from model_deployment_operator.reconcile.endpoint_snapshot import EndpointSnapshots

T = TypeVar("T")

# Enough for thousands of placed deployments; the oldest facts are dropped first.
FACTS_LIMIT = 10_000


class Facts(Generic[T]):
    """Facts about immutable objects by (region, name), the least recently used dropped
    beyond a limit. A fact may be None (the object has no such field)."""

    def __init__(self, limit: int = FACTS_LIMIT) -> None:
        self._lock = threading.Lock()
        self._limit = limit
        self._facts: OrderedDict[tuple[str, str], T | None] = OrderedDict()

    def get(self, region: str, name: str) -> tuple[bool, T | None]:
        """(known, fact)."""
        with self._lock:
            key = (region, name)
            if key not in self._facts:
                return False, None
            self._facts.move_to_end(key)
            return True, self._facts[key]

    def put(self, region: str, name: str, fact: T | None) -> None:
        with self._lock:
            self._facts[(region, name)] = fact
            self._facts.move_to_end((region, name))
            while len(self._facts) > self._limit:
                self._facts.popitem(last=False)


@dataclass
class ResourceMemory:
    """Per-ModelDeployment process memory: saves calls, never decides behaviour alone."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    scaling_verified: tuple[tuple[object, ...], float] | None = None
    collected_config: str | None = None
    consecutive_transient_failures: int = 0
    # The ModelDeployments of its group to wake: this tick's registry read found the group
    # changed (reconcile/registry_cache.py).
    registry_wake: tuple[str, ...] = ()

    def take_registry_wake(self) -> tuple[str, ...]:
        woken, self.registry_wake = self.registry_wake, ()
        return woken

    # What the serving records on model packages were last brought in line with
    # (reconcile/promotion.py), so an unchanged deployment writes nothing.
    served_recorded: tuple[object, ...] | None = None

    # The spec this deployment was last reconciled with, as read and as the deployment it
    # describes: a settled object's spec is the same tick after tick, and parsing and
    # rendering it again was most of what a reconcile with nothing to do cost.
    parsed_spec: tuple[object, ModelDeploymentSpec] | None = None
    desired: DesiredDeployment | None = None


class SharedCache:
    """Facts about immutable SageMaker objects, shared by every ModelDeployment, and the
    endpoints as last listed and described (reconcile/endpoint_snapshot.py)."""

    def __init__(self, endpoints: EndpointSnapshots) -> None:
        self.endpoints = endpoints
        self._lock = threading.Lock()
        self._configs: dict[tuple[str, str], DeployedConfig] = {}
        self._owners: dict[tuple[str, str, object], dict[str, str]] = {}
        # Placed deployments: Model -> model package, package -> artifact, refresh config's
        # record -> what it loads.
        self.model_packages: Facts[str] = Facts()
        self.package_artifacts: Facts[str] = Facts()
        self.refresh_records: Facts[dict[str, str]] = Facts()

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
