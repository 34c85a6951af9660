"""Who made each AWS call: the assumed-role session behind an access key (with the session
tags it was assumed with) or the long-term key itself. Tests read it through the control API
to prove that every call of a tenant was made as that tenant's role."""

from __future__ import annotations

import json
import re
import threading
from collections import deque
from dataclasses import asdict, dataclass
from typing import Any, Final

from sagemaker_emulator.clock import Clock

# The request members that name the object a call is about, in the order they are looked up.
_RESOURCE_MEMBERS: Final = (
    "InferenceComponentName",
    "EndpointName",
    "EndpointConfigName",
    "ModelName",
    "ResourceId",
    "ResourceArn",
    "ModelPackageGroupName",
    "ModelPackageName",
    "ModelPackageArn",
)
_ACCESS_KEY: Final = re.compile(rb"<AccessKeyId>([^<]+)</AccessKeyId>")
_ASSUMED_ARN: Final = re.compile(rb"<AssumedRoleUser>.*?<Arn>([^<]+)</Arn>", re.DOTALL)
MAX_RECORDS: Final = 200_000


@dataclass(frozen=True)
class AssumedSession:
    arn: str  # arn:aws:sts::<account>:assumed-role/<role>/<session>
    role_arn: str
    external_id: str | None
    session_tags: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class CallerRecord:
    service: str
    action: str
    principal: str
    session_tags: dict[str, str]
    resource: str | None
    at: float  # arrival, seconds since the epoch on the emulator's clock
    account: str
    region: str

    def to_json(self) -> dict[str, Any]:
        record = asdict(self)
        record["sessionTags"] = record.pop("session_tags")
        return record


def resource_of(body: bytes) -> str | None:
    """The object a JSON-protocol call names, if it names one."""
    try:
        params = json.loads(body) if body else {}
    except ValueError:
        return None
    if not isinstance(params, dict):
        return None
    for member in _RESOURCE_MEMBERS:
        value = params.get(member)
        if isinstance(value, str):
            return value
    return None


class CallerLog:
    """Assumed sessions by access key, and a bounded log of calls with their caller, the
    account and region they were made in, and when they arrived."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._sessions: dict[str, AssumedSession] = {}
        self._records: deque[CallerRecord] = deque(maxlen=MAX_RECORDS)

    def remember_assumed(
        self,
        response_body: bytes,
        role_arn: str,
        external_id: str | None,
        session_tags: tuple[tuple[str, str], ...],
    ) -> None:
        """Learn the access key STS just issued, from its AssumeRole response."""
        key = _ACCESS_KEY.search(response_body)
        arn = _ASSUMED_ARN.search(response_body)
        if key is None or arn is None:
            return
        session = AssumedSession(arn.group(1).decode(), role_arn, external_id, session_tags)
        with self._lock:
            self._sessions[key.group(1).decode()] = session

    def principal(self, access_key: str) -> tuple[str, dict[str, str]]:
        """The assumed-role session ARN and its tags, or the long-term key itself."""
        with self._lock:
            session = self._sessions.get(access_key)
        if session is None:
            return f"access-key/{access_key or 'unsigned'}", {}
        return session.arn, dict(session.session_tags)

    def record(
        self,
        service: str,
        action: str,
        access_key: str,
        resource: str | None,
        *,
        account: str,
        region: str,
    ) -> None:
        principal, tags = self.principal(access_key)
        at = self._clock.now()
        with self._lock:
            self._records.append(
                CallerRecord(service, action, principal, tags, resource, at, account, region)
            )

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {"calls": [record.to_json() for record in self._records]}

    def clear(self) -> None:
        with self._lock:
            self._records.clear()

    def forget(self) -> None:
        with self._lock:
            self._records.clear()
            self._sessions.clear()
