"""Prometheus metrics. Served by `model-deployment-operator run --metrics-bind HOST:PORT`."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

AWS_CALLS = Counter(
    "mdo_aws_calls_total",
    "AWS API calls made by the operator, after botocore retries.",
    ["service", "operation", "outcome"],
)
AWS_ATTEMPTS = Counter(
    "mdo_aws_http_attempts_total",
    "HTTP attempts sent to AWS, including botocore's retries.",
    ["service", "operation"],
)
RECONCILES = Counter(
    "mdo_reconciles_total",
    "Reconcile ticks that observed SageMaker, by the verdict they reached.",
    ["verdict"],
)
RECONCILE_SECONDS = Histogram(
    "mdo_reconcile_duration_seconds",
    "Wall time of one reconcile tick, including AWS calls.",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
DEPLOYMENTS_STARTED = Counter(
    "mdo_deployments_started_total",
    "CreateEndpoint and UpdateEndpoint calls that started a deployment, by trigger.",
    ["trigger"],
)
MANAGED_RESOURCES = Gauge(
    "mdo_managed_modeldeployments",
    "ModelDeployments this operator process currently reconciles.",
)
LEADER = Gauge(
    "mdo_leader",
    "1 while this replica holds the leader Lease and reconciles, 0 while it stands by. "
    "Always 1 without leader election.",
)
CALL_BUDGET_WAIT = Histogram(
    "mdo_sagemaker_call_budget_wait_seconds",
    "Time a SageMaker or Application Auto Scaling HTTP attempt waited for the shared call "
    "budget of its account and region (0 when a token was at hand).",
    ["account", "region"],
    buckets=(0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
CALL_BUDGET_TOKENS = Gauge(
    "mdo_sagemaker_call_budget_tokens",
    "Calls that could be made now without waiting, per account and region.",
    ["account", "region"],
)
CALL_BUDGET_RATE = Gauge(
    "mdo_sagemaker_call_budget_rate",
    "Calls per second the budget of an account and region allows now: the configured "
    "rate, halved by each throttle response and climbing back while none comes.",
    ["account", "region"],
)
