"""A small test-only CRD (not the product's) that exercises what a real API server does:
structural schema validation and pruning, CEL rules (including a transition rule), and
the status subresource. Imported by tests as `cluster.widgets`."""

from __future__ import annotations

import time
from typing import Any, Final

from devcluster import Kubectl, KubectlError

GROUP: Final = "devcluster.example.com"
PLURAL: Final = "widgets"
CRD_NAME: Final = f"{PLURAL}.{GROUP}"
SIZE_RULE_MESSAGE: Final = "spec.size must not exceed spec.maxSize"
COLOUR_RULE_MESSAGE: Final = "spec.colour is immutable"

WIDGET_CRD: Final[dict[str, Any]] = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": CRD_NAME},
    "spec": {
        "group": GROUP,
        "scope": "Namespaced",
        "names": {"plural": PLURAL, "singular": "widget", "kind": "Widget"},
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "subresources": {"status": {}},
                "additionalPrinterColumns": [
                    {"name": "Size", "type": "integer", "jsonPath": ".spec.size"},
                    {"name": "Phase", "type": "string", "jsonPath": ".status.phase"},
                ],
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "properties": {
                            "spec": {
                                "type": "object",
                                "required": ["size"],
                                "properties": {
                                    "size": {"type": "integer", "minimum": 1},
                                    "maxSize": {"type": "integer"},
                                    "colour": {
                                        "type": "string",
                                        "x-kubernetes-validations": [
                                            {
                                                "rule": "self == oldSelf",
                                                "message": COLOUR_RULE_MESSAGE,
                                            }
                                        ],
                                    },
                                },
                                "x-kubernetes-validations": [
                                    {
                                        "rule": "!has(self.maxSize) || self.size <= self.maxSize",
                                        "message": SIZE_RULE_MESSAGE,
                                    }
                                ],
                            },
                            "status": {
                                "type": "object",
                                "properties": {
                                    "phase": {"type": "string"},
                                    "observedGeneration": {"type": "integer"},
                                },
                            },
                        },
                    }
                },
            }
        ],
    },
}


def widget(name: str, namespace: str, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": f"{GROUP}/v1",
        "kind": "Widget",
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
    }


def wait_until_served(kubectl: Kubectl, resource: str, timeout: float = 30.0) -> None:
    """An Established CRD can still be missing from discovery for a moment."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            kubectl("get", resource, "-A", "-o", "name")
            return
        except KubectlError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
