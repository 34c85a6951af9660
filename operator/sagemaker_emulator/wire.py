"""AWS wire formats: reading who is calling what, and writing responses and errors in
the encoding each protocol's SDK parser expects."""

from __future__ import annotations

import io
import json
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Final, Literal
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from sagemaker_emulator.errors import AwsError

Protocol = Literal["json", "rest-json", "query", "rest-xml", "cbor"]
StartResponse = Any  # the WSGI start_response callable

JSON_1_1: Final = "application/x-amz-json-1.1"

# Signing names of delegated services whose protocol is not JSON. Anything not listed
# here is answered in JSON when a fault is injected.
_PROTOCOL_BY_SIGNING_NAME: Final[dict[str, Protocol]] = {
    "sts": "query",
    "iam": "query",
    "sns": "query",
    "ses": "query",
    "autoscaling": "query",
    "cloudformation": "query",
    "ec2": "query",
    "elasticloadbalancing": "query",
    "rds": "query",
    "s3": "rest-xml",
    "route53": "rest-xml",
    "cloudfront": "rest-xml",
    "monitoring": "cbor",
}

_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")
_CBOR_OPERATION = re.compile(r"^/service/[^/]+/operation/([^/]+)$")


def protocol_of(signing_name: str) -> Protocol:
    return _PROTOCOL_BY_SIGNING_NAME.get(signing_name, "json")


@dataclass(frozen=True)
class SignedScope:
    """What a SigV4 Authorization header says about the caller."""

    access_key: str
    region: str
    signing_name: str


def signed_scope(authorization: str | None) -> SignedScope | None:
    if not authorization:
        return None
    match = _CREDENTIAL.search(authorization)
    if match is None:
        return None
    return SignedScope(match[1], match[2], match[3])


def read_body(environ: dict[str, Any]) -> bytes:
    """The request body, leaving a fresh copy in ``environ`` for whoever reads it next."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    stream = environ["wsgi.input"]
    body: bytes = stream.read(length) if length > 0 else b""
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def delegated_action(environ: Mapping[str, Any], body: bytes) -> str:
    """Best-effort operation name of a request for a service moto serves."""
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return str(target).rsplit(".", 1)[-1]
    cbor = _CBOR_OPERATION.match(environ.get("PATH_INFO", ""))
    if cbor:
        return cbor[1]
    if body and str(environ.get("CONTENT_TYPE", "")).startswith(
        "application/x-www-form-urlencoded"
    ):
        action = parse_qs(body.decode("utf-8", "replace")).get("Action")
        if action:
            return str(action[0])
    query_action = parse_qs(environ.get("QUERY_STRING", "")).get("Action")
    if query_action:
        return str(query_action[0])
    return str(environ.get("REQUEST_METHOD", "UNKNOWN"))


@dataclass(frozen=True)
class Response:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def send(self, start_response: StartResponse) -> Iterable[bytes]:
        phrase = HTTPStatus(self.status).phrase if self.status in _KNOWN_STATUSES else "Error"
        start_response(
            f"{self.status} {phrase}",
            [*self.headers, ("Content-Length", str(len(self.body)))],
        )
        return [self.body]


_KNOWN_STATUSES: Final = frozenset(s.value for s in HTTPStatus)


def new_request_id() -> str:
    return str(uuid.uuid4())


def json_response(payload: Any, content_type: str = JSON_1_1, status: int = 200) -> Response:
    body = json.dumps(payload, separators=(",", ":")).encode()
    return Response(
        status,
        (("Content-Type", content_type), ("x-amzn-RequestId", new_request_id())),
        body,
    )


def json_error(error: AwsError, content_type: str = JSON_1_1) -> Response:
    """json and rest-json errors: botocore reads the code from ``__type`` (or the
    ``x-amzn-ErrorType`` header) and the message from ``message`` or ``Message``."""
    message_key = "Message" if error.modeled else "message"
    body = json.dumps({"__type": error.code, message_key: error.message}).encode()
    return Response(
        error.status,
        (
            ("Content-Type", content_type),
            ("x-amzn-RequestId", new_request_id()),
            ("x-amzn-ErrorType", error.code),
        ),
        body,
    )


def xml_error(error: AwsError, protocol: Protocol) -> Response:
    """query-protocol (``ErrorResponse``) and rest-xml (bare ``Error``) errors."""
    request_id = new_request_id()
    kind = "Receiver" if error.status >= 500 else "Sender"
    inner = (
        f"<Type>{kind}</Type><Code>{escape(error.code)}</Code>"
        f"<Message>{escape(error.message)}</Message>"
    )
    if protocol == "query":
        text = (
            f"<ErrorResponse><Error>{inner}</Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        )
    else:
        text = f"<Error>{inner}<RequestId>{request_id}</RequestId></Error>"
    return Response(
        error.status,
        (("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)),
        text.encode(),
    )


def error_response(error: AwsError, protocol: Protocol) -> Response | None:
    """An error in ``protocol``'s encoding; None for protocols the emulator cannot encode
    (CBOR), whose calls are then served normally."""
    if protocol in ("query", "rest-xml"):
        return xml_error(error, protocol)
    if protocol == "cbor":
        return None
    return json_error(error, JSON_1_1 if protocol == "json" else "application/json")
