"""The prepared machine a document's commands run on: what a reader of the docs would have,
with every server local and private to this one document.

- The working directory is a copy of the repository (the files git knows, committed or
  not), with `.venv` linking to this virtualenv, so commands may write files, `cd` and
  run `make` without touching the checkout.
- PATH starts with the pinned kubectl and helm and the virtualenv's bin directory (the
  AWS CLI from the dev extra, model-deployment-operator, sagemaker-emulator, python).
- KUBECONFIG is the admin kubeconfig of an API server started for this document alone:
  the docs use fixed names (ml-prod, mdo-system, a Helm release, the CRD itself, which
  install.md deletes), so they must not share the test session's cluster.
- AWS_ENDPOINT_URL, AWS_REGION and keys point at a SageMaker emulator process started for
  this document; without one they point at a closed local port, never at AWS. The AWS CLI
  reads no config or credentials file.
- MDO_HEALTH_BIND is a free port, so an operator a document starts does not collide with
  another one on this machine; Helm keeps its files in a temporary directory.
- Files a document writes under /tmp (its own paths, such as /tmp/operator-policy.json)
  are removed afterwards unless they were there before.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import boto3
import pytest
import yaml

from devcluster import ControlPlane, Kubectl, Toolchain, service_account_identity
from devstack.emulator import EmulatorProcess
from devstack.operator_process import FAKE_AWS_ENVIRONMENT, OperatorProcess, free_port
from devstack.registry import ModelRegistry
from docs.doc_blocks import ROOT, Block, Document, plan
from docs.doc_runner import ShellSession
from support.e2e_stack import clients

# The emulator's endpoints change state quickly, and the operator polls often, so a
# document that waits for Ready waits seconds.
EMULATOR_ARGUMENTS = (
    "--creating-seconds",
    "1",
    "--updating-seconds",
    "1",
    "--deleting-seconds",
    "1",
)
OPERATOR_SETTINGS = {
    "registry_poll_seconds": "5",
    "busy_poll_seconds": "1",
    "jitter_fraction": "0",
}
# The test's operator runs under the chart's RBAC rules (manifests/rbac.yaml), bound to a
# ServiceAccount of its own, so the Helm release a document installs owns every name it
# creates.
OPERATOR_NAMESPACE = "doc-test-operator"
OPERATOR_SERVICE_ACCOUNT = "model-deployment-operator"
MANIFEST_NAMESPACE = "doc-test-manifests"
_TMP_PATH = re.compile(r"/tmp/[A-Za-z0-9._-]+")  # noqa: S108 - the documents' own paths


@dataclass(frozen=True)
class Scenario:
    """What a document assumes before its first command (its prerequisites)."""

    cluster: bool = True
    emulator: bool = True
    environment: Mapping[str, str] = field(default_factory=dict)
    setup: Callable[[DocEnvironment], None] = lambda _environment: None


def copy_repository(destination: Path) -> None:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():  # not deleted in the working tree
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    venv = Path(sys.prefix)
    # `make` in the copy reinstalls the shared virtualenv (pointing its editable install at
    # the copy) unless the Makefile's stamp for this pyproject.toml is already there.
    digest = hashlib.sha1((ROOT / "pyproject.toml").read_bytes()).hexdigest()[:12]  # noqa: S324
    stamp = venv / f".installed-{digest}"
    if not stamp.exists():
        pytest.fail(f"{stamp.name} is missing: run `make venv` before the documented commands")
    (destination / ".venv").symlink_to(venv)


class DocEnvironment:
    def __init__(
        self, document: Document, scenario: Scenario, toolchain: Toolchain, tmp: Path
    ) -> None:
        self.document = document
        self.scenario = scenario
        self.toolchain = toolchain
        self.tmp = tmp
        self.workdir = tmp / "repository"
        self.plane: ControlPlane | None = None
        self.emulator: EmulatorProcess | None = None
        self.operator: OperatorProcess | None = None
        self.session: ShellSession | None = None
        self._tmp_files: list[Path] = []

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> Self:
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _start(self) -> None:
        texts = [s.text for b in self.document.counted for s in plan(b)]
        self._tmp_files = [
            Path(p)
            for p in sorted(set(_TMP_PATH.findall("\n".join(texts))))
            if not Path(p).exists()
        ]
        copy_repository(self.workdir)
        if self.scenario.cluster:
            self.plane = ControlPlane(
                self.tmp / "cluster", toolchain=self.toolchain, detach=False, progress=print
            ).start()
        if self.scenario.emulator:
            self.emulator = EmulatorProcess(
                log_file=self.tmp / "emulator.log", arguments=EMULATOR_ARGUMENTS
            ).start()
        port = int(self.emulator.url.rsplit(":", 1)[1]) if self.emulator else free_port()
        self.session = ShellSession(
            workdir=self.workdir,
            scratch=self.tmp / "shell",
            environment=self._environment(port),
            emulator_port=port,
            apply_manifest=self.dry_run,
            before_block=self._before_block,
        )
        self.scenario.setup(self)

    def close(self) -> None:
        errors: list[BaseException] = []
        for stop in (
            self._close_session,
            self._stop_operator,
            self._stop_emulator,
            self._stop_plane,
        ):
            try:
                stop()
            except Exception as error:  # noqa: BLE001 - stop everything, then report
                errors.append(error)
        for path in self._tmp_files:
            path.unlink(missing_ok=True)
        if errors:
            raise errors[0]

    def _close_session(self) -> None:
        if self.session is not None:
            session, self.session = self.session, None
            session.close()

    def _stop_operator(self) -> None:
        if self.operator is not None:
            self.operator.stop()

    def _stop_emulator(self) -> None:
        if self.emulator is not None:
            self.emulator.stop()

    def _stop_plane(self) -> None:
        # `make kube-up` in a document starts a control plane of its own under .local/.
        local = self.workdir / ".local"
        if (local / "state.json").exists():
            subprocess.run(
                [sys.executable, "-m", "devcluster", "down", "--state-dir", str(local)],
                capture_output=True,
                timeout=120,
                check=False,
            )
        if self.plane is not None:
            self.plane.stop()

    def _environment(self, port: int) -> dict[str, str]:
        inherited = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("AWS_", "MDO_", "HELM_"))
            and key not in {"KUBECONFIG", "USE_EXISTING_CLUSTER"}
        }
        path = [
            str(self.toolchain.kubectl.parent),
            str(self.toolchain.helm.parent),
            str(Path(sys.executable).parent),
            inherited.get("PATH", os.defpath),
        ]
        kubeconfig = self.plane.admin_kubeconfig if self.plane else self.tmp / "no-cluster"
        helm_home = self.tmp / "helm"
        return {
            **inherited,
            "PATH": os.pathsep.join(path),
            "KUBECONFIG": str(kubeconfig),
            **FAKE_AWS_ENVIRONMENT,
            "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true",
            "HELM_CACHE_HOME": str(helm_home / "cache"),
            "HELM_CONFIG_HOME": str(helm_home / "config"),
            "HELM_DATA_HOME": str(helm_home / "data"),
            "MDO_HEALTH_BIND": f"127.0.0.1:{free_port()}",
            **self.scenario.environment,
        }

    # ------------------------------------------------------------------ running

    def run(self) -> None:
        session = self._require(self.session, "session")
        for block in self.document.counted:
            session.run_block(block)

    def _before_block(self, block: Block) -> None:
        if block.marker is not None and block.marker.needs_operator:
            self.start_operator()

    # ------------------------------------------------------------------ what setups use

    @staticmethod
    def _require(value: Any, what: str) -> Any:
        if value is None:
            raise AssertionError(f"this document's scenario has no {what}")
        return value

    @property
    def kubectl(self) -> Kubectl:
        plane: ControlPlane = self._require(self.plane, "cluster")
        return Kubectl(plane.kubectl_path, plane.admin_kubeconfig)

    def emulator_clients(self) -> dict[str, Any]:
        emulator: EmulatorProcess = self._require(self.emulator, "emulator")
        return clients(emulator.url)

    def iam(self) -> Any:
        """The emulator's IAM (moto's)."""
        emulator: EmulatorProcess = self._require(self.emulator, "emulator")
        return boto3.client(
            "iam",
            endpoint_url=emulator.url,
            region_name=FAKE_AWS_ENVIRONMENT["AWS_REGION"],
            aws_access_key_id=FAKE_AWS_ENVIRONMENT["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=FAKE_AWS_ENVIRONMENT["AWS_SECRET_ACCESS_KEY"],
        )

    @property
    def registry(self) -> ModelRegistry:
        return ModelRegistry(self.emulator_clients()["sagemaker"])

    def shell(self, command: str) -> str:
        """A command of the setup, run like the document's own (same PATH, KUBECONFIG...)."""
        session: ShellSession = self._require(self.session, "session")
        return session.run(f"setup of {self.document.path}", command)

    def dry_run(self, text: str) -> str:
        """A manifest the document shows, as if it were new: namespaces replaced with a
        scratch one, then `kubectl apply --server-side --dry-run=server`."""
        documents = [doc for doc in yaml.safe_load_all(text) if doc]
        for doc in documents:
            doc.get("metadata", {}).pop("namespace", None)
        kubectl = self.kubectl
        if not kubectl.run("get", "namespace", MANIFEST_NAMESPACE, "--ignore-not-found"):
            kubectl("create", "namespace", MANIFEST_NAMESPACE)
        output = kubectl.run(
            "apply",
            "--server-side",
            "--dry-run=server",
            "--field-manager=doc-test",
            "-n",
            MANIFEST_NAMESPACE,
            "-f",
            "-",
            input=yaml.safe_dump_all(documents),
        )
        if output.count("(server dry run)") != len(documents):
            raise AssertionError(output)
        return output

    def start_operator(self) -> OperatorProcess:
        """The operator process, as the chart's pod would run it (pods never run here)."""
        if self.operator is not None:
            return self.operator
        plane: ControlPlane = self._require(self.plane, "cluster")
        emulator: EmulatorProcess = self._require(self.emulator, "emulator")
        rbac = yaml.safe_load_all((ROOT / "manifests" / "rbac.yaml").read_text())
        (rules,) = [
            doc["rules"]
            for doc in rbac
            if doc
            and doc["kind"] == "ClusterRole"
            and doc["metadata"]["name"] == OPERATOR_SERVICE_ACCOUNT
        ]
        subject = {
            "kind": "ServiceAccount",
            "name": OPERATOR_SERVICE_ACCOUNT,
            "namespace": OPERATOR_NAMESPACE,
        }
        objects: list[dict[str, Any]] = [
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": OPERATOR_NAMESPACE}},
            {
                "apiVersion": "v1",
                "kind": "ServiceAccount",
                "metadata": {"name": OPERATOR_SERVICE_ACCOUNT, "namespace": OPERATOR_NAMESPACE},
            },
            {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "ClusterRole",
                "metadata": {"name": OPERATOR_NAMESPACE},
                "rules": rules,
            },
            {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "ClusterRoleBinding",
                "metadata": {"name": OPERATOR_NAMESPACE},
                "roleRef": {
                    "apiGroup": "rbac.authorization.k8s.io",
                    "kind": "ClusterRole",
                    "name": OPERATOR_NAMESPACE,
                },
                "subjects": [subject],
            },
        ]
        self.kubectl.run("apply", "-f", "-", input=yaml.safe_dump_all(objects))
        user, groups = service_account_identity(OPERATOR_NAMESPACE, OPERATOR_SERVICE_ACCOUNT)
        kubeconfig = plane.kubeconfig_for(user, groups, out=self.tmp / "operator.kubeconfig")
        self.operator = OperatorProcess(
            kubeconfig=kubeconfig,
            aws_endpoint_url=emulator.url,
            log_file=self.tmp / "operator.log",
            settings=OPERATOR_SETTINGS,
        ).start()
        return self.operator

    def logs(self) -> str:
        """What the servers said, for a failure report."""
        parts = []
        if self.operator is not None:
            parts.append(f"--- operator log ---\n{self.operator.logs()[-5000:]}")
        if self.emulator is not None:
            parts.append(f"--- emulator log ---\n{self.emulator.logs()[-2000:]}")
        return "\n".join(parts)
