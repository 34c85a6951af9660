"""The WSGI application on the emulator's port: control API, then every AWS call is
identified, counted, possibly throttled by the rate limit or faulted, and served by the
emulated services or by moto."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final

from sagemaker_emulator.call_counts import CallCounts
from sagemaker_emulator.callers import CallerLog, resource_of
from sagemaker_emulator.errors import AwsError, DelegateToMoto
from sagemaker_emulator.faults import ApiFaults
from sagemaker_emulator.rate_limit import RateLimit
from sagemaker_emulator.services import RUNTIME_ACTIONS, RUNTIME_PATH, AwsRequest
from sagemaker_emulator.trust import AssumeRoleRequest, check_assume_role
from sagemaker_emulator.wire import (
    Protocol,
    Response,
    StartResponse,
    delegated_action,
    error_response,
    protocol_of,
    read_body,
    signed_scope,
    xml_error,
)

WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
Service = Callable[[AwsRequest], Response]

CONTROL_PREFIX: Final = "/_emulator/"
DEFAULT_REGION: Final = "us-east-1"
# Unsigned requests (aws --no-sign-request) carry no signing name; the target prefix says.
_TARGET_PREFIXES: Final = {
    "SageMaker": "sagemaker",
    "AnyScaleFrontendService": "application-autoscaling",
}


class AccountResolver:
    """The caller's account, decided exactly as moto decides it, so SageMaker objects and
    moto's SQS queues agree: MOTO_ACCOUNT_ID, then the ``x-moto-account-id`` header, then
    the access key (keys moto's STS issued map to their role's account), then 123456789012.
    """

    def __init__(self) -> None:
        self._by_access_key: dict[str, str] = {}
        self._lock = threading.Lock()

    def __call__(self, environ: Mapping[str, Any], access_key: str) -> str:
        forced = os.environ.get("MOTO_ACCOUNT_ID") or environ.get("HTTP_X_MOTO_ACCOUNT_ID")
        if forced:
            return str(forced)
        account = self._by_access_key.get(access_key)
        if account is None:
            from moto.iam.models import get_account_id_from  # noqa: PLC0415 - heavy import

            account = str(get_account_id_from(access_key))
            with self._lock:
                self._by_access_key[access_key] = account
        return account

    def forget(self) -> None:
        with self._lock:
            self._by_access_key.clear()


class EmulatorApp:
    def __init__(
        self,
        *,
        services: Mapping[str, Service],
        control: WsgiApp,
        delegate: WsgiApp,
        faults: ApiFaults,
        rate_limit: RateLimit,
        counts: CallCounts,
        accounts: AccountResolver,
        callers: CallerLog,
    ) -> None:
        self._callers = callers
        self._rate_limit = rate_limit
        self._services = services
        self._control = control
        self._delegate = delegate
        self._faults = faults
        self._counts = counts
        self._accounts = accounts

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "").startswith(CONTROL_PREFIX):
            return self._control(environ, start_response)
        body = read_body(environ)
        request, protocol = self._identify(environ, body)
        # The rate limit is AWS's front door: a call it throttles never reaches the
        # injected faults, so a "next N calls" rule fires on N calls that got through.
        fault = self._rate_limit.admit(
            request.service, request.account_id, request.region
        ) or self._faults.check(request.service, request.action)
        faulted = error_response(fault, protocol) if fault is not None else None
        self._counts.record(f"{request.service}.{request.action}", faulted=faulted is not None)
        resource = resource_of(body) if protocol == "json" else None
        self._callers.record(
            request.service,
            request.action,
            request.access_key,
            resource,
            account=request.account_id,
            region=request.region,
        )
        if faulted is not None:
            return faulted.send(start_response)
        if (request.service, request.action) == ("sts", "AssumeRole"):
            return self._assume_role(request, environ, start_response)
        service = self._services.get(request.service)
        if service is not None:
            try:
                return service(request).send(start_response)
            except DelegateToMoto:
                pass
        read_body(environ)  # hand moto an unread copy of the body
        return self._delegate(environ, start_response)

    def _assume_role(
        self, request: AwsRequest, environ: dict[str, Any], start_response: StartResponse
    ) -> Iterable[bytes]:
        """Check the trust policy moto ignores, then let moto issue the credentials and
        remember which session (and session tags) they belong to."""
        assume = AssumeRoleRequest.from_query(request.body)
        caller, _ = self._callers.principal(request.access_key)
        try:
            check_assume_role(assume, caller)
        except AwsError as error:
            return xml_error(error, "query").send(start_response)
        status: list[str] = []

        def remember_status(line: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            status.append(line)
            return start_response(line, headers, exc_info)

        read_body(environ)  # hand moto an unread copy of the body
        answer = b"".join(self._delegate(environ, remember_status))
        if status and status[0].startswith("200"):
            self._callers.remember_assumed(
                answer, assume.role_arn, assume.external_id, assume.session_tags
            )
        return [answer]

    def _identify(self, environ: dict[str, Any], body: bytes) -> tuple[AwsRequest, Protocol]:
        scope = signed_scope(environ.get("HTTP_AUTHORIZATION"))
        target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
        path = environ.get("PATH_INFO", "")
        runtime_call = RUNTIME_PATH.match(path)
        if scope is not None:
            signing_name, region, access_key = scope.signing_name, scope.region, scope.access_key
        else:
            prefix = target.split(".", 1)[0]
            fallback = "sagemaker" if runtime_call else "unsigned"
            signing_name = _TARGET_PREFIXES.get(prefix, fallback)
            region, access_key = DEFAULT_REGION, ""
        protocol: Protocol
        if signing_name == "sagemaker" and runtime_call:
            service, action, protocol = (
                "sagemaker-runtime",
                RUNTIME_ACTIONS[runtime_call["kind"]],
                "rest-json",
            )
        elif signing_name in ("sagemaker", "application-autoscaling"):
            service, action, protocol = signing_name, target.rsplit(".", 1)[-1], "json"
        else:
            service = signing_name
            action = delegated_action(environ, body)
            protocol = protocol_of(signing_name)
        account = self._accounts(environ, access_key)
        return AwsRequest(service, action, account, region, body, environ, access_key), protocol
