"""Writes a derived status into kopf's patch, touching only fields that changed."""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Any

from model_deployment_operator.domain.status import DeploymentStatus


def status_changes(current: Mapping[str, Any], new: DeploymentStatus) -> dict[str, Any]:
    """Top-level status fields whose value differs; None clears a field (merge-patch)."""
    wanted = new.to_kubernetes()
    return {key: value for key, value in wanted.items() if current.get(key) != value}


def write_status(
    patch_status: MutableMapping[str, Any], current: Mapping[str, Any], new: DeploymentStatus
) -> bool:
    """Stage the changes in kopf's status patch; returns whether anything changed, so an
    unchanged state costs no API write at all."""
    changes = status_changes(current, new)
    patch_status.update(changes)
    return bool(changes)
