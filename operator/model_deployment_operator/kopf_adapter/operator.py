"""Assembles the kopf registry from settings and runs the operator."""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

import kopf

from model_deployment_operator import metrics
from model_deployment_operator.domain.api_group import GROUP, VERSION
from model_deployment_operator.domain.installation import progress_prefix
from model_deployment_operator.kopf_adapter.handlers import (
    ENDPOINT_PLURAL,
    FINALIZER,
    PLURAL,
    OperatorContext,
    delete_endpoint,
    delete_resource,
    health_probe,
    listen_for_registry_events,
    note_watch_event,
    start_scheduler,
    stop_scheduler,
)
from model_deployment_operator.kopf_adapter.leadership import run_while_leading
from model_deployment_operator.settings import LogFormat

log = logging.getLogger(__name__)


def login(**kwargs: Any) -> kopf.ConnectionInfo | None:
    """In a pod, the ServiceAccount; elsewhere, $KUBECONFIG or ~/.kube/config."""
    return kopf.login_with_service_account(**kwargs) or kopf.login_with_kubeconfig(**kwargs)


def build_registry(context: OperatorContext) -> kopf.OperatorRegistry:
    settings = context.settings
    registry = kopf.OperatorRegistry()

    def configure(settings: kopf.OperatorSettings, **_: Any) -> None:
        configure_kopf(settings, context)

    def start_listeners(**_: Any) -> None:
        if context.events is not None:
            threading.Thread(
                target=listen_for_registry_events,
                args=(context,),
                name="registry-events",
                daemon=True,
            ).start()

    def stop_listeners(**_: Any) -> None:
        context.stop.set()

    def start_reconciling(**_: Any) -> None:
        start_scheduler(context)

    def stop_reconciling(**_: Any) -> None:
        # kopf runs clean-up handlers once its watches ended, while its loop still runs.
        stop_scheduler(context)

    kopf.on.login(registry=registry)(login)
    kopf.on.startup(registry=registry, id="configure")(configure)
    kopf.on.startup(registry=registry, id="scheduler")(start_reconciling)
    kopf.on.startup(registry=registry, id="registry-events")(start_listeners)
    kopf.on.cleanup(registry=registry, id="registry-events")(stop_listeners)
    kopf.on.cleanup(registry=registry, id="scheduler")(stop_reconciling)
    kopf.on.probe(registry=registry, id="reconciler")(health_probe)
    # kopf's watch feeds the scheduler; the scheduler, not a timer per object, decides
    # when each object is reconciled (kopf_adapter/scheduling.py).
    for plural in (PLURAL, ENDPOINT_PLURAL):
        kopf.on.event(GROUP, VERSION, plural, registry=registry, id=f"watch-{plural}")(
            note_watch_event
        )
    kopf.on.delete(
        GROUP,
        VERSION,
        PLURAL,
        registry=registry,
        id="teardown",
        backoff=settings.busy_poll_seconds,
    )(delete_resource)
    kopf.on.delete(
        GROUP,
        VERSION,
        ENDPOINT_PLURAL,
        registry=registry,
        id="teardown-endpoint",
        backoff=settings.busy_poll_seconds,
    )(delete_endpoint)
    return registry


def configure_kopf(kopf_settings: kopf.OperatorSettings, context: OperatorContext) -> None:
    ours = context.settings
    kopf_settings.persistence.finalizer = FINALIZER
    kopf_settings.persistence.progress_storage = kopf.AnnotationsProgressStorage(
        prefix=progress_prefix(ours.installation)
    )
    kopf_settings.persistence.diffbase_storage = kopf.AnnotationsDiffBaseStorage(
        prefix=GROUP, key="last-handled-configuration"
    )
    kopf_settings.posting.reporting_component = "model-deployment-operator"
    kopf_settings.posting.level = logging.INFO
    kopf_settings.execution.max_workers = ours.workers
    context.handler_executor = kopf_settings.execution.executor
    # The operator watches the two kinds it knows; no CRD or namespace discovery needed,
    # which keeps its RBAC to its own kinds, namespaces' annotations and Events.
    kopf_settings.scanning.disabled = True
    kopf_settings.peering.standalone = True
    kopf_settings.watching.server_timeout = 300
    kopf_settings.watching.client_timeout = 330
    if ours.selector:
        # Server-side: the API server filters the list and watch, so this installation
        # never receives (nor caches, nor schedules) the objects of other installations.
        for plural in (PLURAL, ENDPOINT_PLURAL):
            kopf_settings.watching.label_selectors[GROUP, plural] = ours.selector


def _stop_before_kopf_runs(signum: int, _frame: object) -> None:
    log.info("Stopping on signal %d before the operator was fully started", signum)
    raise SystemExit(0)


def run(context: OperatorContext) -> None:
    settings = context.settings
    kopf.configure(
        verbose=settings.verbose,
        log_format=kopf.LogFormat.JSON
        if settings.log_format is LogFormat.JSON
        else kopf.LogFormat.FULL,
    )
    if not settings.verbose:
        # kopf logs every handler's success for every object, and every liveness probe
        # twice; the reconciler logs what matters itself.
        for chatty in ("kopf.objects", "kopf.activities.probe", "aiohttp.access", "botocore"):
            logging.getLogger(chatty).setLevel(logging.WARNING)
        # A refused tenant role is reported in the resource's status; botocore would also
        # log a traceback for it on every reconcile.
        logging.getLogger("botocore.credentials").setLevel(logging.ERROR)
    registry = build_registry(context)
    namespaces = list(settings.namespaces)
    if threading.current_thread() is threading.main_thread():
        # kopf installs its own SIGTERM handler once its loop runs; a SIGTERM before that (a
        # pod deleted while starting) would otherwise kill the process with status -15.
        signal.signal(signal.SIGTERM, _stop_before_kopf_runs)
    log.info(
        "Starting model-deployment-operator",
        extra={
            "namespaces": namespaces or "all",
            "selector": settings.selector or "none",
            "installation": settings.installation,
            "workers": settings.workers,
        },
    )

    def run_kopf() -> None:
        try:
            kopf.run(
                registry=registry,
                # Standalone even with several replicas: the Lease, not kopf's peering,
                # decides which one runs kopf at all.
                standalone=True,
                clusterwide=not namespaces,
                namespaces=namespaces,
                liveness_endpoint=f"http://{settings.health_bind}/healthz",
                memo=kopf.Memo(context=context),
            )
        finally:
            # kopf returns without waiting for handlers still running in its threads, and
            # skips its clean-up handlers when cancelled; a leader must not hand the Lease
            # over while a reconcile or a teardown may still call SageMaker.
            stop_scheduler(context)
            if context.handler_executor is not None:
                context.handler_executor.shutdown(wait=True, cancel_futures=True)

    if context.leadership is None:
        metrics.LEADER.set(1)
        run_kopf()
    else:
        run_while_leading(context.leadership, settings.health_bind, run_kopf)
