"""The ModelEndpoint: a shared SageMaker endpoint hosting many ModelDeployments, as
inference components or as targets of a multi-model container. What it should be
(desired.py), what one tick saw (observed.py), and the plan (plan.py)."""
