"""Build orchestration: cache layout, reuse, rebuild on change, locking, and clear errors.

A stand-in `go` executable (a small script on PATH) records each invocation and writes the
requested output file, so the orchestration is tested without a six-minute Go build.
The real build is exercised by the cluster tests.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import sys
import threading
from collections.abc import Mapping
from pathlib import Path

import pytest

from devcluster.errors import ToolchainError
from devcluster.gomod import GoMod
from devcluster.toolchain import (
    ALL_TOOLS,
    SPECS,
    STAMP_FILE,
    ToolCache,
    ToolName,
    ToolSpec,
    fingerprint,
    format_duration,
    resolve_toolchain,
)

FAKE_GO = """\
#!{python}
import json, os, sys, time
log = os.environ["FAKE_GO_LOG"]
args = sys.argv[1:]
with open(log, "a") as f:
    f.write(json.dumps({{"args": args, "cwd": os.getcwd(), "env": {{
        k: os.environ.get(k) for k in ("GOTOOLCHAIN", "CGO_ENABLED", "GOFLAGS")}}}}) + "\\n")
if args[:2] == ["env", "GOVERSION"]:
    print(os.environ.get("FAKE_GO_VERSION", "go1.26.8"))
    sys.exit(0)
if os.environ.get("FAKE_GO_FAIL"):
    print("main.go:3:1: syntax error: the build is broken", file=sys.stderr)
    sys.exit(1)
time.sleep(float(os.environ.get("FAKE_GO_SLEEP", "0")))
out = args[args.index("-o") + 1]
with open(out, "w") as f:
    f.write("#!/bin/sh\\necho built from " + os.getcwd() + "\\n")
os.chmod(out, 0o755)
"""


def _no_ldflags(gomod: GoMod) -> list[str]:
    del gomod
    return []


@pytest.fixture
def wrapper(tmp_path: Path) -> Path:
    """A copy of the etcd wrapper module, free to edit."""
    target = tmp_path / "wrapper"
    shutil.copytree(SPECS["etcd"].wrapper_dir, target)
    return target


@pytest.fixture
def specs(wrapper: Path) -> dict[ToolName, ToolSpec]:
    return {"etcd": ToolSpec("etcd", wrapper, "go.etcd.io/etcd/server/v3", ".", (), _no_ldflags)}


@pytest.fixture
def fake_go(tmp_path: Path) -> dict[str, str]:
    """Environment with the fake go first on PATH; the log lists its invocations."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    go = bindir / "go"
    go.write_text(FAKE_GO.format(python=sys.executable))
    go.chmod(go.stat().st_mode | stat.S_IXUSR)
    return {
        "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}",
        "FAKE_GO_LOG": str(tmp_path / "go.log"),
        "HOME": str(tmp_path),
    }


def builds(env: Mapping[str, str]) -> list[dict[str, object]]:
    path = Path(env["FAKE_GO_LOG"])
    if not path.exists():
        return []
    calls = [json.loads(line) for line in path.read_text().splitlines()]
    return [c for c in calls if c["args"][0] == "build"]


def test_builds_into_a_versioned_cache_dir_with_a_stamp(
    tmp_path: Path, specs: dict[ToolName, ToolSpec], fake_go: dict[str, str]
) -> None:
    cache = ToolCache(tmp_path / "cache")
    lines: list[str] = []

    toolchain = resolve_toolchain(
        ["etcd"], cache=cache, env=fake_go, specs=specs, progress=lines.append
    )

    binary = tmp_path / "cache" / "etcd-v3.6.8" / "etcd"
    assert toolchain.etcd == binary
    assert toolchain.tools["etcd"].source == "built"
    assert os.access(binary, os.X_OK)
    stamp = json.loads((binary.parent / STAMP_FILE).read_text())
    assert stamp["fingerprint"] == fingerprint(specs["etcd"])
    assert stamp["go"] == "go1.26.8"
    [call] = builds(fake_go)
    assert call["cwd"] == str(specs["etcd"].wrapper_dir)
    assert call["env"] == {"GOTOOLCHAIN": "local", "CGO_ENABLED": "0", "GOFLAGS": "-mod=readonly"}
    assert any(line.startswith("==> etcd v3.6.8") for line in lines)
    assert any("etcd v3.6.8 built in" in line for line in lines)
    assert any(line.startswith("==> tools built in") for line in lines)
    assert not [p for p in binary.parent.iterdir() if "partial" in p.name]


def test_reuses_a_fresh_binary_without_running_go(
    tmp_path: Path, specs: dict[ToolName, ToolSpec], fake_go: dict[str, str]
) -> None:
    cache = ToolCache(tmp_path / "cache")
    resolve_toolchain(["etcd"], cache=cache, env=fake_go, specs=specs, progress=lambda _: None)
    env_without_go = {**fake_go, "PATH": "/nonexistent"}

    again = resolve_toolchain(["etcd"], cache=cache, env=env_without_go, specs=specs)

    assert again.tools["etcd"].source == "cache"
    assert len(builds(fake_go)) == 1


@pytest.mark.parametrize("changed", ["go.mod", "go.sum", "main.go"])
def test_rebuilds_when_the_wrapper_module_changes(
    tmp_path: Path,
    specs: dict[ToolName, ToolSpec],
    fake_go: dict[str, str],
    wrapper: Path,
    changed: str,
) -> None:
    cache = ToolCache(tmp_path / "cache")
    resolve_toolchain(["etcd"], cache=cache, env=fake_go, specs=specs, progress=lambda _: None)
    with (wrapper / changed).open("a") as handle:
        handle.write("\n// changed\n")

    assert not cache.is_fresh(specs["etcd"])
    rebuilt = resolve_toolchain(
        ["etcd"], cache=cache, env=fake_go, specs=specs, progress=lambda _: None
    )

    assert rebuilt.tools["etcd"].source == "built"
    assert len(builds(fake_go)) == 2


def test_a_new_version_gets_its_own_directory(
    tmp_path: Path, specs: dict[ToolName, ToolSpec], fake_go: dict[str, str], wrapper: Path
) -> None:
    cache = ToolCache(tmp_path / "cache")
    resolve_toolchain(["etcd"], cache=cache, env=fake_go, specs=specs, progress=lambda _: None)
    gomod = wrapper / "go.mod"
    gomod.write_text(gomod.read_text().replace("server/v3 v3.6.8", "server/v3 v3.6.9"))

    toolchain = resolve_toolchain(
        ["etcd"], cache=cache, env=fake_go, specs=specs, progress=lambda _: None
    )

    assert toolchain.etcd == tmp_path / "cache" / "etcd-v3.6.9" / "etcd"
    assert (tmp_path / "cache" / "etcd-v3.6.8" / "etcd").exists()


def test_a_deleted_binary_is_rebuilt(
    tmp_path: Path, specs: dict[ToolName, ToolSpec], fake_go: dict[str, str]
) -> None:
    cache = ToolCache(tmp_path / "cache")
    first = resolve_toolchain(
        ["etcd"], cache=cache, env=fake_go, specs=specs, progress=lambda _: None
    )
    first.etcd.unlink()

    resolve_toolchain(["etcd"], cache=cache, env=fake_go, specs=specs, progress=lambda _: None)

    assert first.etcd.exists()
    assert len(builds(fake_go)) == 2


def test_concurrent_invocations_build_once(
    tmp_path: Path, specs: dict[ToolName, ToolSpec], fake_go: dict[str, str]
) -> None:
    env = {**fake_go, "FAKE_GO_SLEEP": "2.0"}
    results: list[str] = []
    messages: list[str] = []

    def run() -> None:
        toolchain = resolve_toolchain(
            ["etcd"],
            cache=ToolCache(tmp_path / "cache"),
            env=env,
            specs=specs,
            progress=messages.append,
        )
        results.append(toolchain.tools["etcd"].source)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(results) == ["built", "cache"]
    assert len(builds(fake_go)) == 1
    assert any("another build holds the tools lock" in m for m in messages)


def test_missing_go_says_what_to_install(tmp_path: Path, specs: dict[ToolName, ToolSpec]) -> None:
    with pytest.raises(ToolchainError, match=r"`go` command is not on PATH.*install Go 1\.26"):
        resolve_toolchain(
            ["etcd"], cache=ToolCache(tmp_path / "cache"), env={"PATH": str(tmp_path)}, specs=specs
        )


def test_too_old_go_is_refused_up_front(
    tmp_path: Path, specs: dict[ToolName, ToolSpec], fake_go: dict[str, str]
) -> None:
    env = {**fake_go, "FAKE_GO_VERSION": "go1.24.3"}
    with pytest.raises(
        ToolchainError, match=r"go1\.24\.3, but the wrapper modules need Go 1\.26\.0"
    ):
        resolve_toolchain(["etcd"], cache=ToolCache(tmp_path / "cache"), env=env, specs=specs)
    assert builds(fake_go) == []


def test_a_failed_build_shows_go_output_and_leaves_nothing_behind(
    tmp_path: Path, specs: dict[ToolName, ToolSpec], fake_go: dict[str, str]
) -> None:
    env = {**fake_go, "FAKE_GO_FAIL": "1"}
    cache = ToolCache(tmp_path / "cache")
    with pytest.raises(ToolchainError, match="syntax error: the build is broken"):
        resolve_toolchain(["etcd"], cache=cache, env=env, specs=specs, progress=lambda _: None)

    assert not cache.is_fresh(specs["etcd"])
    assert list((tmp_path / "cache" / "etcd-v3.6.8").iterdir()) == []


def test_build_false_names_the_command_to_run(
    tmp_path: Path, specs: dict[ToolName, ToolSpec]
) -> None:
    with pytest.raises(ToolchainError, match=r"not built yet.*etcd.*python -m devcluster build"):
        resolve_toolchain(
            ["etcd"], build=False, cache=ToolCache(tmp_path / "c"), env={}, specs=specs
        )


def test_kubebuilder_assets_replace_the_envtest_tools(
    tmp_path: Path, fake_go: dict[str, str]
) -> None:
    assets = tmp_path / "assets"
    assets.mkdir()
    for name in ("kube-apiserver", "etcd", "kubectl"):
        (assets / name).write_text("#!/bin/sh\n")
        (assets / name).chmod(0o755)
    env = {**fake_go, "KUBEBUILDER_ASSETS": str(assets)}

    toolchain = resolve_toolchain(
        ["kube-apiserver", "etcd", "kubectl"], cache=ToolCache(tmp_path / "c"), env=env
    )

    assert toolchain.kube_apiserver == assets / "kube-apiserver"
    assert {t.source for t in toolchain.tools.values()} == {"KUBEBUILDER_ASSETS"}
    assert builds(fake_go) == []
    with pytest.raises(ToolchainError, match="helm was not resolved"):
        _ = toolchain.helm


def test_kubebuilder_assets_missing_a_binary_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ToolchainError, match="has no executable etcd"):
        resolve_toolchain(["etcd"], env={"KUBEBUILDER_ASSETS": str(tmp_path)})


def test_version_stamping_flags() -> None:
    kube = SPECS["kube-apiserver"].build_args(Path("/out/kube-apiserver"))
    ldflags = kube[kube.index("-ldflags") + 1]
    assert kube[kube.index("-tags") + 1] == "selinux,notest"
    for pkg in ("k8s.io/component-base/version", "k8s.io/client-go/pkg/version"):
        assert f"-X {pkg}.gitVersion=v1.36.3" in ldflags
        assert f"-X {pkg}.gitMinor=36" in ldflags
        assert f"-X {pkg}.gitTreeState=clean" in ldflags
    assert ldflags.startswith("-s -w")
    assert kube[-2:] == ["/out/kube-apiserver", "k8s.io/kubernetes/cmd/kube-apiserver"]

    helm = SPECS["helm"].build_args(Path("/out/helm"))
    helm_flags = helm[helm.index("-ldflags") + 1]
    assert "-X helm.sh/helm/v3/internal/version.version=v3.19.5" in helm_flags
    # helm's built-in Kubernetes version follows its client-go (v0.34.x -> 1.34), as upstream.
    assert "-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=34" in helm_flags


def test_every_tool_has_a_spec_with_a_pinned_version() -> None:
    # `make tools` builds ALL_TOOLS; a name without a spec (or a wrapper without the module
    # it is versioned by) would only fail at build time.
    assert set(SPECS) == set(ALL_TOOLS)
    versions = {name: SPECS[name].version() for name in ALL_TOOLS}
    assert versions["kstatus"] == "v0.37.2"
    assert versions["argo-lua"] == "v1.1.2"


@pytest.mark.parametrize("name", ["kstatus", "argo-lua"])
def test_test_tools_are_plain_builds_of_their_wrapper(name: ToolName) -> None:
    spec = SPECS[name]
    args = spec.build_args(Path(f"/out/{name}"))
    assert "-tags" not in args
    assert args[args.index("-ldflags") + 1] == "-s -w"
    assert args[-2:] == [f"/out/{name}", "."]
    assert (spec.wrapper_dir / "main.go").is_file()


def test_kstatus_shares_the_kube_wrappers_kubernetes_modules() -> None:
    # Same versions of the modules both builds compile means Go's build cache serves
    # kstatus from what the kube-apiserver build left there (a warm build of seconds).
    kstatus = SPECS["kstatus"].gomod().requires
    kube = SPECS["kube-apiserver"].gomod().requires
    shared = set(kstatus) & set(kube)
    assert {"k8s.io/api", "k8s.io/apimachinery", "sigs.k8s.io/structured-merge-diff/v6"} <= shared
    assert {module: kstatus[module] for module in shared} == {
        module: kube[module] for module in shared
    }


def test_fingerprint_depends_on_the_recipe(specs: dict[ToolName, ToolSpec]) -> None:
    spec = specs["etcd"]
    tagged = ToolSpec(
        spec.name, spec.wrapper_dir, spec.version_module, spec.package, ("x",), _no_ldflags
    )
    assert fingerprint(spec) != fingerprint(tagged)
    assert fingerprint(spec) == fingerprint(spec)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0.04, "0.0s"), (7.25, "7.2s"), (59.94, "59.9s"), (259.4, "4m19s"), (3600, "60m00s")],
)
def test_format_duration(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text
