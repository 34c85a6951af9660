"""sts:AssumeRole checked against the role's trust policy, as far as the emulator can.

moto issues credentials for any role, existing or not. AWS refuses AssumeRole unless the role
exists and its trust policy allows the call: `sts:AssumeRole`, plus `sts:TagSession` when the
request carries session tags, with every condition of the allowing statement met. The
emulator checks the role's existence, those actions and the conditions on `sts:ExternalId`,
`aws:RequestTag/<key>` and `aws:TagKeys` (operators StringEquals and StringLike, plain or
with ForAllValues/ForAnyValue); a statement with any other condition operator or key is
treated as not matching. Principals are not evaluated:
moto's callers are not real AWS principals (docs/emulator.md lists this difference).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any
from urllib.parse import parse_qs, unquote

from sagemaker_emulator.errors import AwsError

_SUPPORTED_OPERATORS = frozenset({"StringEquals", "StringLike"})


@dataclass(frozen=True)
class AssumeRoleRequest:
    role_arn: str
    session_name: str
    external_id: str | None
    session_tags: tuple[tuple[str, str], ...]

    @classmethod
    def from_query(cls, body: bytes) -> AssumeRoleRequest:
        params = {key: values[-1] for key, values in parse_qs(body.decode()).items()}
        tags: list[tuple[str, str]] = []
        index = 1
        while f"Tags.member.{index}.Key" in params:
            tags.append(
                (params[f"Tags.member.{index}.Key"], params.get(f"Tags.member.{index}.Value", ""))
            )
            index += 1
        return cls(
            role_arn=params.get("RoleArn", ""),
            session_name=params.get("RoleSessionName", ""),
            external_id=params.get("ExternalId"),
            session_tags=tuple(tags),
        )


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _actions_cover(statement: Mapping[str, Any], action: str) -> bool:
    return any(
        fnmatchcase(action.lower(), str(pattern).lower())
        for pattern in _as_list(statement.get("Action", []))
    )


def _condition_values(request: AssumeRoleRequest, action: str, key: str) -> list[str]:
    """The request-context values of `key` for `action`; empty when absent. sts:ExternalId
    is in AssumeRole's context only, so a TagSession statement conditioned on it never
    matches (the Service Authorization Reference lists it for AssumeRole alone)."""
    lowered = key.lower()
    if lowered == "sts:externalid":
        found = request.external_id if action == "sts:AssumeRole" else None
        return [found] if found is not None else []
    if lowered.startswith("aws:requesttag/"):
        wanted = key.split("/", 1)[1]
        tags = dict(request.session_tags)
        return [tags[wanted]] if wanted in tags else []
    if lowered == "aws:tagkeys":
        return [key for key, _ in request.session_tags]
    raise KeyError(key)


def _matches(operator: str, actual: str, patterns: list[str]) -> bool:
    if operator == "StringEquals":
        return actual in patterns
    return any(fnmatchcase(actual, pattern) for pattern in patterns)


def _condition_holds(operator: str, actual: list[str], patterns: list[str]) -> bool:
    """IAM's set operators: ForAllValues holds when every request value matches (also when
    there are none); ForAnyValue when one does; a plain operator needs the single value."""
    qualifier, _, base = operator.rpartition(":")
    if base not in _SUPPORTED_OPERATORS:
        raise KeyError(operator)
    if qualifier == "ForAllValues":
        return all(_matches(base, value, patterns) for value in actual)
    if qualifier == "ForAnyValue":
        return any(_matches(base, value, patterns) for value in actual)
    if qualifier:
        raise KeyError(operator)
    return len(actual) == 1 and _matches(base, actual[0], patterns)


def _conditions_met(statement: Mapping[str, Any], action: str, request: AssumeRoleRequest) -> bool:
    for operator, clauses in (statement.get("Condition") or {}).items():
        if not isinstance(clauses, Mapping):
            return False
        for key, expected in clauses.items():
            patterns = [str(value) for value in _as_list(expected)]
            try:
                actual = _condition_values(request, action, key)
                if not _condition_holds(operator, actual, patterns):
                    return False
            except KeyError:
                return False
    return True


def _allowed(policy: Mapping[str, Any], action: str, request: AssumeRoleRequest) -> bool:
    statements = [s for s in _as_list(policy.get("Statement", [])) if isinstance(s, Mapping)]
    allowing = [
        s
        for s in statements
        if s.get("Effect") == "Allow"
        and _actions_cover(s, action)
        and _conditions_met(s, action, request)
    ]
    return bool(allowing)


def check_assume_role(request: AssumeRoleRequest, caller: str) -> None:
    """Raise AccessDenied as STS would when the trust policy does not allow the request."""
    denied = AwsError(
        "AccessDenied",
        f"User: {caller} is not authorized to perform: sts:AssumeRole on resource: "
        f"{request.role_arn}",
        403,
    )
    policy = _trust_policy(request.role_arn)
    if policy is None or not _allowed(policy, "sts:AssumeRole", request):
        raise denied
    if request.session_tags and not _allowed(policy, "sts:TagSession", request):
        raise denied


def _trust_policy(role_arn: str) -> Mapping[str, Any] | None:
    """The role's trust policy from moto's IAM, or None when there is no such role."""
    from moto.iam.models import iam_backends  # noqa: PLC0415 - moto is heavy to import

    parts = role_arn.split(":")
    if len(parts) < 6 or not parts[5].startswith("role/"):
        return None
    account = parts[4]
    partition = parts[1]
    try:
        role = iam_backends[account][partition].get_role_by_arn(role_arn)
    except Exception:  # noqa: BLE001 - moto raises its own IAMNotFoundException
        return None
    document = role.assume_role_policy_document
    try:
        parsed = json.loads(unquote(document))
    except ValueError:
        return None
    return parsed if isinstance(parsed, Mapping) else None
