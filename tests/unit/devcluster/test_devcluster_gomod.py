"""Versions are read from the committed go.mod files, in all the forms go.mod allows."""

from __future__ import annotations

import pytest

from devcluster.errors import ToolchainError
from devcluster.gomod import major_minor_patch, parse_gomod
from devcluster.toolchain import SPECS

GOMOD = """\
// A comment mentioning require k8s.io/fake v9.9.9
module mdo.invalid/kubebin

go 1.26.0

godebug default=go1.26

tool (
\tk8s.io/kubernetes/cmd/kube-apiserver
)

require go.etcd.io/etcd/server/v3 v3.6.8 // single-line form

require (
\tcel.dev/expr v0.25.1 // indirect
\tk8s.io/kubernetes v1.36.3 // indirect
\t// a comment line inside the block
)

replace (
\tk8s.io/api => k8s.io/api v0.36.3
)

replace k8s.io/client-go => k8s.io/client-go v0.36.3
"""


def test_parses_go_directive_and_both_require_forms() -> None:
    mod = parse_gomod(GOMOD)

    assert mod.go_version == "1.26.0"
    assert mod.requires == {
        "go.etcd.io/etcd/server/v3": "v3.6.8",
        "cel.dev/expr": "v0.25.1",
        "k8s.io/kubernetes": "v1.36.3",
    }


def test_replace_and_tool_lines_are_not_requirements() -> None:
    mod = parse_gomod(GOMOD)

    assert "k8s.io/api" not in mod.requires
    assert "k8s.io/client-go" not in mod.requires
    assert "k8s.io/kubernetes/cmd/kube-apiserver" not in mod.requires
    assert "k8s.io/fake" not in mod.requires


def test_missing_module_and_missing_go_directive_are_clear_errors() -> None:
    with pytest.raises(ToolchainError, match=r"does not require example\.com/x"):
        parse_gomod(GOMOD).version_of("example.com/x")
    with pytest.raises(ToolchainError, match="no `go` directive"):
        parse_gomod("module x\nrequire a.b/c v1.0.0\n")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("v1.36.3", (1, 36, 3)),
        ("go1.26.8", (1, 26, 8)),
        ("1.26", (1, 26, 0)),
        ("v0.34.2", (0, 34, 2)),
        ("v3.19.5-rc.1", (3, 19, 5)),
    ],
)
def test_major_minor_patch(text: str, expected: tuple[int, int, int]) -> None:
    assert major_minor_patch(text) == expected


def test_major_minor_patch_rejects_garbage() -> None:
    with pytest.raises(ToolchainError, match="not a version"):
        major_minor_patch("devel")


def test_pinned_versions_come_from_the_committed_wrappers() -> None:
    assert SPECS["kube-apiserver"].version() == "v1.36.3"
    assert SPECS["kubectl"].version() == "v1.36.3"
    assert SPECS["etcd"].version() == "v3.6.8"
    assert SPECS["helm"].version() == "v3.19.5"
