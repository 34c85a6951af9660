"""Every manifest in manifests/samples/ is one the API server admits as it stands.

README and docs point readers at these files; a server-side dry run applies all of the
CRD's schema, CEL rules and strict field validation without storing anything.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from devcluster import Kubectl

pytestmark = [pytest.mark.cluster, pytest.mark.usefixtures("modeldeployment_crd")]

SAMPLES = sorted((Path(__file__).resolve().parents[2] / "manifests" / "samples").glob("*.yaml"))


def test_there_are_samples() -> None:
    assert len(SAMPLES) >= 8


@pytest.mark.parametrize("sample", SAMPLES, ids=[path.stem for path in SAMPLES])
def test_sample_is_admitted(kubectl: Kubectl, namespace: str, sample: Path) -> None:
    output = kubectl.run(
        "apply",
        "--server-side",
        "--dry-run=server",
        "--field-manager=tests",
        "-n",
        namespace,
        "-f",
        str(sample),
    )
    assert "(server dry run)" in output
