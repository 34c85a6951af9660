"""Use a cluster the developer already has (envtest's USE_EXISTING_CLUSTER=true).

Nothing is started or stopped. The kubeconfig from the usual loading rules (KUBECONFIG,
else ~/.kube/config) is flattened into one self-contained file, so later commands do not
depend on the caller's environment. Non-admin identities are minted through the cluster's
own CertificateSigningRequest API (signer kubernetes.io/kube-apiserver-client), which
needs the cluster's controller manager to sign; we do not have the cluster's CA key.
"""

from __future__ import annotations

import base64
import re
import secrets
import shutil
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

from devcluster import pki
from devcluster.errors import ControlPlaneError
from devcluster.kubeconfig import current_server, load_kubeconfig, write_kubeconfig
from devcluster.kubectl import Kubectl, KubectlError

CSR_SIGNER: Final = "kubernetes.io/kube-apiserver-client"
CSR_EXPIRATION_SECONDS: Final = 7 * 24 * 3600
CSR_TIMEOUT: Final = 60.0
_NAME_UNSAFE = re.compile(r"[^a-z0-9.-]+")


def csr_name(user: str) -> str:
    base = _NAME_UNSAFE.sub("-", user.lower()).strip("-.")[:200] or "user"
    return f"devcluster-{base}-{secrets.token_hex(4)}"


class ExistingCluster:
    """A handle on a running cluster reached through a kubeconfig."""

    def __init__(
        self, work_dir: Path, kubectl: Path, helm: Path, *, source_env: dict[str, str]
    ) -> None:
        self._work_dir = work_dir
        self._kubectl_path = kubectl
        self._helm_path = helm
        self._source_env = source_env
        self._server_url: str | None = None
        self.csr_timeout = CSR_TIMEOUT

    @classmethod
    def connect(
        cls, work_dir: Path, kubectl: Path, helm: Path, *, env: dict[str, str]
    ) -> ExistingCluster:
        """Flatten the caller's kubeconfig into work_dir/kubeconfig and check it answers."""
        cluster = cls(work_dir, kubectl, helm, source_env=env)
        cluster._flatten()
        cluster._check_reachable()
        return cluster

    @classmethod
    def attach(cls, work_dir: Path, kubectl: Path, helm: Path) -> ExistingCluster:
        cluster = cls(work_dir, kubectl, helm, source_env={})
        cluster._server_url = current_server(load_kubeconfig(cluster.admin_kubeconfig))
        return cluster

    @property
    def is_local(self) -> bool:
        return False

    @property
    def admin_kubeconfig(self) -> Path:
        return self._work_dir / "kubeconfig"

    @property
    def server_url(self) -> str:
        if self._server_url is None:
            raise ControlPlaneError("not connected")
        return self._server_url

    @property
    def kubectl_path(self) -> Path:
        return self._kubectl_path

    @property
    def helm_path(self) -> Path:
        return self._helm_path

    def _flatten(self) -> None:
        self._work_dir.mkdir(parents=True, exist_ok=True)
        proc = subprocess.run(
            [str(self._kubectl_path), "config", "view", "--raw", "--flatten", "--minify"],
            env=self._source_env,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        where = self._source_env.get("KUBECONFIG") or "~/.kube/config"
        if proc.returncode != 0:
            raise ControlPlaneError(
                f"USE_EXISTING_CLUSTER=true, but the kubeconfig ({where}) is unusable: "
                f"{proc.stderr.strip()}"
            )
        pki.write_private(self.admin_kubeconfig, proc.stdout.encode())
        try:
            self._server_url = current_server(load_kubeconfig(self.admin_kubeconfig))
        except ValueError as exc:
            raise ControlPlaneError(f"USE_EXISTING_CLUSTER=true, but {where}: {exc}") from exc

    def _check_reachable(self) -> None:
        try:
            Kubectl(self._kubectl_path, self.admin_kubeconfig, timeout=30).run(
                "get", "--raw", "/readyz"
            )
        except KubectlError as exc:
            raise ControlPlaneError(
                f"USE_EXISTING_CLUSTER=true, but {self._server_url} is not ready: {exc.stderr}"
            ) from exc

    def stop(self) -> None:
        """Nothing was started; only our copy of the kubeconfig and minted files go."""
        shutil.rmtree(self._work_dir, ignore_errors=True)

    def kubeconfig_for(
        self,
        user: str,
        groups: Sequence[str] = (),
        *,
        out: Path | None = None,
        namespace: str | None = None,
    ) -> Path:
        """Mint a kubeconfig for user/groups via a CertificateSigningRequest the admin approves."""
        kubectl = Kubectl(self._kubectl_path, self.admin_kubeconfig)
        csr_pem, key_pem = pki.create_csr(user, groups)
        name = csr_name(user)
        kubectl.apply(
            {
                "apiVersion": "certificates.k8s.io/v1",
                "kind": "CertificateSigningRequest",
                "metadata": {
                    "name": name,
                    "labels": {"app.kubernetes.io/created-by": "devcluster"},
                },
                "spec": {
                    "request": base64.b64encode(csr_pem).decode(),
                    "signerName": CSR_SIGNER,
                    "expirationSeconds": CSR_EXPIRATION_SECONDS,
                    "usages": ["client auth", "digital signature"],
                },
            }
        )
        try:
            kubectl.run("certificate", "approve", name)
            cert_pem = self._wait_for_certificate(kubectl, name, self.csr_timeout)
        finally:
            kubectl.run("delete", "csr", name, "--ignore-not-found", "--wait=false")
        admin = load_kubeconfig(self.admin_kubeconfig)
        config = _user_config(admin, user, cert_pem, key_pem, namespace)
        path = out or self._work_dir / "users" / f"{name}.kubeconfig"
        return write_kubeconfig(path, config)

    @staticmethod
    def _wait_for_certificate(kubectl: Kubectl, name: str, timeout: float) -> bytes:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            csr = kubectl.json("get", "csr", name)
            status = csr.get("status") or {}
            for condition in status.get("conditions") or []:
                if (
                    condition.get("type") in ("Denied", "Failed")
                    and condition.get("status") == "True"
                ):
                    raise ControlPlaneError(
                        f"CSR {name} {condition['type']}: {condition.get('message', '')}"
                    )
            if status.get("certificate"):
                return base64.b64decode(status["certificate"])
            time.sleep(0.5)
        raise ControlPlaneError(
            f"CSR {name} was approved but no certificate was issued within {timeout:.0f}s; "
            f"the cluster needs a signer for {CSR_SIGNER} (kube-controller-manager's "
            "csrsigning controller)"
        )


def _user_config(
    admin: dict[str, Any], user: str, cert_pem: bytes, key_pem: bytes, namespace: str | None
) -> dict[str, Any]:
    """The admin kubeconfig's cluster entry, with our user in place of the admin."""
    context_name = admin["current-context"]
    context = next(c for c in admin["contexts"] if c["name"] == context_name)["context"]
    cluster = next(c for c in admin["clusters"] if c["name"] == context["cluster"])
    body: dict[str, str] = {"cluster": cluster["name"], "user": user}
    if namespace:
        body["namespace"] = namespace
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "preferences": {},
        "clusters": [cluster],
        "users": [
            {
                "name": user,
                "user": {
                    "client-certificate-data": base64.b64encode(cert_pem).decode(),
                    "client-key-data": base64.b64encode(key_pem).decode(),
                },
            }
        ],
        "contexts": [{"name": f"{user}@{cluster['name']}", "context": body}],
        "current-context": f"{user}@{cluster['name']}",
    }
