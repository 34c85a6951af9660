"""Reading the model registry for one ModelDeployment: at most once per registry poll
interval (sooner after a spec change or a registry event), newest versions first, only as
many pages as the approval policy needs; pinned versions are described directly."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from model_deployment_operator.domain.policy import (
    NoVersionAllowed,
    Selection,
    registry_scan_is_sufficient,
    select_version,
)
from model_deployment_operator.domain.reasons import Reason
from model_deployment_operator.domain.registry import (
    PackageGroup,
    PackageVersion,
    versioned_package_arn,
)
from model_deployment_operator.domain.spec import ApprovalPolicy, ModelDeploymentSpec
from model_deployment_operator.ports import SageMakerPort
from model_deployment_operator.reconcile.memory import RegistryRead, ResourceMemory, SharedCache
from model_deployment_operator.reconcile.promotion import PromotionJudge

REGISTRY_PAGE_SIZE = 25
MAX_REGISTRY_PAGES = 40
# A read younger than this share of the poll interval is reused.
FRESHNESS = 0.8


class RegistryUser(Protocol):
    """What reading the registry needs of a ModelDeployment, wherever it is placed."""

    @property
    def spec(self) -> ModelDeploymentSpec: ...

    @property
    def region(self) -> str: ...


class RegistryReader:
    def __init__(
        self,
        cache: SharedCache,
        poll_seconds: float,
        monotonic: Callable[[], float],
        promotion: PromotionJudge | None = None,
    ) -> None:
        self._cache = cache
        self._poll_seconds = poll_seconds
        self._monotonic = monotonic
        self._promotion = promotion

    def select(
        self,
        port: SageMakerPort,
        memory: ResourceMemory,
        desired: RegistryUser,
        live_arn: str | None,
        now: datetime,
    ) -> tuple[Selection, PackageVersion | None]:
        """The version the policy allows as of `now` (the tick's moment), and the package
        the endpoint serves now (if it is one of the versions read)."""
        spec = desired.spec
        approval = spec.approval
        key = (
            desired.region,
            spec.model_package_group_name,
            approval.policy,
            approval.pinned_version,
            approval.requirements is not None,
        )
        read = memory.registry
        stale = read is None or self._monotonic() - read.read_at > self._poll_seconds * FRESHNESS
        if read is None or read.key != key or stale:
            read = self._scan(port, desired, key, live_arn)
            memory.registry = read
        if read.group is None:
            return (
                NoVersionAllowed(
                    Reason.MODEL_PACKAGE_GROUP_NOT_FOUND,
                    f"Model package group {spec.model_package_group_name} does not exist in "
                    f"region {desired.region}, or the operator's IAM role may not describe it",
                ),
                None,
            )
        live = (live_arn or "").lower()
        live_package = next((v for v in read.versions if v.arn.lower() == live), None)
        requirements = approval.requirements
        if (
            self._promotion is not None
            and requirements is not None
            and requirements.needs_details
            and approval.policy is ApprovalPolicy.LATEST_APPROVED
        ):
            selection = self._promotion.select(
                port,
                desired.region,
                requirements,
                group_name=read.group.name,
                versions=read.versions,
                live_version=version_in_group(read.group, live_arn),
                now=now,
            )
            return selection, live_package
        return select_version(approval, read.group.name, read.versions), live_package

    def _group(self, port: SageMakerPort, region: str, name_or_arn: str) -> PackageGroup | None:
        cached = self._cache.group(region, name_or_arn)
        if cached is not None:
            return cached
        group = port.describe_package_group(name_or_arn)
        if group is not None:
            self._cache.remember_group(region, name_or_arn, group)
        return group

    def _scan(
        self,
        port: SageMakerPort,
        desired: RegistryUser,
        key: tuple[object, ...],
        live_arn: str | None,
    ) -> RegistryRead:
        spec = desired.spec
        group = self._group(port, desired.region, spec.model_package_group_name)
        if group is None:
            return RegistryRead(key, self._monotonic(), (), None)
        live_version = version_in_group(group, live_arn)
        approval = spec.approval
        if approval.policy is ApprovalPolicy.PINNED and approval.pinned_version is not None:
            wanted = {approval.pinned_version}
            if live_version is not None:
                wanted.add(live_version)
            found = (
                port.describe_package(versioned_package_arn(group.arn, v)) for v in sorted(wanted)
            )
            versions = tuple(v for v in found if v is not None)
            return RegistryRead(key, self._monotonic(), versions, group)
        collected: list[PackageVersion] = []
        token: str | None = None
        for _ in range(MAX_REGISTRY_PAGES):
            page, token = port.list_package_versions(
                spec.model_package_group_name, token, REGISTRY_PAGE_SIZE
            )
            collected.extend(page)
            if token is None or registry_scan_is_sufficient(approval, live_version, collected):
                break
        return RegistryRead(key, self._monotonic(), tuple(collected), group)


def version_in_group(group: PackageGroup, live_arn: str | None) -> int | None:
    """The version number of the package served now, if it is of this group."""
    if live_arn is None:
        return None
    prefix = versioned_package_arn(group.arn, 0)[: -len("0")]
    arn = live_arn.lower()
    if not arn.startswith(prefix.lower()):
        return None
    tail = arn[len(prefix) :]
    return int(tail) if tail.isdigit() else None
