"""AWS errors map to the failure kinds that decide retry vs Stalled (real botocore types)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError

from model_deployment_operator.domain.errors import FailureKind
from model_deployment_operator.sagemaker.errors import classify, is_already_exists, is_not_found


def client_error(code: str, message: str, status: int = 400) -> ClientError:
    response: Any = {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {"HTTPStatusCode": status},
    }
    return ClientError(response, "Operation")


CASES = [
    pytest.param(
        client_error("ThrottlingException", "Rate exceeded"),
        "DescribeEndpoint",
        FailureKind.TRANSIENT,
        id="throttled",
    ),
    pytest.param(
        client_error("InternalFailure", "oops", 500),
        "DescribeEndpoint",
        FailureKind.TRANSIENT,
        id="5xx",
    ),
    pytest.param(
        client_error("SomethingNew", "gateway", 503),
        "DescribeEndpoint",
        FailureKind.TRANSIENT,
        id="unknown-5xx",
    ),
    pytest.param(
        client_error("AccessDeniedException", "not authorized", 400),
        "CreateModel",
        FailureKind.ACCESS_DENIED,
        id="denied",
    ),
    pytest.param(
        client_error("ValidationException", 'Cannot update in-progress endpoint "arn"'),
        "UpdateEndpoint",
        FailureKind.BUSY,
        id="busy",
    ),
    pytest.param(
        client_error("ValidationException", 'Could not find endpoint configuration "x".'),
        "CreateEndpoint",
        FailureKind.TRANSIENT,
        id="eventually-consistent-config",
    ),
    pytest.param(
        client_error("ValidationException", "Could not assume role"),
        "CreateModel",
        FailureKind.REJECTED,
        id="rejected",
    ),
    pytest.param(
        EndpointConnectionError(endpoint_url="http://127.0.0.1:1"),
        "DescribeEndpoint",
        FailureKind.TRANSIENT,
        id="connection",
    ),
    pytest.param(
        NoCredentialsError(), "DescribeEndpoint", FailureKind.ACCESS_DENIED, id="no-credentials"
    ),
]


@pytest.mark.parametrize(("error", "operation", "kind"), CASES)
def test_classify(error: ClientError, operation: str, kind: FailureKind) -> None:
    failure = classify(operation, error)
    assert failure.kind is kind
    assert failure.operation == operation


def test_not_found_and_already_exists_wordings() -> None:
    assert is_not_found(client_error("ValidationException", 'Could not find endpoint "arn:x".'))
    assert is_not_found(client_error("ValidationException", "ModelPackageGroup g does not exist."))
    assert is_not_found(client_error("ObjectNotFoundException", "No scalable target found"))
    assert not is_not_found(client_error("ValidationException", "Invalid instance type"))
    assert is_already_exists(
        client_error("ValidationException", 'Cannot create already existing model "arn".')
    )
    assert not is_already_exists(client_error("ValidationException", "Could not find model"))
