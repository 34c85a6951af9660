"""Writes a derived status into kopf's patch as a minimal JSON merge-patch (RFC 7386)."""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Any, Protocol


class KubernetesStatus(Protocol):
    """A ModelDeployment's or a ModelEndpoint's status model."""

    def to_kubernetes(self) -> dict[str, Any]: ...


def merge_patch(current: Mapping[str, Any], desired: Mapping[str, Any]) -> dict[str, Any]:
    """The merge-patch that turns `current` into `desired`: nested objects are merged, so a
    field that must disappear is sent as null; lists are replaced whole."""
    patch: dict[str, Any] = {key: None for key in current if key not in desired}
    for key, value in desired.items():
        old = current.get(key)
        if isinstance(value, Mapping) and isinstance(old, Mapping):
            nested = merge_patch(old, value)
            if nested:
                patch[key] = nested
        elif old != value:
            patch[key] = value
    return patch


def status_changes(current: Mapping[str, Any], new: KubernetesStatus) -> dict[str, Any]:
    return merge_patch(current, new.to_kubernetes())


def write_status(
    patch_status: MutableMapping[str, Any], current: Mapping[str, Any], new: KubernetesStatus
) -> bool:
    """Stage the changes in kopf's status patch; returns whether anything changed, so an
    unchanged state costs no API write at all."""
    changes = status_changes(current, new)
    patch_status.update(changes)
    return bool(changes)
