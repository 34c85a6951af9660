"""Self-contained kubeconfig files (certificates embedded as *-data, no paths to go stale)."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any, Final

import yaml

from devcluster.pki import KeyPair, write_private

CLUSTER_NAME: Final = "devcluster"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def build_kubeconfig(
    server_url: str,
    ca_pem: bytes,
    client: KeyPair,
    user: str,
    *,
    namespace: str | None = None,
    cluster_name: str = CLUSTER_NAME,
) -> dict[str, Any]:
    """A kubeconfig with one cluster, one user and one current context named `<user>@<cluster>`."""
    context = f"{user}@{cluster_name}"
    context_body: dict[str, str] = {"cluster": cluster_name, "user": user}
    if namespace:
        context_body["namespace"] = namespace
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "preferences": {},
        "clusters": [
            {
                "name": cluster_name,
                "cluster": {"server": server_url, "certificate-authority-data": _b64(ca_pem)},
            }
        ],
        "users": [
            {
                "name": user,
                "user": {
                    "client-certificate-data": _b64(client.cert_pem),
                    "client-key-data": _b64(client.key_pem),
                },
            }
        ],
        "contexts": [{"name": context, "context": context_body}],
        "current-context": context,
    }


def dump_kubeconfig(config: dict[str, Any]) -> str:
    return yaml.safe_dump(config, sort_keys=False, default_flow_style=False)


def write_kubeconfig(path: Path, config: dict[str, Any]) -> Path:
    """Write with mode 0600: a kubeconfig holds a private key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_private(path, dump_kubeconfig(config).encode("utf-8"))
    return path


def load_kubeconfig(path: Path) -> dict[str, Any]:
    loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(loaded, dict):
        raise ValueError(f"{path} is not a kubeconfig (not a mapping)")
    return loaded


def current_server(config: dict[str, Any]) -> str:
    """The server URL of the current context's cluster."""
    context_name = config.get("current-context")
    contexts = {c["name"]: c["context"] for c in config.get("contexts") or []}
    clusters = {c["name"]: c["cluster"] for c in config.get("clusters") or []}
    try:
        cluster = clusters[contexts[context_name]["cluster"]]
        return str(cluster["server"])
    except (KeyError, TypeError) as exc:
        raise ValueError(f"kubeconfig has no usable current context ({exc})") from None
