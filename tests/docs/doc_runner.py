"""Runs the steps of a document (doc_blocks.plan) one after another, as a reader typing
them into one shell would: each step is a `bash` process under `set -euo pipefail`, and the
variables and working directory it leaves are handed to the next one.

- A failing command, a failing stage of a pipe or an unset variable fails the step.
- `background` commands keep running, as in a second terminal, until the document ends;
  then they get SIGTERM and must exit with status 0.
- A watch (`kubectl ... -w`) runs for WATCH_SECONDS and is interrupted with SIGINT, as a
  reader would press Ctrl-C; it must not fail before that.
- A console block's `$ command` must print the first line of the output shown (the
  column headers), whitespace aside.
- A ```python block runs with the virtualenv's python in the same working directory.
- The emulator's port 4566 in a command becomes the port of the emulator of this run.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from docs.doc_blocks import Block, Step, plan

DOCUMENTED_EMULATOR_PORT = 4566
WATCH_SECONDS = 3.0
STEP_TIMEOUT = 300.0
READY_TIMEOUT = 90.0
STOP_TIMEOUT = 30.0

_SAVE_STATE = r"""
__doc_test_save() {
  local __doc_test_name
  {
    for __doc_test_name in $(compgen -v); do
      case " ${__DOC_TEST_INTERNAL} " in *" ${__doc_test_name} "*) continue ;; esac
      case "${__doc_test_name}" in __doc_test_* | __DOC_TEST_*) continue ;; esac
      declare -p "${__doc_test_name}"
    done
    printf 'cd %q\n' "$PWD"
  } > "${__DOC_TEST_STATE}.new"
  mv "${__DOC_TEST_STATE}.new" "${__DOC_TEST_STATE}"
}
"""


class StepError(AssertionError):
    """A documented command did not work; the message says where and shows its output."""


def bash_internal_variables() -> str:
    """Variables bash sets itself; everything else a step leaves is handed on."""
    names = subprocess.run(
        ["bash", "--noprofile", "--norc", "-c", "compgen -v"],
        env={},
        capture_output=True,
        text=True,
        check=True,
        timeout=10,
    ).stdout.split()
    return " ".join(n for n in names if n != "PATH")


def substitute_port(text: str, port: int) -> str:
    return re.sub(
        rf"(?<=:){DOCUMENTED_EMULATOR_PORT}\b|(?<=--port ){DOCUMENTED_EMULATOR_PORT}\b",
        str(port),
        text,
    )


def _normalised(line: str) -> str:
    return " ".join(line.split())


@dataclass
class _Background:
    step: Step
    process: subprocess.Popen[bytes]
    log: Path


@dataclass
class ShellSession:
    """One reader's shell for one document."""

    workdir: Path
    scratch: Path
    environment: Mapping[str, str]
    emulator_port: int
    apply_manifest: Callable[[str], str]
    before_block: Callable[[Block], None] = lambda _block: None
    log: list[str] = field(default_factory=list)
    _backgrounds: list[_Background] = field(default_factory=list)
    _count: int = 0

    def __post_init__(self) -> None:
        self.scratch.mkdir(parents=True, exist_ok=True)
        self._state = self.scratch / "state.sh"
        self._state.write_text(f"cd {self._quote(self.workdir)}\n")
        self._prologue = self.scratch / "prologue.sh"
        self._prologue.write_text(_SAVE_STATE)
        self._internal = bash_internal_variables()

    @staticmethod
    def _quote(path: Path) -> str:
        return "'" + str(path).replace("'", "'\\''") + "'"

    # ------------------------------------------------------------------ blocks

    def run_block(self, block: Block) -> None:
        self.before_block(block)
        for step in plan(block):
            where = f"{block.path}:{step.line}"
            self.log.append(f"{where}: {step.kind}")
            if step.kind == "skipped":
                continue
            if step.kind == "manifest":
                self._manifest(where, step)
            elif step.kind == "background":
                self._background(where, step)
            elif step.kind == "watch":
                self._watch(where, step)
            elif step.kind == "console":
                self._console(where, step)
            elif step.kind == "python":
                code = f"python - <<'__DOC_TEST_PYTHON__'\n{step.text}\n__DOC_TEST_PYTHON__"
                self.run(where, code)
            else:
                self.run(where, step.text)

    def run(self, where: str, text: str, timeout: float = STEP_TIMEOUT) -> str:
        script = (
            f"set -euo pipefail\nsource {self._quote(self._prologue)}\n"
            f"source {self._quote(self._state)}\n"
            f"{substitute_port(text, self.emulator_port)}\n__doc_test_save\n"
        )
        process = self._spawn(script, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self._kill(process)
            stdout, stderr = process.communicate()
            raise StepError(
                self._report(where, text, f"still running after {timeout:.0f}s", stdout, stderr)
            ) from None
        if process.returncode != 0:
            raise StepError(
                self._report(where, text, f"exit status {process.returncode}", stdout, stderr)
            )
        return stdout.decode(errors="replace")

    def close(self) -> None:
        """Stop what runs in the background; each must stop cleanly on SIGTERM."""
        failures = []
        for background in reversed(self._backgrounds):
            process = background.process
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=STOP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    self._kill(process)
            if process.returncode != 0:
                where = f"{background.step.line}: {background.step.text}"
                failures.append(
                    f"line {where}: exit status {process.returncode} after SIGTERM\n"
                    f"{background.log.read_text(errors='replace')[-3000:]}"
                )
        self._backgrounds.clear()
        if failures:
            raise StepError("\n".join(failures))

    # ------------------------------------------------------------------ step kinds

    def _console(self, where: str, step: Step) -> None:
        output = self.run(where, step.text)
        if not step.expected:
            return
        first = next((line for line in output.splitlines() if line.strip()), "")
        if _normalised(first) != _normalised(step.expected):
            raise StepError(
                f"{where}: `{step.text}` printed\n  {first}\nwhere the document shows\n"
                f"  {step.expected}"
            )

    def _manifest(self, where: str, step: Step) -> None:
        try:
            self.apply_manifest(step.text)
        except Exception as error:
            raise StepError(
                f"{where}: the manifest fails a server-side dry run:\n{error}"
            ) from error

    def _background(self, where: str, step: Step) -> None:
        self._count += 1
        log = self.scratch / f"background-{self._count}.log"
        with log.open("wb") as sink:
            process = self._spawn(
                self._exec_script(step.text), stdout=sink, stderr=subprocess.STDOUT
            )
        self._backgrounds.append(_Background(step, process, log))
        deadline = time.monotonic() + READY_TIMEOUT
        while step.ready not in log.read_text(errors="replace"):
            if process.poll() is not None or time.monotonic() > deadline:
                state = "exited" if process.poll() is not None else "is still silent"
                raise StepError(
                    f"{where}: `{step.text}` {state} without printing {step.ready!r}:\n"
                    f"{log.read_text(errors='replace')[-3000:]}"
                )
            time.sleep(0.1)

    def _watch(self, where: str, step: Step) -> None:
        self._count += 1
        log = self.scratch / f"watch-{self._count}.log"
        with log.open("wb") as sink:
            process = self._spawn(
                self._exec_script(step.text), stdout=sink, stderr=subprocess.STDOUT
            )
        try:
            process.wait(timeout=WATCH_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGINT)  # Ctrl-C
            try:
                process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self._kill(process)
            return
        if process.returncode != 0:
            raise StepError(
                f"{where}: `{step.text}` failed before it was interrupted "
                f"(exit status {process.returncode}):\n{log.read_text(errors='replace')[-3000:]}"
            )

    # ------------------------------------------------------------------ processes

    def _exec_script(self, command: str) -> str:
        return (
            f"set -euo pipefail\nsource {self._quote(self._state)}\n"
            f"exec {substitute_port(command, self.emulator_port)}\n"
        )

    def _spawn(
        self, script: str, *, stdout: int | IO[bytes], stderr: int | IO[bytes]
    ) -> subprocess.Popen[bytes]:
        env = {
            **self.environment,
            "__DOC_TEST_STATE": str(self._state),
            "__DOC_TEST_INTERNAL": self._internal,
        }
        return subprocess.Popen(
            ["bash", "--noprofile", "--norc", "-c", script],
            cwd=self.workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,
        )

    @staticmethod
    def _kill(process: subprocess.Popen[bytes]) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=STOP_TIMEOUT)

    @staticmethod
    def _report(where: str, text: str, what: str, stdout: bytes, stderr: bytes) -> str:
        shown = "\n".join(f"    {line}" for line in text.splitlines())
        return (
            f"{where}: {what}\n{shown}\n--- stdout ---\n{stdout.decode(errors='replace')[-4000:]}"
            f"\n--- stderr ---\n{stderr.decode(errors='replace')[-4000:]}"
        )
