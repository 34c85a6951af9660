"""AWS errors as the emulator raises them; the wire layer turns them into responses."""

from __future__ import annotations


class AwsError(Exception):
    """An error that AWS would return: code, message and HTTP status.

    ``modeled`` errors are the ones a service model declares as shapes (they carry a
    ``Message`` member); common errors such as ValidationException use ``message``.
    botocore reads either spelling, so this only matters for byte-for-byte fidelity.
    """

    def __init__(self, code: str, message: str, status: int = 400, *, modeled: bool = False):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.modeled = modeled


def validation_error(message: str) -> AwsError:
    """SageMaker's and Application Auto Scaling's catch-all: bad input, unknown object,
    wrong state. Not modelled by SageMaker but what it really returns (reference §0)."""
    return AwsError("ValidationException", message)


def resource_not_found(message: str) -> AwsError:
    return AwsError("ResourceNotFound", message, modeled=True)


def conflict(message: str) -> AwsError:
    return AwsError("ConflictException", message, modeled=True)


def resource_limit_exceeded(message: str) -> AwsError:
    return AwsError("ResourceLimitExceeded", message, modeled=True)


def object_not_found(message: str) -> AwsError:
    """Application Auto Scaling's modelled not-found error."""
    return AwsError("ObjectNotFoundException", message, modeled=True)


def throttling() -> AwsError:
    """What SageMaker returns when a caller exceeds its request rate (reference §7)."""
    return AwsError("ThrottlingException", "Rate exceeded")


def access_denied(service: str, action: str) -> AwsError:
    """An identity-based policy that does not allow the action: AccessDeniedException
    (HTTP 400 on SageMaker's JSON protocol), worded as AWS words it for the caller."""
    permission = f"{service}:{action}"
    return AwsError(
        "AccessDeniedException",
        f"User: the caller is not authorized to perform: {permission} because no "
        f"identity-based policy allows the {permission} action",
    )


def unknown_operation(service: str, action: str) -> AwsError:
    return AwsError(
        "UnknownOperationException",
        f"The SageMaker emulator does not implement {service} operation {action}.",
    )


def serialization_error(message: str) -> AwsError:
    return AwsError("SerializationException", message)


class DelegateToMoto(Exception):  # noqa: N818 - a control-flow signal, not an error
    """Raised by a handler for a request the emulator leaves to moto (for example
    Application Auto Scaling calls for service namespaces other than SageMaker)."""
