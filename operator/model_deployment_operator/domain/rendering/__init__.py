"""What one package version becomes in SageMaker under the current spec, as data: the Model
(model.py) and the EndpointConfig (config.py, with one small unit per hosting option under
options/), named from a hash of their content (target.py)."""
