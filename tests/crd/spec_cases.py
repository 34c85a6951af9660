"""ModelDeployment and ModelEndpoint specs and what is said about them, shared by two tests
for each kind:

- tests/crd/test_admission.py (test_model_endpoint_admission.py) applies each to the real
  API server (the CRD's schema and CEL rules) and expects `message` in kubectl's error;
- tests/unit/domain/test_spec.py (test_spec_model_endpoint.py) parses each with the
  operator's models and expects `model_message` (the same text, unless the API server words
  a schema check its own way).

So every rule is checked on both sides with the same manifest.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from model_deployment_operator.domain.spec import rules

ROLE = "arn:aws:iam::111122223333:role/SageMakerExecution"
BASE: dict[str, Any] = {
    "modelPackageGroupName": "fraud-detector",
    "executionRoleArn": ROLE,
    "endpoint": {"instanceType": "ml.m5.large"},
}


def merged(base: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """base with changes applied recursively; a None value removes the key."""
    result = copy.deepcopy(dict(base))
    for key, value in changes.items():
        if value is None:
            result.pop(key, None)
        elif isinstance(value, Mapping) and isinstance(result.get(key), dict):
            result[key] = merged(result[key], value)
        elif isinstance(value, Mapping):
            result[key] = merged({}, value)
        else:
            result[key] = copy.deepcopy(value)
    return result


def spec(**changes: Any) -> dict[str, Any]:
    return merged(BASE, changes)


SERVERLESS = {"instanceType": None, "serverless": {"memorySizeInMB": 2048, "maxConcurrency": 20}}
PROVISIONED = merged(SERVERLESS, {"serverless": {"provisionedConcurrency": 5}})
ASYNC = {"async": {"outputPath": "s3://fraud-results/output/"}}
NOTIFICATIONS = {
    "successTopic": "arn:aws:sns:us-east-1:111122223333:fraud-done",
    "errorTopic": "arn:aws:sns:us-east-1:111122223333:fraud-failed",
    "includeInferenceResponseIn": ["SUCCESS_NOTIFICATION_TOPIC"],
}
DATA_CAPTURE = {
    "samplingPercentage": 20,
    "destination": "s3://fraud-capture/capture/",
    "captureModes": ["Input", "Output"],
}
REAL_TIME_SCALING = {"minCapacity": 1, "maxCapacity": 4, "targetInvocationsPerInstance": 70}
ASYNC_SCALING = {"minCapacity": 0, "maxCapacity": 4, "targetBacklogPerInstance": 5}
SERVERLESS_SCALING = {
    "minCapacity": 1,
    "maxCapacity": 10,
    "targetProvisionedConcurrencyUtilization": 0.7,
}
PEAK = {"name": "weekday-peak", "schedule": "cron(0 8 ? * MON-FRI *)", "minCapacity": 4}
VPC = {"securityGroupIds": ["sg-0123456789abcdef0"], "subnets": ["subnet-0a1b2c3d"]}


# ------------------------------------------------------------------ placement on a ModelEndpoint
SHARED = {"endpoint": None, "endpointRef": {"name": "shared-gpu"}}
COPIES = {"memoryMb": 2048}
TARGET = {"targetModel": "fraud-detector.tar.gz"}
COPY_SCALING = {"minCapacity": 0, "maxCapacity": 4, "targetInvocationsPerCopy": 10}
ROLLING = {"maximumBatchSize": {"type": "COPY_COUNT", "value": 1}, "waitIntervalSeconds": 120}


def on_copies(**changes: Any) -> dict[str, Any]:
    """A ModelDeployment placed on an InferenceComponents ModelEndpoint."""
    return merged(spec(**SHARED, inferenceComponent=COPIES), changes)


def on_multi_model(**changes: Any) -> dict[str, Any]:
    """A ModelDeployment placed on a MultiModel ModelEndpoint."""
    return merged(spec(**SHARED, multiModel=TARGET), changes)


def scheduled(*actions: Mapping[str, Any], scaling: Mapping[str, Any] = REAL_TIME_SCALING) -> Any:
    return {**scaling, "scheduledActions": [dict(action) for action in actions]}


@dataclass(frozen=True)
class Rejected:
    id: str
    spec: dict[str, Any]
    message: str | rules.Rule
    model: str | None = None
    """What the models say, when it is not `message` (schema checks the API server words
    its own way: ranges, patterns, required fields)."""

    @property
    def api_message(self) -> str:
        return str(self.message)

    @property
    def model_message(self) -> str:
        return self.model or str(self.message)


REPORT_AUC = {
    "report": "ModelQuality.Statistics",
    "path": "binary_classification_metrics.auc.value",
}
REQUIREMENTS: dict[str, Any] = {
    "servedIn": [{"environment": "staging", "forAtLeast": "24h"}],
    "minTimeSinceApproval": "2h",
    "modelLifeCycle": {"stage": "Production", "stageStatus": "Approved"},
    "metricGates": [
        {"customerMetadataProperty": "auc", "comparison": "GreaterThanOrEqual", "threshold": 0.9},
        {"metricsReport": REPORT_AUC, "comparison": "GreaterThan", "threshold": 0.85},
    ],
}

REJECTED = [
    # ------------------------------------------------------------------ as before
    Rejected(
        "pinned-without-version",
        spec(approval={"policy": "Pinned"}),
        rules.PINNED_VERSION_IFF_PINNED,
    ),
    Rejected(
        "version-without-pinned",
        spec(approval={"policy": "LatestApproved", "pinnedVersion": 3}),
        rules.PINNED_VERSION_IFF_PINNED,
    ),
    Rejected("group-name", spec(modelPackageGroupName="fraud detector"), rules.GROUP_NAME_OR_ARN),
    # ------------------------------------------------------------------ hosting shape
    Rejected("no-hosting-shape", spec(endpoint={"instanceType": None}), rules.ONE_HOSTING_SHAPE),
    Rejected(
        "instances-and-serverless",
        spec(endpoint={"serverless": SERVERLESS["serverless"]}),
        rules.ONE_HOSTING_SHAPE,
    ),
    Rejected(
        "instance-count-with-serverless",
        spec(endpoint={**SERVERLESS, "initialInstanceCount": 2}),
        rules.INSTANCE_COUNT_NEEDS_INSTANCE_TYPE,
    ),
    Rejected(
        "async-with-serverless",
        spec(endpoint={**SERVERLESS, **ASYNC}),
        rules.ASYNC_NEEDS_INSTANCE_TYPE,
    ),
    Rejected(
        "data-capture-with-serverless",
        spec(endpoint={**SERVERLESS, "dataCapture": DATA_CAPTURE}),
        rules.DATA_CAPTURE_NEEDS_INSTANCE_TYPE,
    ),
    Rejected(
        "volume-with-serverless",
        spec(endpoint={**SERVERLESS, "volumeSizeInGB": 30}),
        rules.VOLUME_SIZE_NEEDS_INSTANCE_TYPE,
    ),
    Rejected(
        "download-timeout-with-serverless",
        spec(endpoint={**SERVERLESS, "modelDataDownloadTimeoutSeconds": 600}),
        rules.DOWNLOAD_TIMEOUT_NEEDS_INSTANCE_TYPE,
    ),
    Rejected(
        "startup-timeout-with-serverless",
        spec(endpoint={**SERVERLESS, "containerStartupHealthCheckTimeoutSeconds": 600}),
        rules.STARTUP_TIMEOUT_NEEDS_INSTANCE_TYPE,
    ),
    # ------------------------------------------------------------------ serverless
    Rejected(
        "provisioned-above-max-concurrency",
        spec(endpoint=merged(SERVERLESS, {"serverless": {"provisionedConcurrency": 21}})),
        rules.PROVISIONED_NOT_ABOVE_MAX_CONCURRENCY,
    ),
    Rejected(
        "serverless-memory-step",
        spec(endpoint=merged(SERVERLESS, {"serverless": {"memorySizeInMB": 2000}})),
        "spec.endpoint.serverless.memorySizeInMB in body should be a multiple of 1024",
        "spec.endpoint.serverless.memorySizeInMB: Input should be a multiple of 1024",
    ),
    Rejected(
        "serverless-memory-range",
        spec(endpoint=merged(SERVERLESS, {"serverless": {"memorySizeInMB": 7168}})),
        "spec.endpoint.serverless.memorySizeInMB in body should be less than or equal to 6144",
        "spec.endpoint.serverless.memorySizeInMB: Input should be less than or equal to 6144",
    ),
    Rejected(
        "serverless-concurrency-range",
        spec(endpoint=merged(SERVERLESS, {"serverless": {"maxConcurrency": 201}})),
        "spec.endpoint.serverless.maxConcurrency in body should be less than or equal to 200",
        "spec.endpoint.serverless.maxConcurrency: Input should be less than or equal to 200",
    ),
    # ------------------------------------------------------------------ async
    Rejected(
        "async-without-output-path",
        spec(endpoint={"async": {"failurePath": "s3://fraud-results/failed/"}}),
        "spec.endpoint.async.outputPath: Required value",
        "spec.endpoint.async.outputPath: Field required",
    ),
    Rejected(
        "async-output-not-s3",
        spec(endpoint={"async": {"outputPath": "https://fraud-results.example.com/out/"}}),
        "spec.endpoint.async.outputPath in body should match",
        "spec.endpoint.async.outputPath: String should match pattern",
    ),
    Rejected(
        "async-concurrency-range",
        spec(endpoint=merged(ASYNC, {"async": {"maxConcurrentInvocationsPerInstance": 1001}})),
        "spec.endpoint.async.maxConcurrentInvocationsPerInstance in body should be less than "
        "or equal to 1000",
        "spec.endpoint.async.maxConcurrentInvocationsPerInstance: Input should be less than "
        "or equal to 1000",
    ),
    Rejected(
        "notifications-without-topic",
        spec(endpoint=merged(ASYNC, {"async": {"notifications": {}}})),
        rules.NOTIFICATIONS_NEED_A_TOPIC,
    ),
    Rejected(
        "response-in-unset-topic",
        spec(
            endpoint=merged(
                ASYNC,
                {
                    "async": {
                        "notifications": {
                            "successTopic": NOTIFICATIONS["successTopic"],
                            "includeInferenceResponseIn": ["ERROR_NOTIFICATION_TOPIC"],
                        }
                    }
                },
            )
        ),
        rules.RESPONSE_ONLY_IN_SET_TOPICS,
    ),
    Rejected(
        "notification-topic-not-sns",
        spec(
            endpoint=merged(
                ASYNC,
                {"async": {"notifications": {"errorTopic": "arn:aws:sqs:us-east-1:1:q"}}},
            )
        ),
        "spec.endpoint.async.notifications.errorTopic in body should match",
        "spec.endpoint.async.notifications.errorTopic: String should match pattern",
    ),
    # ------------------------------------------------------------------ data capture
    Rejected(
        "capture-modes-empty",
        spec(endpoint={"dataCapture": {**DATA_CAPTURE, "captureModes": []}}),
        "spec.endpoint.dataCapture.captureModes: Invalid value: 0: "
        "spec.endpoint.dataCapture.captureModes in body should have at least 1 items",
        "spec.endpoint.dataCapture.captureModes: Tuple should have at least 1 item",
    ),
    Rejected(
        "capture-mode-unknown",
        spec(endpoint={"dataCapture": {**DATA_CAPTURE, "captureModes": ["InputAndOutput"]}}),
        'spec.endpoint.dataCapture.captureModes[0]: Unsupported value: "InputAndOutput"',
        "spec.endpoint.dataCapture.captureModes.0: Input should be 'Input' or 'Output'",
    ),
    Rejected(
        "capture-mode-twice",
        spec(endpoint={"dataCapture": {**DATA_CAPTURE, "captureModes": ["Input", "Input"]}}),
        'spec.endpoint.dataCapture.captureModes[1]: Duplicate value: "Input"',
        'spec.endpoint.dataCapture.captureModes: Duplicate value: "Input"',
    ),
    Rejected(
        "capture-sampling-range",
        spec(endpoint={"dataCapture": {**DATA_CAPTURE, "samplingPercentage": 101}}),
        "spec.endpoint.dataCapture.samplingPercentage in body should be less than or equal to 100",
        "spec.endpoint.dataCapture.samplingPercentage: Input should be less than or equal to 100",
    ),
    Rejected(
        "capture-without-destination",
        spec(endpoint={"dataCapture": {**DATA_CAPTURE, "destination": None}}),
        "spec.endpoint.dataCapture.destination: Required value",
        "spec.endpoint.dataCapture.destination: Field required",
    ),
    Rejected(
        "capture-content-type",
        spec(endpoint={"dataCapture": {**DATA_CAPTURE, "csvContentTypes": ["csv"]}}),
        "spec.endpoint.dataCapture.csvContentTypes[0] in body should match",
        "spec.endpoint.dataCapture.csvContentTypes.0: String should match pattern",
    ),
    # ------------------------------------------------------------------ instance settings
    Rejected(
        "volume-size-range",
        spec(endpoint={"volumeSizeInGB": 513}),
        "spec.endpoint.volumeSizeInGB in body should be less than or equal to 512",
        "spec.endpoint.volumeSizeInGB: Input should be less than or equal to 512",
    ),
    Rejected(
        "download-timeout-range",
        spec(endpoint={"modelDataDownloadTimeoutSeconds": 59}),
        "spec.endpoint.modelDataDownloadTimeoutSeconds in body should be greater than or "
        "equal to 60",
        "spec.endpoint.modelDataDownloadTimeoutSeconds: Input should be greater than or "
        "equal to 60",
    ),
    Rejected(
        "startup-timeout-range",
        spec(endpoint={"containerStartupHealthCheckTimeoutSeconds": 3601}),
        "spec.endpoint.containerStartupHealthCheckTimeoutSeconds in body should be less than "
        "or equal to 3600",
        "spec.endpoint.containerStartupHealthCheckTimeoutSeconds: Input should be less than "
        "or equal to 3600",
    ),
    Rejected(
        "kms-key-pattern",
        spec(endpoint={"kmsKeyId": "my key"}),
        "spec.endpoint.kmsKeyId in body should match",
        "spec.endpoint.kmsKeyId: String should match pattern",
    ),
    # ------------------------------------------------------------------ model
    Rejected(
        "environment-name",
        spec(model={"environment": {"LOG_LEVEL": "info", "2FAST": "yes"}}),
        rules.ENVIRONMENT_NAMES,
    ),
    Rejected(
        "environment-too-large",
        spec(model={"environment": {f"VAR_{i}": "x" for i in range(101)}}),
        "spec.model.environment: Too many: 101: must have at most 100 items",
        "spec.model.environment: Dictionary should have at most 100 items",
    ),
    Rejected(
        "security-group-pattern",
        spec(model={"vpcConfig": {**VPC, "securityGroupIds": ["default"]}}),
        "spec.model.vpcConfig.securityGroupIds[0] in body should match",
        "spec.model.vpcConfig.securityGroupIds.0: String should match pattern",
    ),
    Rejected(
        "too-many-security-groups",
        spec(
            model={"vpcConfig": {**VPC, "securityGroupIds": [f"sg-0000000{i}" for i in range(6)]}}
        ),
        "spec.model.vpcConfig.securityGroupIds: Too many: 6: must have at most 5 items",
        "spec.model.vpcConfig.securityGroupIds: Tuple should have at most 5 items",
    ),
    Rejected(
        "vpc-without-subnets",
        spec(model={"vpcConfig": {**VPC, "subnets": None}}),
        "spec.model.vpcConfig.subnets: Required value",
        "spec.model.vpcConfig.subnets: Field required",
    ),
    Rejected(
        "vpc-with-serverless",
        spec(endpoint=SERVERLESS, model={"vpcConfig": VPC}),
        rules.VPC_NOT_SERVERLESS,
    ),
    Rejected(
        "network-isolation-with-serverless",
        spec(endpoint=SERVERLESS, model={"enableNetworkIsolation": True}),
        rules.ISOLATION_NOT_SERVERLESS,
    ),
    # ------------------------------------------------------------------ autoscaling targets
    Rejected(
        "min-above-max",
        spec(autoscaling={**REAL_TIME_SCALING, "minCapacity": 5}),
        rules.MIN_NOT_ABOVE_MAX,
    ),
    Rejected(
        "scale-to-zero-real-time",
        spec(autoscaling={**REAL_TIME_SCALING, "minCapacity": 0}),
        rules.SCALE_TO_ZERO_NEEDS_ASYNC,
    ),
    Rejected(
        "real-time-without-invocations-target",
        spec(autoscaling={"minCapacity": 1, "maxCapacity": 4}),
        rules.INVOCATIONS_TARGET_IFF_REAL_TIME,
    ),
    Rejected(
        "async-with-invocations-target",
        spec(endpoint=ASYNC, autoscaling={**ASYNC_SCALING, "targetInvocationsPerInstance": 70}),
        rules.INVOCATIONS_TARGET_IFF_REAL_TIME,
    ),
    Rejected(
        "serverless-with-invocations-target",
        spec(
            endpoint=PROVISIONED,
            autoscaling={**SERVERLESS_SCALING, "targetInvocationsPerInstance": 70},
        ),
        rules.INVOCATIONS_TARGET_IFF_REAL_TIME,
    ),
    Rejected(
        "serverless-without-utilization-target",
        spec(endpoint=PROVISIONED, autoscaling={"minCapacity": 1, "maxCapacity": 10}),
        rules.PROVISIONED_TARGET_IFF_SERVERLESS,
    ),
    Rejected(
        "utilization-target-on-instances",
        spec(autoscaling={**REAL_TIME_SCALING, "targetProvisionedConcurrencyUtilization": 0.7}),
        rules.PROVISIONED_TARGET_IFF_SERVERLESS,
    ),
    Rejected(
        "async-without-backlog-target",
        spec(endpoint=ASYNC, autoscaling={"minCapacity": 0, "maxCapacity": 4}),
        rules.BACKLOG_TARGET_IFF_ASYNC,
    ),
    Rejected(
        "backlog-target-on-real-time",
        spec(autoscaling={**REAL_TIME_SCALING, "targetBacklogPerInstance": 5}),
        rules.BACKLOG_TARGET_IFF_ASYNC,
    ),
    Rejected(
        "serverless-scaling-without-provisioned",
        spec(endpoint=SERVERLESS, autoscaling=SERVERLESS_SCALING),
        rules.SERVERLESS_SCALING_NEEDS_PROVISIONED,
    ),
    Rejected(
        "serverless-max-above-concurrency",
        spec(endpoint=PROVISIONED, autoscaling={**SERVERLESS_SCALING, "maxCapacity": 21}),
        rules.SERVERLESS_MAX_NOT_ABOVE_CONCURRENCY,
    ),
    Rejected(
        "utilization-range",
        spec(
            endpoint=PROVISIONED,
            autoscaling={**SERVERLESS_SCALING, "targetProvisionedConcurrencyUtilization": 1.5},
        ),
        "spec.autoscaling.targetProvisionedConcurrencyUtilization in body should be less than "
        "or equal to 1",
        "spec.autoscaling.targetProvisionedConcurrencyUtilization: Input should be less than "
        "or equal to 1",
    ),
    Rejected(
        "burstable-t2",
        spec(endpoint={"instanceType": "ml.t2.medium"}, autoscaling=REAL_TIME_SCALING),
        rules.NOT_BURSTABLE,
    ),
    Rejected(
        "burstable-t3-async",
        spec(endpoint={"instanceType": "ml.t3.large", **ASYNC}, autoscaling=ASYNC_SCALING),
        rules.NOT_BURSTABLE,
    ),
    # ------------------------------------------------------------------ scheduled actions
    Rejected(
        "scheduled-on-serverless",
        spec(endpoint=PROVISIONED, autoscaling=scheduled(PEAK, scaling=SERVERLESS_SCALING)),
        rules.SCHEDULED_NEEDS_INSTANCE_TYPE,
    ),
    Rejected(
        "scheduled-zero-on-real-time",
        spec(autoscaling=scheduled({**PEAK, "minCapacity": 0})),
        rules.SCHEDULED_ZERO_NEEDS_ASYNC,
    ),
    Rejected(
        "scheduled-names-not-unique",
        spec(autoscaling=scheduled(PEAK, {**PEAK, "schedule": "cron(0 20 ? * MON-FRI *)"})),
        rules.SCHEDULED_NAMES_UNIQUE,
    ),
    Rejected(
        "scheduled-without-capacity",
        spec(autoscaling=scheduled({**PEAK, "minCapacity": None})),
        rules.SCHEDULED_SETS_CAPACITY,
    ),
    Rejected(
        "scheduled-min-above-max",
        spec(autoscaling=scheduled({**PEAK, "maxCapacity": 2})),
        rules.SCHEDULED_MIN_NOT_ABOVE_MAX,
    ),
    Rejected(
        "scheduled-end-before-start",
        spec(
            autoscaling=scheduled(
                {**PEAK, "startTime": "2027-01-10T00:00:00Z", "endTime": "2027-01-09T23:00:00Z"}
            )
        ),
        rules.SCHEDULED_END_AFTER_START,
    ),
    *(
        Rejected(
            f"schedule-{name}",
            spec(autoscaling=scheduled({**PEAK, "schedule": schedule})),
            rules.SCHEDULE_FORMAT,
        )
        for name, schedule in [
            ("words", "every weekday at 8"),
            ("cron-five-fields", "cron(0 8 * * MON-FRI)"),
            ("rate-zero", "rate(0 minutes)"),
            ("rate-unit", "rate(2 weeks)"),
            ("at-without-t", "at(2027-01-10 08:00:00)"),
        ]
    ),
    Rejected(
        "scheduled-name-pattern",
        spec(autoscaling=scheduled({**PEAK, "name": "weekday_peak"})),
        "spec.autoscaling.scheduledActions[0].name in body should match",
        "spec.autoscaling.scheduledActions.0.name: String should match pattern",
    ),
    Rejected(
        "too-many-scheduled-actions",
        spec(autoscaling=scheduled(*({**PEAK, "name": f"step-{i}"} for i in range(11)))),
        "spec.autoscaling.scheduledActions: Too many: 11: must have at most 10 items",
        "spec.autoscaling.scheduledActions: Tuple should have at most 10 items",
    ),
    Rejected(
        "timezone-pattern",
        spec(autoscaling=scheduled({**PEAK, "timezone": "Paris time"})),
        "spec.autoscaling.scheduledActions[0].timezone in body should match",
        "spec.autoscaling.scheduledActions.0.timezone: String should match pattern",
    ),
    Rejected(
        "start-time-without-offset",
        spec(autoscaling=scheduled({**PEAK, "startTime": "2027-01-10T08:00:00"})),
        "spec.autoscaling.scheduledActions[0].startTime in body must be of type date-time",
        "spec.autoscaling.scheduledActions.0.startTime: Input should have timezone info",
    ),
    # ------------------------------------------------------------------ placement
    Rejected("neither-endpoint-nor-ref", spec(endpoint=None), rules.ENDPOINT_OR_REF),
    Rejected(
        "endpoint-and-ref",
        on_copies(endpoint={"instanceType": "ml.m5.large"}),
        rules.ENDPOINT_OR_REF,
    ),
    Rejected("ref-without-placement", spec(**SHARED), rules.REF_NEEDS_ONE_PLACEMENT),
    Rejected(
        "ref-with-both-placements", on_copies(multiModel=TARGET), rules.REF_NEEDS_ONE_PLACEMENT
    ),
    Rejected(
        "inference-component-on-dedicated",
        spec(inferenceComponent=COPIES),
        rules.PLACEMENT_NEEDS_REF,
    ),
    Rejected("multi-model-on-dedicated", spec(multiModel=TARGET), rules.PLACEMENT_NEEDS_REF),
    Rejected(
        "model-settings-with-multi-model",
        on_multi_model(model={"environment": {"LOG_LEVEL": "info"}}),
        rules.MODEL_NOT_WITH_MULTI_MODEL,
    ),
    Rejected(
        "endpoint-ref-name",
        on_copies(endpointRef={"name": "Shared_GPU"}),
        "spec.endpointRef.name in body should match",
        "spec.endpointRef.name: String should match pattern",
    ),
    Rejected(
        "endpoint-ref-without-name",
        on_copies(endpointRef={"name": None}),
        "spec.endpointRef.name: Required value",
        "spec.endpointRef.name: Field required",
    ),
    # ------------------------------------------------------------------ inference component
    Rejected(
        "copy-max-memory-below-memory",
        on_copies(inferenceComponent={"maxMemoryMb": 1024}),
        rules.IC_MAX_MEMORY_NOT_BELOW_MEMORY,
    ),
    Rejected(
        "copy-without-memory",
        on_copies(inferenceComponent={"memoryMb": None, "cpuCores": 1}),
        "spec.inferenceComponent.memoryMb: Required value",
        "spec.inferenceComponent.memoryMb: Field required",
    ),
    Rejected(
        "copy-memory-range",
        on_copies(inferenceComponent={"memoryMb": 64}),
        "spec.inferenceComponent.memoryMb in body should be greater than or equal to 128",
        "spec.inferenceComponent.memoryMb: Input should be greater than or equal to 128",
    ),
    Rejected(
        "copy-cpu-range",
        on_copies(inferenceComponent={"cpuCores": 0.1}),
        "spec.inferenceComponent.cpuCores in body should be greater than or equal to 0.25",
        "spec.inferenceComponent.cpuCores: Input should be greater than or equal to 0.25",
    ),
    Rejected(
        "copy-count-negative",
        on_copies(inferenceComponent={"copyCount": -1}),
        "spec.inferenceComponent.copyCount in body should be greater than or equal to 0",
        "spec.inferenceComponent.copyCount: Input should be greater than or equal to 0",
    ),
    Rejected(
        "copy-startup-timeout-range",
        on_copies(inferenceComponent={"startupTimeoutSeconds": 30}),
        "spec.inferenceComponent.startupTimeoutSeconds in body should be greater than or "
        "equal to 60",
        "spec.inferenceComponent.startupTimeoutSeconds: Input should be greater than or "
        "equal to 60",
    ),
    Rejected(
        "rolling-batch-over-100-percent",
        on_copies(
            inferenceComponent={
                "rollingUpdate": {
                    **ROLLING,
                    "maximumBatchSize": {"type": "CAPACITY_PERCENT", "value": 150},
                }
            }
        ),
        rules.IC_BATCH_PERCENT,
    ),
    Rejected(
        "rollback-batch-over-100-percent",
        on_copies(
            inferenceComponent={
                "rollingUpdate": {
                    **ROLLING,
                    "rollbackMaximumBatchSize": {"type": "CAPACITY_PERCENT", "value": 101},
                }
            }
        ),
        rules.IC_ROLLBACK_BATCH_PERCENT,
    ),
    Rejected(
        "rolling-without-wait",
        on_copies(inferenceComponent={"rollingUpdate": {**ROLLING, "waitIntervalSeconds": None}}),
        "spec.inferenceComponent.rollingUpdate.waitIntervalSeconds: Required value",
        "spec.inferenceComponent.rollingUpdate.waitIntervalSeconds: Field required",
    ),
    Rejected(
        "rolling-batch-type",
        on_copies(
            inferenceComponent={
                "rollingUpdate": {**ROLLING, "maximumBatchSize": {"type": "PERCENT", "value": 5}}
            }
        ),
        'spec.inferenceComponent.rollingUpdate.maximumBatchSize.type: Unsupported value: "PERCENT"',
        "spec.inferenceComponent.rollingUpdate.maximumBatchSize.type: Input should be "
        "'COPY_COUNT' or 'CAPACITY_PERCENT'",
    ),
    Rejected(
        "rolling-timeout-range",
        on_copies(
            inferenceComponent={"rollingUpdate": {**ROLLING, "maximumExecutionTimeoutSeconds": 300}}
        ),
        "spec.inferenceComponent.rollingUpdate.maximumExecutionTimeoutSeconds in body should be "
        "greater than or equal to 600",
        "spec.inferenceComponent.rollingUpdate.maximumExecutionTimeoutSeconds: Input should be "
        "greater than or equal to 600",
    ),
    Rejected(
        "rolling-alarm-twice",
        on_copies(
            inferenceComponent={"rollingUpdate": {**ROLLING, "alarms": ["fraud-5xx", "fraud-5xx"]}}
        ),
        'spec.inferenceComponent.rollingUpdate.alarms[1]: Duplicate value: "fraud-5xx"',
        'spec.inferenceComponent.rollingUpdate.alarms: Duplicate value: "fraud-5xx"',
    ),
    Rejected(
        "rolling-alarm-blank",
        on_copies(inferenceComponent={"rollingUpdate": {**ROLLING, "alarms": ["  "]}}),
        "spec.inferenceComponent.rollingUpdate.alarms[0] in body should match",
        "spec.inferenceComponent.rollingUpdate.alarms.0: String should match pattern",
    ),
    # ------------------------------------------------------------------ multi-model target
    *(
        Rejected(
            f"target-model-{name}",
            on_multi_model(multiModel={"targetModel": target}),
            "spec.multiModel.targetModel in body should match",
            "spec.multiModel.targetModel: String should match pattern",
        )
        for name, target in [
            ("absolute", "/fraud-detector.tar.gz"),
            ("parent", "../fraud-detector.tar.gz"),
            ("trailing-slash", "fraud/"),
            ("space", "fraud detector.tar.gz"),
        ]
    ),
    Rejected(
        "multi-model-without-target",
        on_multi_model(multiModel={"targetModel": None}),
        "spec.multiModel.targetModel: Required value",
        "spec.multiModel.targetModel: Field required",
    ),
    # ------------------------------------------------------------------ autoscaling when placed
    Rejected(
        "copies-without-copy-target",
        on_copies(autoscaling={"minCapacity": 0, "maxCapacity": 4}),
        rules.COPY_TARGET_IFF_INFERENCE_COMPONENT,
    ),
    Rejected(
        "copy-target-on-dedicated",
        spec(autoscaling={**REAL_TIME_SCALING, "targetInvocationsPerCopy": 10}),
        rules.COPY_TARGET_IFF_INFERENCE_COMPONENT,
    ),
    Rejected(
        "copies-with-instance-target",
        on_copies(autoscaling={**COPY_SCALING, "targetInvocationsPerInstance": 70}),
        rules.INVOCATIONS_TARGET_IFF_REAL_TIME,
    ),
    Rejected(
        "copies-with-backlog-target",
        on_copies(autoscaling={**COPY_SCALING, "targetBacklogPerInstance": 5}),
        rules.BACKLOG_TARGET_IFF_ASYNC,
    ),
    Rejected(
        "copies-with-scheduled-actions",
        on_copies(autoscaling=scheduled(PEAK, scaling=COPY_SCALING)),
        rules.SCHEDULED_NEEDS_INSTANCE_TYPE,
    ),
    Rejected(
        "autoscaling-with-multi-model",
        on_multi_model(autoscaling=REAL_TIME_SCALING),
        rules.NO_AUTOSCALING_WITH_MULTI_MODEL,
    ),
    # ------------------------------------------------------------------ promotion
    Rejected(
        "served-in-twice",
        spec(
            approval={
                "requirements": {
                    "servedIn": [
                        {"environment": "staging", "forAtLeast": "1h"},
                        {"environment": "staging", "forAtLeast": "2h"},
                    ]
                }
            }
        ),
        rules.SERVED_IN_UNIQUE,
    ),
    Rejected(
        "metric-gate-without-source",
        spec(
            approval={
                "requirements": {"metricGates": [{"comparison": "GreaterThan", "threshold": 0.9}]}
            }
        ),
        rules.METRIC_GATE_ONE_SOURCE,
    ),
    Rejected(
        "metric-gate-with-two-sources",
        spec(
            approval={
                "requirements": {
                    "metricGates": [
                        {
                            "customerMetadataProperty": "auc",
                            "metricsReport": REPORT_AUC,
                            "comparison": "GreaterThan",
                            "threshold": 0.9,
                        }
                    ]
                }
            }
        ),
        rules.METRIC_GATE_ONE_SOURCE,
    ),
    Rejected(
        "duration-format",
        spec(
            approval={
                "requirements": {"servedIn": [{"environment": "staging", "forAtLeast": "1 day"}]}
            }
        ),
        "spec.approval.requirements.servedIn[0].forAtLeast in body should match",
        model="approval.requirements.servedIn.0.forAtLeast: String should match pattern",
    ),
    Rejected(
        "environment-format",
        spec(environment="Staging_EU"),
        "spec.environment in body should match",
        model="environment: String should match pattern",
    ),
    # ------------------------------------------------------------------ tags
    Rejected("tag-key-format", spec(tags={"cost center!": "x"}), rules.TAG_KEYS_FORMAT),
    Rejected("reserved-tag", spec(tags={"aws:created-by": "me"}), rules.TAG_KEYS_NOT_RESERVED),
]

ACCEPTED = {
    "promotion-requirements": spec(
        environment="production", approval={"requirements": REQUIREMENTS}
    ),
    # Frozen by the Argo CD freeze action: pinned, the requirements kept for unfreeze.
    "requirements-kept-while-pinned": spec(
        approval={"policy": "Pinned", "pinnedVersion": 3, "requirements": REQUIREMENTS}
    ),
    "instance-backed-as-before": spec(
        endpoint={"initialInstanceCount": 2}, autoscaling=REAL_TIME_SCALING
    ),
    "serverless": spec(endpoint=SERVERLESS),
    "serverless-with-kms-key": spec(endpoint={**SERVERLESS, "kmsKeyId": "alias/fraud-serverless"}),
    "serverless-provisioned-autoscaled": spec(
        endpoint=PROVISIONED, autoscaling={**SERVERLESS_SCALING, "maxCapacity": 20}
    ),
    "async-notifications-scale-to-zero": spec(
        endpoint=merged(
            ASYNC,
            {
                "async": {
                    "failurePath": "s3://fraud-results/failed/",
                    "kmsKeyId": "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef",
                    "maxConcurrentInvocationsPerInstance": 4,
                    "notifications": NOTIFICATIONS,
                }
            },
        ),
        autoscaling=scheduled(
            {"name": "nights-off", "schedule": "cron(0 22 * * ? *)", "maxCapacity": 0},
            {"name": "mornings-on", "schedule": "cron(0 6 * * ? *)", "maxCapacity": 4},
            scaling=ASYNC_SCALING,
        ),
    ),
    "data-capture": spec(
        endpoint={
            "dataCapture": {
                **DATA_CAPTURE,
                "kmsKeyId": "alias/fraud-capture",
                "csvContentTypes": ["text/csv"],
                "jsonContentTypes": ["application/json", "application/jsonlines"],
            }
        }
    ),
    "model-settings": spec(
        model={
            "environment": {"LOG_LEVEL": "info", "_THREADS": "4"},
            "vpcConfig": {
                "securityGroupIds": ["sg-0123456789abcdef0"],
                "subnets": ["subnet-0a1b2c3d", "subnet-0123456789abcdef0"],
            },
            "enableNetworkIsolation": True,
        }
    ),
    "instance-settings": spec(
        endpoint={
            "volumeSizeInGB": 30,
            "modelDataDownloadTimeoutSeconds": 600,
            "containerStartupHealthCheckTimeoutSeconds": 600,
            "kmsKeyId": "1234abcd-12ab-34cd-56ef-1234567890ab",
        }
    ),
    "scheduled-actions": spec(
        autoscaling=scheduled(
            {
                **PEAK,
                "maxCapacity": 10,
                "timezone": "Europe/Paris",
                "startTime": "2027-01-04T00:00:00+01:00",
                "endTime": "2027-12-31T23:59:59Z",
            },
            {"name": "evening", "schedule": "cron(0 20 ? * MON-FRI *)", "minCapacity": 1},
            {
                "name": "launch-day",
                "schedule": "at(2027-03-01T07:30:00)",
                "minCapacity": 8,
                "maxCapacity": 12,
            },
            {"name": "hourly-check", "schedule": "rate(1 hour)", "maxCapacity": 6},
        )
    ),
    "inference-component": on_copies(),
    "inference-component-autoscaled-with-rolling-update": on_copies(
        inferenceComponent={
            "cpuCores": 1.5,
            "maxMemoryMb": 4096,
            "acceleratorDevices": 1,
            "copyCount": 2,
            "startupTimeoutSeconds": 600,
            "rollingUpdate": {
                **ROLLING,
                "rollbackMaximumBatchSize": {"type": "CAPACITY_PERCENT", "value": 100},
                "maximumExecutionTimeoutSeconds": 3600,
                "alarms": ["fraud-detector-5xx", "fraud-detector latency p99"],
            },
        },
        model={"environment": {"LOG_LEVEL": "info"}},
        autoscaling={**COPY_SCALING, "scaleInCooldownSeconds": 600},
    ),
    "multi-model-target": on_multi_model(),
    "multi-model-target-in-a-folder": on_multi_model(
        multiModel={"targetModel": "fraud/v2_model.tar.gz"}, deletionPolicy="Retain"
    ),
    "trainium-is-not-burstable": spec(
        endpoint={"instanceType": "ml.trn1.2xlarge"}, autoscaling=REAL_TIME_SCALING
    ),
    "burstable-without-autoscaling": spec(endpoint={"instanceType": "ml.t2.medium"}),
}


# ---------------------------------------------------------------------------- ModelEndpoint
ENDPOINT_BASE: dict[str, Any] = {
    "executionRoleArn": ROLE,
    "mode": "InferenceComponents",
    "instanceType": "ml.g5.2xlarge",
}
CONTAINER = {
    "artifactPrefix": "s3://ml-models/multi-model/",
    "image": "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1",
}
MANAGED = {"minInstanceCount": 0, "maxInstanceCount": 4}


def endpoint_spec(**changes: Any) -> dict[str, Any]:
    """A ModelEndpoint spec: InferenceComponents on ml.g5.2xlarge unless changed."""
    return merged(ENDPOINT_BASE, changes)


def multi_model_endpoint(**changes: Any) -> dict[str, Any]:
    """A MultiModel ModelEndpoint spec with CONTAINER, unless changed."""
    base = endpoint_spec(mode="MultiModel", instanceType="ml.m5.xlarge", multiModel=CONTAINER)
    return merged(base, changes)


ENDPOINT_REJECTED = [
    Rejected(
        "managed-scaling-on-multi-model",
        multi_model_endpoint(managedInstanceScaling=MANAGED),
        rules.MANAGED_SCALING_NEEDS_INFERENCE_COMPONENTS,
    ),
    Rejected(
        "multi-model-mode-without-container",
        endpoint_spec(mode="MultiModel"),
        rules.MULTI_MODEL_IFF_MULTI_MODEL_MODE,
    ),
    Rejected(
        "container-on-inference-components",
        endpoint_spec(multiModel=CONTAINER),
        rules.MULTI_MODEL_IFF_MULTI_MODEL_MODE,
    ),
    Rejected(
        "initial-count-above-max-instances",
        endpoint_spec(initialInstanceCount=5, managedInstanceScaling=MANAGED),
        rules.INITIAL_COUNT_NOT_ABOVE_MAX_INSTANCES,
    ),
    Rejected(
        "min-instances-above-max",
        endpoint_spec(managedInstanceScaling={"minInstanceCount": 5, "maxInstanceCount": 4}),
        rules.MIN_INSTANCES_NOT_ABOVE_MAX,
    ),
    Rejected(
        "container-environment-name",
        multi_model_endpoint(multiModel={"environment": {"2FAST": "yes"}}),
        rules.MULTI_MODEL_ENVIRONMENT_NAMES,
    ),
    Rejected("tag-key-format", endpoint_spec(tags={"cost center!": "x"}), rules.TAG_KEYS_FORMAT),
    Rejected(
        "reserved-tag", endpoint_spec(tags={"aws:created-by": "me"}), rules.TAG_KEYS_NOT_RESERVED
    ),
    Rejected(
        "unknown-mode",
        endpoint_spec(mode="Serverless"),
        'spec.mode: Unsupported value: "Serverless"',
        "spec.mode: Input should be 'InferenceComponents' or 'MultiModel'",
    ),
    Rejected(
        "without-mode",
        endpoint_spec(mode=None),
        "spec.mode: Required value",
        "spec.mode: Field required",
    ),
    Rejected(
        "without-role",
        endpoint_spec(executionRoleArn=None),
        "spec.executionRoleArn: Required value",
        "spec.executionRoleArn: Field required",
    ),
    Rejected(
        "without-instance-type",
        endpoint_spec(instanceType=None),
        "spec.instanceType: Required value",
        "spec.instanceType: Field required",
    ),
    Rejected(
        "endpoint-name-pattern",
        endpoint_spec(endpointName="shared_gpu"),
        "spec.endpointName in body should match",
        "spec.endpointName: String should match pattern",
    ),
    *(
        Rejected(
            f"artifact-prefix-{name}",
            multi_model_endpoint(multiModel={"artifactPrefix": prefix}),
            "spec.multiModel.artifactPrefix in body should match",
            "spec.multiModel.artifactPrefix: String should match pattern",
        )
        for name, prefix in [
            ("without-trailing-slash", "s3://ml-models/multi-model"),
            ("not-s3", "https://ml-models.s3.amazonaws.com/multi-model/"),
        ]
    ),
    Rejected(
        "container-without-image",
        multi_model_endpoint(multiModel={"image": None}),
        "spec.multiModel.image: Required value",
        "spec.multiModel.image: Field required",
    ),
    Rejected(
        "image-with-space",
        multi_model_endpoint(multiModel={"image": "xgboost latest"}),
        "spec.multiModel.image in body should match",
        "spec.multiModel.image: String should match pattern",
    ),
    Rejected(
        "model-cache-setting",
        multi_model_endpoint(multiModel={"modelCacheSetting": "On"}),
        'spec.multiModel.modelCacheSetting: Unsupported value: "On"',
        "spec.multiModel.modelCacheSetting: Input should be 'Enabled' or 'Disabled'",
    ),
    Rejected(
        "scale-in-strategy",
        endpoint_spec(managedInstanceScaling={**MANAGED, "scaleInPolicy": {"strategy": "FAST"}}),
        'spec.managedInstanceScaling.scaleInPolicy.strategy: Unsupported value: "FAST"',
        "spec.managedInstanceScaling.scaleInPolicy.strategy: Input should be 'IDLE_RELEASE' or "
        "'CONSOLIDATION'",
    ),
    Rejected(
        "scale-in-cooldown-range",
        endpoint_spec(
            managedInstanceScaling={
                **MANAGED,
                "scaleInPolicy": {"strategy": "IDLE_RELEASE", "cooldownMinutes": 1},
            }
        ),
        "spec.managedInstanceScaling.scaleInPolicy.cooldownMinutes in body should be greater "
        "than or equal to 5",
        "spec.managedInstanceScaling.scaleInPolicy.cooldownMinutes: Input should be greater "
        "than or equal to 5",
    ),
    Rejected(
        "scale-in-step-range",
        endpoint_spec(
            managedInstanceScaling={
                **MANAGED,
                "scaleInPolicy": {"strategy": "CONSOLIDATION", "maximumStepSize": 101},
            }
        ),
        "spec.managedInstanceScaling.scaleInPolicy.maximumStepSize in body should be less than "
        "or equal to 100",
        "spec.managedInstanceScaling.scaleInPolicy.maximumStepSize: Input should be less than "
        "or equal to 100",
    ),
    Rejected(
        "max-instances-zero",
        endpoint_spec(managedInstanceScaling={"minInstanceCount": 0, "maxInstanceCount": 0}),
        "spec.managedInstanceScaling.maxInstanceCount in body should be greater than or equal to 1",
        "spec.managedInstanceScaling.maxInstanceCount: Input should be greater than or equal to 1",
    ),
]

ENDPOINT_ACCEPTED = {
    "inference-components": endpoint_spec(),
    "inference-components-managed-scaling": endpoint_spec(
        endpointName="ml-prod-shared-gpu",
        region="us-east-1",
        initialInstanceCount=2,
        managedInstanceScaling={
            **MANAGED,
            "scaleInPolicy": {
                "strategy": "CONSOLIDATION",
                "maximumStepSize": 2,
                "cooldownMinutes": 15,
            },
        },
        tags={"team": "fraud"},
    ),
    "multi-model": multi_model_endpoint(),
    "multi-model-uncached-with-environment": multi_model_endpoint(
        multiModel={
            "artifactPrefix": "s3://ml-models/",
            "modelCacheSetting": "Disabled",
            "environment": {"SAGEMAKER_MODEL_SERVER_WORKERS": "2", "_LOG": "debug"},
        },
        variantName="Blue",
        deletionPolicy="Retain",
    ),
}


# ---------------------------------------------------------------------------- spec.rollout
CANARY = {
    "strategy": "BlueGreen",
    "blueGreen": {
        "trafficShifting": "Canary",
        "stepSize": {"type": "CAPACITY_PERCENT", "value": 10},
        "waitIntervalSeconds": 300,
        "terminationWaitSeconds": 120,
        "maximumExecutionTimeoutSeconds": 3600,
    },
    "alarms": ["fraud-5xx", "fraud-latency-p99"],
    "onFailedRollout": "RejectVersion",
}
ROLLING_BATCHES = {
    "strategy": "Rolling",
    "rolling": {
        "maximumBatchSize": {"type": "INSTANCE_COUNT", "value": 1},
        "waitIntervalSeconds": 60,
        "rollbackMaximumBatchSize": {"type": "CAPACITY_PERCENT", "value": 100},
        "maximumExecutionTimeoutSeconds": 1800,
    },
    "alarms": ["fraud-5xx"],
}


def rollout(**changes: Any) -> dict[str, Any]:
    """A spec with a 4-instance endpoint and the CANARY rollout, changed as given."""
    return spec(endpoint={"initialInstanceCount": 4}, rollout=merged(CANARY, changes))


def blue_green(**changes: Any) -> dict[str, Any]:
    return rollout(blueGreen=changes)


REJECTED += [
    Rejected(
        "rollout-on-a-shared-endpoint",
        on_copies(rollout={"strategy": "AllAtOnce"}),
        rules.ROLLOUT_NEEDS_DEDICATED_ENDPOINT,
    ),
    Rejected(
        "rolling-on-serverless",
        spec(endpoint=SERVERLESS, rollout=ROLLING_BATCHES),
        rules.ROLLING_NOT_SERVERLESS,
    ),
    Rejected(
        "blue-green-block-with-rolling",
        rollout(strategy="Rolling", rolling=ROLLING_BATCHES["rolling"]),
        rules.ROLLOUT_BLUE_GREEN_ONLY_WITH_BLUE_GREEN,
    ),
    Rejected(
        "rolling-without-its-block",
        spec(rollout={"strategy": "Rolling"}),
        rules.ROLLOUT_ROLLING_IFF_ROLLING,
    ),
    Rejected(
        "rolling-block-with-blue-green",
        rollout(rolling=ROLLING_BATCHES["rolling"]),
        rules.ROLLOUT_ROLLING_IFF_ROLLING,
    ),
    Rejected("canary-without-size", blue_green(stepSize=None), rules.ROLLOUT_STEP_SIZE_IFF_STEPPED),
    Rejected(
        "all-at-once-with-size",
        blue_green(trafficShifting="AllAtOnce"),
        rules.ROLLOUT_STEP_SIZE_IFF_STEPPED,
    ),
    Rejected(
        "canary-over-100-percent",
        blue_green(stepSize={"value": 150}),
        rules.ROLLOUT_STEP_PERCENT,
    ),
    Rejected(
        "blue-green-timeout-not-above-waits",
        blue_green(waitIntervalSeconds=3000, terminationWaitSeconds=600),
        rules.ROLLOUT_BLUE_GREEN_TIMEOUT,
    ),
    Rejected(
        "rolling-timeout-not-above-wait",
        spec(rollout=merged(ROLLING_BATCHES, {"rolling": {"waitIntervalSeconds": 1800}})),
        rules.ROLLOUT_ROLLING_TIMEOUT,
    ),
    Rejected(
        "rolling-batch-over-100-percent-of-instances",
        spec(
            rollout=merged(
                ROLLING_BATCHES,
                {"rolling": {"maximumBatchSize": {"type": "CAPACITY_PERCENT", "value": 101}}},
            )
        ),
        rules.ROLLOUT_BATCH_PERCENT,
    ),
    Rejected(
        "rolling-rollback-batch-over-100-percent",
        spec(
            rollout=merged(
                ROLLING_BATCHES, {"rolling": {"rollbackMaximumBatchSize": {"value": 200}}}
            )
        ),
        rules.ROLLOUT_ROLLBACK_BATCH_PERCENT,
    ),
    Rejected(
        "rollout-wait-over-an-hour",
        blue_green(waitIntervalSeconds=3601, maximumExecutionTimeoutSeconds=None),
        "spec.rollout.blueGreen.waitIntervalSeconds in body should be less than or equal to 3600",
        "spec.rollout.blueGreen.waitIntervalSeconds: Input should be less than or equal to 3600",
    ),
    Rejected(
        "rollout-timeout-under-ten-minutes",
        blue_green(
            waitIntervalSeconds=60, terminationWaitSeconds=None, maximumExecutionTimeoutSeconds=300
        ),
        "spec.rollout.blueGreen.maximumExecutionTimeoutSeconds in body should be greater than "
        "or equal to 600",
        "spec.rollout.blueGreen.maximumExecutionTimeoutSeconds: Input should be greater than "
        "or equal to 600",
    ),
    Rejected(
        "rollout-eleven-alarms",
        rollout(alarms=[f"alarm-{n}" for n in range(11)]),
        "spec.rollout.alarms: Too many: 11: must have at most 10 items",
        "spec.rollout.alarms: Tuple should have at most 10 items",
    ),
    Rejected(
        "rollout-unknown-failure-policy",
        rollout(onFailedRollout="Retry"),
        'spec.rollout.onFailedRollout: Unsupported value: "Retry"',
        "spec.rollout.onFailedRollout: Input should be 'Report' or 'RejectVersion'",
    ),
]

ACCEPTED.update(
    {
        "rollout-canary-with-alarms": rollout(),
        "rollout-linear": blue_green(
            trafficShifting="Linear", stepSize={"type": "INSTANCE_COUNT", "value": 1}
        ),
        "rollout-blue-green-all-at-once": spec(
            rollout={"strategy": "BlueGreen", "blueGreen": {"trafficShifting": "AllAtOnce"}}
        ),
        "rollout-rolling": spec(endpoint={"initialInstanceCount": 3}, rollout=ROLLING_BATCHES),
        "rollout-blue-green-serverless": spec(
            endpoint=SERVERLESS, rollout={"strategy": "BlueGreen", "alarms": ["fraud-5xx"]}
        ),
        "rollout-all-at-once-alarms-only": spec(
            rollout={"strategy": "AllAtOnce", "alarms": ["fraud-5xx"]}
        ),
    }
)
