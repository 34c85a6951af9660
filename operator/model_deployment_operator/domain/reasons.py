"""Every condition reason the operator writes, in one place (CamelCase, kstatus style)."""

from enum import StrEnum


class Reason(StrEnum):
    # Ready=True
    DEPLOYED = "Deployed"
    # Reconciling=True: progress is being made or will be on its own
    ENDPOINT_CREATING = "EndpointCreating"
    ENDPOINT_UPDATING = "EndpointUpdating"
    ENDPOINT_DELETING = "EndpointDeleting"
    REPLACING_FAILED_ENDPOINT = "ReplacingFailedEndpoint"
    ADOPTING_ENDPOINT = "AdoptingEndpoint"
    PINNED_VERSION_NOT_READY = "PinnedVersionNotReady"
    SAGEMAKER_UNAVAILABLE = "SageMakerUnavailable"
    KUBERNETES_UNAVAILABLE = "KubernetesUnavailable"
    WAITING_FOR_MODEL_ENDPOINT = "WaitingForModelEndpoint"
    REFRESHING_MODELS = "RefreshingModels"
    # approval.requirements: no version passes yet, one will when its time comes
    WAITING_FOR_REQUIREMENTS = "WaitingForRequirements"
    # Stalled=True: someone has to act (approve a version, fix the spec, fix IAM)
    NO_APPROVED_VERSION = "NoApprovedVersion"
    NO_VERSION_MEETS_REQUIREMENTS = "NoVersionMeetsRequirements"
    MODEL_PACKAGE_GROUP_NOT_FOUND = "ModelPackageGroupNotFound"
    PINNED_VERSION_NOT_FOUND = "PinnedVersionNotFound"
    PINNED_VERSION_NOT_APPROVED = "PinnedVersionNotApproved"
    UPDATE_FAILED = "UpdateFailed"
    ROLLOUT_ROLLED_BACK = "RolloutRolledBack"  # a spec.rollout alarm rolled the update back
    UPDATE_ROLLBACK_FAILED = "UpdateRollbackFailed"
    ENDPOINT_FAILED = "EndpointFailed"
    ENDPOINT_NAME_CONFLICT = "EndpointNameConflict"
    ENDPOINT_CHANGE_NOT_SUPPORTED = "EndpointChangeNotSupported"
    PLACEMENT_MISMATCH = "PlacementMismatch"
    TARGET_MODEL_CONFLICT = "TargetModelConflict"
    MODEL_ARTIFACT_NOT_FOUND = "ModelArtifactNotFound"
    ACCESS_DENIED = "AccessDenied"
    INVALID_SPEC = "InvalidSpec"
    SAGEMAKER_REJECTED = "SageMakerRejectedRequest"
    # Stalled=True: the namespace's AWS identity (docs/tenancy.md)
    TENANT_ROLE_MISSING = "TenantRoleMissing"
    TENANT_ROLE_NOT_ALLOWED = "TenantRoleNotAllowed"
    TENANT_ROLE_NOT_ASSUMABLE = "TenantRoleNotAssumable"
    NAMESPACE_NOT_READABLE = "NamespaceNotReadable"
    # While the resource is being deleted
    DELETING = "Deleting"
