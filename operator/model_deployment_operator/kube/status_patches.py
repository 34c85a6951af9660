"""Writing the status subresource: a JSON merge patch (RFC 7386) of what changed, sent
without a resourceVersion (only the operator writes status, and a merge patch of a few
fields cannot undo anyone's spec edit). The API server answers with the stored object,
which the caller keeps as the newest version it knows."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import kubernetes.client
from kubernetes.client.exceptions import ApiException

from model_deployment_operator.domain.api_group import GROUP, PLURALS, VERSION
from model_deployment_operator.domain.naming import DeploymentRef
from model_deployment_operator.kube.directory import NOT_FOUND, REQUEST_TIMEOUT_SECONDS

MERGE_PATCH = "application/merge-patch+json"


class KubernetesStatusPatches:
    """`client`: a function making the ApiClient on first use."""

    def __init__(self, client: Callable[[], Any]) -> None:
        self._client_source = client
        self._custom: Any = None

    def patch_status(self, ref: DeploymentRef, changes: Mapping[str, Any]) -> dict[str, Any] | None:
        if self._custom is None:
            self._custom = kubernetes.client.CustomObjectsApi(self._client_source())
        try:
            stored = self._custom.patch_namespaced_custom_object_status(
                GROUP,
                VERSION,
                ref.namespace,
                PLURALS[ref.kind],
                ref.name,
                {"status": dict(changes)},
                _content_type=MERGE_PATCH,
                _request_timeout=REQUEST_TIMEOUT_SECONDS,
            )
        except ApiException as error:
            if error.status == NOT_FOUND:
                return None
            raise
        return dict(stored)
