"""SageMaker EndpointConfigs: immutable descriptions of an endpoint's variants."""

from __future__ import annotations

import copy
from typing import Any, Final

from sagemaker_emulator.arns import sagemaker_arn
from sagemaker_emulator.context import Call, Params, Result
from sagemaker_emulator.errors import AwsError, validation_error
from sagemaker_emulator.lifecycle import EndpointFeatures
from sagemaker_emulator.listing import Listed, list_page, with_token
from sagemaker_emulator.models import model_not_found
from sagemaker_emulator.records import EndpointConfig, ServedModel, VariantSpec
from sagemaker_emulator.state import Partition
from sagemaker_emulator.tagging import set_initial_tags

SERVERLESS_MEMORY_SIZES: Final = frozenset({1024, 2048, 3072, 4096, 5120, 6144})

_ECHOED_FIELDS: Final = (
    "DataCaptureConfig",
    "KmsKeyId",
    "AsyncInferenceConfig",
    "ExplainerConfig",
    "ShadowProductionVariants",
    "ExecutionRoleArn",
    "VpcConfig",
    "EnableNetworkIsolation",
    "MetricsConfig",
)


def config_arn(partition: Partition, name: str) -> str:
    return sagemaker_arn(partition.region, partition.account_id, "endpoint-config", name)


def config_not_found(partition: Partition, name: str) -> AwsError:
    return validation_error(
        f'Could not find endpoint configuration "{config_arn(partition, name)}".'
    )


def unsupported_feature(detail: str) -> AwsError:
    """A combination of endpoint features SageMaker does not support. The first sentence
    is what SageMaker answers (observed, boto/boto3#4275); the detail is the emulator's."""
    return validation_error(
        f"One or more endpoint features are not supported using this configuration: {detail}"
    )


def _variant(partition: Partition, raw: dict[str, Any]) -> VariantSpec:
    name = raw["VariantName"]
    model_name = raw.get("ModelName")
    serverless = raw.get("ServerlessConfig")
    instance_type = raw.get("InstanceType")
    if model_name is None:
        _check_component_variant(name, raw)
    else:
        model = partition.models.get(model_name.lower())
        if model is None:
            raise model_not_found(partition, model_name)
        if "ManagedInstanceScaling" in raw:
            # Observed wording (hashicorp/terraform-provider-aws#45926).
            raise validation_error(
                "ManagedInstanceScaling is only supported for inference component endpoints."
            )
        if serverless is not None:
            _check_serverless_variant(name, raw, serverless, model.served)
    if serverless is None and (instance_type is None or raw.get("InitialInstanceCount") is None):
        raise validation_error(
            f"Variant {name}: specify InstanceType and InitialInstanceCount, or ServerlessConfig."
        )
    echo = copy.deepcopy(raw)
    echo.setdefault("InitialVariantWeight", 1.0)
    return VariantSpec(
        name=name,
        model_name=model_name,
        instance_type=instance_type,
        initial_instance_count=raw.get("InitialInstanceCount"),
        initial_weight=float(echo["InitialVariantWeight"]),
        serverless=copy.deepcopy(serverless),
        echo=echo,
        managed_scaling=copy.deepcopy(raw.get("ManagedInstanceScaling")),
    )


def _check_component_variant(name: str, raw: dict[str, Any]) -> None:
    """A variant without ModelName hosts inference components (developer guide, "Deploy
    models with inference components"; CreateInferenceComponent API reference). They run
    on instances, so the variant needs an instance type and count; serverless variants
    name their model. ManagedInstanceScaling may let the fleet follow the components'
    copies, between MinInstanceCount (0 allows scaling to zero, developer guide "Scale an
    endpoint to zero instances") and MaxInstanceCount. The wording is the emulator's."""
    if raw.get("ServerlessConfig") is not None:
        raise validation_error(
            f"Variant {name}: a serverless variant must name a model in ModelName; only "
            "instance-based variants host inference components."
        )
    scaling = raw.get("ManagedInstanceScaling")
    if scaling is None:
        return
    minimum = scaling.get("MinInstanceCount")
    maximum = scaling.get("MaxInstanceCount")
    if scaling.get("Status") == "ENABLED" and maximum is None:
        raise validation_error(
            f"Variant {name}: ManagedInstanceScaling with Status ENABLED needs MaxInstanceCount."
        )
    if minimum is not None and maximum is not None and minimum > maximum:
        raise validation_error(
            f"Variant {name}: ManagedInstanceScaling MinInstanceCount ({minimum}) cannot be "
            f"greater than MaxInstanceCount ({maximum})."
        )


def _check_serverless_variant(
    name: str, raw: dict[str, Any], serverless: dict[str, Any], served: ServedModel
) -> None:
    """ServerlessConfig rules (ProductionVariantServerlessConfig API reference) and the
    serverless feature exclusions (developer guide, "Serverless Inference", Feature
    exclusions: VPC configuration, network isolation, multi-model endpoints, inference
    pipelines)."""
    if raw.get("InstanceType") is not None or raw.get("InitialInstanceCount") is not None:
        raise validation_error(
            f"Variant {name}: ServerlessConfig cannot be combined with InstanceType or "
            "InitialInstanceCount."
        )
    if serverless["MemorySizeInMB"] not in SERVERLESS_MEMORY_SIZES:
        raise validation_error(
            f"Variant {name}: MemorySizeInMB must be one of {sorted(SERVERLESS_MEMORY_SIZES)}."
        )
    provisioned = serverless.get("ProvisionedConcurrency")
    if provisioned is not None and provisioned > serverless["MaxConcurrency"]:
        raise validation_error(
            f"Variant {name}: ProvisionedConcurrency must not exceed MaxConcurrency."
        )
    excluded = [
        feature
        for feature, present in (
            ("VPC configuration", served.vpc_config is not None),
            ("network isolation", served.network_isolation),
            ("multi-model endpoints", served.multi_model is not None),
            ("inference pipelines", len(served.containers) > 1),
        )
        if present
    ]
    if excluded:
        raise unsupported_feature(
            f"serverless variant {name} hosts model {served.model_name}, which uses "
            f"{', '.join(excluded)}; serverless endpoints support none of these."
        )


def _check_component_config(params: Params, variants: tuple[VariantSpec, ...]) -> None:
    """An endpoint either hosts models on its variants or hosts inference components
    (none of its variants names a model). An inference-component endpoint config needs
    ExecutionRoleArn, which its components' containers run with (observed,
    hashicorp/terraform-provider-aws#44977). Mixing the two, and asynchronous inference
    (whose invocations cannot name a component) on a component endpoint, are refused. The
    wording is the emulator's."""
    hosting = [v.name for v in variants if v.model_name is None]
    if not hosting:
        return
    if len(hosting) != len(variants):
        raise validation_error(
            f"Variants {', '.join(hosting)} name no model and host inference components, "
            "so every variant of the endpoint configuration must: an endpoint hosts either "
            "models on its variants or inference components."
        )
    if not params.get("ExecutionRoleArn"):
        raise validation_error(
            "ExecutionRoleArn is required for an endpoint configuration whose variants host "
            "inference components (no ModelName)."
        )
    if params.get("AsyncInferenceConfig") is not None:
        raise unsupported_feature(
            "asynchronous inference needs variants that name a model; these variants host "
            "inference components."
        )


def _check_config_features(params: Params, variants: tuple[VariantSpec, ...]) -> None:
    _check_component_config(params, variants)
    serverless = [v.name for v in variants if v.serverless is not None]
    if serverless and len(variants) > 1:
        # Developer guide, "Serverless Inference", Feature exclusions.
        raise unsupported_feature(
            "a serverless endpoint has exactly one production variant; "
            f"this configuration has {len(variants)}."
        )
    if serverless and "DataCaptureConfig" in params:
        raise unsupported_feature("serverless endpoints do not support data capture.")
    async_config = params.get("AsyncInferenceConfig")
    if serverless and async_config is not None:
        # Asynchronous inference queues requests for instances (ClientConfig counts
        # invocations per instance); the emulator refuses it on serverless variants.
        raise unsupported_feature(
            "asynchronous inference needs instance-based variants; "
            f"variant {serverless[0]} is serverless."
        )
    if async_config is not None:
        output = async_config["OutputConfig"]
        if not output.get("S3OutputPath"):
            raise validation_error(
                "AsyncInferenceConfig.OutputConfig.S3OutputPath is required: it is where "
                "SageMaker writes the results of asynchronous invocations."
            )
        notification = output.get("NotificationConfig") or {}
        topics = {
            "SUCCESS_NOTIFICATION_TOPIC": "SuccessTopic",
            "ERROR_NOTIFICATION_TOPIC": "ErrorTopic",
        }
        for included in notification.get("IncludeInferenceResponseIn") or []:
            if not notification.get(topics[included]):
                raise validation_error(
                    f"IncludeInferenceResponseIn lists {included}, but NotificationConfig "
                    f"has no {topics[included]}."
                )


def create_endpoint_config(call: Call, params: Params) -> Result:
    partition = call.partition
    name = params["EndpointConfigName"]
    arn = config_arn(partition, name)
    if name.lower() in partition.endpoint_configs:
        raise validation_error(f'Cannot create already existing endpoint configuration "{arn}".')
    variants = tuple(_variant(partition, raw) for raw in params["ProductionVariants"])
    names = [v.name for v in variants]
    if len(set(names)) != len(names):
        raise validation_error("Variant names must be unique within an endpoint configuration.")
    shadows = params.get("ShadowProductionVariants")
    if shadows and (len(variants) != 1 or len(shadows) != 1):
        raise validation_error(
            "An endpoint configuration with ShadowProductionVariants must have exactly one "
            "production variant and one shadow variant."
        )
    _check_config_features(params, variants)
    echo: dict[str, Any] = {k: copy.deepcopy(params[k]) for k in _ECHOED_FIELDS if k in params}
    if "DataCaptureConfig" in echo:
        echo["DataCaptureConfig"].setdefault("EnableCapture", True)
    partition.endpoint_configs[name.lower()] = EndpointConfig(
        name=name,
        arn=arn,
        created_at=call.now,
        sequence=call.state.next_sequence(),
        variants=variants,
        echo=echo,
    )
    set_initial_tags(partition, arn, params.get("Tags"))
    return {"EndpointConfigArn": arn}


def features_of(config: EndpointConfig) -> EndpointFeatures:
    """What an endpoint on this config runs with besides its variants."""
    echo = config.echo
    return EndpointFeatures(
        async_config=copy.deepcopy(echo.get("AsyncInferenceConfig")),
        data_capture=copy.deepcopy(echo.get("DataCaptureConfig")),
        echo={k: copy.deepcopy(echo[k]) for k in ("ExplainerConfig", "MetricsConfig") if k in echo},
    )


def find_config(partition: Partition, name: str) -> EndpointConfig:
    config = partition.endpoint_configs.get(name.lower())
    if config is None:
        raise config_not_found(partition, name)
    return config


def describe_endpoint_config(call: Call, params: Params) -> Result:
    config = find_config(call.partition, params["EndpointConfigName"])
    return {
        "EndpointConfigName": config.name,
        "EndpointConfigArn": config.arn,
        "ProductionVariants": [copy.deepcopy(dict(v.echo)) for v in config.variants],
        "CreationTime": config.created_at,
        **copy.deepcopy(dict(config.echo)),
    }


def list_endpoint_configs(call: Call, params: Params) -> Result:
    page = list_page(
        list(call.partition.endpoint_configs.values()),
        params,
        Listed[EndpointConfig](
            name=lambda c: c.name, created_at=lambda c: c.created_at, sequence=lambda c: c.sequence
        ),
        scope="ListEndpointConfigs",
        default_order="Descending",
    )
    return with_token(
        {
            "EndpointConfigs": [
                {
                    "EndpointConfigName": c.name,
                    "EndpointConfigArn": c.arn,
                    "CreationTime": c.created_at,
                }
                for c in page.items
            ]
        },
        page,
    )


def delete_endpoint_config(call: Call, params: Params) -> Result:
    """Allowed even while an endpoint uses the config, as on AWS; the endpoint's next
    update then fails with "Could not find endpoint configuration" (reference §1)."""
    partition = call.partition
    config = partition.endpoint_configs.pop(params["EndpointConfigName"].lower(), None)
    if config is None:
        raise config_not_found(partition, params["EndpointConfigName"])
    partition.tags.pop(config.arn, None)
    return {}


OPERATIONS: Final = {
    "CreateEndpointConfig": create_endpoint_config,
    "DescribeEndpointConfig": describe_endpoint_config,
    "ListEndpointConfigs": list_endpoint_configs,
    "DeleteEndpointConfig": delete_endpoint_config,
}
