"""Local SageMaker stand-in for development and tests."""
