"""Every command the README, docs/ and the chart's README show works as written.

Each document runs on a machine prepared for it (docs/doc_environment.py: a copy of the
repository, an API server and a SageMaker emulator of its own), its blocks in order, as
doc_blocks.py and doc_runner.py describe. Before the first block, the document's
scenario sets up what the document says a reader already has: below, per document.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from devcluster import Toolchain
from docs.doc_blocks import ROOT, documents, read_document
from docs.doc_environment import DocEnvironment, Scenario

pytestmark = [pytest.mark.cluster, pytest.mark.e2e, pytest.mark.slow]

GROUP = "fraud-detector"
ACCOUNT = "123456789012"  # the emulator's account (moto's default)
SAMPLE = "manifests/samples/fraud-detector.yaml"
# What install.md's "Before you start" and step 3 leave in a reader's shell.
IMAGE = f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/model-deployment-operator:0.1.0"
OPERATOR_ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/model-deployment-operator"


def install_crd(env: DocEnvironment) -> None:
    env.shell("kubectl apply --server-side -f crds/")
    env.shell("kubectl wait --for=condition=Established crd --all --timeout=60s")


def approved_group(env: DocEnvironment, approvals: tuple[str, ...] = ("Approved",)) -> None:
    """A model package group with versions 1, 2, ... in these approval states."""
    registry = env.registry
    registry.create_group(GROUP)
    for approval in approvals:
        registry.register(GROUP, approval=approval)


def deployed_sample(env: DocEnvironment) -> None:
    """README step 5: the sample ModelDeployment in ml-prod, its group approved."""
    install_crd(env)
    approved_group(env)
    env.shell(f"kubectl create namespace ml-prod && kubectl apply -f {SAMPLE} -n ml-prod")


def helm_release(env: DocEnvironment) -> None:
    """install.md step 4 done: the chart installed as release model-deployment-operator."""
    env.shell(
        "helm install model-deployment-operator helm/model-deployment-operator "
        "--namespace mdo-system --create-namespace "
        f"--set image.repository={IMAGE.rsplit(':', 1)[0]} --set aws.region=us-east-1"
    )


def readme(env: DocEnvironment) -> None:
    deployed_sample(env)


def install_md(env: DocEnvironment) -> None:
    # "a model package group with at least one version whose approval status is
    # Approved"; step 8 approves version 3.
    approved_group(env, ("Approved", "Approved", "PendingManualApproval"))


def tenancy_md(env: DocEnvironment) -> None:
    # The operator's own role (install.md step 3), its release (step 4) and the
    # namespace of the team.
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "pods.eks.amazonaws.com"},
                "Action": ["sts:AssumeRole", "sts:TagSession"],
            }
        ],
    }
    env.iam().create_role(
        RoleName="model-deployment-operator", AssumeRolePolicyDocument=json.dumps(trust)
    )
    helm_release(env)
    env.shell("kubectl create namespace ml-fraud")


def gitops_md(env: DocEnvironment) -> None:
    deployed_sample(env)
    # What Argo CD's install manifest creates: the namespace and an argocd-cm ConfigMap.
    env.shell(
        "kubectl create namespace argocd && kubectl -n argocd create configmap argocd-cm && "
        "kubectl -n argocd label configmap argocd-cm app.kubernetes.io/name=argocd-cm "
        "app.kubernetes.io/part-of=argocd"
    )


NO_SERVERS = Scenario(cluster=False, emulator=False)
SCENARIOS: dict[str, Scenario] = {
    "README.md": Scenario(
        environment={"IMAGE": IMAGE, "OPERATOR_ROLE_ARN": OPERATOR_ROLE_ARN}, setup=readme
    ),
    "docs/install.md": Scenario(setup=install_md),
    "docs/tenancy.md": Scenario(setup=tenancy_md),
    "docs/gitops.md": Scenario(setup=gitops_md),
    "docs/promotion.md": Scenario(setup=install_crd),
    # Its manifest is dry-run applied against the CRD; nothing calls SageMaker.
    "docs/rollouts.md": Scenario(emulator=False, setup=install_crd),
    "docs/iam.md": NO_SERVERS,
    # It starts an emulator itself.
    "docs/emulator.md": NO_SERVERS,
    # It starts API servers itself (make kube-up, ControlPlane()).
    "docs/local-control-plane.md": NO_SERVERS,
    "helm/model-deployment-operator/README.md": Scenario(emulator=False),
}
DEFAULT_SCENARIO = Scenario()


@pytest.mark.parametrize("path", documents(), ids=[str(p.relative_to(ROOT)) for p in documents()])
def test_documented_commands_work_as_written(
    path: Path, kube_toolchain: Toolchain, tmp_path: Path
) -> None:
    document = read_document(path)
    assert not document.problems, "\n".join(document.problems)
    if not any(block.marker and block.marker.run for block in document.counted):
        return
    scenario = SCENARIOS.get(str(document.path), DEFAULT_SCENARIO)
    started = time.monotonic()
    with DocEnvironment(document, scenario, kube_toolchain, tmp_path) as env:
        try:
            env.run()
        except AssertionError:
            print(env.logs())
            raise
        finally:
            print("\n".join(env.session.log if env.session else []))
    print(f"{document.path}: {time.monotonic() - started:.1f}s")
