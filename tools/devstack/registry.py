"""Model Registry and endpoint helpers over boto3, as a data scientist's pipeline would
call them (register a version, approve it, reject it) plus invoking an endpoint."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_sagemaker import SageMakerClient
    from mypy_boto3_sagemaker_runtime import SageMakerRuntimeClient

IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/fraud-detector:latest"


@dataclass(frozen=True)
class PackageRef:
    arn: str
    version: int


class ModelRegistry:
    def __init__(self, sagemaker: SageMakerClient) -> None:
        self._sagemaker = sagemaker

    def create_group(self, name: str) -> str:
        response = self._sagemaker.create_model_package_group(
            ModelPackageGroupName=name,
            ModelPackageGroupDescription=f"{name} models",
        )
        return response["ModelPackageGroupArn"]

    def register(
        self,
        group: str,
        *,
        approval: str = "PendingManualApproval",
        model_data_url: str | None = None,
    ) -> PackageRef:
        """A new version of the group; its artifact is `model_data_url` (by default one
        shared by every version of the group)."""
        response = self._sagemaker.create_model_package(
            ModelPackageGroupName=group,
            ModelPackageDescription="trained by the nightly pipeline",
            InferenceSpecification={
                "Containers": [
                    {
                        "Image": IMAGE,
                        "ModelDataUrl": model_data_url or f"s3://models/{group}/model.tar.gz",
                    }
                ],
                "SupportedContentTypes": ["application/json"],
                "SupportedResponseMIMETypes": ["application/json"],
            },
            ModelApprovalStatus=approval,  # type: ignore[arg-type]
        )
        arn = response["ModelPackageArn"]
        return PackageRef(arn, int(arn.rsplit("/", 1)[1]))

    def set_approval(self, package: PackageRef, status: str) -> None:
        self._sagemaker.update_model_package(
            ModelPackageArn=package.arn,
            ModelApprovalStatus=status,  # type: ignore[arg-type]
            ApprovalDescription=f"{status} by the model risk team",
        )

    def approve(self, package: PackageRef) -> None:
        self.set_approval(package, "Approved")

    def reject(self, package: PackageRef) -> None:
        self.set_approval(package, "Rejected")


def invoke(runtime: SageMakerRuntimeClient, endpoint: str) -> dict[str, Any]:
    """Invoke the endpoint; the emulator answers with what served the request."""
    response = runtime.invoke_endpoint(
        EndpointName=endpoint,
        ContentType="application/json",
        Body=json.dumps({"amount": 125.0, "merchant": "m-1"}).encode(),
    )
    answer: dict[str, Any] = json.loads(response["Body"].read())
    return answer
