"""Endpoint observation settings: defaults, and endpoint events only with the queue that
delivers them."""

from __future__ import annotations

import pytest

from model_deployment_operator.cli import build_parser, settings_from


def test_defaults_list_every_minute_and_describe_every_hour() -> None:
    settings = settings_from(build_parser().parse_args(["run"]))
    assert (settings.endpoint_list_seconds, settings.endpoint_describe_seconds) == (60.0, 3600.0)
    assert settings.endpoint_events is False


def test_endpoint_events_need_the_events_queue(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MDO_ENDPOINT_EVENTS", "true")
    with pytest.raises(ValueError, match="endpoint_events needs registry_events_queue_url"):
        settings_from(build_parser().parse_args(["run"]))
    monkeypatch.setenv(
        "MDO_REGISTRY_EVENTS_QUEUE_URL", "https://sqs.us-east-1.amazonaws.com/111122223333/events"
    )
    assert settings_from(build_parser().parse_args(["run"])).endpoint_events is True
