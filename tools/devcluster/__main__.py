"""Command line: python -m devcluster {build,up,down,kubeconfig,status,which}."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import cast

from devcluster import pki
from devcluster.cluster import attach, open_cluster, use_existing_cluster
from devcluster.control_plane import ControlPlane
from devcluster.errors import DevclusterError
from devcluster.processes import is_alive
from devcluster.toolchain import (
    ALL_TOOLS,
    ToolCache,
    ToolName,
    describe,
    format_duration,
    resolve_toolchain,
)

EPILOG = """\
environment:
  KUBEBUILDER_ASSETS=DIR     use kube-apiserver, etcd and kubectl from DIR (helm is still built)
  USE_EXISTING_CLUSTER=true  `up` starts nothing and uses the cluster in KUBECONFIG
                             (else ~/.kube/config); `down` then only removes the state dir
  XDG_CACHE_HOME             tools are cached in $XDG_CACHE_HOME/model-deployment-operator/tools
                             (default ~/.cache/...)
"""


def _cmd_build(args: argparse.Namespace) -> int:
    unknown = sorted(set(args.tools) - set(ALL_TOOLS))
    if unknown:
        raise DevclusterError(f"unknown tool(s) {', '.join(unknown)}; choose from {ALL_TOOLS}")
    tools = cast("list[ToolName]", args.tools or list(ALL_TOOLS))
    cache = ToolCache(args.cache_dir)
    started = time.monotonic()
    toolchain = resolve_toolchain(tools, force=args.force, cache=cache)
    if all(t.source != "built" for t in toolchain.tools.values()):
        print(f"all tools up to date ({format_duration(time.monotonic() - started)})")
    describe(toolchain)
    return 0


def _cmd_up(args: argparse.Namespace) -> int:
    state_dir: Path = args.state_dir
    existing = attach(state_dir) if state_dir.exists() else None
    if isinstance(existing, ControlPlane) and existing.is_running():
        print(f"already running at {existing.server_url} (state in {state_dir})")
        print(f"export KUBECONFIG={existing.admin_kubeconfig}")
        return 0
    if existing is not None and not isinstance(existing, ControlPlane):
        print(f"using the existing cluster at {existing.server_url} (state in {state_dir})")
        print(f"export KUBECONFIG={existing.admin_kubeconfig}")
        return 0
    cluster = open_cluster(state_dir)
    if use_existing_cluster():
        print(f"USE_EXISTING_CLUSTER=true: using {cluster.server_url}; nothing was started")
    print(f"export KUBECONFIG={cluster.admin_kubeconfig.resolve()}")
    return 0


def _cmd_down(args: argparse.Namespace) -> int:
    state_dir: Path = args.state_dir
    if not state_dir.exists():
        print(f"nothing to stop ({state_dir} does not exist)")
        return 0
    cluster = attach(state_dir)
    if cluster is None:
        raise DevclusterError(
            f"{state_dir} holds no devcluster state; not touching it (remove it by hand)"
        )
    cluster.stop()
    print(f"stopped; removed {state_dir}")
    return 0


def _cmd_kubeconfig(args: argparse.Namespace) -> int:
    cluster = attach(args.state_dir)
    if cluster is None:
        raise DevclusterError(f"no cluster recorded in {args.state_dir}; run `up` first")
    user: str | None = args.user
    groups: list[str] = list(args.group)
    if args.service_account:
        namespace, _, name = args.service_account.partition(":")
        if not namespace or not name:
            raise DevclusterError("--service-account takes NAMESPACE:NAME")
        user, sa_groups = pki.service_account_identity(namespace, name)
        groups = [*sa_groups, *groups]
    if not user:
        raise DevclusterError("give --user NAME or --service-account NAMESPACE:NAME")
    path = cluster.kubeconfig_for(user, groups, out=args.out, namespace=args.namespace)
    print(path)
    return 0


def _cmd_status(args: argparse.Namespace) -> int:
    cluster = attach(args.state_dir) if args.state_dir.exists() else None
    if cluster is None:
        print("not running")
        return 3
    if isinstance(cluster, ControlPlane):
        for record in cluster.processes:
            state = "running" if is_alive(record) else "NOT RUNNING"
            print(f"{record.name:<15} pid {record.pid:<8} {state}  log: {record.log}")
        if not cluster.is_running():
            return 1
    print(f"server      {cluster.server_url}")
    print(f"kubeconfig  {cluster.admin_kubeconfig}")
    return 0


def _cmd_which(args: argparse.Namespace) -> int:
    toolchain = resolve_toolchain([args.tool], build=False, cache=ToolCache(args.cache_dir))
    print(toolchain.path(args.tool))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m devcluster",
        description="Local kube-apiserver + etcd built from source, for tests and demos.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)

    build = sub.add_parser("build", help="build (or reuse) kube-apiserver, etcd, kubectl and helm")
    build.add_argument("tools", nargs="*", metavar="TOOL", help=f"default: all of {ALL_TOOLS}")
    build.add_argument("--force", action="store_true", help="rebuild even if up to date")
    build.add_argument("--cache-dir", type=Path, default=None, help=argparse.SUPPRESS)
    build.set_defaults(func=_cmd_build)

    def state_dir_arg(p: argparse.ArgumentParser) -> None:
        p.add_argument("--state-dir", type=Path, default=Path(".local"), help="default: .local")

    up = sub.add_parser("up", help="start etcd and kube-apiserver in the background")
    state_dir_arg(up)
    up.set_defaults(func=_cmd_up)

    down = sub.add_parser("down", help="stop them and remove the state directory")
    state_dir_arg(down)
    down.set_defaults(func=_cmd_down)

    kubeconfig = sub.add_parser(
        "kubeconfig", help="mint a kubeconfig for a non-admin user (client cert CN=user, O=groups)"
    )
    state_dir_arg(kubeconfig)
    who = kubeconfig.add_mutually_exclusive_group(required=True)
    who.add_argument("--user", help="user name (certificate CN)")
    who.add_argument(
        "--service-account",
        metavar="NAMESPACE:NAME",
        help="act as this ServiceAccount: CN=system:serviceaccount:NS:NAME, "
        "O=system:serviceaccounts,system:serviceaccounts:NS",
    )
    kubeconfig.add_argument(
        "--group", action="append", default=[], help="group (certificate O); repeatable"
    )
    kubeconfig.add_argument("--namespace", help="default namespace of the context")
    kubeconfig.add_argument("--out", type=Path, required=True, help="where to write it")
    kubeconfig.set_defaults(func=_cmd_kubeconfig)

    status = sub.add_parser("status", help="is the control plane in --state-dir running?")
    state_dir_arg(status)
    status.set_defaults(func=_cmd_status)

    which = sub.add_parser("which", help="print the path of a built tool (never builds)")
    which.add_argument("tool", choices=ALL_TOOLS)
    which.add_argument("--cache-dir", type=Path, default=None, help=argparse.SUPPRESS)
    which.set_defaults(func=_cmd_which)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except DevclusterError as exc:
        print(f"devcluster: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("devcluster: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
