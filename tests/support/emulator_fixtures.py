"""Fixtures for the SageMaker emulator process (filled in by the emulator work)."""
