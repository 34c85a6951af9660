"""Deterministic SageMaker names and the ownership tags the operator stamps on what it creates.

Models and endpoint configs are immutable, so each is named from a hash of everything that
goes into it (and of the owning resource's uid). The same desired state always maps to the
same names: a retry after a crash finds what the first attempt created instead of making a
second copy, and two ModelDeployments never share a name.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass

MAX_NAME_LENGTH = 63
HASH_LENGTH = 8
TAG_PREFIX = "sagemaker.mlops.dev/"
MANAGED_BY_TAG = f"{TAG_PREFIX}managed-by"
MANAGED_BY_VALUE = "model-deployment-operator"
OWNER_NAMESPACE_TAG = f"{TAG_PREFIX}owner-namespace"
OWNER_NAME_TAG = f"{TAG_PREFIX}owner-name"
OWNER_UID_TAG = f"{TAG_PREFIX}owner-uid"
OWNER_KIND_TAG = f"{TAG_PREFIX}owner-kind"
DEFAULT_OWNER_KIND = "ModelDeployment"


@dataclass(frozen=True)
class DeploymentRef:
    """Identity of the Kubernetes object (a ModelDeployment, or a ModelEndpoint) that owns
    SageMaker resources."""

    namespace: str
    name: str
    uid: str
    kind: str = "ModelDeployment"

    def __str__(self) -> str:
        return f"{self.namespace}/{self.name}"


def short_hash(*parts: str) -> str:
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
    return digest[:HASH_LENGTH]


def _sanitize(text: str) -> str:
    """Kubernetes names allow '.', SageMaker names do not; runs of '-' are legal in both."""
    cleaned = re.sub(r"[^a-zA-Z0-9-]+", "-", text).strip("-")
    return cleaned or "x"


def _fit(stem: str, suffix: str, limit: int = MAX_NAME_LENGTH) -> str:
    room = limit - len(suffix)
    return stem[:room].rstrip("-") + suffix


def default_endpoint_name(ref: DeploymentRef) -> str:
    """<namespace>-<name>, or a shortened form with a hash of the full name when too long."""
    full = _sanitize(f"{ref.namespace}-{ref.name}")
    if len(full) <= MAX_NAME_LENGTH:
        return full
    return _fit(full, f"-{short_hash(ref.namespace, ref.name)}")


def resource_stem(endpoint_name: str) -> str:
    """Prefix shared by the models and endpoint configs of one endpoint; room is left for
    '-v<version>-<hash>' with versions up to 9 digits."""
    return _fit(endpoint_name, "", MAX_NAME_LENGTH - len("-v123456789-") - HASH_LENGTH)


def owned_name_pattern(endpoint_name: str) -> re.Pattern[str]:
    """Matches the model and config names this endpoint's deployments produce."""
    stem = re.escape(resource_stem(endpoint_name))
    return re.compile(rf"^{stem}-v[0-9]+-[0-9a-f]{{{HASH_LENGTH}}}$")


def scaling_resource_id(endpoint_name: str, variant_name: str) -> str:
    return f"endpoint/{endpoint_name}/variant/{variant_name}"


def ownership_tags(ref: DeploymentRef) -> dict[str, str]:
    tags = {
        MANAGED_BY_TAG: MANAGED_BY_VALUE,
        OWNER_NAMESPACE_TAG: ref.namespace,
        OWNER_NAME_TAG: ref.name,
        OWNER_UID_TAG: ref.uid,
    }
    # Objects without the kind tag (all made before ModelEndpoints existed) belong to a
    # ModelDeployment.
    if ref.kind != DEFAULT_OWNER_KIND:
        tags[OWNER_KIND_TAG] = ref.kind
    return tags


def resource_tags(ref: DeploymentRef, user_tags: Mapping[str, str]) -> dict[str, str]:
    """User tags plus ownership tags; the CRD forbids user keys under the operator's prefix,
    so ownership always wins."""
    return {**user_tags, **ownership_tags(ref)}


def is_owned_by(tags: Mapping[str, str], ref: DeploymentRef) -> bool:
    """Owned means: tagged with this exact object's uid. A resource left behind by an earlier
    object of the same name (deleted with Retain) is not owned until explicitly adopted."""
    return tags.get(MANAGED_BY_TAG) == MANAGED_BY_VALUE and tags.get(OWNER_UID_TAG) == ref.uid
