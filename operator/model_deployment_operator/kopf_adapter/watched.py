"""The latest version of each object this installation's watch delivered: what the
scheduler's reconciles act on.

Fed by kopf's watch events and by the responses to our own status patches (which are
newer than the object the reconcile read, and come back through the watch a moment later).
A DELETED event removes the object: it was deleted, or its labels moved it out of the
installation's selector (the API server then sends DELETED with the object as it was
before, so a label filter would not notice). A patch response never brings an object back.

Only what a reconcile needs is kept (kind, metadata without managedFields, spec, status),
copied, so nothing kopf holds is shared with the reconciling threads.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# The metadata a reconcile, a claim, an Event and the status patch need.
_METADATA_KEYS = (
    "name",
    "namespace",
    "uid",
    "generation",
    "resourceVersion",
    "labels",
    "annotations",
    "finalizers",
    "deletionTimestamp",
)


@dataclass(frozen=True)
class WatchedObject:
    body: Mapping[str, Any]

    @property
    def meta(self) -> Mapping[str, Any]:
        meta: Mapping[str, Any] = self.body["metadata"]
        return meta

    @property
    def kind(self) -> str:
        return str(self.body.get("kind") or "")

    @property
    def uid(self) -> str:
        return str(self.meta["uid"])

    @property
    def generation(self) -> int:
        return int(self.meta.get("generation") or 0)

    @property
    def resource_version(self) -> str:
        return str(self.meta.get("resourceVersion") or "")

    @property
    def deleting(self) -> bool:
        return bool(self.meta.get("deletionTimestamp"))

    @property
    def finalizers(self) -> tuple[str, ...]:
        return tuple(self.meta.get("finalizers") or ())

    @property
    def spec(self) -> dict[str, Any]:
        return dict(self.body.get("spec") or {})

    @property
    def status(self) -> dict[str, Any]:
        return dict(self.body.get("status") or {})


def kept(body: Mapping[str, Any]) -> WatchedObject:
    meta = body.get("metadata") or {}
    return WatchedObject(
        {
            "apiVersion": body.get("apiVersion"),
            "kind": body.get("kind"),
            "metadata": {key: copy.deepcopy(meta[key]) for key in _METADATA_KEYS if key in meta},
            "spec": copy.deepcopy(dict(body.get("spec") or {})),
            "status": copy.deepcopy(dict(body.get("status") or {})),
        }
    )


def is_older(candidate: str, held: str) -> bool:
    """Whether `candidate` is not newer than `held`. resourceVersions are opaque to
    clients, but etcd's are integers: compared as such when both are; otherwise the later
    arrival wins."""
    if candidate.isdigit() and held.isdigit():
        return int(candidate) <= int(held)
    return False


@dataclass
class WatchedObjects:
    _latest: dict[str, WatchedObject] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def seen(self, body: Mapping[str, Any], *, gone: bool) -> WatchedObject | None:
        """A watch event: the object as kept now, or None when it left the watch or the
        event is older than what is held (a patch response overtook it)."""
        uid = str(body["metadata"]["uid"])
        if gone:
            self.forget(uid)
            return None
        return self._keep(uid, kept(body), create=True)

    def refreshed(self, body: Mapping[str, Any]) -> WatchedObject | None:
        """The object as a status patch returned it; ignored for an object no longer
        watched, and when the watch already delivered something newer."""
        return self._keep(str(body["metadata"]["uid"]), kept(body), create=False)

    def _keep(self, uid: str, candidate: WatchedObject, *, create: bool) -> WatchedObject | None:
        with self._lock:
            held = self._latest.get(uid)
            if held is None and not create:
                return None
            if held is not None and is_older(candidate.resource_version, held.resource_version):
                return None
            self._latest[uid] = candidate
            return candidate

    def latest(self, uid: str) -> WatchedObject | None:
        with self._lock:
            return self._latest.get(uid)

    def forget(self, uid: str) -> None:
        with self._lock:
            self._latest.pop(uid, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._latest)
