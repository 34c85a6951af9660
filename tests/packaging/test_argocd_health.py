"""The Argo CD health check for ModelDeployment and ModelEndpoint, run the way Argo CD runs it.

Argo CD evaluates argocd-cm health checks in gopher-lua (Lua 5.1) with only the package,
base and table libraries, plus os.time/os.date through require("os"), unless the
customization sets useOpenLibs. argo-lua (tools/go/argo-lua) is that runtime at the
gopher-lua version Argo CD pins, with Argo CD's reading of the returned table. These tests
run manifests/argocd/health.lua through it against:
- every case of manifests/argocd/health_test.yaml (Argo CD's own test format), and
- the conditions the operator itself derives for each kind of verdict, so the script and
  the status contract cannot drift apart;
and check that the harness really withholds the libraries Argo CD withholds.

Tests that run argo-lua are marked `cluster`: the binary comes from the devcluster
toolchain (a Go build), and `make test-unit` runs without Go. The file checks need nothing.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from devcluster import resolve_toolchain
from model_deployment_operator.domain.reasons import Reason
from model_deployment_operator.domain.reporting import build_conditions
from model_deployment_operator.domain.status import DeploymentStatus
from model_deployment_operator.domain.verdict import Verdict, VerdictKind

ROOT = Path(__file__).resolve().parents[2]
ARGOCD = ROOT / "manifests" / "argocd"
HEALTH_LUA = ARGOCD / "health.lua"
SCRIPT = HEALTH_LUA.read_text()
CASES = yaml.safe_load((ARGOCD / "health_test.yaml").read_text())["tests"]
CONFIGMAP_KEYS = tuple(
    f"resource.customizations.health.sagemaker.mlops.dev_{kind}"
    for kind in ("ModelDeployment", "ModelEndpoint")
)

needs_argo_lua = pytest.mark.cluster


class LuaError(Exception):
    """argo-lua exited 1: the script failed, or Argo CD would reject what it returned."""


@pytest.fixture(scope="module")
def argo_lua(request: pytest.FixtureRequest) -> Path:
    """The argo-lua binary, built first if missing, with build progress shown past pytest's
    output capture (a cold build takes about 20 s)."""
    capture = request.config.pluginmanager.getplugin("capturemanager")

    def progress(message: str) -> None:
        with capture.global_and_fixture_disabled():
            print(f"\n[devcluster] {message}", file=sys.stderr, flush=True)

    return resolve_toolchain(["argo-lua"], progress=progress).argo_lua


def _json_default(value: object) -> str:
    # YAML test data may hold unquoted timestamps; Kubernetes serves them as RFC 3339.
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    raise TypeError(f"not JSON: {value!r}")


def run_lua(
    binary: Path,
    script: Path,
    obj: Mapping[str, Any],
    *,
    mode: str = "health",
    open_libs: bool = False,
) -> Any:
    args = [str(binary), *(["--open-libs"] if open_libs else []), mode, str(script)]
    proc = subprocess.run(
        args,
        input=json.dumps(obj, default=_json_default),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    if proc.returncode == 1:
        raise LuaError(proc.stderr.strip())
    if proc.returncode != 0:
        pytest.fail(f"argo-lua exited {proc.returncode}: {proc.stderr}")
    return json.loads(proc.stdout)


def evaluate(binary: Path, obj: Mapping[str, Any]) -> dict[str, str]:
    result: dict[str, str] = run_lua(binary, HEALTH_LUA, obj)
    return result


# ------------------------------------------------------------------ health_test.yaml


@needs_argo_lua
@pytest.mark.parametrize("case", CASES, ids=[Path(c["inputPath"]).stem for c in CASES])
def test_health_test_yaml_case(argo_lua: Path, case: dict[str, Any]) -> None:
    obj = yaml.safe_load((ARGOCD / case["inputPath"]).read_text())
    assert evaluate(argo_lua, obj) == case["healthStatus"]


def test_every_testdata_file_has_a_case() -> None:
    listed = {Path(c["inputPath"]).name for c in CASES}
    present = {p.name for p in (ARGOCD / "testdata").glob("*.yaml")}
    assert listed == present


def test_testdata_uses_only_reasons_the_operator_writes() -> None:
    known = {reason.value for reason in Reason}
    for path in (ARGOCD / "testdata").glob("*.yaml"):
        conditions = (yaml.safe_load(path.read_text()).get("status") or {}).get("conditions", [])
        for condition in conditions:
            assert condition["reason"] in known, f"{path.name}: {condition['reason']}"


def test_every_health_status_is_covered() -> None:
    assert {c["healthStatus"]["status"] for c in CASES} == {"Healthy", "Progressing", "Degraded"}


def test_argocd_cm_snippet_embeds_the_script_verbatim() -> None:
    configmap = yaml.safe_load((ARGOCD / "argocd-cm-health.yaml").read_text())
    assert configmap["kind"] == "ConfigMap"
    assert configmap["metadata"]["name"] == "argocd-cm"
    assert set(configmap["data"]) == set(CONFIGMAP_KEYS)
    for key in CONFIGMAP_KEYS:
        assert configmap["data"][key] == SCRIPT, key


# ------------------------------------------------------------------ the operator's statuses

EXPECTED_HEALTH = {
    VerdictKind.CONVERGED: "Healthy",
    VerdictKind.PROGRESSING: "Progressing",
    VerdictKind.UNAVAILABLE: "Progressing",
    VerdictKind.BLOCKED: "Degraded",
}


def _with_status(generation: int, observed: int, verdict: Verdict) -> dict[str, Any]:
    now = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    status = DeploymentStatus(
        observed_generation=observed,
        conditions=build_conditions(verdict, observed, (), now),
    )
    return {
        "apiVersion": "sagemaker.mlops.dev/v1alpha1",
        "kind": "ModelDeployment",
        "metadata": {"name": "m", "namespace": "ns", "generation": generation},
        "status": status.to_kubernetes(),
    }


@needs_argo_lua
@pytest.mark.parametrize("kind", list(VerdictKind), ids=str)
def test_operator_status_maps_to_the_expected_health(argo_lua: Path, kind: VerdictKind) -> None:
    verdict = Verdict(kind, Reason.ENDPOINT_UPDATING, "Endpoint e is Updating")
    health = evaluate(argo_lua, _with_status(7, 7, verdict))
    assert health == {
        "status": EXPECTED_HEALTH[kind],
        "message": "EndpointUpdating: Endpoint e is Updating",
    }


@needs_argo_lua
@pytest.mark.parametrize("kind", list(VerdictKind), ids=str)
def test_a_status_for_an_older_generation_is_never_final(argo_lua: Path, kind: VerdictKind) -> None:
    verdict = Verdict(kind, Reason.DEPLOYED, "Endpoint e is InService")
    assert evaluate(argo_lua, _with_status(8, 7, verdict))["status"] == "Progressing"


# ------------------------------------------------------------------ the harness itself


@pytest.fixture
def script(tmp_path: Path) -> Any:
    def write(text: str) -> Path:
        path = tmp_path / "script.lua"
        path.write_text(text)
        return path

    return write


@needs_argo_lua
@pytest.mark.parametrize(
    "expression",
    ['string.format("%d replicas", 3)', "tostring(math.floor(2.7))", '("abc"):upper()'],
)
def test_standard_libraries_are_withheld_unless_open_libs(
    argo_lua: Path, script: Any, expression: str
) -> None:
    # A check that relies on string or math works in a plain Lua 5.1 (and in Argo CD's own
    # built-in checks, which get useOpenLibs) but fails as an argocd-cm customization.
    path = script(f'return {{status = "Healthy", message = {expression}}}')
    with pytest.raises(LuaError, match="attempt to"):
        run_lua(argo_lua, path, {})
    assert run_lua(argo_lua, path, {}, open_libs=True)["status"] == "Healthy"


@needs_argo_lua
def test_the_library_set_is_argo_cds(argo_lua: Path, script: Any) -> None:
    path = script(
        """
        local found = {kind = "Probe"}  -- an action must return an object with a kind
        for _, name in ipairs({"string", "math", "os", "io", "debug", "coroutine", "channel",
                               "table", "package", "require", "pairs", "pcall", "tostring"}) do
          found[name] = type(_G[name])
        end
        local safe_os = require("os")
        found["require(os).time"] = type(safe_os.time)
        found["require(os).exit"] = type(safe_os.exit)
        return found
        """
    )
    assert run_lua(argo_lua, path, {}, mode="action") == {
        "kind": "Probe",
        **dict.fromkeys(["string", "math", "os", "io", "debug", "coroutine", "channel"], "nil"),
        **dict.fromkeys(["table", "package"], "table"),
        **dict.fromkeys(["require", "pairs", "pcall", "tostring"], "function"),
        # Argo CD's safe os: only through require, and only time and date.
        "require(os).time": "function",
        "require(os).exit": "nil",
    }


@needs_argo_lua
def test_obj_numbers_are_lua_numbers_and_invalid_health_is_unknown(
    argo_lua: Path, script: Any
) -> None:
    path = script(
        'if obj.metadata.generation + 1 == 3 then return {status = "Fine"} end\n'
        'return {status = "Healthy"}'
    )
    assert run_lua(argo_lua, path, {"metadata": {"generation": 2}}) == {
        "status": "Unknown",
        "message": "Lua returned an invalid health status",
    }


@needs_argo_lua
def test_a_script_that_never_returns_is_stopped(argo_lua: Path, script: Any) -> None:
    with pytest.raises(LuaError, match="context deadline exceeded"):
        run_lua(argo_lua, script("while true do end"), {})


@needs_argo_lua
def test_action_mode_returns_the_patched_object_as_argo_cd_reads_it(
    argo_lua: Path, script: Any
) -> None:
    # An action returns the object to patch. Lua cannot tell {} from [], so Argo CD turns an
    # empty table back into an object where the input had one; argo-lua does the same.
    obj = {
        "apiVersion": "sagemaker.mlops.dev/v1alpha1",
        "kind": "ModelDeployment",
        "metadata": {"name": "m", "annotations": {}},
        "spec": {"tags": {}, "endpoint": {"initialInstanceCount": 1}},
    }
    path = script(
        """
        obj.spec.endpoint.initialInstanceCount = obj.spec.endpoint.initialInstanceCount + 1
        obj.metadata.labels = {}
        return obj
        """
    )
    assert run_lua(argo_lua, path, obj, mode="action") == {
        **obj,
        "metadata": {"name": "m", "annotations": {}, "labels": []},
        "spec": {"tags": {}, "endpoint": {"initialInstanceCount": 2}},
    }
    listing = script('return {{operation = "patch", resource = obj}}')
    assert run_lua(argo_lua, listing, obj, mode="action") == [
        {"operation": "patch", "resource": obj}
    ]
    with pytest.raises(LuaError, match="unsupported operation"):
        run_lua(
            argo_lua, script('return {{operation = "delete", resource = obj}}'), obj, mode="action"
        )
