"""model-deployment-operator: run the operator, or preview what it would do."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from model_deployment_operator import __version__, history_command
from model_deployment_operator.domain.actions import describe_action
from model_deployment_operator.domain.errors import SageMakerCallError
from model_deployment_operator.domain.naming import DeploymentRef
from model_deployment_operator.domain.spec import DeletionPolicy, InvalidSpecError
from model_deployment_operator.domain.tenancy import UnmappedNamespaces
from model_deployment_operator.ports import ClusterDirectory, Leadership
from model_deployment_operator.reconcile import Reconciler, ReconcilerSettings
from model_deployment_operator.sagemaker.call_budget import CallBudgets
from model_deployment_operator.sagemaker.client import sdk_default_region
from model_deployment_operator.sagemaker.gateway import RegionalGateways
from model_deployment_operator.settings import LogFormat, OperatorSettings, RetryMode


def _utcnow() -> datetime:
    return datetime.now(UTC)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="model-deployment-operator",
        description="Keeps Amazon SageMaker endpoints in line with the SageMaker Model Registry.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser(
        "run",
        help="Run the operator against the current Kubernetes cluster",
        description="Every flag also reads an MDO_* environment variable (flags win). AWS "
        "credentials, region and endpoint come from the standard AWS SDK chain.",
    )
    scope = run.add_mutually_exclusive_group()
    scope.add_argument(
        "-n",
        "--namespace",
        action="append",
        dest="namespaces",
        metavar="NS",
        help="Watch this namespace (repeatable). Default: all namespaces (MDO_NAMESPACES).",
    )
    scope.add_argument("-A", "--all-namespaces", action="store_true", help="Watch all namespaces.")
    run.add_argument(
        "-l",
        "--selector",
        help="Only ModelDeployments and ModelEndpoints with these labels (MDO_SELECTOR).",
    )
    run.add_argument(
        "--installation",
        help="This installation's name, claimed on the objects it reconciles (MDO_INSTALLATION).",
    )
    _add_common(run)
    run.add_argument("--workers", type=int, help="Threads for AWS calls.")
    run.add_argument(
        "--registry-events-queue-url",
        help="SQS queue URL receiving EventBridge model package state changes.",
    )
    run.add_argument(
        "--tenant-role-allowed",
        action="append",
        dest="tenant_roles_allowed",
        metavar="ARN_PATTERN",
        help="A role ARN pattern namespaces may name ({namespace} = their own name); "
        "repeatable (MDO_TENANT_ROLES_ALLOWED, comma-separated).",
    )
    run.add_argument(
        "--unmapped-namespaces",
        choices=[u.value for u in UnmappedNamespaces],
        help="Namespaces without a role annotation: use the operator's role, or Refuse.",
    )
    run.add_argument("--health-bind", help="host:port of /healthz (default 127.0.0.1:8080).")
    run.add_argument("--metrics-bind", help="host:port for Prometheus metrics (default off).")
    run.add_argument(
        "--leader-election",
        action="store_true",
        default=None,
        help="One of several replicas: reconcile only while holding the leader Lease "
        "(MDO_LEADER_ELECTION).",
    )
    run.add_argument("--log-format", choices=[f.value for f in LogFormat])
    run.add_argument("-v", "--verbose", action="store_true", default=None)

    plan = commands.add_parser(
        "plan",
        help="Show what the operator would do for a ModelDeployment, changing nothing",
        description="Reads SageMaker (read-only calls) and prints the next actions. Pipe "
        "`kubectl get mdep NAME -o yaml` to include its uid and status.",
    )
    plan.add_argument("-f", "--filename", required=True, help="Manifest file, or - for stdin.")
    _add_common(plan)
    history_command.add_parser(commands)
    return parser


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--default-region", help="Region for resources without spec.region.")
    parser.add_argument("--default-deletion-policy", choices=[p.value for p in DeletionPolicy])
    parser.add_argument(
        "--environment",
        help="Environment of ModelDeployments without spec.environment (MDO_ENVIRONMENT); "
        "default: their namespace.",
    )
    parser.add_argument("--registry-poll-seconds", type=float)
    parser.add_argument("--busy-poll-seconds", type=float)
    parser.add_argument("--aws-retry-mode", choices=[m.value for m in RetryMode])
    parser.add_argument("--aws-max-attempts", type=int)
    parser.add_argument("--sagemaker-calls-per-second", type=float)
    parser.add_argument("--sagemaker-call-burst", type=int)


def settings_from(args: argparse.Namespace) -> OperatorSettings:
    overrides: dict[str, Any] = {
        key: value
        for key, value in vars(args).items()
        if value is not None and key in OperatorSettings.model_fields
    }
    if getattr(args, "all_namespaces", False):
        overrides["namespaces"] = ()
    return OperatorSettings(**overrides)


def build_reconciler(
    settings: OperatorSettings, directory: ClusterDirectory | None = None
) -> Reconciler:
    """With a directory (the running operator), namespaces' tenant roles apply and claimed
    owners are looked up; without one (`plan`), the ambient AWS identity is used."""
    region = settings.default_region or sdk_default_region()
    if not region:
        msg = (
            "No default AWS region: pass --default-region, set MDO_DEFAULT_REGION, or set "
            "AWS_REGION for the AWS SDK"
        )
        raise SystemExit(msg)
    gateways = RegionalGateways(
        retry_mode=settings.aws_retry_mode,
        max_attempts=settings.aws_max_attempts,
        pool_size=max(10, settings.workers),
        budgets=CallBudgets(
            rate=settings.sagemaker_calls_per_second, burst=settings.sagemaker_call_burst
        ),
    )
    return Reconciler(
        gateways,
        ReconcilerSettings(
            default_region=region,
            default_deletion_policy=settings.default_deletion_policy,
            registry_poll_seconds=settings.registry_poll_seconds,
            busy_poll_seconds=settings.busy_poll_seconds,
            scaling_check_seconds=settings.scaling_check_seconds,
            jitter_fraction=settings.jitter_fraction,
            endpoint_list_seconds=settings.endpoint_list_seconds,
            endpoint_describe_seconds=settings.endpoint_describe_seconds,
            endpoint_events=settings.endpoint_events,
            environment=settings.environment,
            installation=settings.installation if directory is not None else None,
        ),
        clock=_utcnow,
        directory=directory,
        tenancy=settings.tenancy(),
    )


def command_run(args: argparse.Namespace) -> int:
    # Imported here so `plan` and `--help` work without kopf's start-up cost.
    from model_deployment_operator.kopf_adapter.handlers import OperatorContext  # noqa: PLC0415
    from model_deployment_operator.kopf_adapter.operator import run  # noqa: PLC0415
    from model_deployment_operator.kube.claims import KubernetesClaims  # noqa: PLC0415
    from model_deployment_operator.kube.directory import (  # noqa: PLC0415
        KubernetesDirectory,
        api_client,
    )
    from model_deployment_operator.kube.status_patches import (  # noqa: PLC0415
        KubernetesStatusPatches,
    )
    from model_deployment_operator.observability import start_metrics_server  # noqa: PLC0415
    from model_deployment_operator.sagemaker.registry_events import (  # noqa: PLC0415
        RegistryEventQueue,
    )

    settings = settings_from(args)
    directory = KubernetesDirectory(
        api_client, namespace_ttl_seconds=settings.namespace_cache_seconds
    )
    reconciler = build_reconciler(settings, directory)
    events = None
    if settings.registry_events_queue_url:
        region = settings.default_region or sdk_default_region() or "us-east-1"
        events = RegistryEventQueue(settings.registry_events_queue_url, region)
    leadership = leader_lease_of(settings) if settings.leader_election else None
    if settings.metrics_bind:
        start_metrics_server(settings.metrics_bind)
    run(
        OperatorContext(
            settings=settings,
            reconciler=reconciler,
            statuses=KubernetesStatusPatches(api_client),
            events=events,
            leadership=leadership,
            claims=KubernetesClaims(api_client, settings.installation),
        )
    )
    return 0


def leader_lease_of(settings: OperatorSettings) -> Leadership:
    from model_deployment_operator.kube.directory import api_client  # noqa: PLC0415
    from model_deployment_operator.kube.leader_lease import (  # noqa: PLC0415
        LeaseElector,
        new_identity,
        own_namespace,
    )

    namespace = settings.leader_election_namespace or own_namespace()
    if not namespace:
        msg = (
            "Leader election needs the Lease's namespace: set MDO_LEADER_ELECTION_NAMESPACE "
            "(in a pod it defaults to the pod's own namespace)"
        )
        raise SystemExit(msg)
    return LeaseElector(
        api_client,
        namespace=namespace,
        name=settings.leader_election_lease_name,
        identity=settings.leader_election_identity or new_identity(),
        timings=settings.lease_timings(),
    )


def command_plan(args: argparse.Namespace) -> int:
    source = sys.stdin.read() if args.filename == "-" else Path(args.filename).read_text()
    document = yaml.safe_load(source) or {}
    meta = document.get("metadata") or {}
    ref = DeploymentRef(
        namespace=meta.get("namespace", "default"),
        name=meta.get("name", "unnamed"),
        uid=meta.get("uid", "not-yet-created"),
    )
    settings = settings_from(args)
    reconciler = build_reconciler(settings)
    try:
        preview = reconciler.preview(
            ref, int(meta.get("generation") or 1), document.get("spec"), document.get("status")
        )
    except InvalidSpecError as error:
        print(f"Invalid spec: {error}", file=sys.stderr)
        return 2
    except SageMakerCallError as error:
        print(f"SageMaker call failed: {error}", file=sys.stderr)
        return 1
    endpoint = preview.observation.endpoint
    desired = preview.desired
    print(f"ModelDeployment {ref} -> endpoint {desired.endpoint_name} ({desired.region})")
    if endpoint is None:
        print("  endpoint: does not exist")
    else:
        owner = "owned" if endpoint.owned else f"NOT owned: {endpoint.ownership.describe()}"
        print(f"  endpoint: {endpoint.status}, config {endpoint.config_name} ({owner})")
    print(f"  verdict: {preview.verdict.kind} {preview.verdict.reason}: {preview.verdict.message}")
    if not preview.actions:
        print("  actions: none")
    for number, action in enumerate(preview.actions, start=1):
        print(f"  {number}. {describe_action(action)}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "run":
        return command_run(args)
    if args.command == "history":
        return history_command.command_history(args)
    return command_plan(args)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
