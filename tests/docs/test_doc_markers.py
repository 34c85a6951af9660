"""Every block the documentation shows is run by tests/docs/test_documented_commands.py or
says why not; and the reading and running of blocks does what CONTRIBUTING.md promises.

No API server and no emulator here: these run with `make test-unit`.
"""

from __future__ import annotations

import os
import stat
import textwrap
from pathlib import Path

import pytest

from docs.doc_blocks import (
    ROOT,
    Block,
    Marker,
    MarkerError,
    documents,
    parse_marker,
    plan,
    read_document,
    shell_commands,
)
from docs.doc_runner import WATCH_SECONDS, ShellSession, StepError


def test_every_block_the_docs_show_is_run_or_says_why_not() -> None:
    problems = [p for path in documents() for p in read_document(path).problems]
    assert not problems, "\n".join(problems)


def document(tmp_path: Path, text: str, name: str = "guide.md") -> tuple[str, ...]:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return read_document(path, root=tmp_path).problems


# ----------------------------------------------------------------------------- markers


def test_an_unmarked_block_is_named_by_file_and_line(tmp_path: Path) -> None:
    problems = document(
        tmp_path,
        """\
        # Guide

        ```bash
        kubectl get ns
        ```

        ```
        make kube-up
        ```

        ```text
        not a command
        ```
        """,
    )
    assert len(problems) == 2
    assert problems[0].startswith("guide.md:3: a ```bash block without a doc-test marker; put")
    assert problems[1].startswith("guide.md:7: a ``` (no language) block without a doc-test")


def test_a_marker_must_be_right_before_the_fence_of_a_counted_block(tmp_path: Path) -> None:
    problems = document(
        tmp_path,
        """\
        <!-- doc-test: run -->

        ```bash
        true
        ```

        <!-- doc-test: run -->
        ```text
        true
        ```
        """,
    )
    assert any(p.startswith("guide.md:1: a doc-test marker must be") for p in problems)
    assert any(p.startswith("guide.md:3: a ```bash block without") for p in problems)
    assert any("guide.md:7: a doc-test marker on a ```text block" in p for p in problems)


def test_markers_in_list_items_and_every_clause(tmp_path: Path) -> None:
    path = tmp_path / "guide.md"
    path.write_text(
        "1. Install:\n\n"
        '   <!-- doc-test: run; skip "rollout" (no pods); needs the operator -->\n'
        "   ```bash\n"
        "   helm install x chart\n"
        "   kubectl rollout status deploy/x\n"
        "   ```\n"
    )
    (block,) = read_document(path, root=tmp_path).blocks
    assert block.where == "guide.md:4"
    assert block.text == "helm install x chart\nkubectl rollout status deploy/x"
    assert block.marker == Marker(
        run=True,
        skips=(parse_marker('run; skip "rollout" (no pods)').skips[0],),
        needs_operator=True,
    )
    assert [(s.kind, s.line) for s in plan(block)] == [("shell", 5), ("skipped", 6)]
    assert plan(block)[1].reason == "no pods"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("skip", "expected `run` or `skip (why)`"),
        ("skip ()", "expected `run` or `skip (why)`"),
        ("runs", "cannot read 's'"),
        ('run; skip "x"', "cannot read '; skip \"x\"'"),
        ("run; needs an operator", "clauses are"),
    ],
)
def test_unreadable_markers(body: str, message: str) -> None:
    with pytest.raises(MarkerError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_marker(body)


def test_a_skip_or_background_that_matches_nothing_is_reported(tmp_path: Path) -> None:
    problems = document(
        tmp_path,
        """\
        <!-- doc-test: run; skip "git pull" (no remote) -->
        ```bash
        git fetch
        ```

        <!-- doc-test: run; background "server --port 1" until "ready" -->
        ```bash
        server --port 2
        ```
        """,
    )
    assert problems == (
        'guide.md:2: skip "git pull" matches no command of the block',
        'guide.md:7: background "server --port 1" matches no command',
    )


# ----------------------------------------------------------------------------- commands


def block(text: str, language: str = "bash", marker: str = "run") -> Block:
    return Block(Path("guide.md"), 10, language, textwrap.dedent(text), parse_marker(marker))


def test_commands_are_cut_where_a_shell_would_read_them() -> None:
    commands = shell_commands(
        block(
            """\
            helm install x chart \\
              --namespace mdo-system
            cat > /tmp/values.yaml <<EOF
            a: 1   # done
            EOF
            kubectl get mdep -A -o name |
              while read -r name; do
                kubectl patch "$name" -p '{"spec":{"x":"done"}}'
              done
            echo "${IMAGE##*:}"  # a comment
            """
        )
    )
    assert [(c.line, c.text.splitlines()[0]) for c in commands] == [
        (11, "helm install x chart \\"),
        (13, "cat > /tmp/values.yaml <<EOF"),
        (16, "kubectl get mdep -A -o name |"),
        (20, 'echo "${IMAGE##*:}"  # a comment'),
    ]
    assert commands[-1].code == 'echo "${IMAGE##*:}"'


def test_watches_run_apart_and_plain_commands_together() -> None:
    steps = plan(
        block(
            """\
            kubectl get mdep -n ml-prod -w               # until Ctrl-C
            kubectl get mdep -n ml-prod -o wide
            kubectl describe mdep -n ml-prod x
            kubectl get mdep -A --watch
            """
        )
    )
    assert [(s.kind, s.line) for s in steps] == [
        ("watch", 11),
        ("shell", 12),
        ("watch", 14),
    ]
    assert steps[0].text == "kubectl get mdep -n ml-prod -w"


def test_a_console_block_runs_its_dollar_lines_and_knows_their_output() -> None:
    steps = plan(
        block(
            """\
            $ kubectl get mdep -n ml-prod -o wide
            NAME   GROUP   AGE
            x      y       1d
            $ kubectl version \\
                --client
            """,
            language="console",
        )
    )
    assert [(s.kind, s.line, s.expected) for s in steps] == [
        ("console", 11, "NAME   GROUP   AGE"),
        ("console", 14, ""),
    ]
    assert steps[1].text == "kubectl version \\\n    --client"


# ----------------------------------------------------------------------------- running


@pytest.fixture
def applied() -> list[str]:
    return []


@pytest.fixture
def session(tmp_path: Path, applied: list[str]) -> ShellSession:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    # A kubectl that watches forever, or fails at once with KUBECTL_FAILS set.
    kubectl = bin_dir / "kubectl"
    kubectl.write_text(
        '#!/bin/bash\n[ -n "${KUBECTL_FAILS:-}" ] && { echo refused >&2; exit 1; }\n'
        "echo NAME; exec sleep 600\n"
    )
    kubectl.chmod(kubectl.stat().st_mode | stat.S_IXUSR)
    workdir = tmp_path / "work"
    (workdir / "sub").mkdir(parents=True)
    environment = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}

    def record(text: str) -> str:
        applied.append(text)
        return "ok"

    return ShellSession(
        workdir=workdir,
        scratch=tmp_path / "scratch",
        environment=environment,
        emulator_port=43210,
        apply_manifest=record,
    )


def test_variables_and_the_working_directory_carry_from_block_to_block(
    session: ShellSession,
) -> None:
    session.run_block(block("export A=1\nB=two\ncd sub\n"))
    session.run_block(block('echo "$A $B $PWD" > seen\necho http://127.0.0.1:4566 >> seen'))
    seen = (session.workdir / "sub" / "seen").read_text().splitlines()
    assert seen == [f"1 two {session.workdir / 'sub'}", "http://127.0.0.1:43210"]


@pytest.mark.parametrize(
    ("text", "what"),
    [
        ("true\nfalse\ntouch after", "exit status 1"),
        ('echo "$NOT_SET"\ntouch after', "exit status 1"),
        ("false | cat\ntouch after", "exit status 1"),
    ],
    ids=["failing-command", "unset-variable", "failing-pipe-stage"],
)
def test_a_failing_command_fails_the_block_where_it_is(
    session: ShellSession, text: str, what: str
) -> None:
    with pytest.raises(StepError, match=f"guide.md:11: {what}"):
        session.run_block(block(text))
    assert not (session.workdir / "after").exists()


def test_skipped_commands_do_not_run(session: ShellSession) -> None:
    session.run_block(
        block("touch ran\ntouch skipped\ntouch ran-too", marker='run; skip "skipped" (why)')
    )
    assert sorted(p.name for p in session.workdir.iterdir()) == ["ran", "ran-too", "sub"]


def test_console_output_must_match_the_header_shown(session: ShellSession) -> None:
    session.run_block(block("$ printf 'NAME   AGE\\nx  1d\\n'\nNAME AGE\nx 12d\n", "console"))
    with pytest.raises(StepError, match="printed\n  NAME   AGE\nwhere the document shows"):
        session.run_block(block("$ printf 'NAME   AGE\\n'\nNAME GROUP AGE\n", "console"))


def test_a_watch_is_interrupted_after_a_while_but_must_not_fail(session: ShellSession) -> None:
    session.run_block(block("kubectl get mdep -w\ntouch after"))
    assert (session.workdir / "after").exists()
    with pytest.raises(StepError, match="failed before it was interrupted"):
        session.run_block(block("export KUBECTL_FAILS=1\nkubectl get mdep -w"))
    assert WATCH_SECONDS <= 5


def test_background_commands_run_until_the_end_and_must_stop_cleanly(
    session: ShellSession,
) -> None:
    server = session.workdir / "server.py"
    server.write_text(
        "import signal, sys, time\n"
        "code = int(sys.argv[1])\n"
        "signal.signal(signal.SIGTERM, lambda *_: sys.exit(code))\n"
        "print('serving on', sys.argv[2], flush=True)\n"
        "time.sleep(600)\n"
    )
    marker = 'run; background "server.py" until "serving on"'
    session.run_block(block("python3 server.py 0 127.0.0.1:4566\ntouch after", marker=marker))
    assert (session.workdir / "after").exists()
    session.close()
    session.run_block(block("python3 server.py 3 x", marker=marker))
    with pytest.raises(StepError, match="exit status 3 after SIGTERM"):
        session.close()
    with pytest.raises(StepError, match="exited without printing 'serving on'"):
        session.run_block(block("python3 -c pass server.py", marker=marker))


def test_manifests_and_python_blocks(session: ShellSession, applied: list[str]) -> None:
    session.run_block(block("kind: X\n", "yaml"))
    assert applied == ["kind: X\n"]
    session.run_block(block("from pathlib import Path\nPath('py').touch()\n", "python"))
    assert (session.workdir / "py").exists()
    with pytest.raises(StepError, match=r"guide\.md:11: exit status 1"):
        session.run_block(block("raise SystemExit(1)\n", "python"))


def test_the_documents_are_the_readme_docs_and_the_chart_readme() -> None:
    names = [str(p.relative_to(ROOT)) for p in documents()]
    assert names[0] == "README.md"
    assert names[-1] == "helm/model-deployment-operator/README.md"
    assert "docs/install.md" in names
