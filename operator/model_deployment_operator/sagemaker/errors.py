"""AWS errors -> the operator's failure kinds (see domain/errors.py)."""

from __future__ import annotations

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    NoCredentialsError,
    PartialCredentialsError,
)

from model_deployment_operator.domain.errors import FailureKind, SageMakerCallError

THROTTLING_CODES = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "SlowDown",
    }
)
_TRANSIENT_CODES = THROTTLING_CODES | frozenset(
    {
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "InternalFailure",
        "InternalServerError",
        "InternalServiceException",
        "InternalServiceError",
        "ConcurrentUpdateException",
        "RequestTimeout",
        "RequestTimeoutException",
        "PriorRequestNotComplete",
    }
)
_ACCESS_CODES = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
        "FailedResourceAccessException",
    }
)
_BUSY_PREFIXES = ("Cannot update in-progress endpoint",)
# SageMaker reads endpoint configs eventually consistently right after they are created.
_EVENTUALLY_CONSISTENT_PREFIXES = ("Could not find endpoint configuration",)
_NOT_FOUND_PREFIXES = ("Could not find", "Cannot find")
_NOT_FOUND_SUFFIXES = ("does not exist.", "does not exist")
_ALREADY_EXISTS_PREFIXES = ("Cannot create already existing",)


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", "Unknown"))


def error_message(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Message", ""))


def is_not_found(error: ClientError) -> bool:
    code = error_code(error)
    # The last three are S3's (HeadObject answers a bare 404).
    if code in {
        "ResourceNotFound",
        "ResourceNotFoundException",
        "ObjectNotFoundException",
        "NoSuchKey",
        "NotFound",
        "404",
    }:
        return True
    message = error_message(error)
    return code == "ValidationException" and (
        message.startswith(_NOT_FOUND_PREFIXES) or message.rstrip().endswith(_NOT_FOUND_SUFFIXES)
    )


def is_already_exists(error: ClientError) -> bool:
    code = error_code(error)
    message = error_message(error)
    return code in {"ResourceInUse", "ResourceAlreadyExists"} or message.startswith(
        _ALREADY_EXISTS_PREFIXES
    )


def classify(operation: str, error: ClientError | BotoCoreError) -> SageMakerCallError:
    """Translate a boto3/botocore failure into the domain's error."""
    if isinstance(error, ClientError):
        code = error_code(error)
        message = error_message(error)
        status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
        if code in _TRANSIENT_CODES or status >= 500 or status == 429:
            kind = FailureKind.TRANSIENT
        elif code in _ACCESS_CODES or status == 403:
            kind = FailureKind.ACCESS_DENIED
        elif message.startswith(_BUSY_PREFIXES):
            kind = FailureKind.BUSY
        elif message.startswith(_EVENTUALLY_CONSISTENT_PREFIXES) and operation in {
            "CreateEndpoint",
            "UpdateEndpoint",
        }:
            kind = FailureKind.TRANSIENT
        else:
            kind = FailureKind.REJECTED
        return SageMakerCallError(kind, operation, code, message)
    if isinstance(error, (NoCredentialsError, PartialCredentialsError)):
        return SageMakerCallError(
            FailureKind.ACCESS_DENIED, operation, type(error).__name__, str(error)
        )
    # Connection failures, timeouts and any other client-side botocore error: the request
    # may not have reached AWS, so trying again later is the right answer.
    return SageMakerCallError(FailureKind.TRANSIENT, operation, type(error).__name__, str(error))
