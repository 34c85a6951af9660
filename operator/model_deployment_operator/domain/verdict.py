"""Where a deployment stands after a tick, before it becomes kstatus conditions."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from model_deployment_operator.domain.reasons import Reason


class VerdictKind(StrEnum):
    CONVERGED = "Converged"  # Ready=True
    PROGRESSING = "Progressing"  # Ready=False, Reconciling=True
    UNAVAILABLE = "Unavailable"  # Ready=Unknown, Reconciling=True (SageMaker not answering)
    BLOCKED = "Blocked"  # Ready=False, Stalled=True


@dataclass(frozen=True)
class Verdict:
    kind: VerdictKind
    reason: Reason
    message: str


def converged(reason: Reason, message: str) -> Verdict:
    return Verdict(VerdictKind.CONVERGED, reason, message)


def progressing(reason: Reason, message: str) -> Verdict:
    return Verdict(VerdictKind.PROGRESSING, reason, message)


def unavailable(reason: Reason, message: str) -> Verdict:
    return Verdict(VerdictKind.UNAVAILABLE, reason, message)


def blocked(reason: Reason, message: str) -> Verdict:
    return Verdict(VerdictKind.BLOCKED, reason, message)
