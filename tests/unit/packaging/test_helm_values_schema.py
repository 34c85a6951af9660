"""values.schema.json accepts the chart's defaults and rejects what would break the operator.

Helm validates values against this schema on install, upgrade, lint and template; these
tests check the schema itself without helm (tests/packaging runs the real helm).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

# jsonschema is check-jsonschema's engine (dev extra); it ships no type stubs.
import jsonschema  # type: ignore[import-untyped]
import pytest
import yaml

CHART = Path(__file__).resolve().parents[3] / "helm" / "model-deployment-operator"
SCHEMA: dict[str, Any] = json.loads((CHART / "values.schema.json").read_text())
DEFAULTS: dict[str, Any] = yaml.safe_load((CHART / "values.yaml").read_text())
# Kubernetes objects passed through unchanged; the API server validates them.
PASS_THROUGH = {"affinity"}


def errors(values: dict[str, Any]) -> list[str]:
    validator = jsonschema.Draft7Validator(SCHEMA)
    return [
        f"/{'/'.join(str(p) for p in error.absolute_path)}: {error.message}"
        for error in validator.iter_errors(values)
    ]


def with_value(path: str, value: Any) -> dict[str, Any]:
    values = copy.deepcopy(DEFAULTS)
    *parents, leaf = path.split(".")
    node = values
    for key in parents:
        node = node.setdefault(key, {})
    node[leaf] = value
    return values


def test_schema_is_a_valid_draft7_schema() -> None:
    jsonschema.Draft7Validator.check_schema(SCHEMA)


def test_defaults_are_valid() -> None:
    assert errors(DEFAULTS) == []


def _objects(node: dict[str, Any], path: str = "") -> list[tuple[str, dict[str, Any]]]:
    found = []
    if node.get("type") == "object":
        found.append((path, node))
    for name, child in node.get("properties", {}).items():
        found += _objects(child, f"{path}.{name}")
    items = node.get("items")
    if isinstance(items, dict):
        found += _objects(items, f"{path}[]")
    return found


def test_every_object_is_closed() -> None:
    """additionalProperties false everywhere (maps of strings declare their value type),
    so a misspelt key fails instead of being ignored."""
    for path, node in _objects(SCHEMA):
        if path.lstrip(".") in PASS_THROUGH:
            continue
        closed = node.get("additionalProperties")
        assert closed is False or closed == {"type": "string"}, f"{path or '(root)'} is open"


def test_every_default_value_is_described_by_the_schema() -> None:
    def walk(values: dict[str, Any], schema: dict[str, Any], path: str) -> None:
        for key, value in values.items():
            assert key in schema.get("properties", {}), f"{path}.{key} has no schema"
            child = schema["properties"][key]
            if isinstance(value, dict) and "properties" in child:
                walk(value, child, f"{path}.{key}")

    walk(DEFAULTS, SCHEMA, "")


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("leaderElection.leaseDurationSeconds", 1, "minimum"),
        ("leaderElection.retryPeriodSeconds", 0, "less than or equal to the minimum"),
        ("leaderElection.enabled", "yes", "not of type"),
        ("replicaCount", -1, "minimum"),
        ("replicaCount", "1", "not of type"),
        ("unknownKey", True, "Additional properties"),
        ("image.tagg", "1.0", "Additional properties"),
        ("operator.defaultDeletionPolicy", "Keep", "is not one of"),
        ("operator.defaultDeletionPolicy", "delete", "is not one of"),
        ("operator.logFormat", "xml", "is not one of"),
        ("operator.registryPollSeconds", 1, "minimum"),
        ("operator.workers", 0, "minimum"),
        ("aws.region", "US-EAST-1", "does not match"),
        ("aws.retryMode", "fast", "is not one of"),
        ("aws.maxAttempts", 0, "minimum"),
        ("image.pullPolicy", "Sometimes", "is not one of"),
        ("image.digest", "sha256:abc", "does not match"),
        ("watchNamespaces", ["Team_A"], "does not match"),
        ("watchNamespaces", ["a", "a"], "non-unique"),
        ("watchNamespaces", "ml-prod", "not of type"),
        ("securityContext.runAsUser", 0, "minimum"),
        ("metrics.port", 8080, "should not be valid"),
        ("metrics.port", 80, "minimum"),
        ("resources.requests.memory", "lots", "does not match"),
        ("terminationGracePeriodSeconds", 0, "minimum"),
        ("serviceAccount.annotations", {"eks.amazonaws.com/role-arn": 1}, "not of type"),
        (
            "extraEnv",
            [{"name": "A", "value": "1", "valueFrom": {"fieldRef": {"fieldPath": "x"}}}],
            "should not be valid",
        ),
        ("tolerations", [{"key": "k", "operator": "Maybe"}], "is not one of"),
    ],
)
def test_bad_values_are_rejected(path: str, value: Any, message: str) -> None:
    found = errors(with_value(path, value))
    assert found, f"{path}={value!r} was accepted"
    assert any(message in error for error in found), found


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("replicaCount", 0),
        ("replicaCount", 2),
        ("leaderElection.enabled", True),
        ("watchNamespaces", ["ml-prod", "ml-staging"]),
        ("aws.region", "eu-central-1"),
        ("aws.region", "us-gov-west-1"),
        ("image.digest", "sha256:" + "a" * 64),
        ("operator.defaultDeletionPolicy", "Retain"),
        ("operator.registryEventsQueueUrl", "https://sqs.us-east-1.amazonaws.com/111122223333/q"),
        ("serviceAccount.annotations", {"eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/r"}),
        ("extraEnv", [{"name": "AWS_STS_REGIONAL_ENDPOINTS", "value": "regional"}]),
        ("affinity", {"nodeAffinity": {"anything": "goes"}}),
    ],
)
def test_good_values_are_accepted(path: str, value: Any) -> None:
    assert errors(with_value(path, value)) == []
