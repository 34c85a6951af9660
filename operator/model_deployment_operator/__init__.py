"""Keeps Amazon SageMaker endpoints in line with the SageMaker Model Registry."""

__version__ = "0.1.0"
