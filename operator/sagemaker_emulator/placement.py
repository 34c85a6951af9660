"""Where inference component copies run: the capacity of an instance type, and copies
packed onto a variant's instances.

Each copy needs the CPU cores, memory and accelerators of its component's
ComputeResourceRequirements (CreateInferenceComponent API reference) on one instance.
SageMaker does not publish how it places copies; the emulator packs them first-fit, in
the order the components were created, keeping copies that already run where they are
(docs/emulator.md, choices). Instance capacity is derived from the instance type's size
(``xlarge`` = 4 vCPUs, ``Nxlarge`` = 4N) and family (GiB per vCPU, accelerators per
size), which matches the published specifications of the common types closely enough to
decide what fits; nothing is reserved for SageMaker's own agents.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

_INSTANCE_TYPE = re.compile(r"^ml\.(?P<family>[a-z0-9-]+?)\.(?P<size>medium|large|(\d*)xlarge)$")
_MIB_PER_GIB: Final = 1024

# Memory per vCPU (GiB) by family; families not listed use their first letter's ratio.
_GIB_PER_VCPU_BY_FAMILY: Final = {
    "g6e": 8.0,
    "g7e": 8.0,
    "p3": 7.625,
    "p4d": 12.0,
    "p4de": 12.0,
    "p5": 10.0,
    "p5e": 10.0,
    "p5en": 10.0,
    "p6-b200": 12.0,
    "p6-b300": 12.0,
    "p6e-gb200": 12.0,
}
_GIB_PER_VCPU_BY_LETTER: Final = {"c": 2.0, "m": 4.0, "r": 8.0, "t": 2.0}
_DEFAULT_GIB_PER_VCPU: Final = 4.0

# Accelerators (GPUs, Inferentia or Trainium chips) per instance, by family and size;
# the "*" entry is every other size of the family.
_ACCELERATORS: Final[dict[str, dict[str, int]]] = {
    "g4dn": {"12xlarge": 4, "*": 1},
    "g5": {"12xlarge": 4, "24xlarge": 4, "48xlarge": 8, "*": 1},
    "g6": {"12xlarge": 4, "24xlarge": 4, "48xlarge": 8, "*": 1},
    "g6e": {"12xlarge": 4, "24xlarge": 4, "48xlarge": 8, "*": 1},
    "g7": {"12xlarge": 4, "24xlarge": 4, "48xlarge": 8, "*": 1},
    "g7e": {"12xlarge": 4, "24xlarge": 4, "48xlarge": 8, "*": 1},
    "p2": {"xlarge": 1, "8xlarge": 8, "*": 16},
    "p3": {"2xlarge": 1, "8xlarge": 4, "*": 8},
    "p4d": {"*": 8},
    "p4de": {"*": 8},
    "p5": {"4xlarge": 1, "*": 8},
    "p5e": {"*": 8},
    "p5en": {"*": 8},
    "p6-b200": {"*": 8},
    "p6-b300": {"*": 8},
    "p6e-gb200": {"*": 4},
    "inf1": {"6xlarge": 4, "24xlarge": 16, "*": 1},
    "inf2": {"24xlarge": 6, "48xlarge": 12, "*": 1},
    "trn1": {"32xlarge": 16, "*": 1},
    "trn1n": {"*": 16},
    "trn2": {"*": 16},
    "dl1": {"*": 8},
}


@dataclass(frozen=True)
class Resources:
    """CPU cores, memory and accelerators: an instance's capacity or a copy's needs."""

    cpus: float = 0.0
    memory_mb: float = 0.0
    accelerators: float = 0.0

    def fits_in(self, free: Resources) -> bool:
        return (
            self.cpus <= free.cpus
            and self.memory_mb <= free.memory_mb
            and self.accelerators <= free.accelerators
        )

    def minus(self, used: Resources) -> Resources:
        return Resources(
            self.cpus - used.cpus,
            self.memory_mb - used.memory_mb,
            self.accelerators - used.accelerators,
        )

    def describe(self) -> str:
        parts = [f"{self.cpus:g} CPU cores", f"{self.memory_mb:g} MB of memory"]
        if self.accelerators:
            parts.append(f"{self.accelerators:g} accelerators")
        return ", ".join(parts)


def instance_capacity(instance_type: str) -> Resources:
    """What one instance of ``instance_type`` offers to inference component copies."""
    match = _INSTANCE_TYPE.match(instance_type)
    if match is None:
        return Resources(4, 16 * _MIB_PER_GIB, 0)
    family, size = match["family"], match["size"]
    if size == "medium":
        vcpus = 2 if family.startswith("t") else 1
    elif size == "large":
        vcpus = 2
    else:
        vcpus = 4 * int(size.removesuffix("xlarge") or 1)
    gib_per_vcpu = _GIB_PER_VCPU_BY_FAMILY.get(
        family, _GIB_PER_VCPU_BY_LETTER.get(family[0], _DEFAULT_GIB_PER_VCPU)
    )
    sizes = _ACCELERATORS.get(family, {})
    accelerators = sizes.get(size, sizes.get("*", 0))
    return Resources(vcpus, vcpus * gib_per_vcpu * _MIB_PER_GIB, accelerators)


@dataclass(frozen=True)
class Demand:
    """Copies of one component to place, each needing ``needs``; ``owner`` says whose."""

    owner: str
    copies: int
    needs: Resources


def pack(capacity: Resources, instances: int, demands: Sequence[Demand]) -> dict[str, int]:
    """How many copies of each demand fit on ``instances`` instances of ``capacity``,
    first-fit, demands in order (an owner may appear more than once)."""
    free = [capacity] * max(instances, 0)
    placed: dict[str, int] = {}
    for demand in demands:
        placed.setdefault(demand.owner, 0)
        for _ in range(demand.copies):
            slot = next((i for i, left in enumerate(free) if demand.needs.fits_in(left)), None)
            if slot is None:
                break
            free[slot] = free[slot].minus(demand.needs)
            placed[demand.owner] += 1
    return placed
