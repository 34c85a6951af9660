"""Application Auto Scaling with SageMaker variants (sagemaker-semantics.md §3)."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from support.emulator_fixtures import Emulator
from support.emulator_scenario import model_and_config, register, serving_endpoint, wait_status

pytestmark = pytest.mark.emulator

RESOURCE = "endpoint/fraud-prod/variant/AllTraffic"
DIMENSION = "sagemaker:variant:DesiredInstanceCount"
TRACKING = {
    "TargetValue": 70.0,
    "PredefinedMetricSpecification": {
        "PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"
    },
    "ScaleInCooldown": 300,
    "ScaleOutCooldown": 60,
}


def autoscaled(emulator: Emulator, minimum: int = 1, maximum: int = 4) -> None:
    serving_endpoint(emulator, "fraud-prod")
    aas = emulator.autoscaling
    aas.register_scalable_target(
        ServiceNamespace="sagemaker",
        ResourceId=RESOURCE,
        ScalableDimension=DIMENSION,
        MinCapacity=minimum,
        MaxCapacity=maximum,
    )
    aas.put_scaling_policy(
        PolicyName="invocations",
        ServiceNamespace="sagemaker",
        ResourceId=RESOURCE,
        ScalableDimension=DIMENSION,
        PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration=TRACKING,
    )


def test_target_and_policy_are_registered_and_described(emulator: Emulator) -> None:
    """§3: a scalable target on endpoint/<name>/variant/<variant> with a target-tracking
    policy on invocations per instance; both are described as registered."""
    autoscaled(emulator, minimum=2, maximum=5)
    aas = emulator.autoscaling
    targets = aas.describe_scalable_targets(ServiceNamespace="sagemaker", ResourceIds=[RESOURCE])
    [target] = targets["ScalableTargets"]
    assert (target["MinCapacity"], target["MaxCapacity"]) == (2, 5)
    assert target["ScalableDimension"] == DIMENSION
    [policy] = aas.describe_scaling_policies(ServiceNamespace="sagemaker", ResourceId=RESOURCE)[
        "ScalingPolicies"
    ]
    configuration = policy["TargetTrackingScalingPolicyConfiguration"]
    assert configuration["TargetValue"] == 70.0
    assert configuration["ScaleInCooldown"] == 300
    assert policy["PolicyARN"].startswith("arn:aws:autoscaling:")
    # Registering moves the variant's count into the range at once.
    variant = emulator.sagemaker.describe_endpoint(EndpointName="fraud-prod")["ProductionVariants"][
        0
    ]
    assert variant["DesiredInstanceCount"] == 2


def test_missing_target_and_policy_are_object_not_found(emulator: Emulator) -> None:
    """§3: deregistering an unknown target or deleting an unknown policy is
    ObjectNotFoundException; registering a target for a missing endpoint is a
    ValidationException."""
    aas = emulator.autoscaling
    with pytest.raises(aas.exceptions.ObjectNotFoundException):
        aas.deregister_scalable_target(
            ServiceNamespace="sagemaker", ResourceId=RESOURCE, ScalableDimension=DIMENSION
        )
    with pytest.raises(aas.exceptions.ObjectNotFoundException):
        aas.delete_scaling_policy(
            PolicyName="invocations",
            ServiceNamespace="sagemaker",
            ResourceId=RESOURCE,
            ScalableDimension=DIMENSION,
        )
    with pytest.raises(aas.exceptions.ValidationException):
        aas.register_scalable_target(
            ServiceNamespace="sagemaker",
            ResourceId=RESOURCE,
            ScalableDimension=DIMENSION,
            MinCapacity=1,
            MaxCapacity=2,
        )


def test_update_changing_the_instance_type_of_an_autoscaled_variant_fails(
    emulator: Emulator,
) -> None:
    """§3 Interaction with UpdateEndpoint (open question 2: the wording is ours): changing
    the instance type of a scalable target's variant is refused until it is deregistered."""
    autoscaled(emulator)
    bigger = model_and_config(
        emulator, "fraud-prod-v2", register(emulator, "fraud"), instance_type="ml.c5.xlarge"
    )
    sm = emulator.sagemaker
    with pytest.raises(ClientError) as refused:
        sm.update_endpoint(EndpointName="fraud-prod", EndpointConfigName=bigger)
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert "scalable target" in refused.value.response["Error"]["Message"]
    assert sm.describe_endpoint(EndpointName="fraud-prod")["EndpointStatus"] == "InService"
    emulator.autoscaling.deregister_scalable_target(
        ServiceNamespace="sagemaker", ResourceId=RESOURCE, ScalableDimension=DIMENSION
    )
    sm.update_endpoint(EndpointName="fraud-prod", EndpointConfigName=bigger)
    wait_status(emulator, "fraud-prod", "InService")


def test_update_removing_an_autoscaled_variant_fails(emulator: Emulator) -> None:
    """§3 Interaction with UpdateEndpoint: removing an autoscaled variant is refused;
    changing only its model (same type, same name) is allowed."""
    autoscaled(emulator)
    package = register(emulator, "fraud")
    renamed = model_and_config(emulator, "fraud-prod-v2", package, variant="Blue")
    with pytest.raises(ClientError) as refused:
        emulator.sagemaker.update_endpoint(EndpointName="fraud-prod", EndpointConfigName=renamed)
    assert "remove it" in refused.value.response["Error"]["Message"]
    same_type = model_and_config(emulator, "fraud-prod-v3", package)
    emulator.sagemaker.update_endpoint(EndpointName="fraud-prod", EndpointConfigName=same_type)
    wait_status(emulator, "fraud-prod", "InService")
