"""What this installation's watch last said about each object, so a timer acts only on the
object as the watch last delivered it.

kopf keeps a timer running after a watch DELETED event unless the object is being deleted,
and a DELETED event is also what the API server sends when an object's labels move it out
of the installation's selector (with the object as it was before, so a label filter does
not notice). That timer would go on reconciling a frozen copy of the object; a timer whose
body is not the watch's latest version of a present object must do nothing.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field


@dataclass
class WatchedObjects:
    _latest: dict[str, tuple[str, bool]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def seen(self, uid: str, resource_version: str, *, gone: bool) -> None:
        with self._lock:
            self._latest[uid] = (resource_version, gone)

    def is_current(self, uid: str, resource_version: str) -> bool:
        """True for the latest version of an object still in the watch, and for an object
        the watch has not reported yet (the first ticks may run before its event)."""
        with self._lock:
            latest = self._latest.get(uid)
        if latest is None:
            return True
        version, gone = latest
        return not gone and version == resource_version

    def forget(self, uid: str) -> None:
        with self._lock:
            self._latest.pop(uid, None)
