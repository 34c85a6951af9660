"""Errors raised by devcluster. Each message says what went wrong and what to do about it."""

from __future__ import annotations


class DevclusterError(Exception):
    """Base class: the CLI prints these without a traceback."""


class ToolchainError(DevclusterError):
    """A tool could not be found or built."""


class ControlPlaneError(DevclusterError):
    """etcd or kube-apiserver did not start, or the state directory is unusable."""
