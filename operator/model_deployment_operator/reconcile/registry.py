"""Reading the model registry for one ModelDeployment, dedicated or placed, through the
registry cache every deployment shares (registry_cache.py): a group is listed once per
registry poll interval whichever deployment asks first (sooner after a registry event),
newest versions first and only as many pages as the deepest consumer needs; pinned versions
come from that listing when it went deep enough, else are described (and shared) directly."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from functools import partial
from typing import Protocol

from model_deployment_operator.domain.naming import DeploymentRef
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
from model_deployment_operator.domain.registry_listing import REGISTRY_PAGE_SIZE
from model_deployment_operator.domain.spec import ApprovalPolicy, ModelDeploymentSpec
from model_deployment_operator.domain.tenancy import AwsIdentity
from model_deployment_operator.domain.verdict import Verdict
from model_deployment_operator.ports import SageMakerPort
from model_deployment_operator.reconcile.memory import ResourceMemory
from model_deployment_operator.reconcile.promotion import PromotionJudge
from model_deployment_operator.reconcile.registry_cache import (
    GroupKey,
    RegistryCache,
    private_reader,
    reader_of,
)


class RegistryUser(Protocol):
    """What reading the registry needs of a ModelDeployment, wherever it is placed."""

    @property
    def ref(self) -> DeploymentRef: ...

    @property
    def spec(self) -> ModelDeploymentSpec: ...

    @property
    def region(self) -> str: ...


class RegistryReader:
    def __init__(
        self,
        cache: RegistryCache,
        identity_of: Callable[[DeploymentRef], AwsIdentity | Verdict],
        promotion: PromotionJudge | None = None,
    ) -> None:
        self._cache = cache
        self._identity_of = identity_of
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
        the endpoint serves now (if it is one of the versions read). `port` acts as the
        identity `identity_of` names for the deployment."""
        spec = desired.spec
        approval = spec.approval
        key = self._key(desired)
        consumer = desired.ref.uid
        name_or_arn = spec.model_package_group_name
        group = self._cache.group(key, consumer, partial(port.describe_package_group, name_or_arn))
        if group is None:
            return (
                NoVersionAllowed(
                    Reason.MODEL_PACKAGE_GROUP_NOT_FOUND,
                    f"Model package group {name_or_arn} does not exist in "
                    f"region {desired.region}, or the operator's IAM role may not describe it",
                ),
                None,
            )
        live_version = version_in_group(group, live_arn)
        versions: Sequence[PackageVersion]
        if approval.policy is ApprovalPolicy.PINNED and approval.pinned_version is not None:
            wanted = {approval.pinned_version}
            if live_version is not None:
                wanted.add(live_version)
            found = (
                self._cache.version(
                    key,
                    consumer,
                    number,
                    partial(port.describe_package, versioned_package_arn(group.arn, number)),
                )
                for number in sorted(wanted)
            )
            versions = tuple(v for v in found if v is not None)
        else:
            listed = self._cache.versions(
                key,
                consumer,
                partial(registry_scan_is_sufficient, approval, live_version),
                partial(_list_page, port, name_or_arn),
            )
            versions = listed.versions
            # This tick's read found the group changed: the reconciler wakes the rest of it.
            memory.registry_wake = listed.changed_for
        live = (live_arn or "").lower()
        live_package = next((v for v in versions if v.arn.lower() == live), None)
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
                group_name=group.name,
                versions=versions,
                live_version=live_version,
                now=now,
                reader=key.reader,
            )
            return selection, live_package
        return select_version(approval, group.name, versions), live_package

    def _key(self, desired: RegistryUser) -> GroupKey:
        identity = self._identity_of(desired.ref)
        reader = (
            private_reader(desired.ref.uid)
            if isinstance(identity, Verdict)
            else reader_of(identity)
        )
        return GroupKey(desired.region, reader, desired.spec.model_package_group_name)


def _list_page(
    port: SageMakerPort, name_or_arn: str, next_token: str | None
) -> tuple[tuple[PackageVersion, ...], str | None]:
    return port.list_package_versions(name_or_arn, next_token, REGISTRY_PAGE_SIZE)


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
