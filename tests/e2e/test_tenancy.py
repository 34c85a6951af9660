"""End to end: tenants in different namespaces, one operator.

- One namespace cannot take another's endpoint, even by naming it with adoptExisting; it may
  adopt it only once the owner is proven gone.
- Each namespace acts as the IAM role its annotation names (when the allow-list permits it):
  every SageMaker and Application Auto Scaling call of a tenant is made by that role's
  session, tagged with the namespace and the ModelDeployment; refusals are Stalled with a
  reason naming role and namespace.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import boto3
import pytest

from devcluster import Kubectl
from devstack.emulator import EmulatorProcess
from devstack.operator_process import FAKE_AWS_ENVIRONMENT, OperatorProcess
from devstack.registry import ModelRegistry, invoke
from support.cluster_fixtures import _namespace_name
from support.e2e_stack import GROUP, Stack, clients, wait_for

pytestmark = pytest.mark.e2e

ACCOUNT = "123456789012"
IAM = Path(__file__).resolve().parents[2] / "iam"
ROLE_ANNOTATION = "sagemaker.mlops.dev/aws-role-arn"
ALLOWED = f"arn:aws:iam::{ACCOUNT}:role/mdo-tenant-{{namespace}}"
OPERATOR_ACCESS_KEY = "operator-testing"
AUTOSCALING = {"minCapacity": 1, "maxCapacity": 3, "targetInvocationsPerInstance": 50}


def tenant_role(namespace: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:role/mdo-tenant-{namespace}"


@dataclass
class Tenants:
    """Several namespaces watched by one operator process, each with a Stack view."""

    stacks: dict[str, Stack]
    operator: OperatorProcess

    def __getitem__(self, label: str) -> Stack:
        return self.stacks[label]


def create_tenant_role(iam: Any, namespace: str, *, external_id: str | None = None) -> None:
    """A tenant role whose trust policy lets the operator assume it for `namespace` with the
    ExternalId the operator sends (unless told otherwise), and tag the session."""
    template = json.loads((IAM / "trust-policy-tenant-role.json").read_text())
    text = json.dumps(template)
    for placeholder, value in {
        "${AWS_ACCOUNT_ID}": ACCOUNT,
        "${OPERATOR_ROLE_NAME}": "operator",
        "${TENANT_NAMESPACE}": namespace,
        "${TENANT_EXTERNAL_ID}": external_id or f"model-deployment-operator:{namespace}",
    }.items():
        text = text.replace(placeholder, value)
    document = json.loads(text)
    name = tenant_role(namespace).rsplit("/", 1)[1]
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(document))


TenantsFactory = Callable[..., Tenants]


@pytest.fixture
def tenants(
    request: pytest.FixtureRequest,
    kubectl: Kubectl,
    operator_kubeconfig: Path,
    emulator_process: EmulatorProcess,
    tmp_path: Path,
) -> Iterator[TenantsFactory]:
    created: list[Tenants] = []
    namespaces: list[str] = []

    def make(
        labels: tuple[str, ...],
        *,
        settings: Mapping[str, str] | None = None,
        annotations: Mapping[str, str | Callable[[str], str]] | None = None,
        roles: Mapping[str, str | None] | None = None,
    ) -> Tenants:
        """`roles`: label -> the ExternalId its role's trust policy demands (None: the one
        the operator sends)."""
        control = emulator_process.control
        control.reset()
        aws = clients(emulator_process.url)
        registry = ModelRegistry(aws["sagemaker"])
        registry.create_group(GROUP)
        iam = boto3.client(
            "iam",
            endpoint_url=emulator_process.url,
            region_name=FAKE_AWS_ENVIRONMENT["AWS_REGION"],
            aws_access_key_id=FAKE_AWS_ENVIRONMENT["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=FAKE_AWS_ENVIRONMENT["AWS_SECRET_ACCESS_KEY"],
        )
        by_label: dict[str, str] = {}
        for label in labels:
            name = _namespace_name(f"tenancy-{label}")
            kubectl("create", "namespace", name)
            namespaces.append(name)
            by_label[label] = name
        for label, external_id in (roles or {}).items():
            create_tenant_role(iam, by_label[label], external_id=external_id)
        for label, value in (annotations or {}).items():
            namespace = by_label[label]
            text = value(namespace) if callable(value) else value
            kubectl("annotate", "namespace", namespace, f"{ROLE_ANNOTATION}={text}")
        operator = OperatorProcess(
            kubeconfig=operator_kubeconfig,
            aws_endpoint_url=emulator_process.url,
            log_file=tmp_path / f"operator-{len(created)}.log",
            namespaces=list(by_label.values()),
            aws_access_key_id=OPERATOR_ACCESS_KEY,
            settings={
                "registry_poll_seconds": "5",
                "busy_poll_seconds": "1",
                "scaling_check_seconds": "10",
                "jitter_fraction": "0",
                "namespace_cache_seconds": "1",
                **(settings or {}),
            },
        )
        operator.start()
        stacks = {
            label: Stack(
                namespace=name,
                kubectl=kubectl,
                emulator=control,
                sagemaker=aws["sagemaker"],
                runtime=aws["sagemaker-runtime"],
                autoscaling=aws["application-autoscaling"],
                registry=registry,
                operator=operator,
            )
            for label, name in by_label.items()
        }
        group = Tenants(stacks, operator)
        created.append(group)
        return group

    try:
        yield make
    finally:
        for group in created:
            group.operator.stop()
            report = getattr(request.node, "report_call", None)
            if report is not None and report.failed:
                print(f"\n--- operator log ---\n{group.operator.logs()[-8000:]}")
        for name in namespaces:
            for resource in kubectl("get", "mdep", "-n", name, "-o", "name").split():
                kubectl(
                    "patch", resource, "-n", name, "--type=merge",
                    "-p", '{"metadata":{"finalizers":null}}',
                )  # fmt: skip
            kubectl("delete", "namespace", name, "--wait=false", "--ignore-not-found")


# ----------------------------------------------------------------------------- ownership


def test_a_namespace_cannot_take_another_namespaces_endpoint(tenants: TenantsFactory) -> None:
    group = tenants(("owner", "intruder"))
    owner, intruder = group["owner"], group["intruder"]
    shared_name = "fraud-detector-prod"
    owner.registry.register(GROUP, approval="Approved")
    owner.apply("fraud", endpoint={"name": shared_name})
    owner.wait_condition("fraud", "Ready", reason="Deployed")
    config_before = owner.sagemaker.describe_endpoint(EndpointName=shared_name)[
        "EndpointConfigName"
    ]
    tags_before = owner.sagemaker.list_tags(
        ResourceArn=owner.get("fraud")["status"]["endpoint"]["arn"]
    )["Tags"]
    owner.emulator.reset_calls()

    intruder.apply("other", endpoint={"name": shared_name, "adoptExisting": True})
    stalled = intruder.wait_condition("other", "Stalled", reason="EndpointNameConflict")
    assert f"{owner.namespace}/fraud" in stalled["message"]
    assert "still exists" in stalled["message"]
    # Several polls later nothing of the owner's was touched, and the owner is still Ready.
    wait_for(
        # Each namespace's role reads the group once per poll.
        lambda: owner.emulator.call_count("ListModelPackages") >= 6,
        timeout=45,
        what="several polls",
    )
    for mutation in ("AddTags", "UpdateEndpoint", "DeleteEndpoint", "CreateEndpoint"):
        assert owner.emulator.call_count(mutation) == 0, mutation
    described = owner.sagemaker.describe_endpoint(EndpointName=shared_name)
    assert described["EndpointConfigName"] == config_before
    tags_after = owner.sagemaker.list_tags(ResourceArn=described["EndpointArn"])["Tags"]
    assert tags_after == tags_before
    assert owner.conditions("fraud")["Ready"]["status"] == "True"
    assert invoke(owner.runtime, shared_name)["modelPackageVersion"] == 1

    # Once the owner is gone (deleted, keeping its endpoint), adoption is allowed.
    owner.kubectl(
        "patch", "mdep", "fraud", "-n", owner.namespace, "--type=merge",
        "-p", '{"spec":{"deletionPolicy":"Retain"}}',
    )  # fmt: skip
    owner.delete("fraud")
    intruder.wait_condition("other", "Ready", reason="Deployed", timeout=60)
    assert ("Normal", "AdoptedEndpoint") in intruder.events("other")
    tags = {
        t["Key"]: t["Value"]
        for t in intruder.sagemaker.list_tags(ResourceArn=described["EndpointArn"])["Tags"]
    }
    assert tags["sagemaker.mlops.dev/owner-namespace"] == intruder.namespace


# ----------------------------------------------------------------------------- identity


def _tenant_calls(stack: Stack, calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Calls about this tenant's endpoint, its configs, models and scalable target."""
    stem = stack.endpoint_name("fraud")
    return [
        c
        for c in calls
        if c["service"] in ("sagemaker", "application-autoscaling")
        and c["resource"] is not None
        and stem in c["resource"]
    ]


def _has_scaling_policy(stack: Stack) -> bool:
    calls = _tenant_calls(stack, stack.emulator.callers())
    return any(c["action"] == "PutScalingPolicy" for c in calls)


def test_each_namespace_acts_as_its_own_role(tenants: TenantsFactory) -> None:
    group = tenants(
        ("a", "b", "unmapped", "greedy", "untrusted"),
        settings={"tenant_roles_allowed": ALLOWED, "unmapped_namespaces": "Refuse"},
        roles={"a": None, "b": None, "untrusted": "not-what-the-operator-sends"},
        annotations={
            "a": tenant_role,
            "b": tenant_role,
            # Another namespace's role: the allow-list's {namespace} forbids it.
            "greedy": lambda _: tenant_role("someone-else"),
            # Allowed by name, but its trust policy wants another ExternalId.
            "untrusted": tenant_role,
        },
    )
    group["a"].registry.register(GROUP, approval="Approved")
    for label in ("a", "b"):
        group[label].apply("fraud", autoscaling=AUTOSCALING)
    for label in ("unmapped", "greedy", "untrusted"):
        group[label].apply("fraud")

    for label in ("a", "b"):
        stack = group[label]
        stack.wait_serving("fraud", version=1, timeout=90)
        wait_for(partial(_has_scaling_policy, stack), timeout=30, what=f"{label}'s scaling policy")

    missing = group["unmapped"].wait_condition("fraud", "Stalled", reason="TenantRoleMissing")
    assert group["unmapped"].namespace in missing["message"]
    refused = group["greedy"].wait_condition("fraud", "Stalled", reason="TenantRoleNotAllowed")
    assert "mdo-tenant-someone-else" in refused["message"]
    assert group["greedy"].namespace in refused["message"]
    untrusted = group["untrusted"].wait_condition(
        "fraud", "Stalled", reason="TenantRoleNotAssumable"
    )
    assert tenant_role(group["untrusted"].namespace) in untrusted["message"]
    assert "AccessDenied" in untrusted["message"]

    calls = group["a"].emulator.callers()
    for label in ("a", "b"):
        stack = group[label]
        mine = _tenant_calls(stack, calls)
        actions = {c["action"] for c in mine}
        assert {"CreateModel", "CreateEndpointConfig", "CreateEndpoint"} <= actions
        assert {"RegisterScalableTarget", "PutScalingPolicy"} <= actions
        session = f"assumed-role/mdo-tenant-{stack.namespace}/mdo-{stack.namespace}-fraud"
        wrong = [c for c in mine if not c["principal"].endswith(session)]
        assert wrong == [], f"{label}: calls not made as its role: {wrong[:3]}"
        assert all(
            c["sessionTags"] == {"mdo-namespace": stack.namespace, "mdo-modeldeployment": "fraud"}
            for c in mine
        )
    # Refused tenants made no SageMaker call at all.
    for label in ("unmapped", "greedy", "untrusted"):
        assert _tenant_calls(group[label], calls) == []
    # The operator's own key made only STS calls to assume the tenant roles.
    operator_key = f"access-key/{OPERATOR_ACCESS_KEY}"
    own = {(c["service"], c["action"]) for c in calls if c["principal"] == operator_key}
    assert own == {("sts", "AssumeRole")}


def test_unmapped_namespaces_use_the_operator_role_only_when_configured(
    tenants: TenantsFactory,
) -> None:
    group = tenants(("plain",), settings={"unmapped_namespaces": "UseOperatorRole"})
    stack = group["plain"]
    stack.registry.register(GROUP, approval="Approved")
    stack.apply("fraud")
    stack.wait_serving("fraud", version=1, timeout=90)
    mine = _tenant_calls(stack, stack.emulator.callers())
    assert mine
    assert {c["principal"] for c in mine} == {f"access-key/{OPERATOR_ACCESS_KEY}"}


def test_a_role_annotation_added_later_takes_effect(tenants: TenantsFactory) -> None:
    group = tenants(
        ("late",),
        settings={"tenant_roles_allowed": ALLOWED, "unmapped_namespaces": "Refuse"},
        roles={"late": None},
    )
    stack = group["late"]
    stack.registry.register(GROUP, approval="Approved")
    stack.apply("fraud")
    stack.wait_condition("fraud", "Stalled", reason="TenantRoleMissing")
    stack.kubectl(
        "annotate", "namespace", stack.namespace,
        f"{ROLE_ANNOTATION}={tenant_role(stack.namespace)}",
    )  # fmt: skip
    stack.wait_serving("fraud", version=1, timeout=90)
    principals = {c["principal"] for c in _tenant_calls(stack, stack.emulator.callers())}
    assert principals == {
        f"arn:aws:sts::{ACCOUNT}:assumed-role/mdo-tenant-{stack.namespace}/"
        f"mdo-{stack.namespace}-fraud"
    }
