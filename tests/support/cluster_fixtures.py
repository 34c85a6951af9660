"""Fixtures for the local kube-apiserver (filled in by the devcluster work)."""
