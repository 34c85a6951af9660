"""The Argo CD resource actions for ModelDeployment (freeze, unfreeze, rollback), run the way
Argo CD runs them.

Argo CD runs action and discovery scripts from argocd-cm in gopher-lua (Lua 5.1) with only the
package, base and table libraries and a safe os (useOpenLibs does not apply to actions).
argo-lua (tools/go/argo-lua) is that runtime at the versions Argo CD pins, with Argo CD's
reading of a discovery table and of an action's object, and the merge patch its API server
sends. These tests run manifests/argocd/actions through it against:
- every case of actions/action_test.yaml (Argo CD's own format), compared exactly: every
  action offered with its disabled flag, display name and icon; every object returned, or the
  error message Argo CD would show;
- round trips: unfreeze undoes freeze and rollback exactly, from every starting approval;
- the patch Argo CD would send: only spec.approval and the remembering annotations, never
  status (which Argo CD would send to the status subresource instead);
and check that the argocd-cm snippet carries the scripts verbatim.

Tests that run argo-lua are marked `cluster`: the binary comes from the devcluster
toolchain (a Go build), and `make test-unit` runs without Go. The file checks need nothing.
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from devcluster import resolve_toolchain
from support.argo_lua import ArgoLua, LuaError, as_served

ROOT = Path(__file__).resolve().parents[2]
ACTIONS = ROOT / "manifests" / "argocd" / "actions"
DISCOVERY = ACTIONS / "discovery.lua"
ACTION_NAMES = ("freeze", "unfreeze", "rollback")
TESTS = yaml.safe_load((ACTIONS / "action_test.yaml").read_text())
DISCOVERY_CASES: list[dict[str, Any]] = TESTS["discoveryTests"]
ACTION_CASES: list[dict[str, Any]] = TESTS["actionTests"]
CONFIGMAP_KEY = "resource.customizations.actions.sagemaker.mlops.dev_ModelDeployment"
PREVIOUS_POLICY = "sagemaker.mlops.dev/previous-approval-policy"
PREVIOUS_PINNED = "sagemaker.mlops.dev/previous-pinned-version"
FROZEN_BY = "sagemaker.mlops.dev/frozen-by"

needs_argo_lua = pytest.mark.cluster


@pytest.fixture(scope="module")
def argo_lua(request: pytest.FixtureRequest) -> ArgoLua:
    """argo-lua, built first if missing (about 20 s cold), with build progress shown."""
    capture = request.config.pluginmanager.getplugin("capturemanager")

    def progress(message: str) -> None:
        with capture.global_and_fixture_disabled():
            print(f"\n[devcluster] {message}", file=sys.stderr, flush=True)

    return ArgoLua(resolve_toolchain(["argo-lua"], progress=progress).argo_lua)


def load(relative: str) -> dict[str, Any]:
    loaded: dict[str, Any] = as_served(yaml.safe_load((ACTIONS / relative).read_text()))
    return loaded


def script(action: str) -> Path:
    return ACTIONS / action / "action.lua"


def as_listed(expected: dict[str, Any]) -> dict[str, Any]:
    """An expected discovery entry as Argo CD's API lists it: Go's omitempty drops
    `disabled: false` and empty strings."""
    return {key: value for key, value in expected.items() if value not in (False, "", None)}


def _case_id(case: dict[str, Any]) -> str:
    return f"{case['action']}-{Path(case['inputPath']).stem}"


# ------------------------------------------------------------------ action_test.yaml


@needs_argo_lua
@pytest.mark.parametrize(
    "case", DISCOVERY_CASES, ids=[Path(c["inputPath"]).stem for c in DISCOVERY_CASES]
)
def test_discovery_case(argo_lua: ArgoLua, case: dict[str, Any]) -> None:
    offered = argo_lua.discovery(DISCOVERY, load(case["inputPath"]))
    expected = sorted((as_listed(a) for a in case["result"]), key=lambda a: a["name"])
    assert offered == expected


@needs_argo_lua
@pytest.mark.parametrize("case", ACTION_CASES, ids=[_case_id(c) for c in ACTION_CASES])
def test_action_case(argo_lua: ArgoLua, case: dict[str, Any]) -> None:
    obj = load(case["inputPath"])
    if "expectedErrorMessage" in case:
        with pytest.raises(LuaError) as failure:
            argo_lua.action(script(case["action"]), obj)
        assert str(failure.value) == case["expectedErrorMessage"]
        return
    assert argo_lua.action(script(case["action"]), obj) == load(case["expectedOutputPath"])


@needs_argo_lua
@pytest.mark.parametrize(
    "case", DISCOVERY_CASES, ids=[Path(c["inputPath"]).stem for c in DISCOVERY_CASES]
)
def test_an_offered_action_succeeds_and_a_disabled_one_fails(
    argo_lua: ArgoLua, case: dict[str, Any]
) -> None:
    # `argocd app actions run` does not consult discovery: a disabled action must refuse
    # with a message rather than write something half-right.
    obj = load(case["inputPath"])
    for offered in argo_lua.discovery(DISCOVERY, obj):
        if offered.get("disabled"):
            with pytest.raises(LuaError, match=f"^{offered['name']}: "):
                argo_lua.action(script(offered["name"]), obj)
        else:
            argo_lua.action(script(offered["name"]), obj)


def test_every_testdata_file_is_used() -> None:
    used = {Path(c["inputPath"]).name for c in DISCOVERY_CASES + ACTION_CASES}
    used |= {Path(c["expectedOutputPath"]).name for c in ACTION_CASES if "expectedOutputPath" in c}
    assert used == {p.name for p in (ACTIONS / "testdata").glob("*.yaml")}


def test_every_action_has_cases_in_argo_cds_layout() -> None:
    folders = {p.parent.name for p in ACTIONS.glob("*/action.lua")}
    assert folders == set(ACTION_NAMES)
    assert {c["action"] for c in ACTION_CASES} == folders
    for case in DISCOVERY_CASES:
        assert sorted(a["name"] for a in case["result"]) == sorted(ACTION_NAMES)


def test_argocd_cm_snippet_embeds_the_scripts_verbatim() -> None:
    configmap = yaml.safe_load(
        (ROOT / "manifests" / "argocd" / "argocd-cm-actions.yaml").read_text()
    )
    assert configmap["kind"] == "ConfigMap"
    assert configmap["metadata"]["name"] == "argocd-cm"
    assert set(configmap["data"]) == {CONFIGMAP_KEY}
    # The value is a YAML document of its own, as Argo CD parses it (ResourceActions).
    actions = yaml.safe_load(configmap["data"][CONFIGMAP_KEY])
    assert set(actions) == {"discovery.lua", "definitions"}
    assert actions["discovery.lua"] == DISCOVERY.read_text()
    assert [d["name"] for d in actions["definitions"]] == list(ACTION_NAMES)
    for definition in actions["definitions"]:
        assert set(definition) == {"name", "action.lua"}
        assert definition["action.lua"] == script(definition["name"]).read_text()


# ------------------------------------------------------------------ round trips

STARTING_APPROVALS = {
    "latest-approved": {"policy": "LatestApproved"},
    "pinned": {"policy": "Pinned", "pinnedVersion": 1},
    "absent": None,
}


def _serving(approval: dict[str, Any] | None, annotations: dict[str, str] | None) -> dict[str, Any]:
    obj = load("testdata/serving_v3.yaml")
    if approval is None:
        del obj["spec"]["approval"]
    else:
        obj["spec"]["approval"] = approval
    if annotations is not None:
        obj["metadata"]["annotations"] = annotations
    return obj


def _with_approval(obj: dict[str, Any], approval: dict[str, Any] | None) -> dict[str, Any]:
    """What the API server serves for `obj`: the CRD defaults an absent approval."""
    served = copy.deepcopy(obj)
    served["spec"]["approval"] = approval or {"policy": "LatestApproved"}
    return served


@needs_argo_lua
@pytest.mark.parametrize(
    "approval", list(STARTING_APPROVALS.values()), ids=list(STARTING_APPROVALS)
)
@pytest.mark.parametrize("annotations", [None, {}, {"team.example.com/owner": "fraud"}])
@pytest.mark.parametrize("path", [["freeze"], ["rollback"], ["freeze", "rollback"]], ids="+".join)
def test_unfreeze_restores_what_freeze_and_rollback_replaced(
    argo_lua: ArgoLua,
    approval: dict[str, Any] | None,
    annotations: dict[str, str] | None,
    path: list[str],
) -> None:
    before = _serving(approval, annotations)
    obj = before
    for action in path:
        obj = argo_lua.action(script(action), obj)
        assert obj["spec"]["approval"]["policy"] == "Pinned"
        assert obj["metadata"]["annotations"][FROZEN_BY] == action
    frozen = obj
    restored = argo_lua.action(script("unfreeze"), frozen)
    expected = _with_approval(before, approval)
    if not annotations:  # no annotations map, or an empty one: none is left behind
        expected["metadata"].pop("annotations", None)
    assert restored == expected
    # Nothing but the approval and the remembering annotations changed on the way.
    for key in ("status", "apiVersion", "kind"):
        assert frozen[key] == before[key]
    assert {k: v for k, v in frozen["spec"].items() if k != "approval"} == {
        k: v for k, v in before["spec"].items() if k != "approval"
    }


@needs_argo_lua
def test_freeze_pins_the_live_version_and_rollback_the_previous_success(argo_lua: ArgoLua) -> None:
    obj = _serving({"policy": "LatestApproved"}, None)
    assert argo_lua.action(script("freeze"), obj)["spec"]["approval"] == {
        "policy": "Pinned",
        "pinnedVersion": 3,
    }
    assert argo_lua.action(script("rollback"), obj)["spec"]["approval"] == {
        "policy": "Pinned",
        "pinnedVersion": 2,
    }


# ------------------------------------------------------------------ what Argo CD sends


@needs_argo_lua
def test_argo_cd_patches_only_the_approval_and_the_annotations(argo_lua: ArgoLua) -> None:
    live = load("testdata/serving_v3.yaml")
    # What the API server adds to a live object; Lua turns its empty objects into empty
    # tables, which must not come back as arrays (or the patch would rewrite them).
    live["metadata"]["managedFields"] = [
        {
            "manager": "kubectl-client-side-apply",
            "operation": "Update",
            "apiVersion": "sagemaker.mlops.dev/v1alpha1",
            "fieldsType": "FieldsV1",
            "fieldsV1": {"f:spec": {"f:approval": {".": {}, "f:policy": {}}}},
        }
    ]
    assert argo_lua.merge_patch(script("freeze"), live) == {
        "metadata": {
            "annotations": {PREVIOUS_POLICY: "LatestApproved", FROZEN_BY: "freeze"},
        },
        "spec": {"approval": {"policy": "Pinned", "pinnedVersion": 3}},
    }
    frozen = load("testdata/pinned_v2_frozen.yaml")
    assert argo_lua.merge_patch(script("unfreeze"), frozen) == {
        "metadata": {
            "annotations": {PREVIOUS_POLICY: None, PREVIOUS_PINNED: None, FROZEN_BY: None},
        },
    }
    # Unfreezing to LatestApproved removes the pinned version with a null.
    assert argo_lua.merge_patch(
        script("unfreeze"), load("testdata/serving_v3_rolled_back.yaml")
    ) == {
        "metadata": {"annotations": None},
        "spec": {"approval": {"policy": "LatestApproved", "pinnedVersion": None}},
    }
