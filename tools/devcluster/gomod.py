"""Read pinned versions out of go.mod files, so versions live in exactly one place.

Only the parts of the go.mod grammar we need: the `go` directive and `require` lines,
single or in a block, with or without a trailing comment such as `// indirect`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from devcluster.errors import ToolchainError

_GO_DIRECTIVE = re.compile(r"^go\s+(?P<version>\d+\.\d+(?:\.\d+)?)\s*$")
_REQUIRE_LINE = re.compile(r"^require\s+(?P<rest>[^(].*)$")
_BLOCK_START = re.compile(r"^(?P<verb>[a-z]+)\s*\(\s*$")
_MODULE_VERSION = re.compile(r"^(?P<path>\S+)\s+(?P<version>v\S+)$")
_SEMVER = re.compile(r"^v?(?P<major>\d+)\.(?P<minor>\d+)(?:\.(?P<patch>\d+))?")


@dataclass(frozen=True)
class GoMod:
    """The pieces of a go.mod that the toolchain needs."""

    go_version: str
    requires: dict[str, str]

    def version_of(self, module: str) -> str:
        try:
            return self.requires[module]
        except KeyError:
            raise ToolchainError(f"go.mod does not require {module}") from None


def _strip_comment(line: str) -> str:
    return line.split("//", 1)[0].strip()


def parse_gomod(text: str) -> GoMod:
    """Parse go.mod text. Raises ToolchainError if it has no `go` directive."""
    go_version: str | None = None
    requires: dict[str, str] = {}
    block: str | None = None
    for raw in text.splitlines():
        line = _strip_comment(raw)
        if not line:
            continue
        if block is not None:
            if line == ")":
                block = None
            elif block == "require" and (m := _MODULE_VERSION.match(line)):
                requires[m["path"]] = m["version"]
            continue
        if m := _BLOCK_START.match(line):
            block = m["verb"]
        elif m := _GO_DIRECTIVE.match(line):
            go_version = m["version"]
        elif (m := _REQUIRE_LINE.match(line)) and (mv := _MODULE_VERSION.match(m["rest"].strip())):
            requires[mv["path"]] = mv["version"]
    if go_version is None:
        raise ToolchainError("go.mod has no `go` directive")
    return GoMod(go_version=go_version, requires=requires)


def read_gomod(path: Path) -> GoMod:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ToolchainError(f"cannot read {path}: {exc.strerror}") from exc
    try:
        return parse_gomod(text)
    except ToolchainError as exc:
        raise ToolchainError(f"{path}: {exc}") from exc


def major_minor_patch(version: str) -> tuple[int, int, int]:
    """`v1.36.3` -> (1, 36, 3); `go1.26.8` and `1.26` are accepted too (patch defaults to 0)."""
    m = _SEMVER.match(version.removeprefix("go"))
    if m is None:
        raise ToolchainError(f"not a version: {version!r}")
    return int(m["major"]), int(m["minor"]), int(m["patch"] or 0)
