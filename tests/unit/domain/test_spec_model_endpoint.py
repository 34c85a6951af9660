"""The operator re-checks the ModelEndpoint rules its CRD enforces, with the same messages.

The rejected and accepted specs are the ones tests/crd/test_model_endpoint_admission.py
applies to the API server (tests/crd/spec_cases.py), so both sides are held to one table.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from crd.spec_cases import ENDPOINT_ACCEPTED, ENDPOINT_REJECTED, Rejected, endpoint_spec
from model_deployment_operator.domain.model_endpoint_status import (
    ModelEndpointStatus,
    parse_model_endpoint_status,
)
from model_deployment_operator.domain.spec import (
    EndpointMode,
    InvalidSpecError,
    ModelCacheSetting,
    ScaleInStrategy,
    parse_model_endpoint_spec,
    rules,
)

SAMPLES = sorted((Path(__file__).resolve().parents[3] / "manifests" / "samples").glob("*.yaml"))


@pytest.mark.parametrize("case", ENDPOINT_REJECTED, ids=[case.id for case in ENDPOINT_REJECTED])
def test_the_models_reject_what_admission_rejects(case: Rejected) -> None:
    with pytest.raises(InvalidSpecError) as caught:
        parse_model_endpoint_spec(case.spec)
    assert case.model_message in str(caught.value)


@pytest.mark.parametrize("raw", list(ENDPOINT_ACCEPTED.values()), ids=list(ENDPOINT_ACCEPTED))
def test_the_models_accept_what_admission_accepts(raw: dict[str, Any]) -> None:
    parse_model_endpoint_spec(raw)


def test_every_rule_the_models_check_has_a_rejected_case() -> None:
    covered = {case.message for case in ENDPOINT_REJECTED if isinstance(case.message, rules.Rule)}
    checkable = {rule for rule in rules.MODEL_ENDPOINT_RULES if not rule.transition}
    assert checkable - covered == set()


def test_each_message_names_the_field_it_is_declared_on() -> None:
    for rule in rules.MODEL_ENDPOINT_RULES:
        if rule.at == "spec":
            parts = ("spec.", "managedInstanceScaling", "multiModel", "initialInstanceCount")
            assert any(part in rule.message for part in parts), rule
        else:
            field = rule.at.rsplit(".", 1)[-1]
            assert field.removesuffix("s") in rule.message, rule


def test_defaults_match_the_crd() -> None:
    parsed = parse_model_endpoint_spec(endpoint_spec())
    assert parsed.mode is EndpointMode.INFERENCE_COMPONENTS
    assert parsed.initial_instance_count == 1
    assert parsed.variant_name == "AllTraffic"
    assert (parsed.endpoint_name, parsed.region, parsed.deletion_policy) == (None, None, None)
    assert (parsed.managed_instance_scaling, parsed.multi_model) == (None, None)


def test_managed_instance_scaling_is_read() -> None:
    parsed = parse_model_endpoint_spec(ENDPOINT_ACCEPTED["inference-components-managed-scaling"])
    scaling = parsed.managed_instance_scaling
    assert scaling is not None
    assert (scaling.min_instance_count, scaling.max_instance_count) == (0, 4)
    policy = scaling.scale_in_policy
    assert policy is not None
    assert policy.strategy is ScaleInStrategy.CONSOLIDATION
    assert (policy.maximum_step_size, policy.cooldown_minutes) == (2, 15)
    assert parsed.endpoint_name == "ml-prod-shared-gpu"


def test_the_multi_model_container_is_read_with_its_defaults() -> None:
    container = parse_model_endpoint_spec(ENDPOINT_ACCEPTED["multi-model"]).multi_model
    assert container is not None
    assert container.artifact_prefix == "s3://ml-models/multi-model/"
    assert container.model_cache_setting is ModelCacheSetting.ENABLED
    assert container.environment == {}
    uncached = parse_model_endpoint_spec(
        ENDPOINT_ACCEPTED["multi-model-uncached-with-environment"]
    ).multi_model
    assert uncached is not None
    assert uncached.model_cache_setting is ModelCacheSetting.DISABLED
    assert uncached.environment["SAGEMAKER_MODEL_SERVER_WORKERS"] == "2"


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(InvalidSpecError) as caught:
        parse_model_endpoint_spec(
            endpoint_spec(
                mode="MultiModel",
                initialInstanceCount=9,
                managedInstanceScaling={"minInstanceCount": 1, "maxInstanceCount": 4},
                tags={"aws:owner": "me"},
            )
        )
    for rule in (
        rules.MANAGED_SCALING_NEEDS_INFERENCE_COMPONENTS,
        rules.INITIAL_COUNT_NOT_ABOVE_MAX_INSTANCES,
        rules.MULTI_MODEL_IFF_MULTI_MODEL_MODE,
        rules.TAG_KEYS_NOT_RESERVED,
    ):
        assert rule.message in str(caught.value)


def test_the_samples_show_each_mode() -> None:
    """tests/crd/test_samples.py has the API server admit them; here the operator reads the
    ModelEndpoints among them, one of each mode."""
    endpoints = [
        parse_model_endpoint_spec(document["spec"])
        for path in SAMPLES
        for document in yaml.safe_load_all(path.read_text())
        if document and document["kind"] == "ModelEndpoint"
    ]
    assert {parsed.mode for parsed in endpoints} == set(EndpointMode)
    assert any(parsed.managed_instance_scaling for parsed in endpoints)


# ---------------------------------------------------------------------------- status


def test_the_unreported_placeholder_reads_as_no_status() -> None:
    assert parse_model_endpoint_status({"observedGeneration": 0}) is None
    assert parse_model_endpoint_status({}) is None
    assert parse_model_endpoint_status({"conditions": "not a list"}) is None


def test_status_round_trips_with_hosts_counted() -> None:
    raw = {
        "observedGeneration": 3,
        "conditions": [
            {
                "type": "Ready",
                "status": "True",
                "reason": "EndpointReady",
                "message": "m",
                "observedGeneration": 3,
                "lastTransitionTime": "2026-11-01T12:00:00Z",
            }
        ],
        "endpoint": {"name": "risk-models", "status": "InService", "instanceCount": 2},
        "hosted": [
            {"name": "fraud-detector-mme", "version": 7, "targetModel": "fraud-detector.tar.gz"},
            {"name": "credit-limit-mme", "version": 2, "targetModel": "credit-limit.tar.gz"},
        ],
        "hostedCount": 99,
        "lastRefresh": {
            "configName": "risk-models-refresh-20261101t1200",
            "at": "2026-11-01T12:00:00Z",
            "targets": ["fraud-detector.tar.gz"],
        },
        "somethingNewer": True,
    }
    status = parse_model_endpoint_status(raw)
    assert status is not None
    assert status.hosted_count == 2
    dumped = status.to_kubernetes()
    assert dumped["hostedCount"] == 2
    assert "somethingNewer" not in dumped
    assert dumped["lastRefresh"]["at"] == "2026-11-01T12:00:00Z"
    assert ModelEndpointStatus.model_validate(dumped) == status
