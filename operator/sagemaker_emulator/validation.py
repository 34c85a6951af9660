"""Request validation against botocore's own service model.

botocore's client checks only ``required``, ``min`` and types; AWS also enforces ``max``,
``pattern`` and ``enum`` on the server (reference §0). This walks the operation's input
shape and reports every violation in AWS's words, for example::

    1 validation error detected: Value 'bad_name' at 'endpointName' failed to satisfy
    constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import Any

import regex
from botocore.model import ListShape, MapShape, ServiceModel, Shape, StringShape, StructureShape

from sagemaker_emulator.errors import serialization_error, validation_error

log = logging.getLogger(__name__)

_STRINGLIKE = frozenset({"string", "blob"})
_INTEGERS = frozenset({"integer", "long"})
_FLOATS = frozenset({"float", "double"})


class _Patterns:
    """Compiled service-model patterns. The models use Java syntax (``\\p{L}`` and the
    like), which the ``regex`` module understands; Java's ``matches()`` is a full match."""

    def __init__(self) -> None:
        self._compiled: dict[str, regex.Pattern[str] | None] = {}
        self._lock = threading.Lock()

    def get(self, pattern: str) -> regex.Pattern[str] | None:
        compiled = self._compiled.get(pattern, _MISSING)
        if compiled is not _MISSING:
            return compiled  # type: ignore[return-value]
        try:
            result: regex.Pattern[str] | None = regex.compile(pattern)
        except regex.error:
            # Better to skip one constraint than to reject valid requests.
            log.warning("Cannot compile service-model pattern %r; not enforcing it", pattern)
            result = None
        with self._lock:
            self._compiled[pattern] = result
        return result


_MISSING = object()


def _member_path(parent: str, member: str) -> str:
    name = member[:1].lower() + member[1:]
    return f"{parent}.{name}" if parent else name


def _render(value: Any) -> str:
    """Values as AWS's Java services print them."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_render(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}={_render(item)}" for key, item in value.items()) + "}"
    return str(value)


class InputValidator:
    """Validates the input of any operation of one service model."""

    def __init__(self, service_model: ServiceModel) -> None:
        self._service_model = service_model
        self._patterns = _Patterns()

    def validate(self, operation: str, params: Mapping[str, Any]) -> None:
        """Raise ValidationException listing every constraint ``params`` violate."""
        shape = self._service_model.operation_model(operation).input_shape
        if shape is None:
            return
        problems: list[str] = []
        self._check(shape, params, "", problems)
        if problems:
            count = len(problems)
            noun = "error" if count == 1 else "errors"
            raise validation_error(f"{count} validation {noun} detected: " + "; ".join(problems))

    def _check(self, shape: Shape, value: Any, path: str, problems: list[str]) -> None:
        kind = shape.type_name
        if isinstance(shape, StructureShape):
            self._check_structure(shape, value, path, problems)
        elif isinstance(shape, ListShape):
            self._check_list(shape, value, path, problems)
        elif isinstance(shape, MapShape):
            self._check_map(shape, value, path, problems)
        elif kind in _STRINGLIKE:
            self._check_string(shape, value, path, problems)
        elif kind in _INTEGERS or kind in _FLOATS:
            self._check_number(shape, value, path, problems)
        elif kind == "boolean" and not isinstance(value, bool):
            raise serialization_error(f"Expected a boolean at '{path}'.")

    def _check_structure(
        self, shape: StructureShape, value: Any, path: str, problems: list[str]
    ) -> None:
        if not isinstance(value, dict):
            raise serialization_error(f"Expected a structure at '{path or 'input'}'.")
        problems.extend(
            f"Value null at '{_member_path(path, name)}' failed to satisfy constraint: "
            "Member must not be null"
            for name in shape.required_members
            if value.get(name) is None
        )
        for name, member in shape.members.items():
            item = value.get(name)
            if item is not None:
                self._check(member, item, _member_path(path, name), problems)

    def _check_list(self, shape: ListShape, value: Any, path: str, problems: list[str]) -> None:
        if not isinstance(value, list):
            raise serialization_error(f"Expected a list at '{path}'.")
        self._check_length(shape, value, len(value), path, problems)
        for index, item in enumerate(value, start=1):
            if item is not None:
                self._check(shape.member, item, f"{path}.{index}.member", problems)

    def _check_map(self, shape: MapShape, value: Any, path: str, problems: list[str]) -> None:
        if not isinstance(value, dict):
            raise serialization_error(f"Expected a map at '{path}'.")
        self._check_length(shape, value, len(value), path, problems)
        for key, item in value.items():
            self._check(shape.key, key, f"{path}.{key}.member.key", problems)
            if item is not None:
                self._check(shape.value, item, f"{path}.{key}.member.value", problems)

    def _check_string(self, shape: Shape, value: Any, path: str, problems: list[str]) -> None:
        if not isinstance(value, str):
            raise serialization_error(f"Expected a string at '{path}'.")
        self._check_length(shape, value, len(value), path, problems)
        enum = shape.enum if isinstance(shape, StringShape) else []
        if enum and value not in enum:
            problems.append(
                f"Value '{value}' at '{path}' failed to satisfy constraint: "
                f"Member must satisfy enum value set: [{', '.join(enum)}]"
            )
        pattern = shape.metadata.get("pattern")
        if pattern:
            compiled = self._patterns.get(pattern)
            if compiled is not None and compiled.fullmatch(value) is None:
                problems.append(
                    f"Value '{value}' at '{path}' failed to satisfy constraint: "
                    f"Member must satisfy regular expression pattern: {pattern}"
                )

    def _check_number(self, shape: Shape, value: Any, path: str, problems: list[str]) -> None:
        integral = shape.type_name in _INTEGERS
        acceptable = int if integral else (int, float)
        if isinstance(value, bool) or not isinstance(value, acceptable):
            raise serialization_error(f"Expected a number at '{path}'.")
        minimum = shape.metadata.get("min")
        maximum = shape.metadata.get("max")
        if minimum is not None and value < minimum:
            problems.append(
                f"Value '{_render(value)}' at '{path}' failed to satisfy constraint: "
                f"Member must have value greater than or equal to {minimum}"
            )
        if maximum is not None and value > maximum:
            problems.append(
                f"Value '{_render(value)}' at '{path}' failed to satisfy constraint: "
                f"Member must have value less than or equal to {maximum}"
            )

    @staticmethod
    def _check_length(
        shape: Shape, value: Any, length: int, path: str, problems: list[str]
    ) -> None:
        minimum = shape.metadata.get("min")
        maximum = shape.metadata.get("max")
        if minimum is not None and length < minimum:
            problems.append(
                f"Value '{_render(value)}' at '{path}' failed to satisfy constraint: "
                f"Member must have length greater than or equal to {minimum}"
            )
        if maximum is not None and length > maximum:
            problems.append(
                f"Value '{_render(value)}' at '{path}' failed to satisfy constraint: "
                f"Member must have length less than or equal to {maximum}"
            )
