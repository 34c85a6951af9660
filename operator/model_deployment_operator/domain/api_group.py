"""The Kubernetes API group the operator serves, shared by its watch and its direct reads."""

from typing import Final

GROUP: Final = "sagemaker.mlops.dev"
VERSION: Final = "v1alpha1"
MODEL_DEPLOYMENTS: Final = "modeldeployments"
MODEL_ENDPOINTS: Final = "modelendpoints"
MODEL_DEPLOYMENT: Final = "ModelDeployment"
MODEL_ENDPOINT: Final = "ModelEndpoint"
PLURALS: Final = {MODEL_DEPLOYMENT: MODEL_DEPLOYMENTS, MODEL_ENDPOINT: MODEL_ENDPOINTS}
