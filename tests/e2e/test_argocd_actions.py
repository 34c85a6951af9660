"""End to end: the Argo CD resource actions (manifests/argocd/actions) freeze, unfreeze and
rollback, applied as Argo CD applies them, against the real API server and the operator with
the SageMaker emulator.

Argo CD runs an action's Lua on the live object it reads from the API server, computes a
JSON merge patch from that object to the one the script returns, and sends it with the
merge-patch content type (to the status subresource first only if the patch touches status,
which these actions never do). Here argo-lua (Argo CD's Lua runtime and patch computation)
does the first two steps on the object `kubectl get` returns, and `kubectl patch --type merge`
sends the patch: the same request Argo CD's API server makes.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from devcluster import Toolchain
from devstack.registry import invoke
from support.argo_lua import ArgoLua
from support.e2e_stack import GROUP, Stack

pytestmark = pytest.mark.e2e

ACTIONS = Path(__file__).resolve().parents[2] / "manifests" / "argocd" / "actions"
PREVIOUS_POLICY = "sagemaker.mlops.dev/previous-approval-policy"
FROZEN_BY = "sagemaker.mlops.dev/frozen-by"


class ArgoCD:
    """What Argo CD's API server does for `argocd app actions list|run` on one resource."""

    def __init__(self, argo_lua: ArgoLua, stack: Stack, name: str) -> None:
        self.argo_lua = argo_lua
        self.stack = stack
        self.name = name

    def offered(self) -> dict[str, dict[str, Any]]:
        """The actions discovery offers on the live object, by name."""
        listed = self.argo_lua.discovery(ACTIONS / "discovery.lua", self.stack.get(self.name))
        return {action["name"]: action for action in listed}

    def run(self, action: str) -> dict[str, Any]:
        live = self.stack.get(self.name)
        patch = self.argo_lua.merge_patch(ACTIONS / action / "action.lua", live)
        # A patch without status goes to the resource itself in one request.
        assert "status" not in patch
        self.stack.kubectl(
            "patch",
            "mdep",
            self.name,
            "-n",
            self.stack.namespace,
            "--type",
            "merge",
            "-p",
            json.dumps(patch),
        )
        return patch


@pytest.fixture
def argo_lua(kube_toolchain: Toolchain) -> ArgoLua:
    return ArgoLua(kube_toolchain.argo_lua)


def _event_messages(stack: Stack, name: str) -> list[str]:
    listing = stack.kubectl.json(
        "get", "events", "-n", stack.namespace, "--field-selector", f"involvedObject.name={name}"
    )
    return [event["message"] for event in listing["items"]]


def _settled(stack: Stack, name: str) -> dict[str, Any]:
    """Ready (Deployed) for the current generation: the operator has seen the patched spec."""
    return stack.wait_condition(name, "Ready", reason="Deployed", timeout=60)


def test_freeze_holds_the_live_version_unfreeze_releases_it_rollback_returns(
    stack: Stack, argo_lua: ArgoLua
) -> None:
    stack.registry.register(GROUP, approval="Approved")
    stack.apply("fraud")
    stack.wait_serving("fraud", version=1)
    stack.registry.register(GROUP, approval="Approved")
    stack.wait_serving("fraud", version=2)
    argo = ArgoCD(argo_lua, stack, "fraud")

    # freeze: offered at the live version, pins it.
    offered = argo.offered()
    assert offered["freeze"].get("disabled") is None
    assert offered["freeze"]["displayName"] == "Freeze at version 2"
    assert offered["unfreeze"]["disabled"] is True
    patch = argo.run("freeze")
    assert patch == {
        "metadata": {"annotations": {PREVIOUS_POLICY: "LatestApproved", FROZEN_BY: "freeze"}},
        "spec": {"approval": {"policy": "Pinned", "pinnedVersion": 2}},
    }
    assert "version 2" in _settled(stack, "fraud")["message"]
    assert argo.offered()["freeze"]["disabled"] is True

    # A newer approval does not reach a frozen deployment (the registry is polled every 5 s).
    stack.emulator.reset_calls()
    stack.registry.register(GROUP, approval="Approved")
    time.sleep(12)
    assert stack.emulator.call_count("UpdateEndpoint") == 0
    assert invoke(stack.runtime, stack.endpoint_name("fraud"))["modelPackageVersion"] == 2
    assert stack.get("fraud")["status"]["modelPackage"]["version"] == 2
    assert stack.conditions("fraud")["Ready"]["reason"] == "Deployed"

    # unfreeze: back to LatestApproved, which now selects version 3.
    assert argo.offered()["unfreeze"]["displayName"] == "Unfreeze (back to LatestApproved)"
    argo.run("unfreeze")
    unfrozen = stack.get("fraud")
    assert unfrozen["spec"]["approval"] == {"policy": "LatestApproved"}
    assert not {PREVIOUS_POLICY, FROZEN_BY} & set(unfrozen["metadata"].get("annotations", {}))
    stack.wait_serving("fraud", version=3)
    assert stack.history("fraud")[0]["trigger"] == "NewApproval"

    # rollback: the previous successful version, 2, pinned; unfreeze would undo it.
    offered = argo.offered()
    assert offered["rollback"]["displayName"] == "Roll back to version 2"
    assert offered["freeze"]["displayName"] == "Freeze at version 3"
    patch = argo.run("rollback")
    assert patch["spec"] == {"approval": {"policy": "Pinned", "pinnedVersion": 2}}
    stack.wait_serving("fraud", version=2)
    ready = _settled(stack, "fraud")
    assert "version 2" in ready["message"]
    history = stack.history("fraud")
    assert [(h["version"], h["trigger"], h["outcome"]) for h in history[:4]] == [
        (2, "PinnedVersion", "Succeeded"),
        (3, "NewApproval", "Succeeded"),
        (2, "NewApproval", "Succeeded"),
        (1, "InitialDeployment", "Succeeded"),
    ]
    rolled_back = stack.get("fraud")
    assert rolled_back["metadata"]["annotations"][FROZEN_BY] == "rollback"
    assert rolled_back["metadata"]["annotations"][PREVIOUS_POLICY] == "LatestApproved"
    messages = _event_messages(stack, "fraud")
    assert any(m.startswith("Updating endpoint") and "to version 3 " in m for m in messages)
    assert any(m.startswith("Updating endpoint") and "to version 2 " in m for m in messages)
    assert sum(m.startswith("Now serving version 2 ") for m in messages) == 2
    # Now the previous success is the version the rollback left; unfreeze is offered.
    offered = argo.offered()
    assert offered["rollback"]["displayName"] == "Roll back to version 3"
    assert offered["freeze"]["disabled"] is True
    assert offered["unfreeze"].get("disabled") is None
