"""End to end: the production variant's and the model's settings through the operator
(README, spec.endpoint and spec.model; manifests/samples/fraud-detector-production.yaml).

- Data capture writes sampled requests and responses under the destination prefix.
- Volume size, container timeouts and the KMS key reach the endpoint config; environment,
  VPC and network isolation reach the model, and the containers run with them.
- Scheduled actions are registered with the spec's schedule and capacities, and one
  removed from the spec is deleted; one the operator did not make is left alone.
- A model package with two containers (an AutoML candidate: feature transform, then
  model) deploys as an inference pipeline.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from devstack.registry import IMAGE, PackageRef, invoke
from support.e2e_stack import GROUP, Stack, wait_for

pytestmark = pytest.mark.e2e

CAPTURE_BUCKET = "fraud-detector-capture"
ENDPOINT = {
    "instanceType": "ml.c5.xlarge",
    "initialInstanceCount": 2,
    "volumeSizeInGB": 30,
    "modelDataDownloadTimeoutSeconds": 600,
    "containerStartupHealthCheckTimeoutSeconds": 900,
    "kmsKeyId": "alias/fraud-detector-endpoint",
    "dataCapture": {
        "samplingPercentage": 50,
        "destination": f"s3://{CAPTURE_BUCKET}/production/",
        "captureModes": ["Input", "Output"],
        "kmsKeyId": "alias/fraud-detector-capture",
        "csvContentTypes": ["text/csv"],
        "jsonContentTypes": ["application/json"],
    },
}
MODEL = {
    "environment": {"LOG_LEVEL": "info", "SAGEMAKER_MODEL_SERVER_WORKERS": "2"},
    "vpcConfig": {
        "securityGroupIds": ["sg-0123456789abcdef0"],
        "subnets": ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"],
    },
    "enableNetworkIsolation": True,
}
PEAK = {
    "name": "weekday-peak",
    "schedule": "cron(0 8 ? * MON-FRI *)",
    "timezone": "Europe/Paris",
    "minCapacity": 4,
    "maxCapacity": 10,
}
EVENING = {
    "name": "weekday-evening",
    "schedule": "cron(0 20 ? * MON-FRI *)",
    "timezone": "Europe/Paris",
    "minCapacity": 2,
    "maxCapacity": 6,
}


def autoscaling(*scheduled: dict[str, Any]) -> dict[str, Any]:
    return {
        "minCapacity": 2,
        "maxCapacity": 6,
        "targetInvocationsPerInstance": 70,
        "scheduledActions": list(scheduled),
    }


def scheduled_actions(stack: Stack, endpoint: str) -> dict[str, dict[str, Any]]:
    listed = stack.autoscaling.describe_scheduled_actions(
        ServiceNamespace="sagemaker", ResourceId=f"endpoint/{endpoint}/variant/AllTraffic"
    )["ScheduledActions"]
    return {a["ScheduledActionName"]: dict(a) for a in listed}


def capture_keys(stack: Stack, endpoint: str) -> set[str]:
    listed = stack.s3.list_objects_v2(
        Bucket=CAPTURE_BUCKET, Prefix=f"production/{endpoint}/AllTraffic/"
    )
    return {item["Key"] for item in listed.get("Contents", [])}


def invoke_json(stack: Stack, endpoint: str, payload: dict[str, Any]) -> dict[str, Any]:
    response = stack.runtime.invoke_endpoint(
        EndpointName=endpoint, ContentType="application/json", Body=json.dumps(payload).encode()
    )
    answer: dict[str, Any] = json.loads(response["Body"].read())
    return answer


def test_variant_model_settings_data_capture_and_scheduled_actions(stack: Stack) -> None:
    stack.s3.create_bucket(Bucket=CAPTURE_BUCKET)
    stack.registry.register(GROUP, approval="Approved")
    stack.apply("fraud", endpoint=ENDPOINT, model=MODEL, autoscaling=autoscaling(PEAK, EVENING))
    answer = stack.wait_serving("fraud", version=1)
    endpoint = stack.endpoint_name("fraud")

    # The endpoint config carries the variant's settings and the capture settings.
    described = stack.sagemaker.describe_endpoint(EndpointName=endpoint)
    config = stack.sagemaker.describe_endpoint_config(
        EndpointConfigName=described["EndpointConfigName"]
    )
    (variant,) = config["ProductionVariants"]
    assert (variant["InstanceType"], variant["InitialInstanceCount"]) == ("ml.c5.xlarge", 2)
    assert variant["VolumeSizeInGB"] == 30
    assert variant["ModelDataDownloadTimeoutInSeconds"] == 600
    assert variant["ContainerStartupHealthCheckTimeoutInSeconds"] == 900
    assert config["KmsKeyId"] == "alias/fraud-detector-endpoint"
    capture = config["DataCaptureConfig"]
    assert capture["EnableCapture"] is True
    assert capture["InitialSamplingPercentage"] == 50
    assert capture["DestinationS3Uri"] == f"s3://{CAPTURE_BUCKET}/production/"
    assert capture["KmsKeyId"] == "alias/fraud-detector-capture"
    assert [o["CaptureMode"] for o in capture["CaptureOptions"]] == ["Input", "Output"]
    assert capture["CaptureContentTypeHeader"] == {
        "CsvContentTypes": ["text/csv"],
        "JsonContentTypes": ["application/json"],
    }
    summary = described["DataCaptureConfig"]  # a DataCaptureConfigSummary
    assert (summary["CaptureStatus"], summary["CurrentSamplingPercentage"]) == ("Started", 50)

    # The model carries the spec's settings, and the container runs with its environment.
    model = stack.sagemaker.describe_model(ModelName=variant["ModelName"])
    (container,) = model["Containers"]
    assert container["Environment"] == MODEL["environment"]
    assert model["VpcConfig"] == {
        "SecurityGroupIds": ["sg-0123456789abcdef0"],
        "Subnets": ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"],
    }
    assert model["EnableNetworkIsolation"] is True
    (served,) = answer["containers"]
    assert served["environment"] == MODEL["environment"]

    # Half of the invocations are captured, under <destination>/<endpoint>/<variant>/.
    before = capture_keys(stack, endpoint)
    for order in range(4):
        invoke_json(stack, endpoint, {"order": order, "amount": 125.0})
    # The emulator writes a capture before it answers, and samples exactly 50 in 100.
    new = capture_keys(stack, endpoint) - before
    assert len(new) == 2, new
    for key in sorted(new):
        assert re.fullmatch(
            rf"production/{endpoint}/AllTraffic/\d{{4}}(/\d\d){{3}}/[^/]+\.jsonl", key
        )
        body = stack.s3.get_object(Bucket=CAPTURE_BUCKET, Key=key)["Body"].read()
        (line,) = body.decode().splitlines()
        record = json.loads(line)["captureData"]
        assert record["endpointInput"]["encoding"] == "JSON"
        assert json.loads(record["endpointInput"]["data"])["amount"] == 125.0
        assert json.loads(record["endpointOutput"]["data"])["endpointName"] == endpoint

    # Scheduled actions, named with the operator's prefix, on the instance count.
    def both_scheduled() -> dict[str, dict[str, Any]] | None:
        found = scheduled_actions(stack, endpoint)
        return found if len(found) == 2 else None

    actions = wait_for(both_scheduled, timeout=30, what="two scheduled actions")
    assert set(actions) == {"mdo-weekday-peak", "mdo-weekday-evening"}
    for spec in (PEAK, EVENING):
        action = actions[f"mdo-{spec['name']}"]
        assert action["ScalableDimension"] == "sagemaker:variant:DesiredInstanceCount"
        assert action["Schedule"] == spec["schedule"]
        assert action["Timezone"] == "Europe/Paris"
        assert action["ScalableTargetAction"] == {
            "MinCapacity": spec["minCapacity"],
            "MaxCapacity": spec["maxCapacity"],
        }
    # Someone else's scheduled action on the same target is not the operator's to remove.
    stack.autoscaling.put_scheduled_action(
        ServiceNamespace="sagemaker",
        ScheduledActionName="release-freeze",
        ResourceId=f"endpoint/{endpoint}/variant/AllTraffic",
        ScalableDimension="sagemaker:variant:DesiredInstanceCount",
        Schedule="at(2031-12-24T00:00:00)",
        ScalableTargetAction={"MinCapacity": 3},
    )
    stack.emulator.reset_calls()
    stack.apply("fraud", endpoint=ENDPOINT, model=MODEL, autoscaling=autoscaling(PEAK))
    wait_for(
        lambda: set(scheduled_actions(stack, endpoint)) == {"mdo-weekday-peak", "release-freeze"},
        timeout=30,
        what="mdo-weekday-evening deleted",
    )
    stack.wait_condition("fraud", "Ready", reason="Deployed")
    assert stack.emulator.call_count("DeleteScheduledAction") == 1
    # Scheduling is autoscaling only: the endpoint was not touched.
    assert stack.emulator.call_count("UpdateEndpoint") == 0
    assert stack.emulator.call_count("DeregisterScalableTarget") == 0

    # A new version gets a new model with the same settings; its container runs with them.
    second = stack.registry.register(GROUP, approval="Approved")
    answer = stack.wait_serving("fraud", version=second.version)
    assert answer["containers"][0]["environment"] == MODEL["environment"]
    assert answer["compute"] == {
        "kind": "instance",
        "instanceType": "ml.c5.xlarge",
        "instanceCount": 2,
    }
    model_name = stack.get("fraud")["status"]["target"]["modelName"]
    assert model_name != variant["ModelName"]
    model = stack.sagemaker.describe_model(ModelName=model_name)
    assert model["Containers"][0]["Environment"] == MODEL["environment"]
    assert model["EnableNetworkIsolation"] is True
    assert set(scheduled_actions(stack, endpoint)) == {"mdo-weekday-peak", "release-freeze"}
    stack.assert_nothing_duplicated("fraud")


def register_automl_candidate(stack: Stack, model_image: str) -> PackageRef:
    """A version whose inference specification has two containers, as an AutoML candidate
    registers: the feature transform, then the model."""
    response = stack.sagemaker.create_model_package(
        ModelPackageGroupName=GROUP,
        ModelPackageDescription="AutoML candidate",
        InferenceSpecification={
            "Containers": [
                {
                    "Image": IMAGE.replace("fraud-detector", "sklearn-automl"),
                    "ModelDataUrl": f"s3://models/{GROUP}/automl/transform.tar.gz",
                    "Environment": {"AUTOML_TRANSFORM_MODE": "feature-transform"},
                },
                {
                    "Image": model_image,
                    "ModelDataUrl": f"s3://models/{GROUP}/automl/model.tar.gz",
                },
            ],
            "SupportedContentTypes": ["text/csv"],
            "SupportedResponseMIMETypes": ["text/csv"],
        },
        ModelApprovalStatus="Approved",
    )
    arn = response["ModelPackageArn"]
    return PackageRef(arn, int(arn.rsplit("/", 1)[1]))


def test_a_multi_container_package_deploys_as_an_inference_pipeline(stack: Stack) -> None:
    xgboost = IMAGE.replace("fraud-detector", "xgboost")
    first = register_automl_candidate(stack, xgboost)
    stack.apply("fraud", model={"environment": {"LOG_LEVEL": "debug"}})
    answer = stack.wait_serving("fraud", version=first.version)
    assert [(c["containerHostname"], c["image"]) for c in answer["containers"]] == [
        ("container_1", IMAGE.replace("fraud-detector", "sklearn-automl")),
        ("container_2", xgboost),
    ]
    assert {c["modelPackageArn"] for c in answer["containers"]} == {first.arn}
    # The spec's environment applies to every container, over the package's own.
    assert answer["containers"][0]["environment"] == {
        "AUTOML_TRANSFORM_MODE": "feature-transform",
        "LOG_LEVEL": "debug",
    }
    assert answer["containers"][1]["environment"] == {"LOG_LEVEL": "debug"}
    model_name = stack.get("fraud")["status"]["target"]["modelName"]
    model = stack.sagemaker.describe_model(ModelName=model_name)
    assert model["Containers"] == [
        {"ModelPackageName": first.arn, "Environment": {"LOG_LEVEL": "debug"}}
    ]

    # The next candidate replaces the whole pipeline.
    lightgbm = IMAGE.replace("fraud-detector", "lightgbm")
    second = register_automl_candidate(stack, lightgbm)
    answer = stack.wait_serving("fraud", version=second.version)
    assert [c["image"] for c in answer["containers"]][1] == lightgbm
    assert len(answer["containers"]) == 2
    assert invoke(stack.runtime, stack.endpoint_name("fraud"))["modelPackageArn"] == second.arn
    stack.assert_nothing_duplicated("fraud")
