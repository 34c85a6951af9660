"""Every rule the CRD checks with CEL (x-kubernetes-validations), with its message.

The CRD states each rule in CEL and the models re-check it in Python with the same message,
for objects stored before a CRD upgrade. A contract test reads the CRD and requires exactly
these (place, message) pairs, so a rule cannot be added on one side only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class Rule:
    """One x-kubernetes-validations entry: where the CRD declares it and what it says."""

    at: str
    """Schema path of the node carrying the rule, e.g. "spec.endpoint"; "[]" is a list item."""
    message: str
    transition: bool = False
    """Compares with oldSelf: only the API server can check it (the models see one version)."""

    def __str__(self) -> str:
        return self.message


# ---------------------------------------------------------------------------- spec
REGION_IMMUTABLE: Final = Rule(
    "spec",
    "spec.region is immutable: it cannot be added, changed or removed after creation",
    transition=True,
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
)
TAG_KEYS_NOT_RESERVED: Final = Rule(
    "spec.tags",
    "tag keys must not start with 'aws:' or 'sagemaker.mlops.dev/' (reserved for AWS and for "
    "the operator's ownership tags)",
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
    "autoscaling.minCapacity may be 0 only with endpoint.async (scale to zero is for "
    "asynchronous inference)",
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

RULES: Final = tuple(value for value in dict(globals()).values() if isinstance(value, Rule))
