"""Multi-model endpoints: instances load a TargetModel from S3 on first use and keep
serving what they downloaded until the endpoint is refreshed (the refresh flow of
shared/seeds/002: overwrite an artifact, then UpdateEndpoint to a new config)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from support.emulator_fixtures import IMAGE, TRANSITION_SECONDS, Emulator
from support.emulator_scenario import (
    bucket,
    endpoint_on,
    image_model,
    instance_config,
    instant,
    status,
    wait_status,
)

pytestmark = pytest.mark.emulator

PREFIX = "s3://tenants/models/"


def multi_model_endpoint(
    emulator: Emulator, name: str = "mme", *, count: int = 1, caching: str = "Enabled"
) -> None:
    """An InService multi-model endpoint on s3://tenants/models/ (bucket included)."""
    instant(emulator)
    bucket(emulator, "tenants")
    image_model(
        emulator,
        name,
        PrimaryContainer={
            "Image": IMAGE,
            "Mode": "MultiModel",
            "ModelDataUrl": PREFIX,
            "MultiModelConfig": {"ModelCacheSetting": caching},
        },
    )
    endpoint_on(emulator, name, instance_config(emulator, name, name, count=count))


def upload(emulator: Emulator, key: str, marker: str) -> str:
    """Write (or overwrite) an artifact whose bytes start with `marker`; returns its ETag."""
    etag: str = emulator.s3.put_object(
        Bucket="tenants", Key=f"models/{key}", Body=f"{marker} model bytes".encode()
    )["ETag"]
    return etag


def artifact(emulator: Emulator, endpoint: str, target: str) -> dict[str, Any]:
    response = emulator.runtime.invoke_endpoint(
        EndpointName=endpoint, Body=b"1,2", ContentType="text/csv", TargetModel=target
    )
    answer: dict[str, Any] = json.loads(response["Body"].read())
    assert answer["targetModel"] == target
    served: dict[str, Any] = answer["targetModelArtifact"]
    return served


def test_an_instance_keeps_serving_the_artifact_it_loaded_after_the_object_is_overwritten(
    emulator: Emulator,
) -> None:
    """Developer guide, "Multi-model endpoints", How multi-model endpoints work: SageMaker
    downloads the model to an instance on first invocation and "continues to route
    requests for a model to the instance where the model is already loaded"; the
    SageMaker Python SDK's "Updating a model": "the old version of the model might still
    be loaded in the containers or on the storage volume of the instances on the
    endpoint. Invocations to the new model could then invoke the old version". The
    answer names the S3 key, ETag and instance that served it."""
    multi_model_endpoint(emulator)
    first_etag = upload(emulator, "acme.tar.gz", "v1")
    first = artifact(emulator, "mme", "acme.tar.gz")
    assert (first["bucket"], first["key"]) == ("tenants", "models/acme.tar.gz")
    assert first["eTag"] == first_etag
    assert first["preview"] == "v1 model bytes"
    assert first["servedFrom"] == "s3"
    assert first["instance"] == 1

    second_etag = upload(emulator, "acme.tar.gz", "v2")
    assert second_etag != first_etag
    again = artifact(emulator, "mme", "acme.tar.gz")
    assert again["eTag"] == first_etag
    assert again["preview"] == "v1 model bytes"
    assert again["servedFrom"] == "memory"
    assert again["downloadedAt"] == first["downloadedAt"]


def test_refreshing_the_endpoint_with_a_new_config_loads_the_overwritten_artifact(
    emulator: Emulator,
) -> None:
    """UpdateEndpoint API reference: SageMaker "deploys the new EndpointConfig ... to a new
    fleet of instances", and the old fleet serves until the update completes; the new
    instances have loaded nothing, so the next request downloads the current object.
    This is the refresh of shared/seeds/002 (a new config named with a timestamp)."""
    multi_model_endpoint(emulator)
    old_etag = upload(emulator, "acme.tar.gz", "v1")
    artifact(emulator, "mme", "acme.tar.gz")
    new_etag = upload(emulator, "acme.tar.gz", "v2")
    instance_config(emulator, "mme-2026-01-01--10-00", "mme")
    emulator.control.set_durations(updatingSeconds=TRANSITION_SECONDS)
    emulator.sagemaker.update_endpoint(
        EndpointName="mme", EndpointConfigName="mme-2026-01-01--10-00"
    )
    assert status(emulator, "mme") == "Updating"
    assert artifact(emulator, "mme", "acme.tar.gz")["eTag"] == old_etag
    wait_status(emulator, "mme", "InService")
    refreshed = artifact(emulator, "mme", "acme.tar.gz")
    assert refreshed["eTag"] == new_etag
    assert refreshed["preview"] == "v2 model bytes"
    assert refreshed["servedFrom"] == "s3"


def test_a_failed_refresh_keeps_the_old_fleet_and_what_it_loaded(emulator: Emulator) -> None:
    """A failed UpdateEndpoint leaves the endpoint InService on its old config (reference
    §1, "Failed update"): the old instances, with the artifacts they loaded, keep
    serving."""
    multi_model_endpoint(emulator)
    old_etag = upload(emulator, "acme.tar.gz", "v1")
    artifact(emulator, "mme", "acme.tar.gz")
    upload(emulator, "acme.tar.gz", "v2")
    instance_config(emulator, "mme-refresh", "mme")
    emulator.control.fail_next_endpoint_update("mme")
    emulator.sagemaker.update_endpoint(EndpointName="mme", EndpointConfigName="mme-refresh")
    wait_status(emulator, "mme", "InService")
    assert "FailureReason" in emulator.sagemaker.describe_endpoint(EndpointName="mme")
    assert artifact(emulator, "mme", "acme.tar.gz")["eTag"] == old_etag


def test_new_models_load_on_the_next_instance_and_stay_there(emulator: Emulator) -> None:
    """How multi-model endpoints work: a request is routed to an instance, which downloads
    the model, and later requests for that model go to that instance. Two instances: two
    models loaded one on each; each keeps answering from its own instance."""
    multi_model_endpoint(emulator, count=2)
    upload(emulator, "acme.tar.gz", "acme-v1")
    upload(emulator, "globex.tar.gz", "globex-v1")
    assert artifact(emulator, "mme", "acme.tar.gz")["instance"] == 1
    assert artifact(emulator, "mme", "globex.tar.gz")["instance"] == 2
    for _ in range(3):
        assert artifact(emulator, "mme", "acme.tar.gz")["instance"] == 1
        assert artifact(emulator, "mme", "globex.tar.gz")["instance"] == 2


def test_scaling_in_drops_the_models_of_the_terminated_instances(emulator: Emulator) -> None:
    """UpdateEndpointWeightsAndCapacities API reference (DesiredInstanceCount): removed
    instances take what they loaded with them, so a model that lived only there is
    downloaded again, as it now is in S3; the remaining instance keeps its own."""
    multi_model_endpoint(emulator, count=2)
    acme_etag = upload(emulator, "acme.tar.gz", "acme-v1")
    upload(emulator, "globex.tar.gz", "globex-v1")
    artifact(emulator, "mme", "acme.tar.gz")
    assert artifact(emulator, "mme", "globex.tar.gz")["instance"] == 2
    upload(emulator, "acme.tar.gz", "acme-v2")
    globex_v2 = upload(emulator, "globex.tar.gz", "globex-v2")
    emulator.sagemaker.update_endpoint_weights_and_capacities(
        EndpointName="mme",
        DesiredWeightsAndCapacities=[{"VariantName": "AllTraffic", "DesiredInstanceCount": 1}],
    )
    wait_status(emulator, "mme", "InService")
    assert artifact(emulator, "mme", "acme.tar.gz")["eTag"] == acme_etag
    reloaded = artifact(emulator, "mme", "globex.tar.gz")
    assert (reloaded["eTag"], reloaded["instance"], reloaded["servedFrom"]) == (
        globex_v2,
        1,
        "s3",
    )


def test_unloaded_models_reload_from_the_volume_and_evicted_ones_from_s3(
    emulator: Emulator,
) -> None:
    """How multi-model endpoints work: "Models that are unloaded remain on the instance's
    storage volume and can be loaded into the container's memory later without being
    downloaded again from the S3 bucket. If the instance's storage volume reaches its
    capacity, SageMaker deletes any unused models from the storage volume." The control
    API stands in for the memory and volume pressure that causes both."""
    multi_model_endpoint(emulator)
    old_etag = upload(emulator, "acme.tar.gz", "v1")
    artifact(emulator, "mme", "acme.tar.gz")
    new_etag = upload(emulator, "acme.tar.gz", "v2")
    assert emulator.control.unload_multi_model("mme", "acme.tar.gz") == 1
    from_volume = artifact(emulator, "mme", "acme.tar.gz")
    assert (from_volume["eTag"], from_volume["servedFrom"]) == (old_etag, "storage")
    assert emulator.control.unload_multi_model("mme", from_storage=True) == 1
    downloaded = artifact(emulator, "mme", "acme.tar.gz")
    assert (downloaded["eTag"], downloaded["servedFrom"]) == (new_etag, "s3")


def test_without_model_caching_every_request_downloads_the_current_object(
    emulator: Emulator,
) -> None:
    """ContainerDefinition API reference, MultiModelConfig.ModelCacheSetting: "By default,
    multi-model endpoints cache models so that a model does not have to be loaded into
    memory each time it is invoked ... To disable model caching, set the value of this
    parameter to Disabled." With caching disabled nothing stays loaded, so an overwrite
    shows at the next request (the emulator keeps nothing on the volume either)."""
    multi_model_endpoint(emulator, caching="Disabled")
    upload(emulator, "acme.tar.gz", "v1")
    assert artifact(emulator, "mme", "acme.tar.gz")["servedFrom"] == "s3"
    new_etag = upload(emulator, "acme.tar.gz", "v2")
    latest = artifact(emulator, "mme", "acme.tar.gz")
    assert (latest["eTag"], latest["preview"], latest["servedFrom"]) == (
        new_etag,
        "v2 model bytes",
        "s3",
    )


def test_a_versioned_bucket_names_the_object_version_that_was_loaded(
    emulator: Emulator,
) -> None:
    """S3 PutObject API reference (VersionId, returned for versioned buckets): the answer
    carries the version the instance downloaded, the most exact marker of which artifact
    served the request."""
    multi_model_endpoint(emulator)
    emulator.s3.put_bucket_versioning(
        Bucket="tenants", VersioningConfiguration={"Status": "Enabled"}
    )
    first = emulator.s3.put_object(Bucket="tenants", Key="models/acme.tar.gz", Body=b"v1")
    assert artifact(emulator, "mme", "acme.tar.gz")["versionId"] == first["VersionId"]
    emulator.s3.put_object(Bucket="tenants", Key="models/acme.tar.gz", Body=b"v2")
    assert artifact(emulator, "mme", "acme.tar.gz")["versionId"] == first["VersionId"]
