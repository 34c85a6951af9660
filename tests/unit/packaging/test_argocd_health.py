"""The Argo CD health check for ModelDeployment, run through a real Lua 5.1 interpreter.

Argo CD evaluates health.lua in gopher-lua (Lua 5.1) with only the base, table and package
libraries loaded. These tests run it in lupa's Lua 5.1 runtime with the other standard
libraries removed, against:
- every case of manifests/argocd/health_test.yaml (Argo CD's own test format), and
- the conditions the operator itself derives for each kind of verdict, so the script and
  the status contract cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from lupa import lua51

from model_deployment_operator.domain.reasons import Reason
from model_deployment_operator.domain.reporting import build_conditions
from model_deployment_operator.domain.status import DeploymentStatus
from model_deployment_operator.domain.verdict import Verdict, VerdictKind

ROOT = Path(__file__).resolve().parents[3]
ARGOCD = ROOT / "manifests" / "argocd"
SCRIPT = (ARGOCD / "health.lua").read_text()
CASES = yaml.safe_load((ARGOCD / "health_test.yaml").read_text())["tests"]
CONFIGMAP_KEY = "resource.customizations.health.sagemaker.mlops.dev_ModelDeployment"
# Libraries Argo CD does not open unless resource.customizations.useOpenLibs is set.
CLOSED_LIBRARIES = ("string", "math", "os", "io", "debug", "coroutine")


def _to_lua(runtime: Any, value: Any) -> Any:
    if isinstance(value, Mapping):
        return runtime.table_from(
            {key: _to_lua(runtime, item) for key, item in value.items() if item is not None}
        )
    if isinstance(value, list):
        return runtime.table_from([_to_lua(runtime, item) for item in value])
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    return value


def evaluate(obj: Mapping[str, Any]) -> dict[str, str]:
    runtime = lua51.LuaRuntime()
    lua_globals = runtime.globals()
    for library in CLOSED_LIBRARIES:
        lua_globals[library] = None
    lua_globals["obj"] = _to_lua(runtime, obj)
    result = runtime.execute(SCRIPT)
    return {"status": result["status"], "message": result["message"]}


@pytest.mark.parametrize("case", CASES, ids=[Path(c["inputPath"]).stem for c in CASES])
def test_health_test_yaml_case(case: dict[str, Any]) -> None:
    obj = yaml.safe_load((ARGOCD / case["inputPath"]).read_text())
    assert evaluate(obj) == case["healthStatus"]


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
    assert configmap["data"][CONFIGMAP_KEY] == SCRIPT


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


@pytest.mark.parametrize("kind", list(VerdictKind), ids=str)
def test_operator_status_maps_to_the_expected_health(kind: VerdictKind) -> None:
    verdict = Verdict(kind, Reason.ENDPOINT_UPDATING, "Endpoint e is Updating")
    health = evaluate(_with_status(7, 7, verdict))
    assert health == {
        "status": EXPECTED_HEALTH[kind],
        "message": "EndpointUpdating: Endpoint e is Updating",
    }


@pytest.mark.parametrize("kind", list(VerdictKind), ids=str)
def test_a_status_for_an_older_generation_is_never_final(kind: VerdictKind) -> None:
    verdict = Verdict(kind, Reason.DEPLOYED, "Endpoint e is InService")
    assert evaluate(_with_status(8, 7, verdict))["status"] == "Progressing"
