"""Every manifest in manifests/samples/ is one the API server admits as it stands.

README and docs point readers at these files; a server-side dry run applies all of the
CRDs' schemas, CEL rules and strict field validation without storing anything. A file may
hold several documents (a ModelEndpoint and the ModelDeployments placed on it); each must
be admitted.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from devcluster import Kubectl

pytestmark = [
    pytest.mark.cluster,
    pytest.mark.usefixtures("modeldeployment_crd", "modelendpoint_crd"),
]

SAMPLES = sorted((Path(__file__).resolve().parents[2] / "manifests" / "samples").glob("*.yaml"))


def test_there_are_samples() -> None:
    assert len(SAMPLES) >= 10
    kinds = {doc["kind"] for path in SAMPLES for doc in yaml.safe_load_all(path.read_text()) if doc}
    assert kinds == {"ModelDeployment", "ModelEndpoint"}


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
    documents = [doc for doc in yaml.safe_load_all(sample.read_text()) if doc]
    assert output.count("(server dry run)") == len(documents)
