"""`model-deployment-operator history`: which version served where at a moment, from the
serving records on the model packages (every environment that shares the registry) and,
when a kubeconfig reaches the cluster, the ModelDeployments' status.history."""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import UTC, datetime
from typing import Any

from model_deployment_operator.domain.errors import ClusterReadError, SageMakerCallError
from model_deployment_operator.domain.promotion.timeline import (
    PackageRecords,
    Served,
    from_registry,
    from_status_history,
    served_at,
    table,
)
from model_deployment_operator.domain.spec.common import GROUP_ARN_PATTERN
from model_deployment_operator.domain.status import parse_status
from model_deployment_operator.kube.model_deployments import read_model_deployments
from model_deployment_operator.sagemaker.client import sdk_default_region
from model_deployment_operator.sagemaker.gateway import SageMakerGateway

PAGE_SIZE = 100


def add_parser(commands: Any) -> None:
    history = commands.add_parser(
        "history",
        help="Which version served where at a moment (default now)",
        description="Reads the serving records the operators write on the model packages "
        "(mdo:served:<environment>) and, when a kubeconfig reaches the cluster, the "
        "ModelDeployments' status.history. TARGET is a model package group (name or ARN) "
        "or NAMESPACE/NAME of a ModelDeployment (then only its environment is shown, "
        "unless --environment says otherwise).",
    )
    history.add_argument("target", metavar="TARGET", help="GROUP, or NAMESPACE/NAME")
    history.add_argument("--at", help="ISO 8601 time, e.g. 2026-11-20T14:00:00Z (default: now)")
    history.add_argument("--environment", help="Only this environment.")
    history.add_argument("--region", help="Region of the registry (default: the SDK's).")
    history.add_argument(
        "--max-versions",
        type=int,
        default=200,
        help="Read the records of at most this many newest versions (default 200).",
    )
    history.add_argument("-o", "--output", choices=["table", "json"], default="table")


def parse_moment(text: str | None) -> datetime:
    if text is None:
        return datetime.now(UTC).replace(microsecond=0)
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _group_name(name_or_arn: str) -> str:
    match = re.match(GROUP_ARN_PATTERN, name_or_arn)
    return match.group("name") if match else name_or_arn


def _from_cluster(deployments: list[dict[str, Any]], group: str) -> list[Served]:
    found: list[Served] = []
    for item in deployments:
        spec = item.get("spec") or {}
        if _group_name(str(spec.get("modelPackageGroupName", ""))) != group:
            continue
        meta = item.get("metadata") or {}
        status = parse_status(item.get("status"))
        if status is None:
            continue
        environment = status.environment or spec.get("environment") or meta.get("namespace", "")
        name = f"{meta.get('namespace')}/{meta.get('name')}"
        found += from_status_history(str(environment), name, status.history)
    return found


def _from_registry(gateway: SageMakerGateway, group: str, limit: int) -> list[Served]:
    packages: list[PackageRecords] = []
    token: str | None = None
    while len(packages) < limit:
        page, token = gateway.list_package_versions(group, token, min(PAGE_SIZE, limit))
        for version in page[: limit - len(packages)]:
            details = gateway.describe_package_details(version.arn)
            if details is not None:
                packages.append(PackageRecords(version.version, version.arn, details.metadata))
        if token is None:
            break
    return from_registry(packages)


def command_history(args: argparse.Namespace) -> int:
    try:
        moment = parse_moment(args.at)
    except ValueError:
        print(f"--at {args.at!r} is not an ISO 8601 time", file=sys.stderr)
        return 2
    environment = args.environment
    region = args.region
    namespace, slash, name = args.target.partition("/")
    if slash and not args.target.startswith("arn:"):
        try:
            (deployment,) = read_model_deployments(namespace, name)
        except ClusterReadError as error:
            print(f"Could not read ModelDeployment {args.target}: {error}", file=sys.stderr)
            return 2
        spec = deployment.get("spec") or {}
        group_or_arn = str(spec.get("modelPackageGroupName", ""))
        region = region or spec.get("region")
        status = parse_status(deployment.get("status"))
        own = (status.environment if status else None) or spec.get("environment") or namespace
        environment = environment or own
        deployments = [deployment]
    else:
        group_or_arn = args.target
        try:
            deployments = read_model_deployments()
        except ClusterReadError as error:
            print(
                f"(no status.history: {error}; showing the registry's records only)",
                file=sys.stderr,
            )
            deployments = []
    region = region or sdk_default_region()
    if not region:
        print("No AWS region: pass --region or set AWS_REGION", file=sys.stderr)
        return 2
    group = _group_name(group_or_arn)
    gateway = SageMakerGateway(region)
    try:
        intervals = _from_registry(gateway, group_or_arn, args.max_versions)
    except SageMakerCallError as error:
        print(f"Could not read model package group {group_or_arn}: {error}", file=sys.stderr)
        return 1
    cluster = _from_cluster(deployments, group)
    rows = served_at([*intervals, *cluster], moment, environment)
    if args.output == "json":
        document = {
            "group": group,
            "at": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "served": [row.to_json() for row in rows],
        }
        print(json.dumps(document, indent=2))
    elif rows:
        print(table(rows))
    else:
        where = f" in {environment}" if environment else ""
        print(f"No version of {group} served{where} at {moment:%Y-%m-%dT%H:%M:%SZ}")
    return 0
