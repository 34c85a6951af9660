"""The CRD schema and the pydantic models describe the same API (names, required fields,
enums, defaults, patterns, ranges, sizes, CEL rules and their messages), so the operator
reads exactly what the API server admits."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from model_deployment_operator.domain.spec import (
    ApprovalSpec,
    AsyncInferenceSpec,
    AsyncNotificationsSpec,
    AutoscalingSpec,
    DataCaptureSpec,
    EndpointSpec,
    ModelDeploymentSpec,
    ModelSpec,
    ScheduledActionSpec,
    ServerlessSpec,
    VpcConfigSpec,
    rules,
)
from model_deployment_operator.domain.status import (
    AutoscalingView,
    Condition,
    DeploymentStatus,
    EndpointView,
    HistoryEntry,
    ModelPackageView,
    TargetView,
)

ROOT = Path(__file__).resolve().parents[3]
CRD_PATH = ROOT / "crds" / "modeldeployments.sagemaker.mlops.dev.yaml"


def crd() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(CRD_PATH.read_text())
    return document


def schema() -> dict[str, Any]:
    (version,) = crd()["spec"]["versions"]
    result: dict[str, Any] = version["schema"]["openAPIV3Schema"]
    return result


def aliases(model: type[BaseModel]) -> set[str]:
    return {field.alias or name for name, field in model.model_fields.items()}


SPEC_MODELS: dict[tuple[str, ...], type[BaseModel]] = {
    ("spec",): ModelDeploymentSpec,
    ("spec", "approval"): ApprovalSpec,
    ("spec", "endpoint"): EndpointSpec,
    ("spec", "endpoint", "serverless"): ServerlessSpec,
    ("spec", "endpoint", "async"): AsyncInferenceSpec,
    ("spec", "endpoint", "async", "notifications"): AsyncNotificationsSpec,
    ("spec", "endpoint", "dataCapture"): DataCaptureSpec,
    ("spec", "model"): ModelSpec,
    ("spec", "model", "vpcConfig"): VpcConfigSpec,
    ("spec", "autoscaling"): AutoscalingSpec,
    ("spec", "autoscaling", "scheduledActions", "[]"): ScheduledActionSpec,
}
SPEC_OBJECTS = [
    pytest.param(model, path, id=".".join(path).replace(".[]", "[]"))
    for path, model in SPEC_MODELS.items()
]
STATUS_OBJECTS = [
    pytest.param(DeploymentStatus, ("status",), id="status"),
    pytest.param(ModelPackageView, ("status", "modelPackage"), id="status.modelPackage"),
    pytest.param(TargetView, ("status", "target"), id="status.target"),
    pytest.param(EndpointView, ("status", "endpoint"), id="status.endpoint"),
    pytest.param(AutoscalingView, ("status", "autoscaling"), id="status.autoscaling"),
]


def node(path: tuple[str, ...]) -> dict[str, Any]:
    current = schema()
    for part in path:
        current = current["items"] if part == "[]" else current["properties"][part]
    return current


def walk(
    current: dict[str, Any], path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], dict[str, Any]]]:
    """Every schema node with its path ("[]" for list items, "{}" for map values)."""
    yield path, current
    for name, child in current.get("properties", {}).items():
        yield from walk(child, (*path, name))
    if "items" in current:
        yield from walk(current["items"], (*path, "[]"))
    if isinstance(current.get("additionalProperties"), dict):
        yield from walk(current["additionalProperties"], (*path, "{}"))


def spec_nodes() -> Iterator[tuple[tuple[str, ...], dict[str, Any]]]:
    return walk(node(("spec",)), ("spec",))


@pytest.mark.parametrize(("model", "path"), SPEC_OBJECTS + STATUS_OBJECTS)
def test_same_field_names(model: type[BaseModel], path: tuple[str, ...]) -> None:
    assert set(node(path)["properties"]) == aliases(model)


@pytest.mark.parametrize(("model", "path"), SPEC_OBJECTS)
def test_same_required_fields_and_defaults(model: type[BaseModel], path: tuple[str, ...]) -> None:
    properties = node(path)["properties"]
    required = {f.alias or n for n, f in model.model_fields.items() if f.is_required()}
    assert set(node(path).get("required", [])) == required
    for name, field in model.model_fields.items():
        crd_default = properties[field.alias or name].get("default")
        if crd_default is not None and not isinstance(crd_default, dict):
            assert field.get_default() == crd_default, name


@pytest.mark.parametrize(
    ("model", "path"),
    [
        pytest.param(HistoryEntry, ("status", "history"), id="history"),
        pytest.param(Condition, ("status", "conditions"), id="conditions"),
    ],
)
def test_list_items_match(model: type[BaseModel], path: tuple[str, ...]) -> None:
    items = node(path)["items"]
    assert set(items["properties"]) == aliases(model)
    required = {f.alias or n for n, f in model.model_fields.items() if f.is_required()}
    assert set(items["required"]) == required


def test_every_object_in_the_spec_has_a_model() -> None:
    objects = {path for path, current in spec_nodes() if "properties" in current}
    assert objects == set(SPEC_MODELS)


# Keywords that constrain a value; both sides must state the same ones with the same values.
CONSTRAINTS = (
    "type",
    "format",
    "enum",
    "pattern",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "multipleOf",
    "minItems",
    "maxItems",
    "maxProperties",
)
# What the models knowingly leave to the API server.
ONLY_IN_THE_CRD: dict[tuple[str, ...], set[str]] = {
    # Go regexp's \p{L} classes have no equivalent in Python's re; SageMaker checks the
    # values again anyway.
    ("spec", "tags", "{}"): {"pattern"},
}


def crd_constraints(current: dict[str, Any]) -> dict[str, Any]:
    found = {key: current[key] for key in CONSTRAINTS if key in current}
    if found.pop("exclusiveMinimum", False):
        found["exclusiveMinimum"] = found.pop("minimum")
    if "items" in current:
        found["items"] = crd_constraints(current["items"])
    if isinstance(current.get("additionalProperties"), dict):
        found["additionalProperties"] = crd_constraints(current["additionalProperties"])
    if "properties" in current:
        found = {"type": "object"}  # compared field by field as a model of its own
    return found


def model_constraints(current: dict[str, Any], definitions: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in current:
        current = definitions[current["$ref"].rsplit("/", 1)[-1]]
    options = [option for option in current.get("anyOf", []) if option != {"type": "null"}]
    if options:
        (current,) = options
        return model_constraints(current, definitions)
    found = {key: current[key] for key in CONSTRAINTS if key in current}
    if "items" in current:
        found["items"] = model_constraints(current["items"], definitions)
    if isinstance(current.get("additionalProperties"), dict):
        found["additionalProperties"] = model_constraints(
            current["additionalProperties"], definitions
        )
    if "properties" in current:
        found = {"type": "object"}
    return found


def without(found: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    """found, less what ONLY_IN_THE_CRD excuses at path or in its items and values."""
    found = {k: v for k, v in found.items() if k not in ONLY_IN_THE_CRD.get(path, set())}
    for key, part in (("items", "[]"), ("additionalProperties", "{}")):
        if key in found:
            found[key] = without(found[key], (*path, part))
    return found


@pytest.mark.parametrize(("model", "path"), SPEC_OBJECTS)
def test_same_constraints(model: type[BaseModel], path: tuple[str, ...]) -> None:
    """Patterns, enums, ranges and sizes: the models admit exactly what the API server does
    (up to the CEL rules, which test_same_cel_rules pairs with the models' checks)."""
    json_schema = model.model_json_schema(by_alias=True)
    definitions = json_schema.get("$defs", {})
    for name, crd_field in node(path)["properties"].items():
        expected = without(crd_constraints(crd_field), (*path, name))
        actual = model_constraints(json_schema["properties"][name], definitions)
        assert actual == expected, f"{'.'.join(path)}.{name}"


def test_same_cel_rules() -> None:
    """Every x-kubernetes-validations rule is in rules.RULES at the same place with the same
    message, and the other way round; the models raise those messages (tests/unit/domain/
    test_spec.py runs a rejected spec for each), except for transition rules."""
    declared = set()
    for path, current in walk(schema()):
        for rule in current.get("x-kubernetes-validations", []):
            place = ".".join(path).replace(".[]", "[]")
            declared.add((place, rule["message"], "oldSelf" in rule["rule"]))
    assert declared == {(rule.at, rule.message, rule.transition) for rule in rules.RULES}


def test_every_spec_field_is_documented() -> None:
    """kubectl explain shows each field's description."""
    undocumented = [
        ".".join(path)
        for path, current in spec_nodes()
        if path[-1] not in ("[]", "{}") and not current.get("description", "").strip()
    ]
    assert undocumented == []


def test_printer_columns_answer_what_is_live() -> None:
    (version,) = crd()["spec"]["versions"]
    columns = {c["name"]: c for c in version["additionalPrinterColumns"]}
    assert list(columns) == [
        "Group",
        "Version",
        "Endpoint-Status",
        "Ready",
        "Reason",
        "Endpoint",
        "Age",
    ]
    assert columns["Version"]["jsonPath"] == ".status.modelPackage.version"
    assert columns["Reason"]["priority"] == 1
    names = crd()["spec"]["names"]
    assert names["shortNames"] == ["mdep"]
    assert names["categories"] == ["mlops"]


def test_status_round_trips_through_the_crd_shape() -> None:
    status = DeploymentStatus.model_validate(
        {
            "observedGeneration": 3,
            "conditions": [
                {
                    "type": "Ready",
                    "status": "True",
                    "reason": "Deployed",
                    "message": "m",
                    "observedGeneration": 3,
                    "lastTransitionTime": "2026-11-01T12:00:00Z",
                }
            ],
            "somethingNewer": {"ignored": True},
        }
    )
    dumped = status.to_kubernetes()
    assert dumped["conditions"] == [
        {
            "type": "Ready",
            "status": "True",
            "reason": "Deployed",
            "message": "m",
            "observedGeneration": 3,
            "lastTransitionTime": "2026-11-01T12:00:00Z",
        }
    ]
    assert "somethingNewer" not in dumped


def test_operator_source_root_is_not_a_package() -> None:
    """operator/__init__.py would shadow the standard library's operator module."""
    assert not (ROOT / "operator" / "__init__.py").exists()
