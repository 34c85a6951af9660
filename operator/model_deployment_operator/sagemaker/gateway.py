"""SageMakerGateway: the SageMakerPort over boto3, for one region.

Reads translate AWS's "not found" answers into None. Writes treat "already exists" (for the
deterministic names the operator uses) and "already gone" as success, so every action is
idempotent and a retry after a crash never duplicates anything.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any

import boto3
import botocore.session
from botocore.config import Config

from model_deployment_operator import __version__, metrics
from model_deployment_operator.domain.actions import (
    Action,
    CreateEndpoint,
    CreateEndpointConfig,
    CreateModel,
    DeleteEndpoint,
    DeleteEndpointConfig,
    DeleteModel,
    RejectModelPackage,
    SetInstanceCount,
    TagEndpoint,
    UpdateEndpoint,
)
from model_deployment_operator.domain.endpoint_listing import EndpointSummary
from model_deployment_operator.domain.errors import SageMakerCallError
from model_deployment_operator.domain.fleet.actions import (
    SHARED_ACTIONS,
    CopyArtifact,
    CreateMultiModelModel,
    DeleteArtifact,
    PutRefreshRecord,
    SharedAction,
)
from model_deployment_operator.domain.fleet.desired import Artifact
from model_deployment_operator.domain.observed import (
    DeployedConfig,
    ObservedEndpoint,
    ObservedVariant,
)
from model_deployment_operator.domain.promotion.gates import PackageDetails, ReportRead
from model_deployment_operator.domain.registry import PackageGroup, PackageVersion
from model_deployment_operator.domain.scaling.actions import SCALING_ACTIONS
from model_deployment_operator.domain.scaling.model import ObservedScaling
from model_deployment_operator.domain.shared_observed import ObservedArtifact, ObservedComponent
from model_deployment_operator.domain.tenancy import OPERATOR_IDENTITY, AwsIdentity
from model_deployment_operator.sagemaker import deployments, requests
from model_deployment_operator.sagemaker.artifacts import ArtifactStore
from model_deployment_operator.sagemaker.call_budget import (
    UNKNOWN_ACCOUNT,
    CallBudget,
    CallBudgets,
    account_of_arn,
)
from model_deployment_operator.sagemaker.calls import calling, read, write
from model_deployment_operator.sagemaker.identities import TenantSession
from model_deployment_operator.sagemaker.inference_components import InferenceComponents
from model_deployment_operator.sagemaker.promotion_records import PromotionRecords
from model_deployment_operator.sagemaker.scaling import ScalingGateway
from model_deployment_operator.sagemaker.timestamps import use_utc_timestamps

if TYPE_CHECKING:
    from mypy_boto3_application_autoscaling import ApplicationAutoScalingClient
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sagemaker import SageMakerClient

log = logging.getLogger(__name__)


def client_config(region: str, retry_mode: str, max_attempts: int, pool_size: int) -> Config:
    """botocore's own retry modes handle throttling and 5xx (standard: exponential backoff
    with jitter; adaptive: plus a client-side rate limiter that slows down after throttles).

    `max_attempts` counts the first attempt too, as AWS_MAX_ATTEMPTS does; botocore's own
    `retries["max_attempts"]` would count retries only."""
    retries: Any = {"mode": retry_mode, "total_max_attempts": max_attempts}
    return Config(
        region_name=region,
        retries=retries,
        connect_timeout=5,
        read_timeout=30,
        max_pool_connections=pool_size,
        user_agent_extra=f"model-deployment-operator/{__version__}",
    )


def _count_attempts_of(client: Any) -> None:
    # botocore hands before-send handlers only the request (no operation model), once per
    # HTTP attempt; the event's name, before-send.<service-id>.<Operation>, names the call.
    service = client.meta.service_model.service_name

    def count_attempt(*, event_name: str, **_: Any) -> None:
        metrics.AWS_ATTEMPTS.labels(service, event_name.rsplit(".", 1)[-1]).inc()

    client.meta.events.register("before-send", count_attempt)


class SageMakerGateway:
    """SageMaker and Application Auto Scaling for one region, through the standard AWS SDK
    credential and endpoint chain (including AWS_ENDPOINT_URL). With a `budget`, both
    services' HTTP attempts wait for its tokens."""

    def __init__(
        self,
        region: str,
        *,
        retry_mode: str = "standard",
        max_attempts: int = 8,
        pool_size: int = 10,
        session: boto3.session.Session | None = None,
        budget: CallBudget | None = None,
    ) -> None:
        session = session or boto3.session.Session()
        config = client_config(region, retry_mode, max_attempts, pool_size)
        self.region = region
        self._sagemaker: SageMakerClient = session.client("sagemaker", config=config)
        autoscaling: ApplicationAutoScalingClient = session.client(
            "application-autoscaling", config=config
        )
        cloudwatch: CloudWatchClient = session.client("cloudwatch", config=config)
        for client in (self._sagemaker, autoscaling, cloudwatch):
            _count_attempts_of(client)
            if budget is not None:
                budget.hook(client)
        self._scaling = ScalingGateway(autoscaling, cloudwatch)
        s3: S3Client = session.client("s3", config=config)
        _count_attempts_of(s3)
        self._artifacts = ArtifactStore(s3)
        self._components = InferenceComponents(self._sagemaker)
        self._promotion = PromotionRecords(self._sagemaker, s3)

    # ------------------------------------------------------------------ plumbing

    def _read(self, operation: str, call: Callable[[], Any]) -> Any:
        return read("sagemaker", operation, call)

    def _write(
        self,
        operation: str,
        call: Callable[[], object],
        *,
        exists_ok: bool = False,
        missing_ok: bool = False,
    ) -> None:
        write("sagemaker", operation, call, exists_ok=exists_ok, missing_ok=missing_ok)

    # ------------------------------------------------------------------ registry

    def describe_package_group(self, name_or_arn: str) -> PackageGroup | None:
        response = self._read(
            "DescribeModelPackageGroup",
            lambda: self._sagemaker.describe_model_package_group(ModelPackageGroupName=name_or_arn),
        )
        if response is None:
            return None
        return PackageGroup(
            name=response["ModelPackageGroupName"], arn=response["ModelPackageGroupArn"]
        )

    def list_package_versions(
        self, group_name_or_arn: str, next_token: str | None, page_size: int
    ) -> tuple[tuple[PackageVersion, ...], str | None]:
        arguments: dict[str, Any] = {
            "ModelPackageGroupName": group_name_or_arn,
            "ModelPackageType": "Versioned",
            # SortOrder defaults to Ascending; the newest version must come first.
            "SortBy": "CreationTime",
            "SortOrder": "Descending",
            "MaxResults": page_size,
        }
        if next_token:
            arguments["NextToken"] = next_token
        response = self._read(
            "ListModelPackages", lambda: self._sagemaker.list_model_packages(**arguments)
        )
        if response is None:
            return (), None
        versions = tuple(
            _package(item)
            for item in response.get("ModelPackageSummaryList", [])
            if item.get("ModelPackageVersion") is not None
        )
        return versions, response.get("NextToken") or None

    def describe_package(self, arn: str) -> PackageVersion | None:
        response = self._read(
            "DescribeModelPackage",
            lambda: self._sagemaker.describe_model_package(ModelPackageName=arn),
        )
        return _package(response) if response is not None else None

    def describe_package_details(self, arn: str) -> PackageDetails | None:
        return self._promotion.describe_package_details(arn)

    def update_package_metadata(
        self, arn: str, set_properties: Mapping[str, str], remove: Sequence[str] = ()
    ) -> None:
        self._promotion.update_package_metadata(arn, set_properties, remove)

    def read_report(self, uri: str) -> ReportRead:
        return self._promotion.read_report(uri)

    # ------------------------------------------------------------------ endpoint

    def describe_endpoint(self, name: str) -> ObservedEndpoint | None:
        response = self._read(
            "DescribeEndpoint", lambda: self._sagemaker.describe_endpoint(EndpointName=name)
        )
        if response is None:
            return None
        pending = response.get("PendingDeploymentSummary") or {}
        return ObservedEndpoint(
            name=response["EndpointName"],
            arn=response["EndpointArn"],
            status=response["EndpointStatus"],
            config_name=response.get("EndpointConfigName", ""),
            failure_reason=response.get("FailureReason") or None,
            pending_config_name=pending.get("EndpointConfigName"),
            variants=tuple(
                ObservedVariant(
                    name=variant["VariantName"],
                    desired_instance_count=variant.get("DesiredInstanceCount"),
                    current_instance_count=variant.get("CurrentInstanceCount"),
                    phases=deployments.variant_phases(variant),
                )
                for variant in response.get("ProductionVariants", [])
            ),
            created_at=response.get("CreationTime"),
            last_modified_at=response.get("LastModifiedTime"),
            pending_deployment=deployments.pending_deployment(response),
            last_deployment_config=deployments.last_deployment_config(response),
        )

    def list_endpoints(self) -> tuple[EndpointSummary, ...]:
        paginator = self._sagemaker.get_paginator("list_endpoints")
        found: list[EndpointSummary] = []
        with calling("sagemaker", "ListEndpoints"):
            # 100 is the most a page holds; ListEndpoints' default is 10.
            for page in paginator.paginate(PaginationConfig={"PageSize": 100}):
                found.extend(
                    EndpointSummary(
                        name=item["EndpointName"],
                        arn=item["EndpointArn"],
                        status=item["EndpointStatus"],
                        created_at=item.get("CreationTime"),
                        last_modified_at=item.get("LastModifiedTime"),
                    )
                    for item in page["Endpoints"]
                )
        return tuple(found)

    def list_tags(self, arn: str) -> dict[str, str]:
        tags: dict[str, str] = {}
        token: str | None = None
        while True:
            arguments: dict[str, Any] = {"ResourceArn": arn, "MaxResults": 100}
            if token:
                arguments["NextToken"] = token
            response = self._read("ListTags", partial(self._sagemaker.list_tags, **arguments))
            if response is None:
                return tags
            tags.update({t["Key"]: t["Value"] for t in response.get("Tags", [])})
            token = response.get("NextToken")
            if not token:
                return tags

    def describe_endpoint_config(self, name: str) -> DeployedConfig | None:
        response = self._read(
            "DescribeEndpointConfig",
            lambda: self._sagemaker.describe_endpoint_config(EndpointConfigName=name),
        )
        if response is None:
            return None
        variants = response.get("ProductionVariants", [])
        first = variants[0] if variants else {}
        model_name = first.get("ModelName")
        return DeployedConfig(
            name=name,
            model_name=model_name,
            variant_name=first.get("VariantName"),
            instance_type=first.get("InstanceType"),
            initial_instance_count=first.get("InitialInstanceCount"),
            model_package_arn=self._model_package_of(model_name) if model_name else None,
            serverless="ServerlessConfig" in first,
            async_inference="AsyncInferenceConfig" in response,
        )

    def _model_package_of(self, model_name: str) -> str | None:
        response = self._read(
            "DescribeModel", lambda: self._sagemaker.describe_model(ModelName=model_name)
        )
        if response is None:
            return None
        containers = response.get("Containers") or [response.get("PrimaryContainer") or {}]
        package = containers[0].get("ModelPackageName") if containers else None
        return str(package) if package else None

    def list_endpoint_config_names(self, name_contains: str) -> tuple[tuple[str, str], ...]:
        paginator = self._sagemaker.get_paginator("list_endpoint_configs")
        found: list[tuple[str, str]] = []
        with calling("sagemaker", "ListEndpointConfigs"):
            for page in paginator.paginate(
                NameContains=name_contains, PaginationConfig={"PageSize": 100}
            ):
                found.extend(
                    (c["EndpointConfigName"], c["EndpointConfigArn"])
                    for c in page["EndpointConfigs"]
                )
        return tuple(found)

    def list_model_names(self, name_contains: str) -> tuple[tuple[str, str], ...]:
        paginator = self._sagemaker.get_paginator("list_models")
        found: list[tuple[str, str]] = []
        with calling("sagemaker", "ListModels"):
            for page in paginator.paginate(
                NameContains=name_contains, PaginationConfig={"PageSize": 100}
            ):
                found.extend((m["ModelName"], m["ModelArn"]) for m in page["Models"])
        return tuple(found)

    # ------------------------------------------------------------------ autoscaling

    def describe_scaling(
        self, resource_id: str, *, scheduled: bool, alarms: Sequence[tuple[str, str]] = ()
    ) -> ObservedScaling:
        return self._scaling.describe(resource_id, scheduled=scheduled, alarms=alarms)

    # ------------------------------------------------------------------ actions

    # ------------------------------------------------------------------ shared endpoints

    def describe_inference_component(self, name: str) -> ObservedComponent | None:
        return self._components.describe(name)

    def model_package_of(self, model_name: str) -> str | None:
        return self._model_package_of(model_name)

    def package_artifact(self, package_arn: str) -> str | None:
        """The model package's model artifact (its first container's ModelDataUrl)."""
        response = self._read(
            "DescribeModelPackage",
            lambda: self._sagemaker.describe_model_package(ModelPackageName=package_arn),
        )
        containers = ((response or {}).get("InferenceSpecification") or {}).get("Containers")
        url = containers[0].get("ModelDataUrl") if containers else None
        return str(url) if url else None

    def list_artifacts(self, prefix: str, now: datetime) -> tuple[Artifact, ...]:
        return self._artifacts.list_artifacts(prefix, now)

    def artifact(self, uri: str) -> ObservedArtifact | None:
        return self._artifacts.head(uri)

    def refresh_record(self, uri: str) -> dict[str, str] | None:
        return self._artifacts.refresh_record(uri)

    # ------------------------------------------------------------------ actions

    def _apply_shared(self, action: SharedAction) -> None:
        match action:
            case CreateMultiModelModel(name=name, container=container, tags=tags):
                primary: dict[str, Any] = {
                    "Image": container.image,
                    "ModelDataUrl": container.artifact_prefix,
                    "Mode": "MultiModel",
                    "MultiModelConfig": {
                        "ModelCacheSetting": "Enabled" if container.cache_enabled else "Disabled"
                    },
                }
                if container.environment:
                    primary["Environment"] = dict(container.environment)
                self._write(
                    "CreateModel",
                    lambda: self._sagemaker.create_model(
                        ModelName=name,
                        ExecutionRoleArn=container.execution_role_arn,
                        PrimaryContainer=primary,  # type: ignore[arg-type]
                        Tags=_tags(tags),
                    ),
                    exists_ok=True,
                )
            case PutRefreshRecord(uri=uri, targets=targets):
                self._artifacts.put_refresh_record(uri, targets)
            case CopyArtifact(source=source, destination=destination, metadata=metadata):
                self._artifacts.copy(source, destination, dict(metadata))
            case DeleteArtifact(uri=uri):
                self._artifacts.delete(uri)
            case _:
                self._components.apply(action)

    def apply(self, action: Action) -> None:
        if isinstance(action, SCALING_ACTIONS):
            self._scaling.apply(action)
            return
        if isinstance(action, SHARED_ACTIONS):
            self._apply_shared(action)
            return
        sm = self._sagemaker
        match action:
            case CreateModel():
                request = requests.create_model(action.name, action.spec, action.tags)
                self._write("CreateModel", lambda: sm.create_model(**request), exists_ok=True)
            case CreateEndpointConfig():
                config = requests.create_endpoint_config(action.name, action.spec, action.tags)
                self._write(
                    "CreateEndpointConfig",
                    lambda: sm.create_endpoint_config(**config),
                    exists_ok=True,
                )
            case CreateEndpoint():
                # Endpoint names are unique per account and region: "already exists" here is
                # NOT success, since the existing endpoint's owner must be checked first.
                self._write(
                    "CreateEndpoint",
                    lambda: sm.create_endpoint(
                        EndpointName=action.name,
                        EndpointConfigName=action.config_name,
                        Tags=_tags(action.tags),
                    ),
                )
            case UpdateEndpoint():
                update = requests.update_endpoint(action)
                self._write("UpdateEndpoint", lambda: sm.update_endpoint(**update))
            case SetInstanceCount():
                self._write(
                    "UpdateEndpointWeightsAndCapacities",
                    lambda: sm.update_endpoint_weights_and_capacities(
                        EndpointName=action.endpoint_name,
                        DesiredWeightsAndCapacities=[
                            {
                                "VariantName": action.variant_name,
                                "DesiredInstanceCount": action.instance_count,
                            }
                        ],
                    ),
                )
            case DeleteEndpoint():
                self._write(
                    "DeleteEndpoint",
                    lambda: sm.delete_endpoint(EndpointName=action.name),
                    missing_ok=True,
                )
            case TagEndpoint():
                self._write(
                    "AddTags",
                    lambda: sm.add_tags(ResourceArn=action.arn, Tags=_tags(action.tags)),
                )
            case DeleteEndpointConfig():
                self._write(
                    "DeleteEndpointConfig",
                    lambda: sm.delete_endpoint_config(EndpointConfigName=action.name),
                    missing_ok=True,
                )
            case DeleteModel():
                self._write(
                    "DeleteModel",
                    lambda: sm.delete_model(ModelName=action.name),
                    missing_ok=True,
                )
            case RejectModelPackage():
                self._reject(action)

    def _reject(self, action: RejectModelPackage) -> None:
        """Once: a version already Rejected (by an earlier tick, a crash ago, or a person) is
        left alone, its approval description kept."""
        current = self.describe_package(action.arn)
        if current is None or current.approval_status == "Rejected":
            return
        self._write(
            "UpdateModelPackage",
            lambda: self._sagemaker.update_model_package(
                ModelPackageArn=action.arn,
                ModelApprovalStatus="Rejected",
                ApprovalDescription=action.description,
            ),
        )


def _tags(pairs: tuple[tuple[str, str], ...]) -> list[Any]:
    return [{"Key": key, "Value": value} for key, value in pairs]


def _package(item: Any) -> PackageVersion:
    created = item.get("CreationTime")
    return PackageVersion(
        arn=item["ModelPackageArn"],
        group_name=item.get("ModelPackageGroupName", ""),
        version=int(item["ModelPackageVersion"]),
        approval_status=item.get("ModelApprovalStatus", ""),
        package_status=item.get("ModelPackageStatus", ""),
        created_at=created if isinstance(created, datetime) else None,
    )


class RegionalGateways:
    """SageMakerPortFactory: one gateway (and its boto3 clients) per region and identity,
    built lazily and reused, since clients are thread-safe and expensive to create.

    The operator's own identity comes from the AWS SDK's default chain; a tenant identity is
    a role assumed from it (sagemaker/identities.py), checked on every call so an expired or
    refused session is reported before any SageMaker call is made with it.

    Every gateway of one AWS account and region shares that pair's call budget, whichever
    identity it acts as."""

    def __init__(
        self,
        *,
        retry_mode: str,
        max_attempts: int,
        pool_size: int,
        budgets: CallBudgets | None = None,
    ) -> None:
        self._budgets = budgets
        self._own_account: str | None = None
        self._retry_mode = retry_mode
        self._max_attempts = max_attempts
        self._pool_size = pool_size
        self._gateways: dict[tuple[str, AwsIdentity], tuple[SageMakerGateway, TenantSession | None]]
        self._gateways = {}
        # boto3 sessions are not thread-safe while creating clients; handlers run in threads.
        self._lock = threading.Lock()
        self._botocore = botocore.session.get_session()
        use_utc_timestamps(self._botocore)
        self._session = boto3.session.Session(botocore_session=self._botocore)

    def __call__(self, region: str, identity: AwsIdentity = OPERATOR_IDENTITY) -> SageMakerGateway:
        with self._lock:
            built = self._gateways.get((region, identity))
            if built is None:
                tenant = None
                session = self._session
                if identity.role_arn is not None:
                    tenant = TenantSession(
                        self._botocore,
                        identity,
                        region,
                        client_config(region, self._retry_mode, self._max_attempts, 2),
                        on_client=_count_attempts_of,
                    )
                    session = tenant.session
                budget = None
                if self._budgets is not None and self._budgets.enabled:
                    budget = self._budgets(self._account_of(identity, region), region)
                gateway = SageMakerGateway(
                    region,
                    retry_mode=self._retry_mode,
                    max_attempts=self._max_attempts,
                    pool_size=self._pool_size,
                    session=session,
                    budget=budget,
                )
                built = self._gateways[(region, identity)] = (gateway, tenant)
        gateway, tenant = built
        if tenant is not None:
            tenant.ensure_credentials()
        return gateway

    def _account_of(self, identity: AwsIdentity, region: str) -> str:
        """The account whose quotas `identity`'s calls count against: a tenant role's own
        account, else the operator's, from its IRSA role or (once) STS GetCallerIdentity,
        which needs no IAM permission."""
        if identity.role_arn is not None:
            return account_of_arn(identity.role_arn) or UNKNOWN_ACCOUNT
        if self._own_account is None:
            irsa_role = os.environ.get("AWS_ROLE_ARN", "")
            self._own_account = account_of_arn(irsa_role) or self._caller_account(region)
        return self._own_account

    def _caller_account(self, region: str) -> str:
        config = client_config(region, self._retry_mode, self._max_attempts, 2)
        sts = self._session.client("sts", config=config)
        _count_attempts_of(sts)
        try:
            with calling("sts", "GetCallerIdentity"):
                return str(sts.get_caller_identity()["Account"])
        except SageMakerCallError as error:
            # Calls still get a budget, shared by the operator's own identity; a tenant
            # role in the same account then has a bucket of its own until a restart.
            log.warning(
                "The operator's AWS account is unknown (%s); its call budget is "
                "kept apart from its tenants'",
                error,
            )
            return UNKNOWN_ACCOUNT
