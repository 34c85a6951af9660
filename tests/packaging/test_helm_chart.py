"""The Helm chart and the plain manifests, checked with the pinned helm and kubectl against
the local API server (devcluster).

- `helm lint --strict` passes; values.schema.json makes `helm template` fail with a clear
  message for bad values.
- The chart grants exactly the RBAC rules of manifests/rbac.yaml, which the end-to-end tests
  run the operator under, cluster-wide or per watched namespace.
- `kubectl kustomize manifests` is the chart with default values.
- Everything rendered passes the API server's validation (server-side dry run, after the
  CRD is installed), and the operator's pod is admitted, for real, into a namespace that
  enforces the "restricted" Pod Security Standard, while a pod without those settings is not.
"""

from __future__ import annotations

import copy
import json
import secrets
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from devcluster import Kubectl, KubectlError

pytestmark = pytest.mark.cluster

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "helm" / "model-deployment-operator"
CRDS = ROOT / "crds"
RELEASE = "model-deployment-operator"
OPERATOR_NAMESPACE = "mdo-system"
CRD_NAMES = ["modeldeployments.sagemaker.mlops.dev", "modelendpoints.sagemaker.mlops.dev"]
HELM_ONLY_LABELS = ("helm.sh/chart", "app.kubernetes.io/managed-by", "app.kubernetes.io/version")

Helm = Callable[..., subprocess.CompletedProcess[str]]
Documents = list[dict[str, Any]]


def render(
    helm: Helm, *options: str, release: str = RELEASE, namespace: str = OPERATOR_NAMESPACE
) -> Documents:
    output = helm("template", release, str(CHART), "--namespace", namespace, *options).stdout
    return [doc for doc in yaml.safe_load_all(output) if doc]


def kustomize(kubectl: Kubectl) -> Documents:
    return [doc for doc in yaml.safe_load_all(kubectl("kustomize", str(ROOT / "manifests"))) if doc]


def find(documents: Documents, kind: str, name: str | None = None) -> list[dict[str, Any]]:
    return [
        doc
        for doc in documents
        if doc["kind"] == kind and (name is None or doc["metadata"]["name"] == name)
    ]


def one(documents: Documents, kind: str, name: str | None = None) -> dict[str, Any]:
    (found,) = find(documents, kind, name)
    return found


def env_of(deployment: dict[str, Any]) -> dict[str, str]:
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    return {item["name"]: item.get("value", "") for item in container["env"]}


MANIFEST_RBAC = list(yaml.safe_load_all((ROOT / "manifests" / "rbac.yaml").read_text()))
OPERATOR_RULES = one(MANIFEST_RBAC, "ClusterRole", "model-deployment-operator")["rules"]


def server_dry_run(kubectl: Kubectl, documents: Documents) -> str:
    """`kubectl apply --dry-run=server`: admission, schema and field validation, no writes."""
    text = "\n---\n".join(yaml.safe_dump(doc) for doc in documents)
    return kubectl.run(
        "apply", "--dry-run=server", "--server-side", "--field-manager=tests", "-f", "-", input=text
    )


CLUSTER_RBAC_KINDS = ("ClusterRole", "ClusterRoleBinding")


def into_namespace(documents: Documents, namespace: str) -> Documents:
    """Move what the manifests put in mdo-system into a test namespace.

    Cluster-wide RBAC objects get the namespace as a name suffix: the end-to-end tests
    install the real ones on the same API server, and a binding whose subjects differ
    would be a server-side apply conflict rather than a validation result."""
    moved = copy.deepcopy(documents)
    for doc in moved:
        if doc["metadata"].get("namespace") == OPERATOR_NAMESPACE:
            doc["metadata"]["namespace"] = namespace
        if doc["kind"] in CLUSTER_RBAC_KINDS:
            doc["metadata"]["name"] += f"-{namespace}"
        role_ref = doc.get("roleRef", {})
        if role_ref.get("kind") == "ClusterRole":
            role_ref["name"] += f"-{namespace}"
        for subject in doc.get("subjects", []):
            if subject.get("namespace") == OPERATOR_NAMESPACE:
                subject["namespace"] = namespace
    return moved


# ----------------------------------------------------------------------------- helm itself


@pytest.mark.parametrize(
    "options",
    [
        (),
        ("--set", "watchNamespaces={ml-prod,ml-staging}"),
        ("--set", "metrics.enabled=true,metrics.serviceMonitor.enabled=true"),
        ("--set", "aws.region=eu-west-1,operator.defaultDeletionPolicy=Retain,replicaCount=0"),
        ("--set", "replicaCount=2"),
    ],
    ids=["defaults", "namespaced", "metrics", "retain-paused", "two-replicas"],
)
def test_helm_lint_strict(helm: Helm, options: tuple[str, ...]) -> None:
    result = helm("lint", "--strict", str(CHART), *options)
    assert "0 chart(s) failed" in result.stdout


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("replicaCount=-1", "at '/replicaCount': minimum: got -1, want 0"),
        (
            "leaderElection.renewDeadlineSeconds=8",
            "leaderElection needs leaseDurationSeconds > renewDeadlineSeconds > retryPeriodSeconds",
        ),
        ("unknownKey=1", "additional properties 'unknownKey' not allowed"),
        ("operator.defaultDeletionPolicy=Keep", "value must be one of 'Delete', 'Retain'"),
        ("securityContext.runAsUser=0", "at '/securityContext/runAsUser': minimum"),
        ("watchNamespaces={Team_A}", "at '/watchNamespaces/0'"),
        ("metrics.serviceMonitor.enabled=true", "needs metrics.enabled=true"),
    ],
)
def test_bad_values_fail_with_a_message(helm: Helm, setting: str, message: str) -> None:
    result = helm("template", RELEASE, str(CHART), "--set", setting, check=False)
    assert result.returncode != 0
    assert message in result.stderr


def test_chart_ships_the_canonical_crds(helm: Helm) -> None:
    """Both kinds; helm prints the files one after the other (no document separator)."""
    shown = helm("show", "crds", str(CHART)).stdout
    assert shown.count("kind: CustomResourceDefinition") == len(CRD_NAMES)
    for name in CRD_NAMES:
        assert (CRDS / f"{name}.yaml").read_text().strip() in shown


# ----------------------------------------------------------------------------- RBAC


def test_cluster_role_rules_equal_manifests_rbac(helm: Helm) -> None:
    rendered = render(helm)
    assert one(rendered, "ClusterRole", RELEASE)["rules"] == OPERATOR_RULES
    for suffix in ("-edit", "-view"):
        name = f"model-deployment-operator{suffix}"
        assert (
            one(rendered, "ClusterRole", name)["rules"]
            == one(MANIFEST_RBAC, "ClusterRole", name)["rules"]
        )
        labels = one(rendered, "ClusterRole", name)["metadata"]["labels"]
        expected = one(MANIFEST_RBAC, "ClusterRole", name)["metadata"]["labels"]
        assert {k: v for k, v in labels.items() if k.startswith("rbac.")} == {
            k: v for k, v in expected.items() if k.startswith("rbac.")
        }
    binding = one(rendered, "ClusterRoleBinding", RELEASE)
    assert binding["roleRef"] == one(MANIFEST_RBAC, "ClusterRoleBinding")["roleRef"]
    assert binding["subjects"] == one(MANIFEST_RBAC, "ClusterRoleBinding")["subjects"]
    assert find(rendered, "Role") == find(rendered, "RoleBinding") == []
    assert "MDO_NAMESPACES" not in env_of(one(rendered, "Deployment"))


def test_the_operator_may_do_to_model_endpoints_what_it_may_do_to_model_deployments(
    helm: Helm,
) -> None:
    """A ModelEndpoint is reconciled like a ModelDeployment (finalizer, status), and users
    edit and view both through the aggregated roles."""

    def verbs(rules: list[dict[str, Any]], resource: str) -> set[str]:
        return {
            verb
            for rule in rules
            if "sagemaker.mlops.dev" in rule["apiGroups"] and resource in rule["resources"]
            for verb in rule["verbs"]
        }

    rendered = render(helm)
    for documents in (rendered, MANIFEST_RBAC):
        for name in (RELEASE, f"{RELEASE}-edit", f"{RELEASE}-view"):
            rules = one(documents, "ClusterRole", name)["rules"]
            for suffix in ("", "/status"):
                deployments = verbs(rules, f"modeldeployments{suffix}")
                assert verbs(rules, f"modelendpoints{suffix}") == deployments, (name, suffix)
        operator_rules = one(documents, "ClusterRole", RELEASE)["rules"]
        assert verbs(operator_rules, "modelendpoints") == {"get", "list", "watch", "patch"}
        assert verbs(operator_rules, "modelendpoints/status") == {"get", "patch"}
    for role in find(render(helm, "--set", "watchNamespaces={ml-prod}"), "Role"):
        assert verbs(role["rules"], "modelendpoints/status") == {"get", "patch"}


def test_watch_namespaces_gets_a_role_per_namespace_and_no_cluster_access(helm: Helm) -> None:
    rendered = render(helm, "--set", "watchNamespaces={ml-prod,ml-staging}")
    roles = find(rendered, "Role")
    assert {r["metadata"]["namespace"] for r in roles} == {"ml-prod", "ml-staging"}
    namespaced_rules = [r for r in OPERATOR_RULES if r["resources"] != ["namespaces"]]
    assert all(role["rules"] == namespaced_rules for role in roles)
    for binding in find(rendered, "RoleBinding"):
        assert binding["roleRef"] == {
            "apiGroup": "rbac.authorization.k8s.io",
            "kind": "Role",
            "name": RELEASE,
        }
        assert binding["subjects"] == [
            {"kind": "ServiceAccount", "name": RELEASE, "namespace": OPERATOR_NAMESPACE}
        ]
    assert len(find(rendered, "RoleBinding")) == 2
    # Cluster-wide, the operator may only read its own namespaces (their tenant role
    # annotation); besides that only the aggregated edit/view roles exist.
    assert {r["metadata"]["name"] for r in find(rendered, "ClusterRole")} == {
        f"{RELEASE}-edit",
        f"{RELEASE}-view",
        f"{RELEASE}-namespaces",
    }
    assert one(rendered, "ClusterRole", f"{RELEASE}-namespaces")["rules"] == [
        {
            "apiGroups": [""],
            "resources": ["namespaces"],
            "verbs": ["get"],
            "resourceNames": ["ml-prod", "ml-staging"],
        }
    ]
    (binding,) = find(rendered, "ClusterRoleBinding")
    assert binding["roleRef"]["name"] == f"{RELEASE}-namespaces"
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": RELEASE, "namespace": OPERATOR_NAMESPACE}
    ]
    assert env_of(one(rendered, "Deployment"))["MDO_NAMESPACES"] == "ml-prod,ml-staging"


# ----------------------------------------------------------------------------- high availability

LEASE_RULES = [
    {
        "apiGroups": ["coordination.k8s.io"],
        "resources": ["leases"],
        "resourceNames": [RELEASE],
        "verbs": ["get", "update"],
    },
    {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "verbs": ["create"]},
]


def test_one_replica_runs_without_leader_election(helm: Helm) -> None:
    rendered = render(helm)
    assert find(rendered, "PodDisruptionBudget") == find(rendered, "Role") == []
    assert not [name for name in env_of(one(rendered, "Deployment")) if "LEASE" in name]
    assert "MDO_LEADER_ELECTION" not in env_of(one(rendered, "Deployment"))


def test_two_replicas_elect_a_leader_on_one_lease(helm: Helm) -> None:
    rendered = render(helm, "--set", "replicaCount=2")
    deployment = one(rendered, "Deployment")
    assert deployment["spec"]["replicas"] == 2
    # Safe with a leader: new pods start as standbys; the old leader releases the Lease.
    assert deployment["spec"]["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0},
    }
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    env = {item["name"]: item for item in container["env"]}
    assert env["MDO_LEADER_ELECTION"]["value"] == "true"
    assert env["MDO_LEADER_ELECTION_LEASE_NAME"]["value"] == RELEASE
    assert env["MDO_LEADER_ELECTION_NAMESPACE"]["valueFrom"] == {
        "fieldRef": {"fieldPath": "metadata.namespace"}
    }
    assert {name: env[name]["value"] for name in env if name.startswith("MDO_LEASE_")} == {
        "MDO_LEASE_DURATION_SECONDS": "8",
        "MDO_LEASE_RENEW_DEADLINE_SECONDS": "6",
        "MDO_LEASE_RETRY_PERIOD_SECONDS": "2",
    }
    budget = one(rendered, "PodDisruptionBudget")
    assert budget["metadata"]["namespace"] == OPERATOR_NAMESPACE
    assert budget["spec"] == {
        "minAvailable": 1,
        "selector": {"matchLabels": deployment["spec"]["selector"]["matchLabels"]},
    }
    role = one(rendered, "Role", f"{RELEASE}-leader-election")
    assert role["metadata"]["namespace"] == OPERATOR_NAMESPACE
    assert role["rules"] == LEASE_RULES
    binding = one(rendered, "RoleBinding", f"{RELEASE}-leader-election")
    assert binding["roleRef"]["name"] == role["metadata"]["name"]
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": RELEASE, "namespace": OPERATOR_NAMESPACE}
    ]
    # Nothing else changes: the operator's own rules are those of a single replica.
    assert one(rendered, "ClusterRole", RELEASE)["rules"] == OPERATOR_RULES


def test_leader_election_with_one_replica_has_no_disruption_budget(helm: Helm) -> None:
    """A budget of one pod would only block node drains."""
    rendered = render(helm, "--set", "leaderElection.enabled=true,watchNamespaces={ml-prod}")
    assert find(rendered, "PodDisruptionBudget") == []
    assert one(rendered, "Role", f"{RELEASE}-leader-election")["rules"] == LEASE_RULES
    assert env_of(one(rendered, "Deployment"))["MDO_LEADER_ELECTION"] == "true"


def test_lease_timings_reach_the_operator(helm: Helm) -> None:
    rendered = render(
        helm,
        "--set",
        "replicaCount=3,leaderElection.leaseDurationSeconds=15,"
        "leaderElection.renewDeadlineSeconds=10",
        # --set reads 2.5 as a string; the schema wants a number.
        "--set-json",
        "leaderElection.retryPeriodSeconds=2.5",
    )
    env = env_of(one(rendered, "Deployment"))
    assert env["MDO_LEASE_DURATION_SECONDS"] == "15"
    assert env["MDO_LEASE_RENEW_DEADLINE_SECONDS"] == "10"
    assert env["MDO_LEASE_RETRY_PERIOD_SECONDS"] == "2.5"


# ----------------------------------------------------------------------------- the pod


def test_deployment_runs_one_restricted_pod(helm: Helm) -> None:
    deployment = one(render(helm), "Deployment")
    spec = deployment["spec"]
    assert spec["replicas"] == 1
    assert spec["strategy"] == {"type": "Recreate"}
    pod = spec["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == 65532
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["terminationGracePeriodSeconds"] == 30
    (container,) = pod["containers"]
    assert container["securityContext"] == {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "runAsNonRoot": True,
        "capabilities": {"drop": ["ALL"]},
    }
    assert container["volumeMounts"] == [{"name": "tmp", "mountPath": "/tmp"}]  # noqa: S108
    assert pod["volumes"][0]["emptyDir"]["sizeLimit"] == "64Mi"
    for probe in ("livenessProbe", "readinessProbe"):
        assert container[probe]["httpGet"] == {"path": "/healthz", "port": "health"}
    assert {"name": "health", "containerPort": 8080, "protocol": "TCP"} in container["ports"]
    assert env_of(deployment)["MDO_HEALTH_BIND"] == "0.0.0.0:8080"
    assert container["resources"]["requests"] == {"cpu": "100m", "memory": "256Mi"}
    assert set(container["resources"]["limits"]) == {"cpu", "memory"}


def test_values_reach_the_operator_as_settings(helm: Helm) -> None:
    deployment = one(
        render(
            helm,
            "--set",
            "aws.region=eu-west-1,operator.defaultDeletionPolicy=Retain,metrics.enabled=true,"
            "operator.registryEventsQueueUrl=https://sqs.eu-west-1.amazonaws.com/111122223333/q,"
            "image.digest=sha256:" + "a" * 64,
        ),
        "Deployment",
    )
    env = env_of(deployment)
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "eu-west-1"
    assert env["MDO_DEFAULT_DELETION_POLICY"] == "Retain"
    assert env["MDO_METRICS_BIND"] == "0.0.0.0:9090"
    assert env["MDO_REGISTRY_EVENTS_QUEUE_URL"].endswith("/111122223333/q")
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    assert container["image"] == "model-deployment-operator@sha256:" + "a" * 64


def _normalised(doc: dict[str, Any]) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    labels = doc["metadata"].get("labels", {})
    for key in HELM_ONLY_LABELS:
        labels.pop(key, None)
    return doc


def test_kustomize_manifests_equal_the_chart_defaults(helm: Helm, kubectl: Kubectl) -> None:
    chart = render(helm)
    plain = kustomize(kubectl)
    assert _normalised(one(plain, "Deployment")) == _normalised(one(chart, "Deployment"))
    assert (
        one(plain, "ServiceAccount")["metadata"]["name"]
        == one(chart, "ServiceAccount")["metadata"]["name"]
    )
    assert (
        one(plain, "ClusterRole", RELEASE)["rules"] == one(chart, "ClusterRole", RELEASE)["rules"]
    )
    assert (
        one(plain, "ClusterRoleBinding")["subjects"] == one(chart, "ClusterRoleBinding")["subjects"]
    )
    namespace = one(plain, "Namespace", OPERATOR_NAMESPACE)
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    crds = find(plain, "CustomResourceDefinition")
    assert sorted(crd["metadata"]["name"] for crd in crds) == CRD_NAMES


# ----------------------------------------------------------------------------- API server


@pytest.mark.parametrize("variant", ["defaults", "namespaced", "metrics", "two-replicas"])
def test_rendered_chart_passes_server_side_validation(
    helm: Helm, kubectl: Kubectl, crd_installed: str, namespace: str, variant: str
) -> None:
    options = {
        "defaults": (),
        "namespaced": ("--set", f"watchNamespaces={{{namespace}}}"),
        "metrics": ("--set", "metrics.enabled=true"),
        "two-replicas": ("--set", "replicaCount=2"),
    }[variant]
    release = f"mdo-{secrets.token_hex(3)}"
    documents = render(helm, *options, release=release, namespace=namespace)
    output = server_dry_run(kubectl, documents)
    assert output.count("(server dry run)") == len(documents)


def test_kustomize_output_passes_server_side_validation(
    kubectl: Kubectl, crd_installed: str, namespace: str
) -> None:
    documents = into_namespace(kustomize(kubectl), namespace)
    output = server_dry_run(kubectl, documents)
    assert output.count("(server dry run)") == len(documents)


def test_helm_install_dry_run_prints_notes(helm: Helm, crd_installed: str, namespace: str) -> None:
    result = helm(
        "install",
        f"mdo-{secrets.token_hex(3)}",
        str(CHART),
        "--namespace",
        namespace,
        "--dry-run=server",
        "--set",
        f"aws.region=us-west-2,watchNamespaces={{{namespace}}}",
    )
    notes = result.stdout.split("NOTES:", 1)[1]
    assert "AWS region:       us-west-2" in notes
    assert f"Watching:         namespaces {namespace}" in notes
    assert "Deletion policy:  Delete" in notes
    assert "rollout status deployment/" in notes
    assert "kubectl apply --server-side -f helm/model-deployment-operator/crds/" in notes
    assert "Replicas:         1\n" in notes


def test_helm_install_dry_run_names_the_lease(
    helm: Helm, crd_installed: str, namespace: str
) -> None:
    release = f"mdo-{secrets.token_hex(3)}"
    result = helm(
        "install",
        release,
        str(CHART),
        "--namespace",
        namespace,
        "--dry-run=server",
        "--set",
        f"replicaCount=2,watchNamespaces={{{namespace}}}",
    )
    notes = result.stdout.split("NOTES:", 1)[1]
    lease = f"{release}-model-deployment-operator"
    assert f"Replicas:         2, one leader elected on Lease {namespace}/{lease}" in notes


@pytest.fixture
def restricted_namespace(kubectl: Kubectl, namespace: str) -> str:
    kubectl(
        "label",
        "namespace",
        namespace,
        "--overwrite",
        "pod-security.kubernetes.io/enforce=restricted",
        "pod-security.kubernetes.io/enforce-version=latest",
        "pod-security.kubernetes.io/warn=restricted",
    )
    return namespace


def _pod_from(deployment: dict[str, Any], namespace: str, name: str) -> dict[str, Any]:
    template = deployment["spec"]["template"]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": template["metadata"]["labels"],
        },
        "spec": template["spec"],
    }


@pytest.fixture
def operator_service_account(kubectl: Kubectl, restricted_namespace: str) -> str:
    kubectl("create", "serviceaccount", RELEASE, "-n", restricted_namespace)
    return RELEASE


@pytest.mark.parametrize("source", ["chart", "manifests"])
def test_operator_pod_is_admitted_under_restricted_pod_security(
    helm: Helm,
    kubectl: Kubectl,
    restricted_namespace: str,
    operator_service_account: str,
    source: str,
) -> None:
    documents = render(helm) if source == "chart" else kustomize(kubectl)
    deployment = one(documents, "Deployment")
    # The Deployment itself: PodSecurity checks its pod template and would warn.
    moved = into_namespace([deployment], restricted_namespace)[0]
    result = kubectl.run("apply", "-f", "-", input=json.dumps(moved))
    assert "created" in result
    # A real Pod with the same spec: PodSecurity enforces on pods, so this is the proof.
    pod = _pod_from(deployment, restricted_namespace, f"operator-{source}")
    kubectl.apply(pod)
    stored = kubectl.json("get", "pod", pod["metadata"]["name"], "-n", restricted_namespace)
    assert stored["spec"]["securityContext"]["runAsNonRoot"] is True


def test_pod_security_admission_really_enforces(
    helm: Helm, kubectl: Kubectl, restricted_namespace: str, operator_service_account: str
) -> None:
    """The control experiment: without the restricted settings the same pod is rejected,
    so the test above cannot pass merely because admission is off."""
    pod = _pod_from(one(render(helm), "Deployment"), restricted_namespace, "unrestricted")
    (container,) = pod["spec"]["containers"]
    del container["securityContext"]
    with pytest.raises(KubectlError, match="violates PodSecurity"):
        kubectl.apply(pod)


def test_installation_and_selector_reach_the_operator(helm: Helm) -> None:
    default = env_of(one(render(helm, release="ml.team-a"), "Deployment"))
    assert default["MDO_INSTALLATION"] == "ml-team-a", "the release name, as a DNS label"
    assert "MDO_SELECTOR" not in default
    chosen = env_of(
        one(
            render(helm, "--set", "installation=fraud", "--set", "selector=team in (fraud)"),
            "Deployment",
        )
    )
    assert (chosen["MDO_INSTALLATION"], chosen["MDO_SELECTOR"]) == ("fraud", "team in (fraud)")
    refused = helm("template", RELEASE, str(CHART), "--set", "installation=Team_A", check=False)
    assert refused.returncode != 0
    assert "at '/installation'" in refused.stderr


def test_two_releases_in_two_namespaces_share_no_object_name(helm: Helm) -> None:
    """Cluster-scoped objects are named after the release, and the CRDs (in crds/, which
    Helm installs once and never upgrades) are not part of any release's templates."""
    first = render(helm, "--set", "selector=team=a", release="mdo-a", namespace="mdo-a")
    second = render(helm, "--set", "selector=team=b", release="mdo-b", namespace="mdo-b")

    def identities(documents: Documents) -> set[tuple[str, str, str]]:
        return {
            (doc["kind"], doc["metadata"].get("namespace", ""), doc["metadata"]["name"])
            for doc in documents
        }

    assert identities(first).isdisjoint(identities(second))
    assert not find(first, "CustomResourceDefinition")
    cluster_scoped = {
        name for kind, _, name in identities(first) if kind in ("ClusterRole", "ClusterRoleBinding")
    }
    assert cluster_scoped
    assert all(name.startswith("mdo-a") for name in cluster_scoped)
