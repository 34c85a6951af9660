"""The CRD schema and the pydantic models describe the same API (names, required fields,
enums, defaults, patterns), so the operator reads exactly what the API server admits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from model_deployment_operator.domain.spec import (
    ApprovalSpec,
    AutoscalingSpec,
    EndpointSpec,
    ModelDeploymentSpec,
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


SPEC_OBJECTS = [
    pytest.param(ModelDeploymentSpec, ("spec",), id="spec"),
    pytest.param(ApprovalSpec, ("spec", "approval"), id="spec.approval"),
    pytest.param(EndpointSpec, ("spec", "endpoint"), id="spec.endpoint"),
    pytest.param(AutoscalingSpec, ("spec", "autoscaling"), id="spec.autoscaling"),
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
        current = current["properties"][part]
    return current


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


def test_enums_and_patterns_agree() -> None:
    spec = node(("spec",))["properties"]
    assert spec["approval"]["properties"]["policy"]["enum"] == ["LatestApproved", "Pinned"]
    assert spec["deletionPolicy"]["enum"] == ["Delete", "Retain"]
    checked: list[tuple[type[BaseModel], tuple[str, ...]]] = [
        (EndpointSpec, ("spec", "endpoint")),
        (ModelDeploymentSpec, ("spec",)),
    ]
    for model, path in checked:
        crd_properties = node(path)["properties"]
        model_properties = model.model_json_schema(by_alias=True)["properties"]
        for name, crd_field in crd_properties.items():
            if "pattern" in crd_field:
                assert _pattern(model_properties[name]) == crd_field["pattern"], name


def _pattern(json_schema: dict[str, Any]) -> str | None:
    """The pattern of a pydantic JSON-schema property, looking inside Optional's anyOf."""
    if "pattern" in json_schema:
        return str(json_schema["pattern"])
    for option in json_schema.get("anyOf", []):
        if "pattern" in option:
            return str(option["pattern"])
    return None


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
