"""The ModelDeployment spec as the operator reads it.

The CRD rejects bad manifests at admission; these models re-check the same rules, with the
same messages (rules.py), so that an object stored before a CRD upgrade, or written with
validation off, still gets a clear InvalidSpec condition instead of a crash.

One module per part of the API: endpoint (and its hosting shapes serverless and
async_inference, and data_capture), model, autoscaling, and deployment for the whole.
"""

from model_deployment_operator.domain.spec.async_inference import (
    AsyncInferenceSpec,
    AsyncNotificationsSpec,
    NotificationTopic,
)
from model_deployment_operator.domain.spec.autoscaling import AutoscalingSpec, ScheduledActionSpec
from model_deployment_operator.domain.spec.common import (
    GROUP_ARN_PATTERN,
    INSTANCE_TYPE_PATTERN,
    REGION_PATTERN,
    RESERVED_TAG_PREFIXES,
    ROLE_ARN_PATTERN,
    SAGEMAKER_NAME_PATTERN,
    CamelModel,
    InvalidSpecError,
)
from model_deployment_operator.domain.spec.data_capture import CaptureMode, DataCaptureSpec
from model_deployment_operator.domain.spec.deployment import (
    ApprovalPolicy,
    ApprovalSpec,
    DeletionPolicy,
    ModelDeploymentSpec,
    parse_spec,
)
from model_deployment_operator.domain.spec.endpoint import (
    DEFAULT_INSTANCE_COUNT,
    EndpointSpec,
    Hosting,
)
from model_deployment_operator.domain.spec.model import ModelSpec, VpcConfigSpec
from model_deployment_operator.domain.spec.serverless import ServerlessSpec

__all__ = [
    "DEFAULT_INSTANCE_COUNT",
    "GROUP_ARN_PATTERN",
    "INSTANCE_TYPE_PATTERN",
    "REGION_PATTERN",
    "RESERVED_TAG_PREFIXES",
    "ROLE_ARN_PATTERN",
    "SAGEMAKER_NAME_PATTERN",
    "ApprovalPolicy",
    "ApprovalSpec",
    "AsyncInferenceSpec",
    "AsyncNotificationsSpec",
    "AutoscalingSpec",
    "CamelModel",
    "CaptureMode",
    "DataCaptureSpec",
    "DeletionPolicy",
    "EndpointSpec",
    "Hosting",
    "InvalidSpecError",
    "ModelDeploymentSpec",
    "ModelSpec",
    "NotificationTopic",
    "ScheduledActionSpec",
    "ServerlessSpec",
    "VpcConfigSpec",
    "parse_spec",
]
