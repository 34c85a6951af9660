"""The context one API call runs in: who called, where, when, and what it emits."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sagemaker_emulator.state import EmulatorState, Partition

log = logging.getLogger(__name__)

Params = dict[str, Any]
Result = dict[str, Any]


@dataclass(frozen=True)
class OutgoingEvent:
    """An EventBridge event to deliver once the call's state lock is released."""

    account_id: str
    region: str
    detail_type: str
    resources: tuple[str, ...]
    detail: dict[str, Any]
    time: float


@dataclass
class Call:
    """One API call. ``account_id`` and ``region`` come from the request's SigV4
    credentials, as on AWS; handlers run with ``state.lock`` held."""

    service: str
    action: str
    account_id: str
    region: str
    now: float
    state: EmulatorState
    outbox: list[OutgoingEvent] = field(default_factory=list)
    # Writes to moto's services (S3 objects, SNS messages, CloudWatch alarms) that the call
    # causes; run once the state lock is released, before the response is sent.
    effects: list[Callable[[], None]] = field(default_factory=list)

    @property
    def partition(self) -> Partition:
        return self.state.partition(self.account_id, self.region)

    def partition_of(self, account_id: str, region: str) -> Partition:
        """Another account's or region's objects, for ARNs that name them (cross-account
        registries, reference §9). The emulator enforces no resource policies."""
        return self.state.partition(account_id, region)

    def emit(
        self,
        source: Partition,
        detail_type: str,
        resources: tuple[str, ...],
        detail: dict[str, Any],
    ) -> None:
        """Queue an event from the account and region that own the object (reference §9:
        registry events are emitted in the registry's account)."""
        self.outbox.append(
            OutgoingEvent(
                source.account_id, source.region, detail_type, resources, detail, self.now
            )
        )

    def after(self, effect: Callable[[], None]) -> None:
        """Run ``effect`` once the call's state lock is released."""
        self.effects.append(effect)

    def run_effects(self) -> None:
        for effect in self.effects:
            try:
                effect()
            except Exception:  # one failed write must not lose the others
                log.exception("%s.%s: a side effect failed", self.service, self.action)
        self.effects.clear()
