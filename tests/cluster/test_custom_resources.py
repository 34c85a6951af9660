"""The API server enforces a CRD's schema, CEL rules and status subresource."""

from __future__ import annotations

import json

import pytest

from cluster.widgets import COLOUR_RULE_MESSAGE, SIZE_RULE_MESSAGE, widget
from devcluster import Kubectl, KubectlError

pytestmark = pytest.mark.cluster


def test_crd_is_discoverable_with_its_printer_columns(
    kubectl: Kubectl, widget_crd: str, namespace: str
) -> None:
    resources = kubectl("api-resources", "--api-group=devcluster.example.com", "-o", "name")
    assert resources.split() == [widget_crd]

    kubectl.apply(widget("w1", namespace, size=2))
    table = kubectl("get", widget_crd, "-n", namespace)
    header, row = table.splitlines()
    assert header.split() == ["NAME", "SIZE", "PHASE"]  # custom columns replace AGE
    assert row.split()[:2] == ["w1", "2"]


def test_cel_rule_rejects_a_violating_object_with_its_message(
    kubectl: Kubectl, widget_crd: str, namespace: str
) -> None:
    with pytest.raises(KubectlError) as rejected:
        kubectl.apply(widget("too-big", namespace, size=5, maxSize=3))

    assert SIZE_RULE_MESSAGE in rejected.value.stderr
    assert "Invalid value" in rejected.value.stderr
    not_found = kubectl.run("get", widget_crd, "too-big", "-n", namespace, check=False)
    assert not_found == ""  # nothing was stored
    with pytest.raises(KubectlError, match="NotFound"):
        kubectl("get", widget_crd, "too-big", "-n", namespace)


def test_cel_rule_admits_a_valid_object(kubectl: Kubectl, widget_crd: str, namespace: str) -> None:
    kubectl.apply(widget("fits", namespace, size=3, maxSize=3))

    stored = kubectl.json("get", widget_crd, "fits", "-n", namespace)
    assert stored["spec"] == {"size": 3, "maxSize": 3}


def test_openapi_schema_is_enforced_and_unknown_fields_are_pruned(
    kubectl: Kubectl, widget_crd: str, namespace: str
) -> None:
    with pytest.raises(KubectlError, match="should be greater than or equal to 1"):
        kubectl.apply(widget("zero", namespace, size=0))

    with pytest.raises(KubectlError, match=r"unknown field \"spec.bogus\""):
        kubectl.run(
            "create",
            "--validate=strict",
            "-f",
            "-",
            input=json.dumps(widget("s", namespace, size=1, bogus=True)),
        )

    kubectl.run(
        "create",
        "--validate=ignore",
        "-f",
        "-",
        input=json.dumps(widget("pruned", namespace, size=1, bogus=True)),
    )
    assert kubectl.json("get", widget_crd, "pruned", "-n", namespace)["spec"] == {"size": 1}


def test_transition_rule_compares_with_the_old_object(
    kubectl: Kubectl, widget_crd: str, namespace: str
) -> None:
    kubectl.apply(widget("painted", namespace, size=1, colour="red"))

    with pytest.raises(KubectlError) as rejected:
        kubectl(
            "patch",
            widget_crd,
            "painted",
            "-n",
            namespace,
            "--type=merge",
            "-p",
            '{"spec":{"colour":"blue"}}',
        )
    assert COLOUR_RULE_MESSAGE in rejected.value.stderr

    kubectl(
        "patch", widget_crd, "painted", "-n", namespace, "--type=merge", "-p", '{"spec":{"size":2}}'
    )
    assert kubectl.json("get", widget_crd, "painted", "-n", namespace)["spec"]["size"] == 2


def test_status_subresource_ignores_spec_and_main_resource_ignores_status(
    kubectl: Kubectl, widget_crd: str, namespace: str
) -> None:
    kubectl.apply(widget("sub", namespace, size=1))
    before = kubectl.json("get", widget_crd, "sub", "-n", namespace)
    assert before["metadata"]["generation"] == 1

    kubectl(
        "patch",
        widget_crd,
        "sub",
        "-n",
        namespace,
        "--subresource=status",
        "--type=merge",
        "-p",
        '{"spec":{"size":9},"status":{"phase":"Ready","observedGeneration":1}}',
    )
    after_status = kubectl.json("get", widget_crd, "sub", "-n", namespace)
    assert after_status["spec"] == {"size": 1}  # spec change through /status was dropped
    assert after_status["status"] == {"phase": "Ready", "observedGeneration": 1}
    assert after_status["metadata"]["generation"] == 1  # status writes never bump it

    kubectl(
        "patch",
        widget_crd,
        "sub",
        "-n",
        namespace,
        "--type=merge",
        "-p",
        '{"spec":{"size":4},"status":{"phase":"Hacked"}}',
    )
    after_main = kubectl.json("get", widget_crd, "sub", "-n", namespace)
    assert after_main["spec"] == {"size": 4}
    assert after_main["status"]["phase"] == "Ready"  # status change through main was dropped
    assert after_main["metadata"]["generation"] == 2
