"""The fenced blocks of the project's Markdown, their doc-test markers, and the steps the
documentation test runs for each (CONTRIBUTING.md describes the markers).

Which fences count: shell (```bash, ```sh, ```shell, ```console and fences without a
language, which readers take for commands), manifests (```yaml) and ```python. Each of
them needs a marker on the line right before its fence:

    <!-- doc-test: run -->
    <!-- doc-test: skip (why it cannot run here) -->

and `run` takes clauses, separated by "; ":

    skip "TEXT", "TEXT" (why)              commands containing TEXT are not run
    background "COMMAND" until "TEXT"      COMMAND runs in the background, as in a second
                                           terminal, from when it prints TEXT to the end of
                                           the document; then it must stop cleanly on SIGTERM
    needs the operator                     an operator process runs before the block

Other fences (```text, ```json, ```lua, ...) are never run and take no marker.
This module only reads; doc_runner.py runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

ROOT = Path(__file__).resolve().parents[2]

SHELL_LANGUAGES = frozenset({"", "bash", "sh", "shell"})
CONSOLE_LANGUAGES = frozenset({"console"})
MANIFEST_LANGUAGES = frozenset({"yaml", "yml"})
PYTHON_LANGUAGES = frozenset({"python", "py"})
COUNTED_LANGUAGES = SHELL_LANGUAGES | CONSOLE_LANGUAGES | MANIFEST_LANGUAGES | PYTHON_LANGUAGES

MARKER_HELP = (
    "put `<!-- doc-test: run -->` or `<!-- doc-test: skip (why) -->` on the line before "
    "its fence (see CONTRIBUTING.md)"
)

_FENCE = re.compile(r"^(?P<indent> *)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`\s]*)[^`]*$")
_MARKER = re.compile(r"^\s*<!--\s*doc-test:\s*(?P<body>.*?)\s*-->\s*$")
_ANY_MARKER = re.compile(r"<!--\s*doc-test")
_SKIP_BLOCK = re.compile(r"skip \((?P<reason>.+)\)")
_CLAUSES = (
    re.compile(r'; skip (?P<patterns>"[^"]+"(?:, "[^"]+")*) \((?P<reason>[^()]+)\)'),
    re.compile(r'; background "(?P<command>[^"]+)" until "(?P<ready>[^"]+)"'),
    re.compile(r"; needs the operator"),
)
_QUOTED = re.compile(r"""'[^']*'|"(?:\\.|[^"\\])*\"""")
_COMMENT = re.compile(r"(?:^|\s)#.*$")
_HEREDOC = re.compile(r"<<-?\s*(['\"]?)(?P<word>[A-Za-z_][A-Za-z0-9_]*)\1")
_OPENERS = frozenset({"do", "then", "case"})
_CLOSERS = frozenset({"done", "fi", "esac"})
_WATCH = re.compile(r"^kubectl\s(?:.*\s)?(?:-w|--watch)(?:\s|$)")
_SIMPLE_COMMAND = re.compile(r"^[^|;&<>()`$]+$")


class MarkerError(ValueError):
    """A marker that cannot be read, or that does not fit its block."""


@dataclass(frozen=True)
class SkipClause:
    patterns: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class Background:
    command: str
    ready: str


@dataclass(frozen=True)
class Marker:
    run: bool
    reason: str = ""
    skips: tuple[SkipClause, ...] = ()
    backgrounds: tuple[Background, ...] = ()
    needs_operator: bool = False


def parse_marker(body: str) -> Marker:
    """The text between `doc-test:` and `-->`."""
    skipped = _SKIP_BLOCK.fullmatch(body)
    if skipped:
        return Marker(run=False, reason=skipped["reason"].strip())
    if not body.startswith("run"):
        raise MarkerError(f"expected `run` or `skip (why)`, not {body!r}")
    rest = body[len("run") :]
    skips: list[SkipClause] = []
    backgrounds: list[Background] = []
    needs_operator = False
    while rest:
        for clause in _CLAUSES:
            found = clause.match(rest)
            if found is None:
                continue
            groups = found.groupdict()
            if "patterns" in groups:
                patterns = tuple(re.findall(r'"([^"]+)"', groups["patterns"]))
                skips.append(SkipClause(patterns, groups["reason"].strip()))
            elif "command" in groups:
                backgrounds.append(Background(groups["command"], groups["ready"]))
            else:
                needs_operator = True
            rest = rest[found.end() :]
            break
        else:
            raise MarkerError(
                f'cannot read {rest!r}: clauses are `; skip "TEXT" (why)`, '
                '`; background "COMMAND" until "TEXT"` and `; needs the operator`'
            )
    return Marker(True, "", tuple(skips), tuple(backgrounds), needs_operator)


@dataclass(frozen=True)
class Block:
    path: Path  # relative to the repository
    line: int  # 1-based line of the opening fence
    language: str
    text: str
    marker: Marker | None

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"

    @property
    def counted(self) -> bool:
        return self.language in COUNTED_LANGUAGES

    def content_line(self, index: int) -> int:
        """The Markdown line of the block's index-th content line (0-based)."""
        return self.line + 1 + index


@dataclass(frozen=True)
class Document:
    path: Path
    blocks: tuple[Block, ...]
    problems: tuple[str, ...]

    @property
    def counted(self) -> tuple[Block, ...]:
        return tuple(b for b in self.blocks if b.counted)


def documents(root: Path = ROOT) -> list[Path]:
    """The Markdown whose commands the test runs: the README, docs/ and the chart's README."""
    return [
        root / "README.md",
        *sorted((root / "docs").glob("*.md")),
        root / "helm" / "model-deployment-operator" / "README.md",
    ]


def read_document(path: Path, root: Path = ROOT) -> Document:
    relative = path.relative_to(root)
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    problems: list[str] = []
    fenced_lines: set[int] = set()
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        indent, fence = len(opening["indent"]), opening["fence"]
        closing = re.compile(rf"^ *{re.escape(fence[0])}{{{len(fence)},}}\s*$")
        end = index + 1
        while end < len(lines) and not closing.match(lines[end]):
            end += 1
        fenced_lines.update(range(index, end + 1))
        body = "\n".join(_dedent(line, indent) for line in lines[index + 1 : end])
        previous = lines[index - 1] if index > 0 else ""
        block, found = _block(relative, index + 1, opening["info"].lower(), body, previous)
        problems += found
        blocks.append(block)
        index = end + 1
    problems += _stray_markers(relative, lines, fenced_lines)
    return Document(relative, tuple(blocks), tuple(problems))


def _block(
    relative: Path, line: int, language: str, body: str, previous: str
) -> tuple[Block, list[str]]:
    """The block whose fence is on `line`, and what is wrong with its marker."""
    problems: list[str] = []
    found = _MARKER.match(previous)
    marker = None
    if found is not None:
        try:
            marker = parse_marker(found["body"])
        except MarkerError as error:
            problems.append(f"{relative}:{line - 1}: {error}")
    block = Block(relative, line, language, body, marker)
    if block.counted and found is None:
        shown = f"```{language}" if language else "``` (no language)"
        problems.append(f"{block.where}: a {shown} block without a doc-test marker; {MARKER_HELP}")
    elif found is not None and not block.counted:
        problems.append(
            f"{relative}:{line - 1}: a doc-test marker on a ```{language} block, which is never run"
        )
    elif marker is not None:
        try:
            plan(block)
        except MarkerError as error:
            problems.append(f"{block.where}: {error}")
    return block, problems


def _stray_markers(relative: Path, lines: list[str], fenced_lines: set[int]) -> list[str]:
    problems = []
    for number, line in enumerate(lines):
        if _ANY_MARKER.search(line) and number not in fenced_lines:
            next_line = lines[number + 1] if number + 1 < len(lines) else ""
            if not _FENCE.match(next_line) or not _MARKER.match(line):
                problems.append(
                    f"{relative}:{number + 1}: a doc-test marker must be a line of its own "
                    "right before a fence"
                )
    return problems


def _dedent(line: str, indent: int) -> str:
    stripped = len(line) - len(line.lstrip(" "))
    return line[min(stripped, indent) :]


# ----------------------------------------------------------------------------- commands


@dataclass(frozen=True)
class Command:
    line: int  # Markdown line of its first line
    text: str

    @property
    def code(self) -> str:
        """The command without comments, for matching."""
        return "\n".join(_COMMENT.sub("", line) for line in self.text.splitlines()).strip()


def shell_commands(block: Block) -> list[Command]:
    """The block cut into the commands a shell would read one at a time: a line with its
    backslash, pipe or && continuations, a heredoc with its body, a loop to its `done`."""
    commands: list[Command] = []
    current: list[str] = []
    start = 0
    heredocs: list[str] = []
    depth = 0
    for index, line in enumerate(block.text.splitlines()):
        if not current:
            start = index
        current.append(line)
        if heredocs:
            if line.strip() == heredocs[0]:
                heredocs.pop(0)
        else:
            code = _COMMENT.sub("", line).rstrip()
            heredocs += [m["word"] for m in _HEREDOC.finditer(code)]
            words = re.findall(r"[A-Za-z_]+", _QUOTED.sub("''", code))
            depth += sum(w in _OPENERS for w in words) - sum(w in _CLOSERS for w in words)
            if code.endswith(("\\", "|", "&&", "||")):
                continue
        if heredocs or depth > 0:
            continue
        commands.append(Command(block.content_line(start), "\n".join(current)))
        current = []
    if current:
        commands.append(Command(block.content_line(start), "\n".join(current)))
    return commands


# ----------------------------------------------------------------------------- steps

StepKind = Literal["shell", "skipped", "background", "watch", "console", "python", "manifest"]


@dataclass(frozen=True)
class Step:
    kind: StepKind
    line: int
    text: str
    ready: str = ""  # background: the output that says it is up
    expected: str = ""  # console: the first line of the output shown
    reason: str = ""  # skipped: why


def is_watch(command: Command) -> bool:
    """`kubectl get ... -w` runs until Ctrl-C: the test watches a few seconds, then
    interrupts it as a reader would."""
    return bool(_WATCH.match(command.code))


def plan(block: Block) -> list[Step]:
    """What the test does for a block marked `run`, in order."""
    marker = block.marker
    if marker is None or not marker.run:
        return []
    if block.language in MANIFEST_LANGUAGES | PYTHON_LANGUAGES and (
        marker.skips or marker.backgrounds
    ):
        raise MarkerError("skip and background clauses are for shell blocks only")
    if block.language in MANIFEST_LANGUAGES:
        return [Step("manifest", block.line + 1, block.text)]
    if block.language in PYTHON_LANGUAGES:
        return [Step("python", block.line + 1, block.text)]
    if block.language in CONSOLE_LANGUAGES:
        commands = console_commands(block)
    else:
        commands = [Step("shell", c.line, c.text) for c in shell_commands(block)]
    steps = [_classify(step, marker) for step in commands]
    used = {p for s in steps if s.kind in {"skipped", "background"} for p in _matched(s, marker)}
    for clause in marker.skips:
        for pattern in clause.patterns:
            if pattern not in used:
                raise MarkerError(f'skip "{pattern}" matches no command of the block')
    for background in marker.backgrounds:
        if background.command not in used:
            raise MarkerError(f'background "{background.command}" matches no command')
    return _merge(steps)


def _matched(step: Step, marker: Marker) -> set[str]:
    code = Command(step.line, step.text).code
    patterns = {p for clause in marker.skips for p in clause.patterns}
    patterns |= {b.command for b in marker.backgrounds}
    return {p for p in patterns if p in code}


def _classify(step: Step, marker: Marker) -> Step:
    command = Command(step.line, step.text)
    for clause in marker.skips:
        if any(pattern in command.code for pattern in clause.patterns):
            return Step("skipped", step.line, step.text, reason=clause.reason)
    for background in marker.backgrounds:
        if background.command in command.code:
            if not _SIMPLE_COMMAND.match(command.code):
                raise MarkerError(f'background "{background.command}": not a simple command')
            return Step("background", step.line, command.code, ready=background.ready)
    if step.kind == "shell" and is_watch(command):
        return Step("watch", step.line, command.code)
    return step


def _merge(steps: list[Step]) -> list[Step]:
    """Consecutive plain commands run as one shell script."""
    merged: list[Step] = []
    for step in steps:
        if merged and step.kind == "shell" and merged[-1].kind == "shell":
            last = merged.pop()
            merged.append(Step("shell", last.line, f"{last.text}\n{step.text}"))
        else:
            merged.append(step)
    return [s for s in merged if s.kind != "shell" or Command(s.line, s.text).code]


def console_commands(block: Block) -> list[Step]:
    """`$ command` lines (with backslash continuations), each with the output shown."""
    steps: list[Step] = []
    lines = block.text.splitlines()
    index = 0
    while index < len(lines):
        if not lines[index].startswith("$ "):
            index += 1
            continue
        start = index
        command = [lines[index][2:]]
        while command[-1].endswith("\\") and index + 1 < len(lines):
            index += 1
            command.append(lines[index])
        index += 1
        output: list[str] = []
        while index < len(lines) and not lines[index].startswith("$ "):
            output.append(lines[index])
            index += 1
        first = next((line for line in output if line.strip()), "")
        steps.append(Step("console", block.content_line(start), "\n".join(command), expected=first))
    if not steps:
        raise MarkerError("a console block marked run has no `$ ` command")
    return steps
