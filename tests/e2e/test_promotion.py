"""Promotion between environments through the registry (issue 11, items 3, 4 and 6): two
operator processes, one per environment (staging and production, each watching its own
namespace, MDO_ENVIRONMENT naming it), against one emulator, the only thing they share.

A version approved serves in staging at once; production takes it only once it has served
in staging for the soak time, and the records of both are on the model package. A newer
version failing production's metric gate serves in staging but is skipped in production,
which keeps the version it serves. The history command then answers for a moment in the
past from the registry's records and both deployments' status.history.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from devstack.emulator import EmulatorProcess
from devstack.operator_process import FAKE_AWS_ENVIRONMENT
from devstack.registry import PackageRef
from model_deployment_operator.domain.promotion.records import parse_served
from support.e2e_stack import GROUP, Stack, wait_for
from support.environments import metadata, rfc3339

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SOAK_SECONDS = 20
REQUIREMENTS = {
    "servedIn": [{"environment": "staging", "forAtLeast": f"{SOAK_SECONDS}s"}],
    "metricGates": [
        {"customerMetadataProperty": "auc", "comparison": "GreaterThanOrEqual", "threshold": 0.9}
    ],
}


def register(stack: Stack, auc: str) -> PackageRef:
    """A version with the metric the training pipeline registers, then approved (as the
    pipeline and the approver do it: metadata first)."""
    package = stack.registry.register(GROUP)
    stack.sagemaker.update_model_package(
        ModelPackageArn=package.arn, CustomerMetadataProperties={"auc": auc}
    )
    stack.registry.approve(package)
    return package


def history_command(stack: Stack, emulator_process: EmulatorProcess, *args: str) -> Any:
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
        **FAKE_AWS_ENVIRONMENT,
        "AWS_ENDPOINT_URL": emulator_process.url,
        "KUBECONFIG": str(stack.kubectl.kubeconfig),
    }
    done = subprocess.run(
        [sys.executable, "-m", "model_deployment_operator", "history", *args],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout


@pytest.mark.operator_settings(environment="staging")
def test_promotion_from_staging_to_production(
    stack: Stack, production: Stack, emulator_process: EmulatorProcess
) -> None:
    started = time.monotonic()
    v1 = register(stack, auc="0.95")
    stack.apply("fraud")
    production.apply("fraud", approval={"requirements": REQUIREMENTS})

    stack.wait_serving("fraud", v1.version)
    staged = parse_served(metadata(stack, v1)["mdo:served:staging"])
    assert staged is not None
    assert staged.serving
    assert stack.get("fraud")["status"]["environment"] == "staging"

    # Production waits for the soak, saying until when.
    def soaking() -> dict[str, Any] | None:
        found = production.get("fraud").get("status", {}).get("skippedVersions") or []
        return found[0] if found and "eligibleAt" in found[0] else None

    skipped = wait_for(soaking, timeout=30, what="production waiting for the soak")
    assert (skipped["version"], skipped["requirement"]) == (v1.version, "ServedIn")
    eligible = staged.since + timedelta(seconds=SOAK_SECONDS)
    assert rfc3339(skipped["eligibleAt"]) == eligible
    assert f"not served in staging for {SOAK_SECONDS}s yet" in skipped["message"]
    status = production.get("fraud")["status"]
    assert status["environment"] == "production"
    reconciling = {c["type"]: c for c in status["conditions"]}["Reconciling"]
    assert reconciling["reason"] == "WaitingForRequirements"
    assert "modelPackage" not in status

    production.wait_serving("fraud", v1.version, timeout=90)
    (deployed,) = [h for h in production.history("fraud") if h["version"] == v1.version]
    promoted_after = (rfc3339(deployed["startedAt"]) - staged.since).total_seconds()
    assert promoted_after >= SOAK_SECONDS
    print(f"\nproduction started version {v1.version} {promoted_after:.0f}s after staging did")
    records = metadata(stack, v1)
    assert parse_served(records["mdo:served:production"]).serving  # type: ignore[union-attr]
    assert records["auc"] == "0.95"  # the pipeline's metadata is untouched
    assert "mdo:approved-at" in records
    both_serving = datetime.now(UTC).replace(microsecond=0)
    time.sleep(1)

    # A version failing production's metric gate serves in staging only.
    v2 = register(stack, auc="0.80")
    stack.wait_serving("fraud", v2.version)

    def gate_skipped() -> dict[str, Any] | None:
        found = production.get("fraud")["status"].get("skippedVersions") or []
        return found[0] if found and found[0]["requirement"] == "MetricGate" else None

    skipped = wait_for(gate_skipped, timeout=30, what="production skipping version 2")
    assert skipped["version"] == v2.version
    assert "customer metadata property auc is 0.8, not GreaterThanOrEqual 0.9" in skipped["message"]
    assert production.get("fraud")["status"]["modelPackage"]["version"] == v1.version
    assert ("Normal", "VersionsSkipped") in production.events("fraud")
    v1_staging = parse_served(metadata(stack, v1)["mdo:served:staging"])
    assert v1_staging is not None
    assert v1_staging.until is not None  # staging moved on to v2

    # Which version served where, a moment ago (before v2 existed) and now.
    then = json.loads(
        history_command(
            stack, emulator_process, GROUP, "--at", both_serving.isoformat(), "-o", "json"
        )
    )
    # The API server is shared by the tests of this worker, and namespaces of earlier tests
    # never finish terminating without a namespace controller: their ModelDeployments of the
    # same group are history too, so only this test's namespaces and the registry count.
    ours = {"registry", f"{stack.namespace}/fraud", f"{production.namespace}/fraud"}
    served_then = {
        (s["environment"], s["version"], s["source"]) for s in then["served"] if s["source"] in ours
    }
    assert served_then == {
        ("staging", v1.version, "registry"),
        ("production", v1.version, "registry"),
        ("staging", v1.version, f"{stack.namespace}/fraud"),
        ("production", v1.version, f"{production.namespace}/fraud"),
    }
    now = history_command(stack, emulator_process, f"{production.namespace}/fraud")
    assert now.splitlines()[0].split() == ["ENVIRONMENT", "VERSION", "SINCE", "UNTIL", "SOURCE"]
    assert {tuple(line.split()[:2]) for line in now.splitlines()[1:]} == {
        ("production", str(v1.version))
    }
    print(f"promotion e2e took {time.monotonic() - started:.0f}s")
