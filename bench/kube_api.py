"""The benchmark's Kubernetes calls, through the `kubernetes` Python client (as the operator
itself and most users' tooling reach the API server), not by shelling out to kubectl."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from kubernetes import client, config
from kubernetes.client.rest import ApiException

API_GROUP = "sagemaker.mlops.dev"
API_VERSION = "v1alpha1"
PLURAL = "modeldeployments"
NOT_FOUND = 404
CONFLICT = 409


def api_client(kubeconfig: Path, pool_size: int = 16) -> Any:
    configuration = client.Configuration()
    config.load_kube_config(config_file=str(kubeconfig), client_configuration=configuration)
    configuration.connection_pool_maxsize = pool_size
    return client.ApiClient(configuration)


class BenchKube:
    """ModelDeployments, namespaces, the Lease and its RBAC, as the cluster admin."""

    def __init__(self, kubeconfig: Path, pool_size: int = 16) -> None:
        self.kubeconfig = kubeconfig
        self.api = api_client(kubeconfig, pool_size)
        self.core = client.CoreV1Api(self.api)
        self.custom = client.CustomObjectsApi(self.api)
        self.rbac = client.RbacAuthorizationV1Api(self.api)
        self.coordination = client.CoordinationV1Api(self.api)
        self.pool_size = pool_size

    def create_namespace(self, name: str) -> None:
        try:
            self.core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=name)))
        except ApiException as error:
            if error.status != CONFLICT:
                raise

    def create_deployment(self, namespace: str, body: dict[str, Any]) -> None:
        self.custom.create_namespaced_custom_object(API_GROUP, API_VERSION, namespace, PLURAL, body)

    def create_deployments(self, namespace: str, bodies: Sequence[dict[str, Any]]) -> None:
        """Several at once, as `kubectl apply` of a large manifest or a GitOps sync would."""
        with ThreadPoolExecutor(max_workers=min(8, self.pool_size)) as pool:
            for future in [pool.submit(self.create_deployment, namespace, b) for b in bodies]:
                future.result()

    def list_deployments(self, namespace: str) -> tuple[list[dict[str, Any]], str]:
        """The items and the list's resourceVersion, to watch from."""
        listing = self.custom.list_namespaced_custom_object(
            API_GROUP, API_VERSION, namespace, PLURAL
        )
        return list(listing["items"]), str(listing["metadata"]["resourceVersion"])

    def grant_lease(self, namespace: str, lease: str, service_account: str) -> None:
        """The Role and RoleBinding the chart renders for leader election: the one Lease."""
        name = f"{lease}-leader-election"
        role = client.V1Role(
            metadata=client.V1ObjectMeta(name=name, namespace=namespace),
            rules=[
                client.V1PolicyRule(
                    api_groups=["coordination.k8s.io"],
                    resources=["leases"],
                    resource_names=[lease],
                    verbs=["get", "update"],
                ),
                client.V1PolicyRule(
                    api_groups=["coordination.k8s.io"], resources=["leases"], verbs=["create"]
                ),
            ],
        )
        binding = client.V1RoleBinding(
            metadata=client.V1ObjectMeta(name=name, namespace=namespace),
            role_ref=client.V1RoleRef(
                api_group="rbac.authorization.k8s.io", kind="Role", name=name
            ),
            subjects=[
                client.RbacV1Subject(
                    kind="ServiceAccount", name=service_account, namespace=namespace
                )
            ],
        )
        for create, body in (
            (self.rbac.create_namespaced_role, role),
            (self.rbac.create_namespaced_role_binding, binding),
        ):
            try:
                create(namespace, body)
            except ApiException as error:
                if error.status != CONFLICT:
                    raise

    def lease_holder(self, namespace: str, name: str) -> str | None:
        try:
            lease = self.coordination.read_namespaced_lease(name, namespace)
        except ApiException as error:
            if error.status == NOT_FOUND:
                return None
            raise
        holder = lease.spec.holder_identity if lease.spec else None
        return str(holder) if holder else None
