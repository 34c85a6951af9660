"""Local stand-in for Amazon SageMaker, SageMaker Runtime and Application Auto Scaling.

Speaks the AWS wire protocols on one port, so boto3 and the AWS CLI reach it unchanged
through ``endpoint_url`` or ``AWS_ENDPOINT_URL``. Every other AWS service (STS, SQS, S3,
CloudWatch, IAM, ...) is served by moto in the same process. Development and tests only;
the operator never imports this package. See docs/emulator.md.
"""

__all__ = ["__version__"]

__version__ = "0.1.0"
