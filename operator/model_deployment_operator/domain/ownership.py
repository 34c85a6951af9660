"""Who owns a SageMaker object, as its tags claim, and whether a ModelDeployment may take it.

Tags only *claim* ownership; the API server knows whether the claimed owner still exists.
An endpoint claimed by another ModelDeployment is taken over only when that owner is proven
gone (the API server answered "not found", or returned an object of that name with another
uid), never on a guess: a namespace must not be able to take another namespace's endpoint by
naming it and asking for adoption.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from model_deployment_operator.domain.naming import (
    DEFAULT_OWNER_KIND,
    MANAGED_BY_TAG,
    MANAGED_BY_VALUE,
    OWNER_KIND_TAG,
    OWNER_NAME_TAG,
    OWNER_NAMESPACE_TAG,
    OWNER_UID_TAG,
    DeploymentRef,
)


class Claim(StrEnum):
    OURS = "Ours"  # tagged with this very object's uid
    UNCLAIMED = "Unclaimed"  # not tagged as managed by the operator at all
    OTHER = "Other"  # tagged with another ModelDeployment's namespace, name and uid
    UNATTRIBUTED = "Unattributed"  # tagged as managed, but the owner's identity is incomplete


class OwnerPresence(StrEnum):
    LIVE = "Live"  # the API server returned the claimed owner, same uid
    GONE = "Gone"  # not found, or found under the same name with another uid
    UNKNOWN = "Unknown"  # the API server could not tell (forbidden, unreachable)


@dataclass(frozen=True)
class Ownership:
    claim: Claim
    owner: DeploymentRef | None = None
    presence: OwnerPresence | None = None
    # Why the presence is unknown, in the API server's words.
    presence_detail: str = ""

    @property
    def owned(self) -> bool:
        return self.claim is Claim.OURS

    @property
    def adoptable(self) -> bool:
        """May `adoptExisting` take it: nobody claims it, or its claimed owner is gone."""
        if self.claim is Claim.UNCLAIMED:
            return True
        return self.claim is Claim.OTHER and self.presence is OwnerPresence.GONE

    def with_presence(self, presence: OwnerPresence, detail: str = "") -> Ownership:
        return Ownership(self.claim, self.owner, presence, detail)

    def describe(self) -> str:
        """A phrase naming whoever owns the object, for conflict messages."""
        match self.claim:
            case Claim.OURS:
                return "it belongs to this ModelDeployment"
            case Claim.UNCLAIMED:
                return "it was not created by this operator"
            case Claim.UNATTRIBUTED:
                return (
                    "it is tagged as managed by model-deployment-operator but names no "
                    "complete owner (namespace, name and uid)"
                )
        owner = self.owner
        assert owner is not None  # noqa: S101 - OTHER always carries its owner
        who = f"it belongs to {owner.kind} {owner} (uid {owner.uid})"
        match self.presence:
            case OwnerPresence.LIVE:
                return f"{who}, which still exists"
            case OwnerPresence.GONE:
                return f"{who}, which no longer exists"
            case OwnerPresence.UNKNOWN:
                detail = f": {self.presence_detail}" if self.presence_detail else ""
                return f"{who}, and the API server could not confirm that owner is gone{detail}"
        return who


NOBODY = Ownership(Claim.UNCLAIMED)


def read_claim(tags: Mapping[str, str], ref: DeploymentRef) -> Ownership:
    """The ownership the tags claim, seen from ModelDeployment `ref`."""
    if tags.get(MANAGED_BY_TAG) != MANAGED_BY_VALUE:
        return NOBODY
    uid = tags.get(OWNER_UID_TAG, "")
    if uid == ref.uid:
        return Ownership(Claim.OURS, ref)
    namespace = tags.get(OWNER_NAMESPACE_TAG, "")
    name = tags.get(OWNER_NAME_TAG, "")
    if not (uid and namespace and name):
        return Ownership(Claim.UNATTRIBUTED)
    kind = tags.get(OWNER_KIND_TAG, DEFAULT_OWNER_KIND)
    return Ownership(Claim.OTHER, DeploymentRef(namespace, name, uid, kind))
