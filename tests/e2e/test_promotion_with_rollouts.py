"""Rollouts and promotion together (issue 11, item 6): staging deploys each approved version
with a blue/green canary watched by a CloudWatch alarm; production takes a version only
once it has served in staging for the soak. Two operator processes, one per environment,
against one emulator, as in test_promotion.py.

A canary that takes a share of staging's traffic is not "served in staging": the record
`mdo:served:staging` is written only when the deployment succeeds. So a version whose
canary an alarm rolled back never soaks and is never promoted, however long one waits;
the next version, whose canary completes, is promoted after the soak. With
`onFailedRollout: RejectVersion` the rolled-back version is Rejected in the registry, and
production stops listing it as waiting for staging: it is no longer a candidate at all.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from devstack.registry import PackageRef, invoke
from model_deployment_operator.domain.promotion.records import parse_served
from support.canary_rollouts import ALARM, canary, put_alarm, set_alarm
from support.e2e_stack import GROUP, Stack, wait_for
from support.environments import metadata, rfc3339

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SOAK_SECONDS = 15
# Long enough to trip the alarm while the canary bakes on a busy machine, short enough
# that the canary of the version that passes does not dominate the test's time.
BAKE_SECONDS = 15
SOAK_IN_STAGING = {"servedIn": [{"environment": "staging", "forAtLeast": f"{SOAK_SECONDS}s"}]}
STAGING_RECORD = "mdo:served:staging"
PRODUCTION_RECORD = "mdo:served:production"


def serving_v1_in_both(stack: Stack, production: Stack, rollout: dict[str, Any]) -> PackageRef:
    """Version 1 serves in staging (two instances, so a canary is one of two) and, after
    the soak, in production."""
    v1 = stack.registry.register(GROUP, approval="Approved")
    put_alarm(stack)
    stack.apply("fraud", endpoint={"initialInstanceCount": 2}, rollout=rollout)
    production.apply("fraud", approval={"requirements": SOAK_IN_STAGING})
    stack.wait_serving("fraud", v1.version)
    production.wait_serving("fraud", v1.version, timeout=SOAK_SECONDS + 45)
    return v1


def skipped(production: Stack, version: int) -> dict[str, Any] | None:
    listed = production.get("fraud").get("status", {}).get("skippedVersions") or []
    return next((s for s in listed if s["version"] == version), None)


def waiting_for_staging(production: Stack, package: PackageRef) -> dict[str, Any]:
    """Production lists the version as skipped until it serves in staging."""

    def probe() -> dict[str, Any] | None:
        found = skipped(production, package.version)
        return found if found is not None and found["requirement"] == "ServedIn" else None

    found = wait_for(
        probe, timeout=30, what=f"production skipping version {package.version} for staging"
    )
    needs = f"version {package.version} skipped: not served in staging yet (needs "
    assert found["message"].startswith(needs), found
    assert "eligibleAt" not in found
    return found


def canary_baking(stack: Stack, package: PackageRef) -> dict[str, Any]:
    """Staging's canary of the version takes traffic and bakes."""

    def probe() -> dict[str, Any] | None:
        status = stack.get("fraud").get("status") or {}
        rollout = status.get("rollout") or {}
        newest = (status.get("history") or [{}])[0]
        deploying = newest.get("version") == package.version and newest["outcome"] == "InProgress"
        baking = (rollout.get("step"), rollout.get("phase")) == ("Canary", "Baking")
        return rollout if deploying and baking and not rollout.get("rollingBack") else None

    rollout = wait_for(probe, timeout=30, what=f"staging's canary of version {package.version}")
    assert (rollout["instancesWithTraffic"], rollout["desiredInstances"]) == (1, 2)
    return rollout


def rolled_back(stack: Stack, package: PackageRef) -> dict[str, Any]:
    """Staging's history says the version failed because of the alarm; v1 answers alone."""

    def probe() -> dict[str, Any] | None:
        newest = stack.history("fraud")[0]
        done = newest["version"] == package.version and newest["outcome"] == "Failed"
        return newest if done else None

    failed = wait_for(probe, timeout=30, what=f"staging's deployment of {package.version} failed")
    assert f"CloudWatch alarm {ALARM} went into ALARM" in failed["message"]
    answer = invoke(stack.runtime, stack.endpoint_name("fraud"))
    assert (answer["modelPackageVersion"], answer.get("fleet")) == (1, None)
    return failed


def production_serves_only(production: Stack, version: int) -> str | None:
    """What is wrong, if production's endpoint or status shows a deployment of anything but
    `version` (an attempt too, even one still running: it is in status.history at once)."""
    answered = invoke(production.runtime, production.endpoint_name("fraud"))
    if answered["modelPackageVersion"] != version:
        return f"production's endpoint answered from version {answered['modelPackageVersion']}"
    status = production.get("fraud")["status"]
    if status["modelPackage"]["version"] != version:
        return f"production's status says version {status['modelPackage']['version']} is live"
    attempted = {h["version"] for h in status.get("history", [])}
    if attempted != {version}:
        return f"production's history has deployments of versions {sorted(attempted)}"
    return None


def holds(problem: Callable[[], str | None], seconds: float, what: str) -> int:
    """Check every second for `seconds` that nothing is wrong; fail at the first problem.
    Returns how many times it was checked."""
    deadline = time.monotonic() + seconds
    checks = 0
    while time.monotonic() < deadline:
        found = problem()
        checks += 1
        if found is not None:
            pytest.fail(f"{what}: {found}")
        time.sleep(1)
    return checks


@pytest.mark.operator_settings(environment="staging")
def test_a_version_rolled_back_in_staging_is_never_promoted_and_the_next_one_is(
    stack: Stack, production: Stack
) -> None:
    started = time.monotonic()
    v1 = serving_v1_in_both(stack, production, canary(BAKE_SECONDS))

    v2 = stack.registry.register(GROUP, approval="Approved")
    waiting_for_staging(production, v2)
    canary_baking(stack, v2)
    # Half of staging's instances answer from v2 now, yet it has not served there.
    assert STAGING_RECORD not in metadata(stack, v2)
    set_alarm(stack, "ALARM", "5XX errors on the canary")
    stalled = stack.wait_condition("fraud", "Stalled", reason="RolloutRolledBack", timeout=30)
    assert f"version {v2.version}" in stalled["message"]
    rolled_back(stack, v2)
    rolled_back_at = time.monotonic()

    # Clearly longer than the soak: production keeps v1, still listing v2 as not served in
    # staging, and no record says v2 served there.
    def v2_not_promoted() -> str | None:
        records = metadata(stack, v2)
        if STAGING_RECORD in records or PRODUCTION_RECORD in records:
            return f"version {v2.version} has serving records {records}"
        listed = skipped(production, v2.version)
        if listed is None or listed["requirement"] != "ServedIn":
            return f"production does not list version {v2.version} as skipped for staging"
        return production_serves_only(production, v1.version)

    checks = holds(v2_not_promoted, SOAK_SECONDS + 10, "after staging rolled version 2 back")
    print(f"\nproduction kept v1 for {time.monotonic() - rolled_back_at:.0f}s ({checks} checks)")
    assert stack.conditions("fraud")["Stalled"]["reason"] == "RolloutRolledBack"

    # The next version's canary completes in staging; production takes it after the soak.
    set_alarm(stack, "OK", "no 5XX errors")
    v3 = stack.registry.register(GROUP, approval="Approved")
    canary_baking(stack, v3)
    assert STAGING_RECORD not in metadata(stack, v3)
    assert production_serves_only(production, v1.version) is None
    stack.wait_serving("fraud", v3.version, timeout=BAKE_SECONDS + 30)
    newest = stack.history("fraud")[0]
    assert (newest["version"], newest["outcome"]) == (v3.version, "Succeeded")
    staged = parse_served(metadata(stack, v3)[STAGING_RECORD])
    assert staged is not None
    assert staged.serving
    # The soak counts from when the rollout completed, not from when the canary began.
    assert staged.since == rfc3339(newest["finishedAt"])
    assert staged.since >= rfc3339(newest["startedAt"]) + timedelta(seconds=BAKE_SECONDS)

    def soaking() -> dict[str, Any] | None:
        found = skipped(production, v3.version)
        return found if found is not None and "eligibleAt" in found else None

    soak = wait_for(soaking, timeout=30, what="production waiting for version 3's soak")
    assert rfc3339(soak["eligibleAt"]) == staged.since + timedelta(seconds=SOAK_SECONDS)
    still_skipped = skipped(production, v2.version)
    assert still_skipped is not None
    assert still_skipped["requirement"] == "ServedIn"
    assert production_serves_only(production, v1.version) is None

    production.wait_serving("fraud", v3.version, timeout=SOAK_SECONDS + 30)
    (deployed,) = [h for h in production.history("fraud") if h["version"] == v3.version]
    promoted_after = (rfc3339(deployed["startedAt"]) - staged.since).total_seconds()
    assert promoted_after >= SOAK_SECONDS
    assert {h["version"] for h in production.history("fraud")} == {v1.version, v3.version}
    assert not production.get("fraud")["status"].get("skippedVersions")
    v3_records = metadata(stack, v3)
    assert parse_served(v3_records[PRODUCTION_RECORD]).serving  # type: ignore[union-attr]
    v2_records = metadata(stack, v2)
    assert STAGING_RECORD not in v2_records
    assert PRODUCTION_RECORD not in v2_records
    v1_records = metadata(stack, v1)
    assert parse_served(v1_records[STAGING_RECORD]).until is not None  # type: ignore[union-attr]
    assert parse_served(v1_records[PRODUCTION_RECORD]).until is not None  # type: ignore[union-attr]
    print(
        f"production started version {v3.version} {promoted_after:.0f}s after staging served it;"
        f" test took {time.monotonic() - started:.0f}s"
    )


@pytest.mark.operator_settings(environment="staging")
def test_a_version_rejected_after_its_rollback_in_staging_is_not_a_candidate_in_production(
    stack: Stack, production: Stack
) -> None:
    started = time.monotonic()
    v1 = serving_v1_in_both(
        stack, production, canary(BAKE_SECONDS, onFailedRollout="RejectVersion")
    )

    v2 = stack.registry.register(GROUP, approval="Approved")
    waiting_for_staging(production, v2)
    canary_baking(stack, v2)
    set_alarm(stack, "ALARM", "5XX errors on the canary")

    def rejected() -> dict[str, Any] | None:
        described = stack.sagemaker.describe_model_package(ModelPackageName=v2.arn)
        return dict(described) if described["ModelApprovalStatus"] == "Rejected" else None

    described = wait_for(rejected, timeout=30, what=f"version {v2.version} Rejected")
    description = described["ApprovalDescription"]
    assert f"the rollout of version {v2.version} to endpoint" in description
    assert stack.endpoint_name("fraud") in description
    assert f"ModelDeployment {stack.namespace}/fraud" in description
    assert f"CloudWatch alarm {ALARM} went into ALARM" in description
    rolled_back(stack, v2)
    stack.wait_serving("fraud", v1.version)  # Ready again: v1 is the newest approved

    # Production re-reads the registry: v2 is no longer listed as waiting for staging, and
    # nothing else is skipped or awaited; v1 serves on, Ready.
    def not_listed() -> bool:
        return not production.get("fraud")["status"].get("skippedVersions")

    wait_for(not_listed, timeout=30, what=f"production no longer listing version {v2.version}")
    conditions = production.conditions("fraud")
    assert (conditions["Ready"]["status"], conditions["Ready"]["reason"]) == ("True", "Deployed")
    assert "Reconciling" not in conditions
    assert "Stalled" not in conditions
    assert production_serves_only(production, v1.version) is None
    records = metadata(stack, v2)
    assert STAGING_RECORD not in records
    assert PRODUCTION_RECORD not in records
    print(f"\nreject e2e took {time.monotonic() - started:.0f}s")
