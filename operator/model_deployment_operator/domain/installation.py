"""Several installations of the operator in one cluster: which one may reconcile an object.

Each installation has a name and claims an object by writing it into the annotation
`sagemaker.mlops.dev/installation` on its first reconcile. The claim is the guard that does
not trust configuration: an installation whose selector overlaps another's finds the other's
name and leaves the object alone. A claim is never taken over automatically; people release
it by removing the annotation (docs/installations.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from model_deployment_operator.domain.api_group import GROUP

CLAIM_ANNOTATION: Final = f"{GROUP}/installation"
DEFAULT_INSTALLATION: Final = "model-deployment-operator"
# A DNS label, short enough to prefix kopf's progress annotations with it (a DNS subdomain
# of at most 253 characters) and to read in `kubectl get -o wide`.
INSTALLATION_PATTERN: Final = r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"
CONFLICT_REASON: Final = "ClaimedByOtherInstallation"

# One requirement of a Kubernetes label selector: key, !key, key=value, key==value,
# key!=value, key in (..), key notin (..). Keys may carry a DNS-subdomain prefix.
_KEY = r"(?:[a-z0-9](?:[-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?"
_VALUE = r"(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?)?"
_ABSENT = re.compile(rf"^\s*!\s*(?P<key>{_KEY})\s*$")
_COMPARED = re.compile(
    rf"^\s*(?P<key>{_KEY})\s*(?:(?P<op>==|=|!=)\s*(?P<value>{_VALUE})"
    rf"|\s+(?P<set_op>in|notin)\s*\((?P<values>\s*{_VALUE}(?:\s*,\s*{_VALUE})*\s*)\))?\s*$"
)


@dataclass(frozen=True)
class Requirement:
    """One requirement of a label selector (the API server applies it; the operator only
    checks it is well formed): `operator` is exists, !, =, !=, in or notin."""

    key: str
    operator: str
    values: frozenset[str] = frozenset()


class SelectorError(ValueError):
    pass


def parse_selector(selector: str) -> tuple[Requirement, ...]:
    """The requirements of a label selector, or SelectorError naming every malformed one."""
    if not selector.strip():
        raise SelectorError("the label selector is empty")
    requirements: list[Requirement] = []
    problems: list[str] = []
    for text in _split_requirements(selector):
        requirement = _requirement(text)
        if requirement is None:
            problems.append(f"{text.strip()!r} is not a label selector requirement")
        else:
            requirements.append(requirement)
    if problems:
        raise SelectorError("; ".join(problems))
    return tuple(requirements)


def _requirement(text: str) -> Requirement | None:
    absent = _ABSENT.match(text)
    if absent:
        return Requirement(absent["key"], "!")
    compared = _COMPARED.match(text)
    if compared is None:
        return None
    if compared["op"] is not None:
        operator = "!=" if compared["op"] == "!=" else "="
        return Requirement(compared["key"], operator, frozenset({compared["value"]}))
    if compared["set_op"] is not None:
        values = frozenset(value.strip() for value in compared["values"].split(","))
        return Requirement(compared["key"], compared["set_op"], values)
    return Requirement(compared["key"], "exists")


class ClaimState(StrEnum):
    OURS = "Ours"
    UNCLAIMED = "Unclaimed"
    OTHERS = "Others"


@dataclass(frozen=True)
class ClaimVerdict:
    claim: ClaimState
    holder: str | None = None

    @property
    def may_reconcile(self) -> bool:
        return self.claim is ClaimState.OURS


def claim_of(annotations: Any, installation: str) -> ClaimVerdict:
    """Whose object this is, from its annotations (None: it has none)."""
    holder = (annotations or {}).get(CLAIM_ANNOTATION)
    if not holder:
        return ClaimVerdict(ClaimState.UNCLAIMED)
    if holder == installation:
        return ClaimVerdict(ClaimState.OURS, holder)
    return ClaimVerdict(ClaimState.OTHERS, str(holder))


def claim_patch(installation: str, resource_version: str) -> dict[str, Any]:
    """A merge patch that claims the object only if it is unchanged since it was read: the
    API server answers 409 Conflict when resourceVersion moved on (another installation may
    have claimed it meanwhile), so two installations never both believe they won."""
    return {
        "metadata": {
            "resourceVersion": resource_version,
            "annotations": {CLAIM_ANNOTATION: installation},
        }
    }


def conflict_message(kind: str, namespace: str, name: str, holder: str, ours: str) -> str:
    return (
        f"{kind} {namespace}/{name} is claimed by installation {holder} (annotation "
        f"{CLAIM_ANNOTATION}); installation {ours} leaves it alone. Fix the installations' "
        f"selectors, or remove the annotation to hand the object over"
    )


def selector_problems(selector: str) -> list[str]:
    """Syntax problems of a label selector, checked at start so a typo stops the operator
    instead of making the API server refuse every watch."""
    try:
        parse_selector(selector)
    except SelectorError as error:
        return str(error).split("; ")
    return []


def _split_requirements(selector: str) -> list[str]:
    """Commas separate requirements, except inside the parentheses of in/notin."""
    parts: list[str] = []
    depth = 0
    current = ""
    for character in selector:
        if character == "(":
            depth += 1
        elif character == ")":
            depth -= 1
        if character == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += character
    parts.append(current)
    return parts


def progress_prefix(installation: str) -> str:
    """The annotation prefix of kopf's handler progress: kept per installation so that two
    installations that both see an object never overwrite each other's retry state. The
    default installation keeps the prefix it always had."""
    if installation == DEFAULT_INSTALLATION:
        return GROUP
    return f"{installation}.{GROUP}"
