"""Claiming a ModelDeployment or ModelEndpoint for this installation: a merge patch of one
annotation carrying the resourceVersion it was read at, so the API server refuses it (409)
if anything, such as another installation's claim, changed the object meanwhile."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import kubernetes.client
from kubernetes.client.exceptions import ApiException

from model_deployment_operator.domain.api_group import GROUP, PLURALS, VERSION
from model_deployment_operator.domain.installation import claim_patch
from model_deployment_operator.domain.naming import DeploymentRef
from model_deployment_operator.kube.directory import REQUEST_TIMEOUT_SECONDS

CONFLICT = 409


class KubernetesClaims:
    """`client`: a function making the ApiClient on first use."""

    def __init__(self, client: Callable[[], Any], installation: str) -> None:
        self._client_source = client
        self._custom: Any = None
        self.installation = installation

    def claim(self, ref: DeploymentRef, resource_version: str) -> bool:
        if self._custom is None:
            self._custom = kubernetes.client.CustomObjectsApi(self._client_source())
        try:
            self._custom.patch_namespaced_custom_object(
                GROUP,
                VERSION,
                ref.namespace,
                PLURALS[ref.kind],
                ref.name,
                claim_patch(self.installation, resource_version),
                _request_timeout=REQUEST_TIMEOUT_SECONDS,
            )
        except ApiException as error:
            if error.status == CONFLICT:
                return False
            raise
        return True
