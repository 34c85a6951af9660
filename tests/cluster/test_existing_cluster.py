"""USE_EXISTING_CLUSTER=true: nothing is started, the caller's cluster is used as it is.

The "existing" cluster here is a second local control plane started by the test. It has
no kube-controller-manager, so a small thread plays the cluster's CSR signer, using the
plane's CA the way the csrsigning controller uses the cluster CA.
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from devcluster import (
    ControlPlane,
    ControlPlaneError,
    ExistingCluster,
    Kubectl,
    Toolchain,
    open_cluster,
    pki,
)
from devcluster.kubeconfig import build_kubeconfig, write_kubeconfig
from devcluster.ports import free_ports

pytestmark = [pytest.mark.cluster, pytest.mark.slow]


@pytest.fixture
def other_plane(kube_toolchain: Toolchain, tmp_path: Path) -> Iterator[ControlPlane]:
    with ControlPlane(
        tmp_path / "other", toolchain=kube_toolchain, detach=False, progress=lambda _: None
    ) as plane:
        yield plane


def existing_env(kubeconfig: str) -> dict[str, str]:
    return {**os.environ, "USE_EXISTING_CLUSTER": "true", "KUBECONFIG": kubeconfig}


class Signer:
    """Issues certificates for approved CSRs, as kube-controller-manager would."""

    def __init__(self, plane: ControlPlane) -> None:
        self._plane = plane
        self._ca = pki.KeyPair.read(plane.ca_file, plane.ca_file.with_suffix(".key"))
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.signed: list[str] = []

    def __enter__(self) -> Signer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        client = self._plane.admin_client()
        path = "/apis/certificates.k8s.io/v1/certificatesigningrequests"
        while not self._stop.wait(0.2):
            for csr in client.get(path).json()["items"]:
                status = csr.get("status") or {}
                approved = any(c["type"] == "Approved" for c in status.get("conditions") or [])
                if not approved or status.get("certificate"):
                    continue
                request = base64.b64decode(csr["spec"]["request"])
                status["certificate"] = base64.b64encode(pki.sign_csr(self._ca, request)).decode()
                csr["status"] = status
                name = csr["metadata"]["name"]
                response = client.request("PUT", f"{path}/{name}/status", csr)
                if response.status == 200:
                    self.signed.append(name)


def test_existing_cluster_is_used_without_starting_anything(
    other_plane: ControlPlane, tmp_path: Path
) -> None:
    # A KUBECONFIG list, as users have: the flattened copy must still be self-contained.
    kubeconfig = f"{tmp_path / 'absent.yaml'}{os.pathsep}{other_plane.admin_kubeconfig}"
    state_dir = tmp_path / "existing"

    cluster = open_cluster(state_dir, env=existing_env(kubeconfig), progress=lambda _: None)

    assert isinstance(cluster, ExistingCluster)
    assert not cluster.is_local
    assert cluster.server_url == other_plane.server_url
    admin = Kubectl(cluster.kubectl_path, cluster.admin_kubeconfig)
    admin("create", "namespace", "made-through-existing")
    mine = Kubectl(other_plane.kubectl_path, other_plane.admin_kubeconfig)
    assert mine("get", "namespace", "made-through-existing", "-o", "name").strip()

    cluster.stop()
    assert not state_dir.exists()
    assert other_plane.is_running(), "stopping an existing cluster must not stop the cluster"


def test_existing_cluster_mints_identities_through_the_csr_api(
    other_plane: ControlPlane, tmp_path: Path
) -> None:
    cluster = open_cluster(
        tmp_path / "existing",
        env=existing_env(str(other_plane.admin_kubeconfig)),
        progress=lambda _: None,
    )
    try:
        with Signer(other_plane) as signer:
            config = cluster.kubeconfig_for("grace", ["qa"], out=tmp_path / "grace.kubeconfig")
        grace = Kubectl(cluster.kubectl_path, config)
        info = grace.json("auth", "whoami")["status"]["userInfo"]
        assert (info["username"], info["groups"]) == ("grace", ["qa", "system:authenticated"])
        assert len(signer.signed) == 1
        admin = Kubectl(cluster.kubectl_path, cluster.admin_kubeconfig)
        assert admin("get", "csr", "-o", "name").strip() == "", "the CSR is cleaned up"
    finally:
        cluster.stop()


def test_existing_cluster_without_a_signer_says_so(
    other_plane: ControlPlane, tmp_path: Path
) -> None:
    cluster = open_cluster(
        tmp_path / "existing",
        env=existing_env(str(other_plane.admin_kubeconfig)),
        progress=lambda _: None,
    )
    try:
        assert isinstance(cluster, ExistingCluster)
        cluster.csr_timeout = 2.0
        with pytest.raises(
            ControlPlaneError, match=r"needs a signer for kubernetes\.io/kube-apiserver-client"
        ):
            cluster.kubeconfig_for("heidi")
    finally:
        cluster.stop()


def test_unreachable_existing_cluster_is_a_clear_error(
    kube_toolchain: Toolchain, tmp_path: Path
) -> None:
    ca = pki.create_ca()
    client = pki.create_client_cert(ca, "nobody")
    (port,) = free_ports(1)
    dead = write_kubeconfig(
        tmp_path / "dead.kubeconfig",
        build_kubeconfig(f"https://127.0.0.1:{port}", ca.cert_pem, client, "nobody"),
    )

    with pytest.raises(ControlPlaneError, match=f"https://127.0.0.1:{port} is not ready"):
        open_cluster(tmp_path / "existing", env=existing_env(str(dead)), progress=lambda _: None)


def test_cli_up_and_down_with_an_existing_cluster(
    other_plane: ControlPlane, tmp_path: Path
) -> None:
    state_dir = tmp_path / "local"
    env = existing_env(str(other_plane.admin_kubeconfig))

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "devcluster", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    up = cli("up", "--state-dir", str(state_dir))
    assert up.returncode == 0, up.stderr
    assert "nothing was started" in up.stdout
    assert (state_dir / "kubeconfig").exists()
    down = cli("down", "--state-dir", str(state_dir))
    assert down.returncode == 0, down.stderr
    assert not state_dir.exists()
    assert other_plane.is_running()
