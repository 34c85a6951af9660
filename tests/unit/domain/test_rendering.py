"""What a version becomes in SageMaker: the rendered Model and EndpointConfig, and their
deterministic names (valid for SageMaker, stable, unique per owner and content, and
unchanged for endpoints deployed before options existed)."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from model_deployment_operator.domain import naming
from model_deployment_operator.domain.naming import DeploymentRef
from model_deployment_operator.domain.rendering import target as rendering
from model_deployment_operator.domain.rendering.config import (
    DataCapture,
    EndpointConfigSpec,
    InstanceHosting,
    ServerlessHosting,
    VariantSpec,
)
from model_deployment_operator.domain.rendering.model import ModelDefinition, VpcSpec
from support.domain_builders import REF, desired, package

SAGEMAKER_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
ROLE = "arn:aws:iam::1:role/r"
uids = st.uuids().map(str)


def instance_config(
    model: str = "ep-v3-abcdef01", instance_type: str = "ml.m5.large", count: int = 1
) -> EndpointConfigSpec:
    return EndpointConfigSpec(
        VariantSpec("AllTraffic", model, InstanceHosting(instance_type, count))
    )


@given(
    st.from_regex(r"[a-zA-Z0-9](-?[a-zA-Z0-9]){0,62}", fullmatch=True),
    uids,
    st.integers(min_value=1, max_value=999_999_999),
    st.sampled_from(["ml.m5.large", "ml.g5.12xlarge"]),
    st.integers(min_value=1, max_value=1000),
)
def test_model_and_config_names_fit_sagemaker(
    endpoint: str, uid: str, version: int, instance_type: str, count: int
) -> None:
    ref = DeploymentRef("ns", "name", uid)
    model_spec = ModelDefinition(f"arn:aws:sagemaker:us-east-1:1:model-package/g/{version}", ROLE)
    model = rendering.model_name(ref, endpoint, version, model_spec)
    config = rendering.config_name(
        ref, endpoint, version, instance_config(model, instance_type, count)
    )
    for name in (model, config):
        assert SAGEMAKER_NAME.match(name), name
        assert naming.owned_name_pattern(endpoint).match(name), name


def _config_name(uid: str = "u1", spec: EndpointConfigSpec | None = None) -> str:
    return rendering.config_name(DeploymentRef("ns", "n", uid), "ep", 3, spec or instance_config())


def test_config_name_changes_with_content_and_owner_only() -> None:
    assert _config_name() == _config_name()
    assert _config_name() != _config_name(uid="u2")
    assert _config_name() != _config_name(spec=instance_config(instance_type="ml.m5.xlarge"))
    assert _config_name() != _config_name(spec=instance_config(count=2))
    capture = DataCapture(20, "s3://b/capture/", ("Input",))
    with_capture = EndpointConfigSpec(instance_config().variant, data_capture=capture)
    assert _config_name() != _config_name(spec=with_capture)
    serverless = EndpointConfigSpec(
        VariantSpec("AllTraffic", "ep-v3-abcdef01", ServerlessHosting(2048, 20))
    )
    assert _config_name() != _config_name(spec=serverless)


@given(uids, st.integers(1, 10_000), st.sampled_from(["ml.m5.large", "ml.c5.xlarge"]))
def test_names_of_instance_backed_deployments_are_those_of_earlier_releases(
    uid: str, count: int, instance_type: str
) -> None:
    """Upgrading the operator must not rename (and so redeploy) an existing endpoint: the
    hash of a config or model with no new options is computed exactly as before."""
    ref = DeploymentRef("ns", "n", uid)
    arn = "arn:aws:sagemaker:us-east-1:1:model-package/g/7"
    model = rendering.model_name(ref, "ep", 7, ModelDefinition(arn, ROLE))
    assert model == f"ep-v7-{naming.short_hash('model', uid, arn, ROLE)}"
    config = rendering.config_name(ref, "ep", 7, instance_config(model, instance_type, count))
    legacy = naming.short_hash("config", uid, model, "AllTraffic", instance_type, str(count))
    assert config == f"ep-v7-{legacy}"


def test_model_settings_change_the_model_name() -> None:
    arn = "arn:aws:sagemaker:us-east-1:1:model-package/g/7"
    plain = rendering.model_name(REF, "ep", 7, ModelDefinition(arn, ROLE))
    names = {
        plain,
        rendering.model_name(REF, "ep", 7, ModelDefinition(arn, ROLE, environment=(("A", "1"),))),
        rendering.model_name(REF, "ep", 7, ModelDefinition(arn, ROLE, network_isolation=True)),
        rendering.model_name(
            REF, "ep", 7, ModelDefinition(arn, ROLE, vpc=VpcSpec(("sg-1",), ("subnet-1",)))
        ),
    }
    assert len(names) == 4
    # Order of security groups and subnets does not matter to SageMaker, nor to the name.
    assert rendering.model_name(
        REF, "ep", 7, ModelDefinition(arn, ROLE, vpc=VpcSpec(("sg-1", "sg-2"), ("s-1", "s-2")))
    ) == rendering.model_name(
        REF, "ep", 7, ModelDefinition(arn, ROLE, vpc=VpcSpec(("sg-2", "sg-1"), ("s-2", "s-1")))
    )


def test_the_instance_backed_target_renders_the_spec() -> None:
    target = desired(endpoint={"instanceType": "ml.c5.xlarge", "initialInstanceCount": 3})
    rendered = target.target_for(package(4))
    assert rendered.model == ModelDefinition(package(4).arn, rendered.model.execution_role_arn)
    hosting = rendered.config.variant.hosting
    assert hosting == InstanceHosting("ml.c5.xlarge", 3)
    assert rendered.config.variant.model_name == rendered.model_name
    assert (rendered.instance_type, rendered.instance_count) == ("ml.c5.xlarge", 3)
