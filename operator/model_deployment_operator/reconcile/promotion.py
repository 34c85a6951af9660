"""Promotion through the registry, the I/O half (domain/promotion is the pure half):

- PromotionJudge: LatestApproved with approval.requirements. Reads the details of the
  candidate versions newest first (DescribeModelPackage, and the S3 reports a metric gate
  names), cached by reading identity and ARN for most of a poll interval (one read for
  deployments asking at once; dropped by a registry event for the group), and stops at the
  first that passes.
  Records `mdo:approved-at` on a version the first time any operator reads it Approved.
- ServingRecorder: writes on each model package when it starts and stops serving in this
  environment, from the deployment's status.history (so a restart finds what to write).
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from model_deployment_operator.domain.errors import SageMakerCallError
from model_deployment_operator.domain.policy import Selection
from model_deployment_operator.domain.promotion.gates import (
    Failure,
    PackageDetails,
    Requirement,
    judge,
    reports_needed,
)
from model_deployment_operator.domain.promotion.records import (
    APPROVED_AT_KEY,
    approved_at,
    format_time,
    holder_id,
    parse_served,
    served_key,
    started_serving,
    stopped_serving,
)
from model_deployment_operator.domain.promotion.selection import select_promoted
from model_deployment_operator.domain.registry import PackageVersion
from model_deployment_operator.domain.spec.promotion import RequirementsSpec
from model_deployment_operator.domain.status import HistoryEntry, Outcome
from model_deployment_operator.ports import SageMakerPort
from model_deployment_operator.reconcile.memory import FACTS_LIMIT, ResourceMemory
from model_deployment_operator.reconcile.registry_cache import OPERATOR_READER, Reader

log = logging.getLogger(__name__)

# Details younger than this share of the poll interval are reused.
FRESHNESS = 0.8


@dataclass
class _Details:
    """A version's details as one reader read them; the lock makes deployments judging the
    same version at once wait for one read (single flight)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    read: tuple[float, PackageDetails] | None = None


class PromotionJudge:
    def __init__(self, poll_seconds: float, monotonic: Callable[[], float]) -> None:
        self._ttl = poll_seconds * FRESHNESS
        self._monotonic = monotonic
        self._lock = threading.Lock()
        # By (region, reader, package ARN): like the registry cache, shared by every
        # deployment reading as the same identity (registry_cache.py).
        self._details: OrderedDict[tuple[str, Reader, str], _Details] = OrderedDict()

    def select(
        self,
        port: SageMakerPort,
        region: str,
        requirements: RequirementsSpec,
        *,
        group_name: str,
        versions: Sequence[PackageVersion],
        live_version: int | None,
        now: datetime,
        reader: Reader = OPERATOR_READER,
    ) -> Selection:
        """Judged as of `now`, the tick's moment: the one its status and a deployment it
        starts are stamped with, so a deployment never starts before its version passed.
        `port` acts as `reader`."""

        def judge_one(version: PackageVersion) -> Failure | None:
            details = self._details_of(port, (region, reader, version.arn), requirements, now)
            if details is None:
                return Failure(
                    Requirement.METRIC_GATE,
                    f"version {version.version} skipped: model package {version.arn} could "
                    "not be described",
                )
            return judge(
                requirements,
                details,
                now=now,
                first_seen_approved=approved_at(details.metadata) or now,
            )

        return select_promoted(group_name, versions, live_version, judge_one)

    def forget_group(self, group_name: str) -> None:
        """The group changed (a registry event): read its versions' details afresh."""
        lowered = group_name.lower()
        with self._lock:
            for key in [k for k in self._details if _group_of(k[2]) == lowered]:
                del self._details[key]

    def _details_of(
        self,
        port: SageMakerPort,
        key: tuple[str, Reader, str],
        requirements: RequirementsSpec,
        now: datetime,
    ) -> PackageDetails | None:
        with self._lock:
            entry = self._details.get(key)
            if entry is None:
                entry = self._details[key] = _Details()
            self._details.move_to_end(key)
            while len(self._details) > FACTS_LIMIT:
                self._details.popitem(last=False)
        with entry.lock:
            return self._read_details(port, entry, key[2], requirements, now)

    def _read_details(
        self,
        port: SageMakerPort,
        entry: _Details,
        arn: str,
        requirements: RequirementsSpec,
        now: datetime,
    ) -> PackageDetails | None:
        cached = entry.read
        needed = reports_needed(requirements)
        if (
            cached is not None
            and self._monotonic() - cached[0] < self._ttl
            and needed <= set(cached[1].documents)
        ):
            return cached[1]
        details = port.describe_package_details(arn)
        if details is None:
            return None
        if APPROVED_AT_KEY not in details.metadata:
            # The registry keeps no approval time: the first operator to read the version
            # Approved records when it did, for every environment's minTimeSinceApproval.
            stamp = {APPROVED_AT_KEY: format_time(now)}
            port.update_package_metadata(arn, stamp)
            details = replace(details, metadata={**details.metadata, **stamp})
        documents = {
            report: port.read_report(details.reports[report])
            for report in needed
            if report in details.reports
        }
        details = replace(details, documents=documents)
        entry.read = (self._monotonic(), details)
        return details


def _group_of(package_arn: str) -> str:
    """arn:...:model-package/<group>/<version> -> <group> (lower case)."""
    return package_arn.partition(":model-package/")[2].rpartition("/")[0].lower()


def serving_now(history: Sequence[HistoryEntry]) -> tuple[HistoryEntry | None, HistoryEntry | None]:
    """The deployment serving now (the newest that succeeded) and the one it replaced (the
    newest earlier success of another package), from status.history."""
    successes = [h for h in history if h.outcome is Outcome.SUCCEEDED]
    if not successes:
        return None, None
    current = successes[0]
    replaced = next(
        (h for h in successes[1:] if h.model_package_arn != current.model_package_arn), None
    )
    return current, replaced


class ServingRecorder:
    """Brings the `mdo:served:<environment>` records of a deployment's current and replaced
    packages in line with its history. Idempotent: a record already saying so is not
    written; crash-safe: what to write is derived from status, not from process memory."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self._clock = clock
        self._locks: dict[str, threading.Lock] = {}
        self._locks_lock = threading.Lock()

    def _package_lock(self, arn: str) -> threading.Lock:
        # Two deployments of this installation serving one version must not interleave
        # their read-modify-write of its record.
        with self._locks_lock:
            return self._locks.setdefault(arn.lower(), threading.Lock())

    def record(
        self,
        port: SageMakerPort,
        memory: ResourceMemory,
        uid: str,
        environment: str,
        history: Sequence[HistoryEntry],
        *,
        moved_from: str | None = None,
    ) -> None:
        """`moved_from`: the environment the deployment was in until this tick (its
        spec.environment or the operator's setting changed): its record there is closed."""
        current, replaced = serving_now(history)
        if current is None:
            return
        key = (
            environment,
            current.model_package_arn,
            current.finished_at,
            replaced.model_package_arn if replaced is not None else None,
        )
        if memory.served_recorded == key:
            return
        holder = holder_id(uid)
        try:
            since = current.finished_at or current.started_at
            if replaced is not None:
                self._stop(port, replaced.model_package_arn, environment, holder, since)
            if moved_from is not None and moved_from != environment:
                self._stop(port, current.model_package_arn, moved_from, holder, self._clock())
            self._start(port, current.model_package_arn, environment, holder, since)
        except SageMakerCallError as error:
            log.warning(
                "Could not record on model package %s that it serves in %s: %s",
                current.model_package_arn,
                environment,
                error,
            )
            return
        memory.served_recorded = key

    def stopped(
        self,
        port: SageMakerPort,
        uid: str,
        environment: str,
        history: Sequence[HistoryEntry],
        until: datetime,
    ) -> None:
        """The deployment was deleted: its package no longer serves here through it."""
        current, _ = serving_now(history)
        if current is None:
            return
        try:
            self._stop(port, current.model_package_arn, environment, holder_id(uid), until)
        except SageMakerCallError as error:
            log.warning(
                "Could not record on model package %s that it stopped serving in %s: %s",
                current.model_package_arn,
                environment,
                error,
            )

    def _start(
        self, port: SageMakerPort, arn: str, environment: str, holder: str, since: datetime
    ) -> None:
        with self._package_lock(arn):
            details = port.describe_package_details(arn)
            if details is None:
                return
            existing = details.metadata.get(served_key(environment))
            record = started_serving(parse_served(existing) if existing else None, holder, since)
            update = {}
            if record is not None:
                update[served_key(environment)] = record.format()
            if APPROVED_AT_KEY not in details.metadata:
                # It serves, so it was approved at the latest when it started.
                update[APPROVED_AT_KEY] = format_time(since)
            if update:
                port.update_package_metadata(arn, update)
                log.info("Recorded on model package %s: %s", arn, update)

    def _stop(
        self, port: SageMakerPort, arn: str, environment: str, holder: str, until: datetime
    ) -> None:
        with self._package_lock(arn):
            details = port.describe_package_details(arn)
            if details is None:
                return
            existing = details.metadata.get(served_key(environment))
            if not existing:
                return
            record = stopped_serving(parse_served(existing), holder, until)
            if record is not None:
                port.update_package_metadata(arn, {served_key(environment): record.format()})
                log.info(
                    "Recorded on model package %s: %s=%s",
                    arn,
                    served_key(environment),
                    record.format(),
                )
