"""Making one AWS call: translating failures into the domain's error kinds, counting it in
the metrics, and treating "not found" on reads (and "already exists" / "already gone" on
idempotent writes) as the answers they are."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from model_deployment_operator import metrics
from model_deployment_operator.sagemaker.errors import classify, is_already_exists, is_not_found

log = logging.getLogger(__name__)


@contextmanager
def calling(service: str, operation: str) -> Iterator[None]:
    try:
        yield
    except (ClientError, BotoCoreError) as error:
        failure = classify(operation, error)
        metrics.AWS_CALLS.labels(service, operation, failure.kind).inc()
        raise failure from error
    metrics.AWS_CALLS.labels(service, operation, "Success").inc()


def read(service: str, operation: str, call: Callable[[], Any]) -> Any:
    """Run a describe call; None when the object does not exist."""
    with calling(service, operation):
        try:
            return call()
        except ClientError as error:
            if is_not_found(error):
                return None
            raise


def write(
    service: str,
    operation: str,
    call: Callable[[], object],
    *,
    exists_ok: bool = False,
    missing_ok: bool = False,
) -> None:
    with calling(service, operation):
        try:
            call()
        except ClientError as error:
            if exists_ok and is_already_exists(error):
                log.info("%s: %s already exists; nothing to do", operation, error)
                return
            if missing_ok and is_not_found(error):
                log.info("%s: already gone", operation)
                return
            raise
