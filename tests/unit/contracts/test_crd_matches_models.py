"""Each CRD schema and the pydantic models describe the same API (names, required fields,
enums, defaults, patterns, ranges, sizes, CEL rules and their messages), so the operator
reads exactly what the API server admits: ModelDeployment, and ModelEndpoint (the shared
endpoint ModelDeployments are placed on)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from model_deployment_operator.domain.model_endpoint_status import (
    HostedView,
    ModelEndpointStatus,
    RefreshView,
)
from model_deployment_operator.domain.spec import (
    ApprovalSpec,
    AsyncInferenceSpec,
    AsyncNotificationsSpec,
    AutoscalingSpec,
    BlueGreenSpec,
    CapacitySizeSpec,
    DataCaptureSpec,
    EndpointRefSpec,
    EndpointSpec,
    InferenceComponentSpec,
    ManagedInstanceScalingSpec,
    ModelDeploymentSpec,
    ModelEndpointSpec,
    ModelSpec,
    MultiModelContainerSpec,
    MultiModelTargetSpec,
    RollingSpec,
    RollingUpdateSpec,
    RolloutSpec,
    ScaleInPolicySpec,
    ScheduledActionSpec,
    ServerlessSpec,
    StepSizeSpec,
    VpcConfigSpec,
    rules,
)
from model_deployment_operator.domain.spec.promotion import (
    LifeCycleSpec,
    MetricGateSpec,
    ReportValueSpec,
    RequirementsSpec,
    ServedInSpec,
)
from model_deployment_operator.domain.status import (
    AutoscalingView,
    Condition,
    DeploymentStatus,
    EndpointView,
    HistoryEntry,
    ModelPackageView,
    PlacementView,
    RolloutView,
    SkippedVersionView,
    TargetView,
)

ROOT = Path(__file__).resolve().parents[3]
Path_ = tuple[str, ...]


@dataclass(frozen=True)
class Contract:
    """One CRD and the models that read what it admits."""

    kind: str
    file: str
    spec_models: dict[Path_, type[BaseModel]]
    status_models: dict[Path_, type[BaseModel]]
    list_items: dict[Path_, type[BaseModel]]
    rules: tuple[rules.Rule, ...]
    columns: list[str]
    short_name: str
    only_in_the_crd: dict[Path_, set[str]] = field(default_factory=dict)


# What the models knowingly leave to the API server: Go regexp's \p{L} classes have no
# equivalent in Python's re; SageMaker checks the values again anyway.
TAG_VALUE_PATTERN: dict[Path_, set[str]] = {("spec", "tags", "{}"): {"pattern"}}

MODEL_DEPLOYMENT = Contract(
    kind="ModelDeployment",
    file="modeldeployments.sagemaker.mlops.dev.yaml",
    spec_models={
        ("spec",): ModelDeploymentSpec,
        ("spec", "approval"): ApprovalSpec,
        ("spec", "approval", "requirements"): RequirementsSpec,
        ("spec", "approval", "requirements", "servedIn", "[]"): ServedInSpec,
        ("spec", "approval", "requirements", "modelLifeCycle"): LifeCycleSpec,
        ("spec", "approval", "requirements", "metricGates", "[]"): MetricGateSpec,
        ("spec", "approval", "requirements", "metricGates", "[]", "metricsReport"): ReportValueSpec,
        ("spec", "endpoint"): EndpointSpec,
        ("spec", "endpoint", "serverless"): ServerlessSpec,
        ("spec", "endpoint", "async"): AsyncInferenceSpec,
        ("spec", "endpoint", "async", "notifications"): AsyncNotificationsSpec,
        ("spec", "endpoint", "dataCapture"): DataCaptureSpec,
        ("spec", "endpointRef"): EndpointRefSpec,
        ("spec", "inferenceComponent"): InferenceComponentSpec,
        ("spec", "inferenceComponent", "rollingUpdate"): RollingUpdateSpec,
        ("spec", "inferenceComponent", "rollingUpdate", "maximumBatchSize"): CapacitySizeSpec,
        (
            "spec",
            "inferenceComponent",
            "rollingUpdate",
            "rollbackMaximumBatchSize",
        ): CapacitySizeSpec,
        ("spec", "multiModel"): MultiModelTargetSpec,
        ("spec", "model"): ModelSpec,
        ("spec", "model", "vpcConfig"): VpcConfigSpec,
        ("spec", "autoscaling"): AutoscalingSpec,
        ("spec", "autoscaling", "scheduledActions", "[]"): ScheduledActionSpec,
        ("spec", "rollout"): RolloutSpec,
        ("spec", "rollout", "blueGreen"): BlueGreenSpec,
        ("spec", "rollout", "blueGreen", "stepSize"): StepSizeSpec,
        ("spec", "rollout", "rolling"): RollingSpec,
        ("spec", "rollout", "rolling", "maximumBatchSize"): StepSizeSpec,
        ("spec", "rollout", "rolling", "rollbackMaximumBatchSize"): StepSizeSpec,
    },
    status_models={
        ("status",): DeploymentStatus,
        ("status", "modelPackage"): ModelPackageView,
        ("status", "target"): TargetView,
        ("status", "endpoint"): EndpointView,
        ("status", "autoscaling"): AutoscalingView,
        ("status", "placement"): PlacementView,
        ("status", "rollout"): RolloutView,
    },
    list_items={
        ("status", "history"): HistoryEntry,
        ("status", "conditions"): Condition,
        ("status", "skippedVersions"): SkippedVersionView,
    },
    rules=rules.RULES,
    columns=["Group", "Version", "Endpoint-Status", "Ready", "Reason", "Endpoint", "Age"],
    short_name="mdep",
    only_in_the_crd=TAG_VALUE_PATTERN,
)
MODEL_ENDPOINT = Contract(
    kind="ModelEndpoint",
    file="modelendpoints.sagemaker.mlops.dev.yaml",
    spec_models={
        ("spec",): ModelEndpointSpec,
        ("spec", "managedInstanceScaling"): ManagedInstanceScalingSpec,
        ("spec", "managedInstanceScaling", "scaleInPolicy"): ScaleInPolicySpec,
        ("spec", "multiModel"): MultiModelContainerSpec,
    },
    status_models={
        ("status",): ModelEndpointStatus,
        ("status", "endpoint"): EndpointView,
        ("status", "lastRefresh"): RefreshView,
    },
    list_items={("status", "hosted"): HostedView, ("status", "conditions"): Condition},
    rules=rules.MODEL_ENDPOINT_RULES,
    columns=[
        "Mode",
        "Endpoint",
        "Instances",
        "Endpoint-Status",
        "Hosts",
        "Ready",
        "Reason",
        "Age",
    ],
    short_name="mep",
    only_in_the_crd=TAG_VALUE_PATTERN,
)
CONTRACTS = [
    pytest.param(MODEL_DEPLOYMENT, id="ModelDeployment"),
    pytest.param(MODEL_ENDPOINT, id="ModelEndpoint"),
]


def _id(path: Path_) -> str:
    return ".".join(path).replace(".[]", "[]")


def objects(which: str) -> list[Any]:
    """(contract, model, path) for every object model of every CRD: spec or status ones."""
    found = []
    for contract in (MODEL_DEPLOYMENT, MODEL_ENDPOINT):
        models = contract.spec_models if which == "spec" else contract.status_models
        found += [
            pytest.param(contract, model, path, id=f"{contract.kind}:{_id(path)}")
            for path, model in models.items()
        ]
    return found


def crd(contract: Contract) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((ROOT / "crds" / contract.file).read_text())
    return document


def schema(contract: Contract) -> dict[str, Any]:
    (version,) = crd(contract)["spec"]["versions"]
    result: dict[str, Any] = version["schema"]["openAPIV3Schema"]
    return result


def aliases(model: type[BaseModel]) -> set[str]:
    """The names a model reads and writes, computed fields (written only) included."""
    names = {field.alias or name for name, field in model.model_fields.items()}
    config = model.model_config.get("alias_generator")
    for name in model.model_computed_fields:
        names.add(config(name) if callable(config) else name)
    return names


def node(contract: Contract, path: Path_) -> dict[str, Any]:
    current = schema(contract)
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


def spec_nodes(contract: Contract) -> Iterator[tuple[Path_, dict[str, Any]]]:
    return walk(node(contract, ("spec",)), ("spec",))


@pytest.mark.parametrize(("contract", "model", "path"), objects("spec") + objects("status"))
def test_same_field_names(contract: Contract, model: type[BaseModel], path: Path_) -> None:
    assert set(node(contract, path)["properties"]) == aliases(model)


def required_fields(model: type[BaseModel]) -> set[str]:
    return {f.alias or n for n, f in model.model_fields.items() if f.is_required()}


@pytest.mark.parametrize(("contract", "model", "path"), objects("spec"))
def test_same_required_fields_and_defaults(
    contract: Contract, model: type[BaseModel], path: Path_
) -> None:
    properties = node(contract, path)["properties"]
    assert set(node(contract, path).get("required", [])) == required_fields(model)
    for name, field_ in model.model_fields.items():
        crd_default = properties[field_.alias or name].get("default")
        if crd_default is not None and not isinstance(crd_default, dict):
            assert field_.get_default() == crd_default, name


@pytest.mark.parametrize(("contract", "model", "path"), objects("status"))
def test_the_crd_requires_no_status_field_the_models_may_leave_out(
    contract: Contract, model: type[BaseModel], path: Path_
) -> None:
    """What the operator writes is admitted: the CRD requires at most what the models do."""
    assert set(node(contract, path).get("required", [])) <= required_fields(model)


@pytest.mark.parametrize("contract", CONTRACTS)
def test_list_items_match(contract: Contract) -> None:
    for path, model in contract.list_items.items():
        items = node(contract, path)["items"]
        assert set(items["properties"]) == aliases(model), path
        assert set(items["required"]) == required_fields(model), path


@pytest.mark.parametrize("contract", CONTRACTS)
def test_every_object_in_the_spec_has_a_model(contract: Contract) -> None:
    found = {path for path, current in spec_nodes(contract) if "properties" in current}
    assert found == set(contract.spec_models)


@pytest.mark.parametrize("contract", CONTRACTS)
def test_every_object_in_the_status_has_a_model(contract: Contract) -> None:
    status = walk(node(contract, ("status",)), ("status",))
    found = {path for path, current in status if "properties" in current}
    assert found == set(contract.status_models) | {(*path, "[]") for path in contract.list_items}


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


def without(contract: Contract, found: dict[str, Any], path: Path_) -> dict[str, Any]:
    """found, less what the contract leaves to the CRD at path or in its items and values."""
    excused = contract.only_in_the_crd.get(path, set())
    found = {k: v for k, v in found.items() if k not in excused}
    for key, part in (("items", "[]"), ("additionalProperties", "{}")):
        if key in found:
            found[key] = without(contract, found[key], (*path, part))
    return found


@pytest.mark.parametrize(("contract", "model", "path"), objects("spec"))
def test_same_constraints(contract: Contract, model: type[BaseModel], path: Path_) -> None:
    """Patterns, enums, ranges and sizes: the models admit exactly what the API server does
    (up to the CEL rules, which test_same_cel_rules pairs with the models' checks)."""
    json_schema = model.model_json_schema(by_alias=True)
    definitions = json_schema.get("$defs", {})
    for name, crd_field in node(contract, path)["properties"].items():
        expected = without(contract, crd_constraints(crd_field), (*path, name))
        actual = model_constraints(json_schema["properties"][name], definitions)
        assert actual == expected, f"{'.'.join(path)}.{name}"


@pytest.mark.parametrize("contract", CONTRACTS)
def test_same_cel_rules(contract: Contract) -> None:
    """Every x-kubernetes-validations rule is in the kind's rules (rules.RULES,
    rules.MODEL_ENDPOINT_RULES) at the same place with the same message, and the other way
    round; the models raise those messages (tests/unit/domain/test_spec*.py run a rejected
    spec for each), except for transition rules."""
    declared = set()
    for path, current in walk(schema(contract)):
        for rule in current.get("x-kubernetes-validations", []):
            declared.add((_id(path), rule["message"], "oldSelf" in rule["rule"]))
    assert declared == {(rule.at, rule.message, rule.transition) for rule in contract.rules}


def test_every_rule_belongs_to_a_crd() -> None:
    assert set(rules.ALL_RULES) == set(rules.RULES) | set(rules.MODEL_ENDPOINT_RULES)


@pytest.mark.parametrize("contract", CONTRACTS)
def test_every_field_is_documented(contract: Contract) -> None:
    """kubectl explain shows each field's description (status too for ModelEndpoint, whose
    hosted list and refresh are new to readers)."""
    nodes = list(spec_nodes(contract))
    if contract is MODEL_ENDPOINT:
        nodes += list(walk(node(contract, ("status",)), ("status",)))
    undocumented = [
        ".".join(path)
        for path, current in nodes
        if path[-1] not in ("[]", "{}") and not current.get("description", "").strip()
    ]
    assert undocumented == []


@pytest.mark.parametrize("contract", CONTRACTS)
def test_printer_columns_answer_what_is_live(contract: Contract) -> None:
    (version,) = crd(contract)["spec"]["versions"]
    columns = {c["name"]: c for c in version["additionalPrinterColumns"]}
    assert list(columns) == contract.columns
    assert columns["Reason"]["priority"] == 1
    names = crd(contract)["spec"]["names"]
    assert names["kind"] == contract.kind
    assert names["shortNames"] == [contract.short_name]
    assert names["categories"] == ["mlops"]
    assert crd(contract)["spec"]["scope"] == "Namespaced"
    assert version["subresources"] == {"status": {}}


def test_model_deployment_columns() -> None:
    (version,) = crd(MODEL_DEPLOYMENT)["spec"]["versions"]
    columns = {c["name"]: c for c in version["additionalPrinterColumns"]}
    assert columns["Version"]["jsonPath"] == ".status.modelPackage.version"


def test_model_endpoint_columns_read_fields_the_status_has() -> None:
    """HOSTS counts the hosted ModelDeployments: a printer column cannot count a list, so
    the status carries hostedCount, which the model derives from hosted."""
    (version,) = crd(MODEL_ENDPOINT)["spec"]["versions"]
    paths = {c["name"]: c["jsonPath"] for c in version["additionalPrinterColumns"]}
    assert paths["Mode"] == ".spec.mode"
    assert paths["Hosts"] == ".status.hostedCount"
    assert paths["Instances"] == ".status.endpoint.instanceCount"
    status = ModelEndpointStatus.model_validate(
        {"hosted": [{"name": "fraud"}, {"name": "churn"}], "hostedCount": 7}
    )
    assert status.to_kubernetes()["hostedCount"] == 2


@pytest.mark.parametrize("contract", CONTRACTS)
def test_status_defaults_to_an_unreported_generation(contract: Contract) -> None:
    """kstatus reads a status without observedGeneration as Current: the CRD defaults it
    to 0 until the operator first reports."""
    status = node(contract, ("status",))
    assert status["default"] == {}
    assert status["properties"]["observedGeneration"]["default"] == 0


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
