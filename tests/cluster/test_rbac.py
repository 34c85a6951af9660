"""RBAC is enforced: identities from minted client certificates get exactly their bindings."""

from __future__ import annotations

import json
import time

import pytest

from devcluster import Kubectl, KubectlError
from support.cluster_fixtures import KubeconfigFactory

pytestmark = pytest.mark.cluster


def eventually(kubectl: Kubectl, *args: str, timeout: float = 15.0) -> str:
    """Run until it succeeds: a new RoleBinding reaches the authorizer's cache shortly after."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return kubectl(*args)
        except KubectlError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def whoami(kubectl: Kubectl) -> tuple[str, set[str]]:
    review = kubectl.json("auth", "whoami")
    info = review["status"]["userInfo"]
    return info["username"], set(info.get("groups", []))


def test_admin_kubeconfig_is_a_cluster_admin(kubectl: Kubectl) -> None:
    _, groups = whoami(kubectl)
    assert "system:authenticated" in groups
    assert kubectl.run("auth", "can-i", "*", "*", "--all-namespaces").strip() == "yes"


def test_minted_identity_has_the_requested_user_and_groups(
    kubectl: Kubectl, kubeconfig_factory: KubeconfigFactory
) -> None:
    alice = kubectl.with_kubeconfig(kubeconfig_factory("alice", ["team-a", "auditors"]))

    assert whoami(alice) == ("alice", {"team-a", "auditors", "system:authenticated"})


def test_user_without_a_binding_is_denied_and_with_one_is_allowed(
    kubectl: Kubectl, kubeconfig_factory: KubeconfigFactory, namespace: str
) -> None:
    bob = kubectl.with_kubeconfig(kubeconfig_factory("bob"))

    with pytest.raises(KubectlError) as denied:
        bob("get", "configmaps", "-n", namespace)
    assert 'User "bob" cannot list resource "configmaps"' in denied.value.stderr
    assert (
        bob.run("auth", "can-i", "list", "configmaps", "-n", namespace, check=False).strip() == "no"
    )

    kubectl(
        "create", "role", "cm-reader", "-n", namespace, "--verb=get,list", "--resource=configmaps"
    )
    kubectl("create", "rolebinding", "bob-reads", "-n", namespace, "--role=cm-reader", "--user=bob")
    kubectl("create", "configmap", "visible", "-n", namespace, "--from-literal=a=b")

    assert (
        eventually(bob, "get", "configmap", "visible", "-n", namespace, "-o", "name")
        == "configmap/visible\n"
    )
    # Only what the Role grants, only where it is bound.
    with pytest.raises(KubectlError, match='cannot create resource "configmaps"'):
        bob("create", "configmap", "nope", "-n", namespace)
    with pytest.raises(KubectlError, match="forbidden"):
        bob("get", "configmaps", "-n", "default")


def test_group_bindings_apply_to_members_only(
    kubectl: Kubectl, kubeconfig_factory: KubeconfigFactory, namespace: str
) -> None:
    kubectl("create", "role", "secret-reader", "-n", namespace, "--verb=list", "--resource=secrets")
    kubectl(
        "create", "rolebinding", "team-b", "-n", namespace, "--role=secret-reader", "--group=team-b"
    )
    member = kubectl.with_kubeconfig(kubeconfig_factory("carol", ["team-b"]))
    outsider = kubectl.with_kubeconfig(kubeconfig_factory("dave", ["team-c"]))

    eventually(member, "get", "secrets", "-n", namespace)
    with pytest.raises(KubectlError, match='User "dave" cannot list resource "secrets"'):
        outsider("get", "secrets", "-n", namespace)


def test_service_account_identity_gets_the_service_accounts_bindings(
    kubectl: Kubectl, kubeconfig_factory: KubeconfigFactory, namespace: str
) -> None:
    """How the end-to-end tests run the operator: as its ServiceAccount, under its RBAC."""
    kubectl("create", "serviceaccount", "robot", "-n", namespace)
    kubectl(
        "create",
        "role",
        "cm-writer",
        "-n",
        namespace,
        "--verb=get,list,watch,create,patch",
        "--resource=configmaps",
    )
    kubectl(
        "create",
        "rolebinding",
        "robot-writes",
        "-n",
        namespace,
        "--role=cm-writer",
        f"--serviceaccount={namespace}:robot",
    )
    robot = kubectl.with_kubeconfig(kubeconfig_factory.service_account(namespace, "robot"))

    user, groups = whoami(robot)
    assert user == f"system:serviceaccount:{namespace}:robot"
    assert groups == {
        "system:serviceaccounts",
        f"system:serviceaccounts:{namespace}",
        "system:authenticated",
    }
    # The kubeconfig's context defaults to the ServiceAccount's namespace.
    eventually(robot, "create", "configmap", "made-by-robot", "--from-literal=x=y")
    made = kubectl.json(
        "get", "configmap", "made-by-robot", "-n", namespace, "--show-managed-fields"
    )
    assert made["data"] == {"x": "y"}
    managers = {m["manager"] for m in made["metadata"]["managedFields"]}
    assert "kubectl-create" in managers
    with pytest.raises(KubectlError, match="cannot delete resource"):
        robot("delete", "configmap", "made-by-robot")
    with pytest.raises(KubectlError, match='cannot list resource "configmaps"'):
        robot("get", "configmaps", "-n", "default")


def test_a_cluster_role_binding_grants_cluster_wide(
    kubectl: Kubectl, kubeconfig_factory: KubeconfigFactory, namespace: str
) -> None:
    name = f"ns-viewer-{namespace}"
    kubectl("create", "clusterrole", name, "--verb=get,list", "--resource=namespaces")
    try:
        kubectl("create", "clusterrolebinding", name, f"--clusterrole={name}", "--user=erin")
        erin = kubectl.with_kubeconfig(kubeconfig_factory("erin"))
        names = json.loads(eventually(erin, "get", "namespaces", "-o", "json"))["items"]
        assert namespace in {n["metadata"]["name"] for n in names}
    finally:
        kubectl("delete", "clusterrolebinding", name, "--ignore-not-found")
        kubectl("delete", "clusterrole", name, "--ignore-not-found")
