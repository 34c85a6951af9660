"""Installation settings: a name (claimed on objects) and a label selector the API server
applies to the watch of both kinds, checked at start-up."""

from __future__ import annotations

import kopf
import pytest

from model_deployment_operator.cli import build_parser, build_reconciler, settings_from
from model_deployment_operator.domain.api_group import GROUP, MODEL_DEPLOYMENTS, MODEL_ENDPOINTS
from model_deployment_operator.kopf_adapter.handlers import OperatorContext
from model_deployment_operator.kopf_adapter.operator import configure_kopf
from model_deployment_operator.kube.directory import api_client
from model_deployment_operator.kube.status_patches import KubernetesStatusPatches
from model_deployment_operator.settings import OperatorSettings


def test_defaults_one_installation_watching_everything() -> None:
    settings = settings_from(build_parser().parse_args(["run"]))
    assert settings.installation == "model-deployment-operator"
    assert settings.selector is None


def test_from_the_environment_or_flags(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MDO_INSTALLATION", "team-a")
    monkeypatch.setenv("MDO_SELECTOR", " shard in (a, b) ")
    settings = settings_from(build_parser().parse_args(["run"]))
    assert (settings.installation, settings.selector) == ("team-a", "shard in (a, b)")
    flagged = settings_from(
        build_parser().parse_args(["run", "-l", "team=fraud", "--installation", "fraud"])
    )
    assert (flagged.installation, flagged.selector) == ("fraud", "team=fraud")


@pytest.mark.parametrize(
    ("variable", "value", "complaint"),
    [
        ("MDO_SELECTOR", "shard=a b", "'shard=a b' is not a label selector requirement"),
        ("MDO_SELECTOR", " ", "the label selector is empty"),
        ("MDO_INSTALLATION", "Team_A", "installation"),
        ("MDO_INSTALLATION", "a" * 64, "installation"),
    ],
)
def test_bad_values_stop_the_start(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, complaint: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValueError, match=complaint):
        settings_from(build_parser().parse_args(["run"]))


def _configured(settings: OperatorSettings) -> kopf.OperatorSettings:
    context = OperatorContext(
        settings=settings,
        reconciler=build_reconciler(settings),
        statuses=KubernetesStatusPatches(api_client),
    )
    configured = kopf.OperatorSettings()
    configure_kopf(configured, context)
    return configured


def test_the_selector_filters_both_kinds_server_side() -> None:
    configured = _configured(
        OperatorSettings(default_region="us-east-1", selector="shard=a", installation="team-a")
    )
    selectors = configured.watching.label_selectors
    assert [selectors[GROUP, plural] for plural in (MODEL_DEPLOYMENTS, MODEL_ENDPOINTS)] == [
        "shard=a",
        "shard=a",
    ]
    assert len(selectors) == 2
    progress = configured.persistence.progress_storage
    assert isinstance(progress, kopf.AnnotationsProgressStorage)
    assert progress.prefix == "team-a.sagemaker.mlops.dev"


def test_without_a_selector_nothing_is_filtered() -> None:
    configured = _configured(OperatorSettings(default_region="us-east-1"))
    assert len(configured.watching.label_selectors) == 0
    progress = configured.persistence.progress_storage
    assert isinstance(progress, kopf.AnnotationsProgressStorage)
    assert progress.prefix == GROUP
