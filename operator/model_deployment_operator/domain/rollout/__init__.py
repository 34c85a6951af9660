"""Rollouts of a dedicated endpoint under SageMaker's deployment guardrails (spec.rollout):
what DescribeEndpoint shows of a deployment in progress (observed), the progress message
derived from it (progress), and what a rolled-back deployment means for the version
(failure). The DeploymentConfig itself is rendered in domain/rendering/deployment_config."""
