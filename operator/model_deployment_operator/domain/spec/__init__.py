"""The ModelDeployment and ModelEndpoint specs as the operator reads them.

The CRDs reject bad manifests at admission; these models re-check the same rules, with the
same messages (rules.py), so that an object stored before a CRD upgrade, or written with
validation off, still gets a clear InvalidSpec condition instead of a crash.

One module per part of the ModelDeployment API: endpoint (and its hosting shapes serverless
and async_inference, and data_capture), placement (on a shared ModelEndpoint instead),
model, autoscaling, and deployment for the whole. model_endpoint is the ModelEndpoint's.
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
    NotOnADedicatedEndpointError,
    parse_spec,
)
from model_deployment_operator.domain.spec.endpoint import (
    DEFAULT_INSTANCE_COUNT,
    EndpointSpec,
    Hosting,
)
from model_deployment_operator.domain.spec.model import ModelSpec, VpcConfigSpec
from model_deployment_operator.domain.spec.model_endpoint import (
    EndpointMode,
    ManagedInstanceScalingSpec,
    ModelCacheSetting,
    ModelEndpointSpec,
    MultiModelContainerSpec,
    ScaleInPolicySpec,
    ScaleInStrategy,
    parse_model_endpoint_spec,
)
from model_deployment_operator.domain.spec.placement import (
    CapacitySizeSpec,
    CapacitySizeType,
    EndpointRefSpec,
    InferenceComponentSpec,
    MultiModelTargetSpec,
    Placement,
    RollingUpdateSpec,
)
from model_deployment_operator.domain.spec.rollout import (
    BlueGreenSpec,
    OnFailedRollout,
    RollingSpec,
    RolloutSpec,
    RolloutStrategy,
    StepSizeSpec,
    StepSizeType,
    TrafficShifting,
)
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
    "BlueGreenSpec",
    "CamelModel",
    "CapacitySizeSpec",
    "CapacitySizeType",
    "CaptureMode",
    "DataCaptureSpec",
    "DeletionPolicy",
    "EndpointMode",
    "EndpointRefSpec",
    "EndpointSpec",
    "Hosting",
    "InferenceComponentSpec",
    "InvalidSpecError",
    "ManagedInstanceScalingSpec",
    "ModelCacheSetting",
    "ModelDeploymentSpec",
    "ModelEndpointSpec",
    "ModelSpec",
    "MultiModelContainerSpec",
    "MultiModelTargetSpec",
    "NotOnADedicatedEndpointError",
    "NotificationTopic",
    "OnFailedRollout",
    "Placement",
    "RollingSpec",
    "RollingUpdateSpec",
    "RolloutSpec",
    "RolloutStrategy",
    "ScaleInPolicySpec",
    "ScaleInStrategy",
    "ScheduledActionSpec",
    "ServerlessSpec",
    "StepSizeSpec",
    "StepSizeType",
    "TrafficShifting",
    "VpcConfigSpec",
    "parse_model_endpoint_spec",
    "parse_spec",
]
