"""Kubeconfig generation and loopback port picking."""

from __future__ import annotations

import base64
import socket
import stat
from pathlib import Path

import pytest

from devcluster import pki
from devcluster.cluster import use_existing_cluster
from devcluster.errors import DevclusterError
from devcluster.kubeconfig import (
    build_kubeconfig,
    current_server,
    load_kubeconfig,
    write_kubeconfig,
)
from devcluster.ports import free_ports, is_listening


def test_kubeconfig_embeds_ca_and_client_credentials(tmp_path: Path) -> None:
    ca = pki.create_ca()
    client = pki.create_client_cert(ca, "alice", ["team-a"])
    path = write_kubeconfig(
        tmp_path / "sub" / "kubeconfig",
        build_kubeconfig("https://127.0.0.1:6443", ca.cert_pem, client, "alice", namespace="ns1"),
    )

    config = load_kubeconfig(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert config["current-context"] == "alice@devcluster"
    assert config["contexts"] == [
        {
            "name": "alice@devcluster",
            "context": {"cluster": "devcluster", "user": "alice", "namespace": "ns1"},
        }
    ]
    cluster = config["clusters"][0]["cluster"]
    user = config["users"][0]["user"]
    assert base64.b64decode(cluster["certificate-authority-data"]) == ca.cert_pem
    assert base64.b64decode(user["client-certificate-data"]) == client.cert_pem
    assert base64.b64decode(user["client-key-data"]) == client.key_pem
    assert current_server(config) == "https://127.0.0.1:6443"


def test_current_server_needs_a_current_context() -> None:
    with pytest.raises(ValueError, match="no usable current context"):
        current_server({"clusters": [], "contexts": []})


def test_free_ports_are_distinct_and_bindable_on_loopback() -> None:
    ports = free_ports(5)

    assert len(set(ports)) == 5
    for port in ports:
        assert 1024 < port < 65536
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))


def test_free_ports_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="positive"):
        free_ports(0)


def test_is_listening() -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        assert is_listening(port)
    assert not is_listening(port)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("true", True),
        ("1", True),
        ("TRUE", True),
        (" yes ", True),
        ("false", False),
        ("0", False),
        ("", False),
    ],
)
def test_use_existing_cluster_parses_like_envtest(value: str, expected: bool) -> None:
    assert use_existing_cluster({"USE_EXISTING_CLUSTER": value}) is expected


def test_use_existing_cluster_unset_and_invalid() -> None:
    assert use_existing_cluster({}) is False
    with pytest.raises(DevclusterError, match="not a boolean"):
        use_existing_cluster({"USE_EXISTING_CLUSTER": "maybe"})
