"""Rendered Models and EndpointConfigs map to requests botocore's own service model accepts,
option by option (the same validation boto3 runs before sending)."""

from __future__ import annotations

from typing import Any

import botocore.session
import pytest
from botocore.validate import ParamValidator

from model_deployment_operator.domain.rendering.config import (
    AsyncInference,
    AsyncNotifications,
    DataCapture,
    EndpointConfigSpec,
    InstanceHosting,
    ServerlessHosting,
    VariantSpec,
)
from model_deployment_operator.domain.rendering.model import ModelDefinition, VpcSpec
from model_deployment_operator.sagemaker import requests

TAGS = (("sagemaker.mlops.dev/managed-by", "model-deployment-operator"),)
PACKAGE = "arn:aws:sagemaker:us-east-1:111122223333:model-package/fraud/3"
ROLE = "arn:aws:iam::111122223333:role/SageMakerExecution"
SERVICE = botocore.session.get_session().get_service_model("sagemaker")


def assert_valid(operation: str, request: dict[str, Any]) -> None:
    shape = SERVICE.operation_model(operation).input_shape
    assert shape is not None
    report = ParamValidator().validate(request, shape)
    assert not report.has_errors(), report.generate_report()


INSTANCE = VariantSpec("AllTraffic", "m", InstanceHosting("ml.m5.large", 2))
CONFIGS = {
    "instance": EndpointConfigSpec(INSTANCE),
    "instance-with-settings": EndpointConfigSpec(
        VariantSpec("AllTraffic", "m", InstanceHosting("ml.g5.xlarge", 1, 100, 900, 600)),
        kms_key_id="alias/sagemaker",
    ),
    "serverless": EndpointConfigSpec(
        VariantSpec("AllTraffic", "m", ServerlessHosting(2048, 20, 5))
    ),
    "async": EndpointConfigSpec(
        INSTANCE,
        async_inference=AsyncInference(
            "s3://b/out/",
            "s3://b/failed/",
            "alias/k",
            4,
            AsyncNotifications(
                "arn:aws:sns:us-east-1:111122223333:ok",
                "arn:aws:sns:us-east-1:111122223333:ko",
                ("SUCCESS_NOTIFICATION_TOPIC",),
            ),
        ),
    ),
    "data-capture": EndpointConfigSpec(
        INSTANCE,
        data_capture=DataCapture(
            20, "s3://b/capture/", ("Input", "Output"), "alias/k", ("text/csv",), ()
        ),
    ),
}


@pytest.mark.parametrize("spec", CONFIGS.values(), ids=CONFIGS.keys())
def test_endpoint_config_requests_are_valid(spec: EndpointConfigSpec) -> None:
    assert_valid("CreateEndpointConfig", requests.create_endpoint_config("c", spec, TAGS))


def test_each_option_lands_where_sagemaker_expects_it() -> None:
    serverless = requests.create_endpoint_config("c", CONFIGS["serverless"], TAGS)
    (variant,) = serverless["ProductionVariants"]
    assert variant["ServerlessConfig"] == {
        "MemorySizeInMB": 2048,
        "MaxConcurrency": 20,
        "ProvisionedConcurrency": 5,
    }
    assert "InstanceType" not in variant
    assert "InitialInstanceCount" not in variant
    asynchronous = requests.create_endpoint_config("c", CONFIGS["async"], TAGS)
    output = asynchronous["AsyncInferenceConfig"]["OutputConfig"]
    assert output["NotificationConfig"]["IncludeInferenceResponseIn"] == [
        "SUCCESS_NOTIFICATION_TOPIC"
    ]
    assert asynchronous["AsyncInferenceConfig"]["ClientConfig"] == {
        "MaxConcurrentInvocationsPerInstance": 4
    }
    settings = requests.create_endpoint_config("c", CONFIGS["instance-with-settings"], TAGS)
    (variant,) = settings["ProductionVariants"]
    assert variant["VolumeSizeInGB"] == 100
    assert variant["ContainerStartupHealthCheckTimeoutInSeconds"] == 600
    assert settings["KmsKeyId"] == "alias/sagemaker"


@pytest.mark.parametrize(
    "spec",
    [
        ModelDefinition(PACKAGE, ROLE),
        ModelDefinition(
            PACKAGE,
            ROLE,
            environment=(("SAGEMAKER_MODEL_SERVER_WORKERS", "2"),),
            vpc=VpcSpec(("sg-0123456789abcdef0",), ("subnet-0123456789abcdef0",)),
            network_isolation=True,
        ),
    ],
    ids=["package-only", "with-settings"],
)
def test_model_requests_are_valid(spec: ModelDefinition) -> None:
    request = requests.create_model("m", spec, TAGS)
    assert_valid("CreateModel", request)
    (container,) = request["Containers"]
    assert container["ModelPackageName"] == PACKAGE
    assert container.get("Environment", {}) == dict(spec.environment)
    assert request.get("EnableNetworkIsolation", False) is spec.network_isolation
