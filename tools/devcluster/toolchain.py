"""Build (or locate) the pinned kube-apiserver, etcd, kubectl and helm, and the two small
test tools that judge ModelDeployments as GitOps tools do: kstatus (Flux's kstatus library)
and argo-lua (Argo CD's Lua runtime for health checks and resource actions).

Versions come from the committed Go wrapper modules in tools/go/*/go.mod. Binaries are
built with the ordinary `go` client through the Go module proxy into
~/.cache/model-deployment-operator/tools/<tool>-<version>/<tool> and reused until the
wrapper module (go.mod, go.sum, *.go) or the build recipe changes; a fingerprint of those
inputs is stored next to each binary. Go's own module and build caches are used as they
are, so a rebuild after a cache wipe of ours costs only the link step.

`KUBEBUILDER_ASSETS=/dir` (the envtest convention) supplies kube-apiserver, etcd and
kubectl instead; helm, kstatus and argo-lua are always ours.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal, TextIO

from devcluster.errors import ToolchainError
from devcluster.gomod import GoMod, major_minor_patch, read_gomod

ToolName = Literal["kube-apiserver", "etcd", "kubectl", "helm", "kstatus", "argo-lua"]
ALL_TOOLS: Final[tuple[ToolName, ...]] = (
    "kube-apiserver",
    "etcd",
    "kubectl",
    "helm",
    "kstatus",
    "argo-lua",
)
ENVTEST_TOOLS: Final[frozenset[ToolName]] = frozenset({"kube-apiserver", "etcd", "kubectl"})

WRAPPERS_DIR: Final = Path(__file__).resolve().parent.parent / "go"
STAMP_FILE: Final = ".build.json"
HEARTBEAT_SECONDS: Final = 30.0

Progress = Callable[[str], None]


def stderr_progress(message: str) -> None:
    """The default progress sink: one line to stderr, flushed (visible in CI logs)."""
    print(message, file=sys.stderr, flush=True)


def format_duration(seconds: float) -> str:
    """`259.4` -> `4m19s`; `7.25` -> `7.2s`."""
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}m{secs:02d}s"


def _k8s_version_x(version: str) -> list[str]:
    major, minor, _ = major_minor_patch(version)
    flags: list[str] = []
    for pkg in ("k8s.io/component-base/version", "k8s.io/client-go/pkg/version"):
        flags += [
            f"-X {pkg}.gitVersion={version}",
            f"-X {pkg}.gitMajor={major}",
            f"-X {pkg}.gitMinor={minor}",
            f"-X {pkg}.gitTreeState=clean",
        ]
    return flags


def _kube_ldflags(gomod: GoMod) -> list[str]:
    return _k8s_version_x(gomod.version_of("k8s.io/kubernetes"))


def _etcd_ldflags(gomod: GoMod) -> list[str]:
    # etcd's version is a constant in go.etcd.io/etcd/api/v3/version; nothing to stamp.
    del gomod
    return []


def _no_ldflags(gomod: GoMod) -> list[str]:
    # kstatus and argo-lua are our own small commands; they print no version to stamp.
    del gomod
    return []


def _helm_ldflags(gomod: GoMod) -> list[str]:
    # As helm's own Makefile: the version, and the Kubernetes version helm assumes when
    # rendering without a cluster (`helm template`, `helm lint`), derived from client-go
    # v0.X.Y -> 1.X. Without these, helm reports "v3.19" and assumes Kubernetes v1.20.
    _, client_minor, _ = major_minor_patch(gomod.version_of("k8s.io/client-go"))
    flags = [f"-X helm.sh/helm/v3/internal/version.version={gomod.version_of('helm.sh/helm/v3')}"]
    for pkg in ("helm.sh/helm/v3/pkg/lint/rules", "helm.sh/helm/v3/pkg/chartutil"):
        flags += [f"-X {pkg}.k8sVersionMajor=1", f"-X {pkg}.k8sVersionMinor={client_minor}"]
    return flags


@dataclass(frozen=True)
class ToolSpec:
    """How one binary is built from its wrapper module."""

    name: ToolName
    wrapper_dir: Path
    version_module: str
    package: str
    tags: tuple[str, ...]
    extra_ldflags: Callable[[GoMod], list[str]]

    def gomod(self) -> GoMod:
        return read_gomod(self.wrapper_dir / "go.mod")

    def version(self) -> str:
        return self.gomod().version_of(self.version_module)

    def build_args(self, output: Path) -> list[str]:
        ldflags = " ".join(["-s", "-w", *self.extra_ldflags(self.gomod())])
        args = ["build", "-trimpath", "-buildvcs=false", "-ldflags", ldflags]
        if self.tags:
            args += ["-tags", ",".join(self.tags)]
        return [*args, "-o", str(output), self.package]


SPECS: Final[Mapping[ToolName, ToolSpec]] = {
    "kube-apiserver": ToolSpec(
        "kube-apiserver",
        WRAPPERS_DIR / "kube",
        "k8s.io/kubernetes",
        "k8s.io/kubernetes/cmd/kube-apiserver",
        ("selinux", "notest"),
        _kube_ldflags,
    ),
    "etcd": ToolSpec(
        "etcd", WRAPPERS_DIR / "etcd", "go.etcd.io/etcd/server/v3", ".", (), _etcd_ldflags
    ),
    "kubectl": ToolSpec(
        "kubectl",
        WRAPPERS_DIR / "kube",
        "k8s.io/kubernetes",
        "k8s.io/kubernetes/cmd/kubectl",
        ("selinux", "notest"),
        _kube_ldflags,
    ),
    "helm": ToolSpec(
        "helm",
        WRAPPERS_DIR / "helm",
        "helm.sh/helm/v3",
        "helm.sh/helm/v3/cmd/helm",
        (),
        _helm_ldflags,
    ),
    # Named after the library whose behaviour they reproduce, so the cache directory says
    # which kstatus (cli-utils) or gopher-lua version judged the objects.
    "kstatus": ToolSpec(
        "kstatus", WRAPPERS_DIR / "kstatus", "sigs.k8s.io/cli-utils", ".", (), _no_ldflags
    ),
    "argo-lua": ToolSpec(
        "argo-lua", WRAPPERS_DIR / "argo-lua", "github.com/yuin/gopher-lua", ".", (), _no_ldflags
    ),
}

# The environment every build runs with: the installed Go only (no toolchain download),
# static binaries, and go.mod/go.sum exactly as committed (never rewritten by a build).
GO_BUILD_ENV: Final[Mapping[str, str]] = {
    "GOTOOLCHAIN": "local",
    "CGO_ENABLED": "0",
    "GOFLAGS": "-mod=readonly",
}


def default_cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "model-deployment-operator" / "tools"


def fingerprint(spec: ToolSpec) -> str:
    """Hash of everything that determines the binary: the wrapper module and the recipe."""
    digest = hashlib.sha256()
    recipe = {
        "args": spec.build_args(Path("OUT")),
        "env": dict(sorted(GO_BUILD_ENV.items())),
    }
    digest.update(json.dumps(recipe, sort_keys=True).encode())
    wrapper = spec.wrapper_dir
    inputs = sorted(
        p for p in wrapper.iterdir() if p.name in ("go.mod", "go.sum") or p.suffix == ".go"
    )
    for path in inputs:
        digest.update(path.name.encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


@dataclass(frozen=True)
class Tool:
    """A resolved binary and where it came from."""

    name: ToolName
    path: Path
    version: str
    source: Literal["cache", "built", "KUBEBUILDER_ASSETS"]


@dataclass(frozen=True)
class Toolchain:
    """Paths of the resolved tools. Accessing one that was not requested raises."""

    tools: Mapping[ToolName, Tool]

    def path(self, name: ToolName) -> Path:
        try:
            return self.tools[name].path
        except KeyError:
            raise ToolchainError(f"{name} was not resolved in this toolchain") from None

    @property
    def kube_apiserver(self) -> Path:
        return self.path("kube-apiserver")

    @property
    def etcd(self) -> Path:
        return self.path("etcd")

    @property
    def kubectl(self) -> Path:
        return self.path("kubectl")

    @property
    def helm(self) -> Path:
        return self.path("helm")

    @property
    def kstatus(self) -> Path:
        return self.path("kstatus")

    @property
    def argo_lua(self) -> Path:
        return self.path("argo-lua")


class ToolCache:
    """The on-disk cache: `<root>/<tool>-<version>/<tool>` plus a fingerprint stamp."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root if root is not None else default_cache_root()

    def binary_path(self, spec: ToolSpec) -> Path:
        return self.root / f"{spec.name}-{spec.version()}" / spec.name

    def is_fresh(self, spec: ToolSpec) -> bool:
        binary = self.binary_path(spec)
        stamp = binary.parent / STAMP_FILE
        if not (binary.is_file() and os.access(binary, os.X_OK)):
            return False
        try:
            recorded = json.loads(stamp.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return isinstance(recorded, dict) and recorded.get("fingerprint") == fingerprint(spec)

    def record(self, spec: ToolSpec, *, go_version: str, seconds: float) -> None:
        stamp = self.binary_path(spec).parent / STAMP_FILE
        payload = {
            "fingerprint": fingerprint(spec),
            "version": spec.version(),
            "go": go_version,
            "build_seconds": round(seconds, 1),
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        stamp.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")

    @contextmanager
    def lock(self, progress: Progress) -> Iterator[None]:
        """Exclusive lock across processes, so concurrent builds do not duplicate work."""
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / ".build.lock").open("a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                progress("==> another build holds the tools lock; waiting for it to finish")
                fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def find_go(env: Mapping[str, str]) -> str:
    go = shutil.which("go", path=env.get("PATH"))
    if go is None:
        raise ToolchainError(
            "the `go` command is not on PATH. kube-apiserver, etcd, kubectl, helm and the test "
            "tools kstatus and argo-lua are built from source with it: install Go 1.26 or newer "
            "(https://go.dev/dl/, or a distribution package such as Debian's golang-1.26), or "
            "set KUBEBUILDER_ASSETS to a directory "
            "that already holds kube-apiserver, etcd and kubectl."
        )
    return go


def check_go_version(go: str, required: str, env: Mapping[str, str]) -> str:
    """Return the installed Go version; raise if older than the wrappers' `go` directive.

    With GOTOOLCHAIN=local, Go will not download a newer toolchain, so an old Go fails
    with a confusing message deep in the build; say it up front instead.
    """
    proc = subprocess.run(
        [go, "env", "GOVERSION"],
        env={**env, **GO_BUILD_ENV},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    installed = proc.stdout.strip()
    if proc.returncode != 0 or not installed.startswith("go"):
        raise ToolchainError(f"`{go} env GOVERSION` failed: {proc.stderr.strip() or installed}")
    if major_minor_patch(installed) < major_minor_patch(required):
        raise ToolchainError(
            f"{go} is {installed}, but the wrapper modules need Go {required} or newer "
            "(toolchain downloads are disabled with GOTOOLCHAIN=local). Install a newer Go."
        )
    return installed


def _tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def _run_go_build(
    go: str, spec: ToolSpec, output: Path, env: Mapping[str, str], progress: Progress
) -> None:
    started = time.monotonic()
    with tempfile.NamedTemporaryFile(prefix=f"go-build-{spec.name}-", suffix=".log") as log:
        proc = subprocess.Popen(
            [go, *spec.build_args(output)],
            cwd=spec.wrapper_dir,
            env={**env, **GO_BUILD_ENV},
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            while True:
                try:
                    proc.wait(timeout=HEARTBEAT_SECONDS)
                    break
                except subprocess.TimeoutExpired:
                    elapsed = format_duration(time.monotonic() - started)
                    progress(f"    ... still building {spec.name} ({elapsed})")
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        if proc.returncode != 0:
            raise ToolchainError(
                f"building {spec.name} failed (go exited with {proc.returncode}) in "
                f"{spec.wrapper_dir}. Last lines of the go output:\n{_tail(Path(log.name))}"
            )


def _envtest_tool(name: ToolName, assets: str) -> Tool:
    path = Path(assets) / name
    if not (path.is_file() and os.access(path, os.X_OK)):
        raise ToolchainError(
            f"KUBEBUILDER_ASSETS={assets} has no executable {name}. The directory must hold "
            "kube-apiserver, etcd and kubectl; unset KUBEBUILDER_ASSETS to build them instead."
        )
    return Tool(name, path.absolute(), "unknown", "KUBEBUILDER_ASSETS")


def resolve_toolchain(
    required: Iterable[ToolName] = ALL_TOOLS,
    *,
    build: bool = True,
    force: bool = False,
    cache: ToolCache | None = None,
    env: Mapping[str, str] | None = None,
    specs: Mapping[ToolName, ToolSpec] = SPECS,
    progress: Progress = stderr_progress,
) -> Toolchain:
    """Return the requested tools, building missing or outdated ones unless build=False.

    With build=False a missing tool raises ToolchainError naming the command to run.
    force=True rebuilds even fresh binaries (KUBEBUILDER_ASSETS still wins).
    """
    env = dict(os.environ if env is None else env)
    cache = cache or ToolCache()
    wanted = list(dict.fromkeys(required))
    assets = env.get("KUBEBUILDER_ASSETS", "").strip()
    resolved: dict[ToolName, Tool] = {}
    to_build: list[ToolSpec] = []
    for name in wanted:
        if assets and name in ENVTEST_TOOLS:
            resolved[name] = _envtest_tool(name, assets)
            continue
        spec = specs[name]
        if not force and cache.is_fresh(spec):
            resolved[name] = Tool(name, cache.binary_path(spec), spec.version(), "cache")
        else:
            to_build.append(spec)
    if to_build and not build:
        missing = ", ".join(s.name for s in to_build)
        raise ToolchainError(
            f"not built yet (or outdated): {missing}. Run `python -m devcluster build` "
            "(or `make tools`)."
        )
    if to_build:
        resolved.update(_build(to_build, cache=cache, env=env, force=force, progress=progress))
    return Toolchain({name: resolved[name] for name in wanted})


def _build(
    specs: list[ToolSpec],
    *,
    cache: ToolCache,
    env: Mapping[str, str],
    force: bool,
    progress: Progress,
) -> dict[ToolName, Tool]:
    go = find_go(env)
    required_go = max((s.gomod().go_version for s in specs), key=major_minor_patch)
    go_version = check_go_version(go, required_go, env)
    built: dict[ToolName, Tool] = {}
    with cache.lock(progress):
        # Another process may have built some of them while we waited for the lock.
        pending = [s for s in specs if force or not cache.is_fresh(s)]
        for spec in specs:
            if spec not in pending:
                built[spec.name] = Tool(spec.name, cache.binary_path(spec), spec.version(), "cache")
        if not pending:
            return built
        total_start = time.monotonic()
        progress(f"==> building {', '.join(s.name for s in pending)} with {go_version}")
        progress(f"    cache: {cache.root}")
        for spec in pending:
            version = spec.version()
            target = cache.binary_path(spec)
            target.parent.mkdir(parents=True, exist_ok=True)
            (target.parent / STAMP_FILE).unlink(missing_ok=True)
            partial = target.with_name(f".{spec.name}.partial-{os.getpid()}")
            progress(f"==> {spec.name} {version}: go build {spec.package} (in {spec.wrapper_dir})")
            started = time.monotonic()
            try:
                _run_go_build(go, spec, partial, env, progress)
                partial.replace(target)
            finally:
                partial.unlink(missing_ok=True)
            seconds = time.monotonic() - started
            cache.record(spec, go_version=go_version, seconds=seconds)
            progress(f"    {spec.name} {version} built in {format_duration(seconds)}")
            built[spec.name] = Tool(spec.name, target, version, "built")
        progress(f"==> tools built in {format_duration(time.monotonic() - total_start)}")
    return built


def describe(toolchain: Toolchain, out: TextIO = sys.stdout) -> None:
    for tool in toolchain.tools.values():
        print(f"{tool.name:<15} {tool.version:<10} {tool.source:<18} {tool.path}", file=out)
