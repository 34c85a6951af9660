"""Every rule the CRDs check with CEL (x-kubernetes-validations), with its message.

Each CRD states its rules in CEL and the models re-check them in Python with the same
messages, for objects stored before a CRD upgrade. A contract test reads each CRD and
requires exactly its (place, message) pairs: RULES for ModelDeployment, MODEL_ENDPOINT_RULES
for ModelEndpoint. So a rule cannot be added on one side only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

MODEL_DEPLOYMENT: Final = "ModelDeployment"
MODEL_ENDPOINT: Final = "ModelEndpoint"


@dataclass(frozen=True)
class Rule:
    """One x-kubernetes-validations entry: where the CRD declares it and what it says."""

    at: str
    """Schema path of the node carrying the rule, e.g. "spec.endpoint"; "[]" is a list item."""
    message: str
    transition: bool = False
    """Compares with oldSelf: only the API server can check it (the models see one version)."""
    kinds: tuple[str, ...] = (MODEL_DEPLOYMENT,)
    """The CRDs that declare it (the tag rules, for instance, are in both)."""

    def __str__(self) -> str:
        return self.message


# ---------------------------------------------------------------------------- spec
REGION_IMMUTABLE: Final = Rule(
    "spec",
    "spec.region is immutable: it cannot be added, changed or removed after creation",
    transition=True,
    kinds=(MODEL_DEPLOYMENT, MODEL_ENDPOINT),
)
GROUP_NAME_OR_ARN: Final = Rule(
    "spec.modelPackageGroupName",
    "modelPackageGroupName must be a group name (letters, digits and hyphens, at most 63 "
    "characters) or a model-package-group ARN",
)
PINNED_VERSION_IFF_PINNED: Final = Rule(
    "spec.approval",
    "approval.pinnedVersion is required when approval.policy is Pinned, and must be omitted "
    "otherwise",
)
TAG_KEYS_FORMAT: Final = Rule(
    "spec.tags",
    "tag keys must be 1 to 128 characters of letters, digits, spaces and _.:/=+-@",
    kinds=(MODEL_DEPLOYMENT, MODEL_ENDPOINT),
)
TAG_KEYS_NOT_RESERVED: Final = Rule(
    "spec.tags",
    "tag keys must not start with 'aws:' or 'sagemaker.mlops.dev/' (reserved for AWS and for "
    "the operator's ownership tags)",
    kinds=(MODEL_DEPLOYMENT, MODEL_ENDPOINT),
)

# ---------------------------------------------------------------------------- placement
# Where a ModelDeployment runs: its own endpoint (spec.endpoint), or a shared ModelEndpoint
# (spec.endpointRef) as an inference component or as a target of a multi-model endpoint.
ENDPOINT_OR_REF: Final = Rule(
    "spec",
    "spec must set exactly one of endpoint (a dedicated SageMaker endpoint) and endpointRef "
    "(a shared ModelEndpoint in the same namespace)",
)
ENDPOINT_REF_IMMUTABLE: Final = Rule(
    "spec",
    "spec.endpointRef is immutable: it cannot be added, changed or removed after creation",
    transition=True,
)
REF_NEEDS_ONE_PLACEMENT: Final = Rule(
    "spec",
    "endpointRef requires exactly one of inferenceComponent (on an InferenceComponents "
    "ModelEndpoint) and multiModel (on a MultiModel ModelEndpoint)",
)
PLACEMENT_NEEDS_REF: Final = Rule(
    "spec",
    "inferenceComponent and multiModel are allowed only with endpointRef: a dedicated "
    "endpoint (spec.endpoint) hosts its model alone",
)
MODEL_NOT_WITH_MULTI_MODEL: Final = Rule(
    "spec",
    "model is not allowed with multiModel: a multi-model endpoint runs the ModelEndpoint's "
    "container (its spec.multiModel.image and environment)",
)
IC_MAX_MEMORY_NOT_BELOW_MEMORY: Final = Rule(
    "spec.inferenceComponent",
    "inferenceComponent.maxMemoryMb must be greater than or equal to inferenceComponent.memoryMb",
)
IC_BATCH_PERCENT: Final = Rule(
    "spec.inferenceComponent.rollingUpdate.maximumBatchSize",
    "inferenceComponent.rollingUpdate.maximumBatchSize.value must be at most 100 when "
    "maximumBatchSize.type is CAPACITY_PERCENT",
)
IC_ROLLBACK_BATCH_PERCENT: Final = Rule(
    "spec.inferenceComponent.rollingUpdate.rollbackMaximumBatchSize",
    "inferenceComponent.rollingUpdate.rollbackMaximumBatchSize.value must be at most 100 when "
    "rollbackMaximumBatchSize.type is CAPACITY_PERCENT",
)

# ---------------------------------------------------------------------------- spec.endpoint
ENDPOINT_NAME_IMMUTABLE: Final = Rule(
    "spec.endpoint",
    "endpoint.name is immutable: it cannot be added, changed or removed after creation",
    transition=True,
)
ONE_HOSTING_SHAPE: Final = Rule(
    "spec.endpoint",
    "endpoint must set exactly one of endpoint.instanceType (instance-backed) and "
    "endpoint.serverless",
)
INSTANCE_COUNT_NEEDS_INSTANCE_TYPE: Final = Rule(
    "spec.endpoint",
    "endpoint.initialInstanceCount is allowed only with endpoint.instanceType",
)
ASYNC_NEEDS_INSTANCE_TYPE: Final = Rule(
    "spec.endpoint",
    "endpoint.async is allowed only with endpoint.instanceType: asynchronous inference runs "
    "on instances, not on endpoint.serverless",
)
DATA_CAPTURE_NEEDS_INSTANCE_TYPE: Final = Rule(
    "spec.endpoint",
    "endpoint.dataCapture is allowed only with endpoint.instanceType: SageMaker Serverless "
    "Inference does not support data capture",
)
VOLUME_SIZE_NEEDS_INSTANCE_TYPE: Final = Rule(
    "spec.endpoint",
    "endpoint.volumeSizeInGB is allowed only with endpoint.instanceType",
)
DOWNLOAD_TIMEOUT_NEEDS_INSTANCE_TYPE: Final = Rule(
    "spec.endpoint",
    "endpoint.modelDataDownloadTimeoutSeconds is allowed only with endpoint.instanceType",
)
STARTUP_TIMEOUT_NEEDS_INSTANCE_TYPE: Final = Rule(
    "spec.endpoint",
    "endpoint.containerStartupHealthCheckTimeoutSeconds is allowed only with endpoint.instanceType",
)
PROVISIONED_NOT_ABOVE_MAX_CONCURRENCY: Final = Rule(
    "spec.endpoint.serverless",
    "endpoint.serverless.provisionedConcurrency must be less than or equal to "
    "endpoint.serverless.maxConcurrency",
)
NOTIFICATIONS_NEED_A_TOPIC: Final = Rule(
    "spec.endpoint.async.notifications",
    "endpoint.async.notifications must set successTopic, errorTopic or both",
)
RESPONSE_ONLY_IN_SET_TOPICS: Final = Rule(
    "spec.endpoint.async.notifications",
    "endpoint.async.notifications.includeInferenceResponseIn may name only topics that are "
    "set: SUCCESS_NOTIFICATION_TOPIC needs successTopic, ERROR_NOTIFICATION_TOPIC needs "
    "errorTopic",
)

# ---------------------------------------------------------------------------- spec.model
ENVIRONMENT_NAMES: Final = Rule(
    "spec.model.environment",
    "model.environment names must start with a letter or an underscore and contain only "
    "letters, digits and underscores, at most 1024 characters",
)
VPC_NOT_SERVERLESS: Final = Rule(
    "spec",
    "model.vpcConfig is not supported with endpoint.serverless: SageMaker Serverless "
    "Inference does not run in a VPC",
)
ISOLATION_NOT_SERVERLESS: Final = Rule(
    "spec",
    "model.enableNetworkIsolation is not supported with endpoint.serverless",
)

# ---------------------------------------------------------------------------- spec.autoscaling
MIN_NOT_ABOVE_MAX: Final = Rule(
    "spec.autoscaling",
    "autoscaling.minCapacity must be less than or equal to autoscaling.maxCapacity",
)
SCHEDULED_NAMES_UNIQUE: Final = Rule(
    "spec.autoscaling.scheduledActions",
    "autoscaling.scheduledActions[].name must be unique",
)
SCHEDULED_SETS_CAPACITY: Final = Rule(
    "spec.autoscaling.scheduledActions[]",
    "autoscaling.scheduledActions[] must set minCapacity, maxCapacity or both",
)
SCHEDULED_MIN_NOT_ABOVE_MAX: Final = Rule(
    "spec.autoscaling.scheduledActions[]",
    "autoscaling.scheduledActions[].minCapacity must be less than or equal to "
    "autoscaling.scheduledActions[].maxCapacity",
)
SCHEDULED_END_AFTER_START: Final = Rule(
    "spec.autoscaling.scheduledActions[]",
    "autoscaling.scheduledActions[].endTime must be later than "
    "autoscaling.scheduledActions[].startTime",
)
SCHEDULE_FORMAT: Final = Rule(
    "spec.autoscaling.scheduledActions[].schedule",
    "autoscaling.scheduledActions[].schedule must be at(yyyy-mm-ddThh:mm:ss), rate(<value> "
    "<unit>) with unit minute(s), hour(s) or day(s), or cron(<minutes> <hours> <day-of-month> "
    "<month> <day-of-week> <year>)",
)
NOT_BURSTABLE: Final = Rule(
    "spec",
    "autoscaling is not supported for burstable instance types (endpoint.instanceType "
    "ml.t2.*, ml.t3.* ...): Application Auto Scaling refuses them; choose another instance "
    "type, such as ml.m5.large, or remove autoscaling",
)
SCALE_TO_ZERO_NEEDS_ASYNC: Final = Rule(
    "spec",
    "autoscaling.minCapacity may be 0 only with endpoint.async or inferenceComponent (scale to "
    "zero is for asynchronous inference and for the copies of an inference component)",
)
INVOCATIONS_TARGET_IFF_REAL_TIME: Final = Rule(
    "spec",
    "autoscaling.targetInvocationsPerInstance is required for an instance-backed real-time "
    "endpoint (endpoint.instanceType without endpoint.async), and must be omitted otherwise",
)
PROVISIONED_TARGET_IFF_SERVERLESS: Final = Rule(
    "spec",
    "autoscaling.targetProvisionedConcurrencyUtilization is required with endpoint.serverless, "
    "and must be omitted otherwise",
)
BACKLOG_TARGET_IFF_ASYNC: Final = Rule(
    "spec",
    "autoscaling.targetBacklogPerInstance is required with endpoint.async, and must be "
    "omitted otherwise",
)
SERVERLESS_SCALING_NEEDS_PROVISIONED: Final = Rule(
    "spec",
    "autoscaling with endpoint.serverless requires endpoint.serverless.provisionedConcurrency: "
    "only provisioned concurrency can be scaled",
)
SERVERLESS_MAX_NOT_ABOVE_CONCURRENCY: Final = Rule(
    "spec",
    "autoscaling.maxCapacity must be less than or equal to endpoint.serverless.maxConcurrency "
    "(with endpoint.serverless the bounds are provisioned concurrency)",
)
SCHEDULED_NEEDS_INSTANCE_TYPE: Final = Rule(
    "spec",
    "autoscaling.scheduledActions is allowed only with endpoint.instanceType (instance-backed, "
    "including endpoint.async)",
)
SCHEDULED_ZERO_NEEDS_ASYNC: Final = Rule(
    "spec",
    "autoscaling.scheduledActions[].minCapacity and maxCapacity may be 0 only with endpoint.async",
)

COPY_TARGET_IFF_INFERENCE_COMPONENT: Final = Rule(
    "spec",
    "autoscaling.targetInvocationsPerCopy is required with inferenceComponent (autoscaling then "
    "scales its copy count), and must be omitted otherwise",
)
NO_AUTOSCALING_WITH_MULTI_MODEL: Final = Rule(
    "spec",
    "autoscaling is not allowed with multiModel: the models of a multi-model endpoint share its "
    "instances, which the ModelEndpoint sizes",
)

# ---------------------------------------------------------------------------- promotion
# spec.approval.requirements: what a version needs besides Approved (domain/spec/promotion.py).
SERVED_IN_UNIQUE: Final = Rule(
    "spec.approval.requirements.servedIn",
    "approval.requirements.servedIn[].environment must be unique",
)
METRIC_GATE_ONE_SOURCE: Final = Rule(
    "spec.approval.requirements.metricGates[]",
    "approval.requirements.metricGates[] must set exactly one of customerMetadataProperty and "
    "metricsReport",
)
# ---------------------------------------------------------------------------- spec.rollout
# SageMaker's deployment guardrails on a dedicated endpoint (UpdateEndpoint DeploymentConfig).
ROLLOUT_NEEDS_DEDICATED_ENDPOINT: Final = Rule(
    "spec",
    "rollout is allowed only with endpoint (a dedicated endpoint): on a shared ModelEndpoint "
    "use inferenceComponent.rollingUpdate",
)
ROLLING_NOT_SERVERLESS: Final = Rule(
    "spec",
    "rollout.strategy Rolling is not supported with endpoint.serverless: SageMaker's rolling "
    "deployments exclude serverless endpoints; use BlueGreen",
)
ROLLOUT_BLUE_GREEN_ONLY_WITH_BLUE_GREEN: Final = Rule(
    "spec.rollout",
    "rollout.blueGreen is allowed only with rollout.strategy BlueGreen",
)
ROLLOUT_ROLLING_IFF_ROLLING: Final = Rule(
    "spec.rollout",
    "rollout.rolling is required with rollout.strategy Rolling, and must be omitted otherwise",
)
ROLLOUT_STEP_SIZE_IFF_STEPPED: Final = Rule(
    "spec.rollout.blueGreen",
    "rollout.blueGreen.stepSize is required when rollout.blueGreen.trafficShifting is Canary "
    "or Linear, and must be omitted when it is AllAtOnce",
)
ROLLOUT_BLUE_GREEN_TIMEOUT: Final = Rule(
    "spec.rollout.blueGreen",
    "rollout.blueGreen.maximumExecutionTimeoutSeconds must be greater than "
    "rollout.blueGreen.waitIntervalSeconds plus rollout.blueGreen.terminationWaitSeconds",
)
ROLLOUT_STEP_PERCENT: Final = Rule(
    "spec.rollout.blueGreen.stepSize",
    "rollout.blueGreen.stepSize.value must be at most 100 when stepSize.type is CAPACITY_PERCENT",
)
ROLLOUT_ROLLING_TIMEOUT: Final = Rule(
    "spec.rollout.rolling",
    "rollout.rolling.maximumExecutionTimeoutSeconds must be greater than "
    "rollout.rolling.waitIntervalSeconds",
)
ROLLOUT_BATCH_PERCENT: Final = Rule(
    "spec.rollout.rolling.maximumBatchSize",
    "rollout.rolling.maximumBatchSize.value must be at most 100 when maximumBatchSize.type is "
    "CAPACITY_PERCENT",
)
ROLLOUT_ROLLBACK_BATCH_PERCENT: Final = Rule(
    "spec.rollout.rolling.rollbackMaximumBatchSize",
    "rollout.rolling.rollbackMaximumBatchSize.value must be at most 100 when "
    "rollbackMaximumBatchSize.type is CAPACITY_PERCENT",
)

# ---------------------------------------------------------------------------- ModelEndpoint
ENDPOINT_NAME_FIELD_IMMUTABLE: Final = Rule(
    "spec",
    "spec.endpointName is immutable: it cannot be added, changed or removed after creation",
    transition=True,
    kinds=(MODEL_ENDPOINT,),
)
MODE_IMMUTABLE: Final = Rule(
    "spec",
    "spec.mode is immutable: a ModelEndpoint cannot switch between InferenceComponents and "
    "MultiModel; create another ModelEndpoint",
    transition=True,
    kinds=(MODEL_ENDPOINT,),
)
MANAGED_SCALING_NEEDS_INFERENCE_COMPONENTS: Final = Rule(
    "spec",
    "managedInstanceScaling is allowed only with mode InferenceComponents: SageMaker supports "
    "managed instance scaling only on inference component endpoints",
    kinds=(MODEL_ENDPOINT,),
)
MULTI_MODEL_IFF_MULTI_MODEL_MODE: Final = Rule(
    "spec",
    "multiModel is required with mode MultiModel, and must be omitted otherwise",
    kinds=(MODEL_ENDPOINT,),
)
INITIAL_COUNT_NOT_ABOVE_MAX_INSTANCES: Final = Rule(
    "spec",
    "initialInstanceCount must be less than or equal to managedInstanceScaling.maxInstanceCount",
    kinds=(MODEL_ENDPOINT,),
)
MIN_INSTANCES_NOT_ABOVE_MAX: Final = Rule(
    "spec.managedInstanceScaling",
    "managedInstanceScaling.minInstanceCount must be less than or equal to "
    "managedInstanceScaling.maxInstanceCount",
    kinds=(MODEL_ENDPOINT,),
)
MULTI_MODEL_ENVIRONMENT_NAMES: Final = Rule(
    "spec.multiModel.environment",
    "multiModel.environment names must start with a letter or an underscore and contain only "
    "letters, digits and underscores, at most 1024 characters",
    kinds=(MODEL_ENDPOINT,),
)

ALL_RULES: Final = tuple(value for value in dict(globals()).values() if isinstance(value, Rule))
RULES: Final = tuple(rule for rule in ALL_RULES if MODEL_DEPLOYMENT in rule.kinds)
"""The rules of the ModelDeployment CRD."""
MODEL_ENDPOINT_RULES: Final = tuple(rule for rule in ALL_RULES if MODEL_ENDPOINT in rule.kinds)
"""The rules of the ModelEndpoint CRD."""
