"""A ModelDeployment placed on a shared ModelEndpoint: as an inference component, or as a
target model of a multi-model endpoint. What it should be (desired.py), what a tick saw
(observation.py), its history (history.py), the plan (component.py, artifact.py) and its
status (status.py)."""
