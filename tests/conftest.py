"""Shared pytest wiring: fixtures for the local API server and the SageMaker emulator."""

pytest_plugins = ["support.cluster_fixtures", "support.emulator_fixtures"]
