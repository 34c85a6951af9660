"""Joins the pure domain to SageMaker and Kubernetes through the ports: one reconcile tick,
one teardown step, or a read-only preview of either. No kopf here."""

from model_deployment_operator.reconcile.outcomes import (
    Preview,
    ReconcileOutcome,
    ReconcilerSettings,
    TeardownOutcome,
    status_verdict,
)
from model_deployment_operator.reconcile.reconciler import Reconciler

__all__ = [
    "Preview",
    "ReconcileOutcome",
    "Reconciler",
    "ReconcilerSettings",
    "TeardownOutcome",
    "status_verdict",
]
