"""ClusterDirectory over the `kubernetes` client: namespace annotations (the tenant role a
namespace asks for) and whether a claimed owner still exists.

Namespace annotations are cached for a short while: every ModelDeployment of a namespace
asks on every reconcile, and a role mapping changes rarely. Owner lookups are never cached:
they decide whether an endpoint may be taken over, and run only in that rare case.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import kubernetes.client
import kubernetes.config
from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import HTTPError

from model_deployment_operator.domain.api_group import (
    GROUP,
    MODEL_DEPLOYMENTS,
    MODEL_ENDPOINTS,
    PLURALS,
    VERSION,
)
from model_deployment_operator.domain.errors import ClusterReadError
from model_deployment_operator.domain.naming import DeploymentRef
from model_deployment_operator.domain.ownership import OwnerPresence

REQUEST_TIMEOUT_SECONDS = 10.0
NOT_FOUND = 404
FORBIDDEN = 403


def api_client() -> Any:
    """In a pod, the ServiceAccount; elsewhere $KUBECONFIG or ~/.kube/config (as kopf)."""
    configuration = kubernetes.client.Configuration()
    try:
        kubernetes.config.load_incluster_config(client_configuration=configuration)
    except kubernetes.config.ConfigException:
        kubernetes.config.load_kube_config(client_configuration=configuration)
    return kubernetes.client.ApiClient(configuration)


def _detail(error: ApiException) -> str:
    return f"{error.status} {error.reason}".strip()


class KubernetesDirectory:
    """`client`: an ApiClient, or a function making one on first use (the operator starts
    before it can reach the cluster, as kopf does, and must not fail for it)."""

    def __init__(
        self,
        client: Any,
        *,
        namespace_ttl_seconds: float = 60.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client_source = client
        self._apis: tuple[Any, Any] | None = None
        self._ttl = namespace_ttl_seconds
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._annotations: dict[str, tuple[float, dict[str, str]]] = {}

    def _api(self) -> tuple[Any, Any]:
        """(CoreV1Api, CustomObjectsApi), connecting on first use."""
        with self._lock:
            if self._apis is None:
                source = self._client_source
                try:
                    client = source() if callable(source) else source
                except kubernetes.config.ConfigException as error:
                    raise ClusterReadError(
                        "the Kubernetes API configuration", str(error), forbidden=False
                    ) from error
                self._apis = (
                    kubernetes.client.CoreV1Api(client),
                    kubernetes.client.CustomObjectsApi(client),
                )
            return self._apis

    def namespace_annotation(self, namespace: str, key: str) -> str | None:
        now = self._monotonic()
        with self._lock:
            cached = self._annotations.get(namespace)
        if cached is None or now - cached[0] >= self._ttl:
            cached = (now, self._read_annotations(namespace))
            with self._lock:
                self._annotations[namespace] = cached
        return cached[1].get(key)

    def _read_annotations(self, namespace: str) -> dict[str, str]:
        what = f"namespace {namespace}"
        try:
            core, _ = self._api()
            found = core.read_namespace(namespace, _request_timeout=REQUEST_TIMEOUT_SECONDS)
        except ApiException as error:
            if error.status == NOT_FOUND:
                return {}
            raise ClusterReadError(
                what, _detail(error), forbidden=error.status == FORBIDDEN
            ) from error
        except HTTPError as error:
            raise ClusterReadError(what, str(error), forbidden=False) from error
        return dict(found.metadata.annotations or {})

    def owner_presence(self, owner: DeploymentRef) -> tuple[OwnerPresence, str]:
        try:
            _, custom = self._api()
        except ClusterReadError as error:
            return OwnerPresence.UNKNOWN, error.detail
        try:
            plural = PLURALS.get(owner.kind)
            if plural is None:
                return OwnerPresence.UNKNOWN, f"unknown owner kind {owner.kind}"
            found = custom.get_namespaced_custom_object(
                GROUP,
                VERSION,
                owner.namespace,
                plural,
                owner.name,
                _request_timeout=REQUEST_TIMEOUT_SECONDS,
            )
        except ApiException as error:
            if error.status == NOT_FOUND:
                return OwnerPresence.GONE, "not found"
            return OwnerPresence.UNKNOWN, _detail(error)
        except HTTPError as error:
            return OwnerPresence.UNKNOWN, str(error)
        uid = (found.get("metadata") or {}).get("uid")
        if uid == owner.uid:
            return OwnerPresence.LIVE, ""
        return OwnerPresence.GONE, f"{owner} now has uid {uid}"

    def model_endpoint(self, namespace: str, name: str) -> dict[str, Any] | None:
        """The ModelEndpoint object, or None when there is none."""
        what = f"ModelEndpoint {namespace}/{name}"
        _, custom = self._api()
        try:
            found = custom.get_namespaced_custom_object(
                GROUP,
                VERSION,
                namespace,
                MODEL_ENDPOINTS,
                name,
                _request_timeout=REQUEST_TIMEOUT_SECONDS,
            )
        except ApiException as error:
            if error.status == NOT_FOUND:
                return None
            raise ClusterReadError(
                what, _detail(error), forbidden=error.status == FORBIDDEN
            ) from error
        except HTTPError as error:
            raise ClusterReadError(what, str(error), forbidden=False) from error
        return dict(found)

    def placed_on(self, namespace: str, model_endpoint: str) -> tuple[dict[str, Any], ...]:
        """The ModelDeployments of `namespace` whose spec.endpointRef names the ModelEndpoint,
        by name."""
        what = f"ModelDeployments in namespace {namespace}"
        _, custom = self._api()
        try:
            listed = custom.list_namespaced_custom_object(
                GROUP,
                VERSION,
                namespace,
                MODEL_DEPLOYMENTS,
                _request_timeout=REQUEST_TIMEOUT_SECONDS,
            )
        except ApiException as error:
            raise ClusterReadError(
                what, _detail(error), forbidden=error.status == FORBIDDEN
            ) from error
        except HTTPError as error:
            raise ClusterReadError(what, str(error), forbidden=False) from error
        return tuple(
            sorted(
                (
                    dict(item)
                    for item in listed.get("items", [])
                    if ((item.get("spec") or {}).get("endpointRef") or {}).get("name")
                    == model_endpoint
                ),
                key=lambda item: str(item["metadata"]["name"]),
            )
        )
