"""Reading ModelDeployments as they are stored (spec and status), for commands run by
people from their own kubeconfig (`model-deployment-operator history`)."""

from __future__ import annotations

from typing import Any

import kubernetes.client
import kubernetes.config
from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import HTTPError

from model_deployment_operator.domain.api_group import GROUP, MODEL_DEPLOYMENTS, VERSION
from model_deployment_operator.domain.errors import ClusterReadError
from model_deployment_operator.kube.directory import (
    FORBIDDEN,
    REQUEST_TIMEOUT_SECONDS,
    api_client,
)


def read_model_deployments(
    namespace: str | None = None, name: str | None = None
) -> list[dict[str, Any]]:
    """One ModelDeployment (namespace and name), a namespace's, or every namespace's.
    Raises ClusterReadError when there is no kubeconfig or the API server refuses."""
    what = f"ModelDeployment {namespace}/{name}" if name else "ModelDeployments"
    try:
        custom = kubernetes.client.CustomObjectsApi(api_client())
        if namespace is not None and name is not None:
            found = custom.get_namespaced_custom_object(
                GROUP,
                VERSION,
                namespace,
                MODEL_DEPLOYMENTS,
                name,
                _request_timeout=REQUEST_TIMEOUT_SECONDS,
            )
            return [dict(found)]
        if namespace is not None:
            listed = custom.list_namespaced_custom_object(
                GROUP,
                VERSION,
                namespace,
                MODEL_DEPLOYMENTS,
                _request_timeout=REQUEST_TIMEOUT_SECONDS,
            )
        else:
            listed = custom.list_cluster_custom_object(
                GROUP, VERSION, MODEL_DEPLOYMENTS, _request_timeout=REQUEST_TIMEOUT_SECONDS
            )
    except kubernetes.config.ConfigException as error:
        raise ClusterReadError(
            "the Kubernetes API configuration", str(error), forbidden=False
        ) from error
    except ApiException as error:
        raise ClusterReadError(
            what, f"{error.status} {error.reason}".strip(), forbidden=error.status == FORBIDDEN
        ) from error
    except HTTPError as error:
        raise ClusterReadError(what, str(error), forbidden=False) from error
    return [dict(item) for item in listed.get("items", [])]
