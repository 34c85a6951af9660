"""The inference component state machine, with time (developer guide, "Deploy models
with inference components" and "Update inference components with rolling updates";
Create/Describe/Update/DeleteInferenceComponent API references).

Like endpoints, components change lazily: a change records when it completes, and every
read or write settles the components of an endpoint together (their copies share its
instances, placement.py).

    CreateInferenceComponent     Creating -> (copies placed) InService; copies that do not
                                 fit stay pending and the component stays Creating
    UpdateInferenceComponent     a new Specification: Updating while copies of the old
                                 specification are replaced a batch at a time
                                 (RollingUpdatePolicy) or all at once; an injected failure
                                 or an AutoRollbackConfiguration alarm in ALARM rolls back
                                 to the old specification, InService with FailureReason
    UpdateInferenceComponent...  a new copy count: Updating -> InService (0 allowed)
    DeleteInferenceComponent     Deleting -> gone
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from sagemaker_emulator.errors import validation_error
from sagemaker_emulator.lifecycle import Endpoint, LiveVariant
from sagemaker_emulator.placement import Demand, Resources, instance_capacity, pack
from sagemaker_emulator.records import Json, ServedModel

# Which of a list of CloudWatch alarms is in ALARM (AutoRollbackConfiguration).
AlarmCheck = Callable[[Sequence[str]], str | None]


class ComponentStatus(StrEnum):
    CREATING = "Creating"
    UPDATING = "Updating"
    IN_SERVICE = "InService"
    FAILED = "Failed"
    DELETING = "Deleting"


@dataclass(frozen=True)
class ComponentSpec:
    """One Specification of a component, as its copies run it."""

    revision: int
    echo: Json  # DescribeInferenceComponent's Specification
    served: ServedModel
    model_name: str | None  # Specification.ModelName; None for a Container
    needs: Resources  # per copy


@dataclass(frozen=True)
class Rollout:
    """A change of Specification: the copies that run ``old`` are replaced by copies
    of ``new`` a batch at a time, each batch taking ``step_seconds`` (provisioning plus
    the RollingUpdatePolicy's WaitIntervalInSeconds). An update without a
    DeploymentConfig replaces every copy in one step."""

    old: ComponentSpec
    new: ComponentSpec
    copies: int  # copies running when the update started
    old_desired: int
    new_desired: int
    batch: int
    step_seconds: float
    started_at: float
    rollback_batch: int | None  # None: every new copy at once (the default)
    rollback_step_seconds: float
    alarms: tuple[str, ...] = ()
    fail_after_batch: int | None = None  # injected through the control API
    failure_reason: str | None = None

    @property
    def steps(self) -> int:
        return max(1, math.ceil(self.copies / self.batch))

    def steps_done(self, now: float) -> int:
        if self.step_seconds <= 0:
            return self.steps
        return min(self.steps, int((now - self.started_at) / self.step_seconds))

    def replaced(self, steps: int) -> int:
        return min(self.copies, steps * self.batch)

    def completes_at(self) -> float:
        return self.started_at + self.steps * self.step_seconds


@dataclass(frozen=True)
class Rollback:
    """Copies of the new Specification replaced by copies of the old one again."""

    rollout: Rollout
    new_copies: int  # copies of the new Specification when the rollback started
    started_at: float
    reason: str

    @property
    def batch(self) -> int:
        return self.rollout.rollback_batch or max(self.new_copies, 1)

    @property
    def steps(self) -> int:
        return max(1, math.ceil(self.new_copies / self.batch))

    def restored(self, now: float) -> int:
        step = self.rollout.rollback_step_seconds
        done = self.steps if step <= 0 else min(self.steps, int((now - self.started_at) / step))
        return min(self.new_copies, done * self.batch)

    def completes_at(self) -> float:
        return self.started_at + self.steps * self.rollout.rollback_step_seconds


class Phase(StrEnum):
    CREATING = "creating"  # the first copies are being provisioned
    COPIES = "copies"  # a copy-count change is being provisioned
    PLACING = "placing"  # provisioned; copies wait for room on the instances
    ROLLOUT = "rollout"
    ROLLBACK = "rollback"
    DELETING = "deleting"


@dataclass
class Pending:
    phase: Phase
    completes_at: float = 0.0
    rollout: Rollout | None = None
    rollback: Rollback | None = None


@dataclass
class InferenceComponent:
    """One component. Not thread-safe: callers hold the emulator's state lock."""

    name: str
    arn: str
    endpoint_name: str
    endpoint_arn: str
    variant_name: str
    sequence: int
    created_at: float
    spec: ComponentSpec
    desired: int
    pending: Pending | None
    status: ComponentStatus = ComponentStatus.CREATING
    current: int = 0  # copies of ``spec`` that run (outside a rollout)
    last_modified_at: float = 0.0
    failure_reason: str | None = None
    deployment_config: Json | None = None
    # Round-robin position over the copies, so invocations spread over them evenly.
    next_copy: int = 0

    @property
    def endpoint_key(self) -> str:
        return self.endpoint_name.lower()

    # ------------------------------------------------------------------ time

    def advance(self, now: float, in_alarm: AlarmCheck) -> bool:
        """Apply what has completed by ``now``; True when the component is gone."""
        pending = self.pending
        if pending is None:
            return False
        if pending.phase is Phase.DELETING:
            return now >= pending.completes_at
        if pending.phase in (Phase.CREATING, Phase.COPIES) and now >= pending.completes_at:
            self.pending = Pending(Phase.PLACING)
            self.last_modified_at = pending.completes_at
        elif pending.phase is Phase.ROLLOUT and pending.rollout is not None:
            self._advance_rollout(pending.rollout, now, in_alarm)
        elif pending.phase is Phase.ROLLBACK and pending.rollback is not None:
            self._advance_rollback(pending.rollback, now)
        return False

    def _advance_rollout(self, rollout: Rollout, now: float, in_alarm: AlarmCheck) -> None:
        done = rollout.steps_done(now)
        if rollout.fail_after_batch is not None and done >= rollout.fail_after_batch:
            failed_at = rollout.started_at + rollout.fail_after_batch * rollout.step_seconds
            reason = rollout.failure_reason or "The deployment failed."
            self._start_rollback(rollout, rollout.fail_after_batch, failed_at, reason)
            self._advance_rollback_if_started(now)
            return
        alarm = in_alarm(rollout.alarms) if rollout.alarms else None
        if alarm is not None:
            reason = (
                f"Inference component {self.name} was rolled back: CloudWatch alarm {alarm} "
                "went into ALARM during the rolling deployment."
            )
            self._start_rollback(rollout, done, now, reason)
            return
        if done < rollout.steps:
            return
        self.spec = rollout.new
        self.current = rollout.copies
        self.desired = rollout.new_desired
        self.last_modified_at = rollout.completes_at()
        self.failure_reason = None
        self.pending = Pending(Phase.PLACING)

    def _start_rollback(self, rollout: Rollout, steps: int, at: float, reason: str) -> None:
        rollback = Rollback(rollout, rollout.replaced(steps), at, reason)
        self.pending = Pending(Phase.ROLLBACK, rollback=rollback)

    def _advance_rollback_if_started(self, now: float) -> None:
        pending = self.pending
        if pending is not None and pending.rollback is not None:
            self._advance_rollback(pending.rollback, now)

    def _advance_rollback(self, rollback: Rollback, now: float) -> None:
        if now < rollback.completes_at():
            return
        rollout = rollback.rollout
        self.spec = rollout.old
        self.current = rollout.copies
        self.desired = rollout.old_desired
        self.failure_reason = rollback.reason
        self.last_modified_at = rollback.completes_at()
        self.pending = Pending(Phase.PLACING)

    # ------------------------------------------------------------------ copies

    def serving(self, now: float) -> list[tuple[ComponentSpec, int]]:
        """The copies that answer invocations, by Specification (newest first)."""
        pending = self.pending
        if pending is not None and pending.rollout is not None:
            rollout = pending.rollout
            new = rollout.replaced(rollout.steps_done(now))
            return [(rollout.new, new), (rollout.old, rollout.copies - new)]
        if pending is not None and pending.rollback is not None:
            rollback = pending.rollback
            rollout = rollback.rollout
            new = rollback.new_copies - rollback.restored(now)
            return [(rollout.new, new), (rollout.old, rollout.copies - new)]
        return [(self.spec, self.current)]

    def copy_count(self, now: float) -> int:
        return sum(count for _, count in self.serving(now))

    def pick_copy(self, now: float) -> tuple[ComponentSpec, int] | None:
        """The Specification and copy number that serve the next invocation."""
        copies = [(spec, number) for spec, count in self.serving(now) for number in range(count)]
        if not copies:
            return None
        spec, number = copies[self.next_copy % len(copies)]
        self.next_copy += 1
        return spec, number + 1

    @property
    def placing(self) -> bool:
        return self.pending is not None and self.pending.phase is Phase.PLACING

    def place(self, copies: int, now: float) -> None:
        """The outcome of placement for a component waiting for room: ``copies`` of its
        desired copies run."""
        if not self.placing:
            return
        settled = min(self.desired, max(copies, 0))
        if settled != self.current:
            self.last_modified_at = max(self.last_modified_at, now)
        self.current = settled
        if self.current == self.desired:
            self.pending = None
            self.status = ComponentStatus.IN_SERVICE

    # ------------------------------------------------------------------ guards

    def ensure_updatable(self) -> None:
        """Updates need a settled component; the wording is the emulator's, modelled on
        the endpoint's "Cannot update in-progress endpoint" (reference §1)."""
        if self.status is ComponentStatus.IN_SERVICE and self.pending is None:
            return
        raise validation_error(
            f'Cannot update in-progress inference component "{self.arn}": it is {self.status}.'
        )

    def ensure_deletable(self) -> None:
        """Deleting is refused while an update or the first provisioning runs; a component
        whose copies are only waiting for room on the instances can be deleted."""
        if self.status is ComponentStatus.DELETING:
            raise validation_error(
                f'Inference component "{self.arn}" is already being deleted (DELETE_IN_PROGRESS).'
            )
        pending = self.pending
        if pending is None or pending.phase is Phase.PLACING:
            return
        raise validation_error(
            f'Cannot delete in-progress inference component "{self.arn}": it is {self.status}.'
        )

    # ------------------------------------------------------------------ changes

    def start_copies(self, copies: int, now: float, completes_at: float) -> None:
        """A new copy count: added copies are provisioned (removed ones stop) when the
        change completes, then placed."""
        self.desired = copies
        self.status = ComponentStatus.UPDATING
        self.last_modified_at = now
        self.pending = Pending(Phase.COPIES, completes_at)

    def start_rollout(self, rollout: Rollout, now: float, deployment_config: Json | None) -> None:
        self.status = ComponentStatus.UPDATING
        self.last_modified_at = now
        self.desired = rollout.new_desired
        if deployment_config is not None:
            self.deployment_config = deployment_config
        self.pending = Pending(Phase.ROLLOUT, rollout=rollout)

    def start_delete(self, now: float, completes_at: float) -> None:
        self.status = ComponentStatus.DELETING
        self.last_modified_at = now
        self.pending = Pending(Phase.DELETING, completes_at)

    # ------------------------------------------------------------------ views

    def described_spec(self) -> ComponentSpec:
        """The Specification DescribeInferenceComponent shows: the one being deployed
        while an update runs, the old one again once it is rolled back."""
        pending = self.pending
        if pending is not None and pending.rollout is not None:
            return pending.rollout.new
        return self.spec

    def describe(self, now: float) -> Json:
        result: Json = {
            "InferenceComponentName": self.name,
            "InferenceComponentArn": self.arn,
            "EndpointName": self.endpoint_name,
            "EndpointArn": self.endpoint_arn,
            "VariantName": self.variant_name,
            "Specification": self.described_spec().echo,
            "RuntimeConfig": {
                "DesiredCopyCount": self.desired,
                "CurrentCopyCount": self.copy_count(now),
            },
            "CreationTime": self.created_at,
            "LastModifiedTime": self.last_modified_at,
            "InferenceComponentStatus": str(self.status),
        }
        if self.failure_reason is not None:
            result["FailureReason"] = self.failure_reason
        if self.deployment_config is not None:
            result["LastDeploymentConfig"] = self.deployment_config
        return result

    def summary(self) -> Json:
        return {
            "CreationTime": self.created_at,
            "InferenceComponentArn": self.arn,
            "InferenceComponentName": self.name,
            "EndpointArn": self.endpoint_arn,
            "EndpointName": self.endpoint_name,
            "VariantName": self.variant_name,
            "InferenceComponentStatus": str(self.status),
            "LastModifiedTime": self.last_modified_at,
        }


# ---------------------------------------------------------------------- placement


def settle(
    endpoint: Endpoint | None,
    components: Sequence[InferenceComponent],
    now: float,
    in_alarm: AlarmCheck,
) -> list[InferenceComponent]:
    """Advance an endpoint's components to ``now`` and place the copies that wait for
    room; returns the components that are gone (their deletes completed)."""
    ordered = sorted(components, key=lambda c: c.sequence)
    gone = [c for c in ordered if c.advance(now, in_alarm)]
    live = [c for c in ordered if c not in gone]
    if endpoint is None:
        return gone
    variants = []
    for variant in endpoint.variants:
        if variant.hosts_components:
            hosted = [c for c in live if c.variant_name == variant.name]
            variants.append(_place(variant, hosted, now))
        else:
            variants.append(variant)
    if tuple(variants) != endpoint.variants:
        endpoint.set_variants(variants, now)
    return gone


def _place(variant: LiveVariant, hosted: list[InferenceComponent], now: float) -> LiveVariant:
    """Pack the running copies (where they are), then the copies that wait, onto the
    variant's instances; with managed instance scaling the fleet grows (up to
    MaxInstanceCount) to fit them and shrinks (down to MinInstanceCount) when they go."""
    capacity = instance_capacity(variant.instance_type or "")
    running = [Demand(c.name, count, spec.needs) for c in hosted for spec, count in c.serving(now)]
    waiting = [
        Demand(c.name, c.desired - c.current, c.spec.needs)
        for c in hosted
        if c.desired > c.current and c.pending is not None and c.pending.phase in _PROVISIONING
    ]
    instances = variant.current_count or 0
    scaling = variant.managed_scaling or {}
    if scaling.get("Status") == "ENABLED" and hosted:
        # The fleet is sized for copies still being provisioned too.
        instances = _fleet_size(capacity, running + waiting, scaling, instances)
    placeable = [d for d in waiting if _component(hosted, d.owner).placing]
    placed = pack(capacity, instances, running + placeable)
    for component in hosted:
        if component.placing:
            component.place(placed.get(component.name, 0), now)
    if instances == variant.current_count:
        return variant
    return replace(variant, desired_count=instances, current_count=instances)


_PROVISIONING = (Phase.CREATING, Phase.COPIES, Phase.PLACING)


def _component(hosted: list[InferenceComponent], name: str) -> InferenceComponent:
    return next(c for c in hosted if c.name == name)


def _fleet_size(
    capacity: Resources, demands: list[Demand], scaling: Mapping[str, Any], current: int
) -> int:
    minimum = int(scaling.get("MinInstanceCount", 1))
    maximum = int(scaling.get("MaxInstanceCount", max(current, minimum)))
    wanted = {d.owner: 0 for d in demands}
    for demand in demands:
        wanted[demand.owner] += demand.copies
    for size in range(minimum, maximum + 1):
        if pack(capacity, size, demands) == wanted:
            return size
    return maximum


def check_fits(component_name: str, variant: LiveVariant, needs: Resources) -> None:
    """A copy must fit on one instance of the variant, or it could never run. SageMaker
    documents no error for this; the emulator refuses it at once (docs/emulator.md)."""
    capacity = instance_capacity(variant.instance_type or "")
    if not needs.fits_in(capacity):
        raise validation_error(
            f"Inference component {component_name}: a copy needs {needs.describe()}, more "
            f"than one {variant.instance_type} instance of variant {variant.name} has "
            f"({capacity.describe()})."
        )
