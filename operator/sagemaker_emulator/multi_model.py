"""Multi-model endpoints: which artifact each instance has loaded, and which instance
serves a TargetModel (developer guide, "Multi-model endpoints", "How multi-model
endpoints work").

SageMaker loads a target model on first use: it routes the request to an instance,
downloads ``<ModelDataUrl prefix>/<TargetModel>`` from S3 to that instance's storage
volume and loads it into the container's memory. Later requests for the model go to the
instance where it is already loaded, which keeps serving the artifact it downloaded even
after the S3 object is overwritten: "You do not want to overwrite the model artifacts in
Amazon S3, because the old version of the model might still be loaded in the containers
or on the storage volume of the instances on the endpoint" (SageMaker Python SDK
documentation, "Updating a model"). An UpdateEndpoint replaces the fleet, so the new
instances start empty: the refresh that picks up overwritten artifacts.

Unloading (under memory pressure) keeps the model on the instance's storage volume, from
which it is loaded again without a download; only a model deleted from the storage volume
is downloaded again. The emulator has no memory pressure: the control API unloads or
evicts models on demand. ``ModelCacheSetting: Disabled`` keeps nothing: every request
downloads the current object.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from sagemaker_emulator.aws_backends import S3Artifact
from sagemaker_emulator.records import Json

# How much of an artifact the invocation answer quotes, so a test can put a version
# marker in the object and read it back.
PREVIEW_BYTES = 64


class ServedFrom(StrEnum):
    MEMORY = "memory"  # already loaded in the container
    STORAGE = "storage"  # on the instance's volume: loaded again without a download
    S3 = "s3"  # downloaded for this request


@dataclass(frozen=True)
class LoadedArtifact:
    """An artifact as an instance downloaded it."""

    target_model: str
    artifact: S3Artifact
    downloaded_at: float

    def describe(self, instance: int, served_from: ServedFrom) -> Json:
        artifact = self.artifact
        result: Json = {
            "bucket": artifact.location.bucket,
            "key": artifact.location.key,
            "eTag": artifact.etag,
            "size": len(artifact.body),
            "lastModified": _iso(artifact.last_modified),
            "preview": artifact.body[:PREVIEW_BYTES].decode("utf-8", "replace"),
            "downloadedAt": _iso(self.downloaded_at),
            "instance": instance,
            "servedFrom": str(served_from),
        }
        if artifact.version_id is not None:
            result["versionId"] = artifact.version_id
        return result


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds")


Download = Callable[[], S3Artifact]


class ModelCache:
    """The multi-model state of one endpoint's fleet: per variant and instance (numbered
    from 1), the models in the container's memory and on the storage volume. Not
    thread-safe: callers hold the emulator's state lock."""

    def __init__(self) -> None:
        self._memory: dict[tuple[str, int], dict[str, LoadedArtifact]] = {}
        self._storage: dict[tuple[str, int], dict[str, LoadedArtifact]] = {}
        self._next_instance: dict[str, int] = {}

    def serve(
        self,
        variant: str,
        instances: int,
        target_model: str,
        *,
        caching: bool,
        now: float,
        download: Download,
    ) -> Json:
        """Route a TargetModel request to an instance and say what served it.
        ``download`` reads the object from S3 (raising the runtime's error when it is
        missing); it is called only when no instance has the model."""
        count = max(instances, 1)
        if caching:
            places = ((self._memory, ServedFrom.MEMORY), (self._storage, ServedFrom.STORAGE))
            for place, served_from in places:
                for instance in range(1, count + 1):
                    loaded = place.get((variant, instance), {}).get(target_model)
                    if loaded is not None:
                        self._memory.setdefault((variant, instance), {})[target_model] = loaded
                        return loaded.describe(instance, served_from)
        instance = self._next_instance.get(variant, 0) % count + 1
        self._next_instance[variant] = instance
        loaded = LoadedArtifact(target_model, download(), now)
        if caching:
            self._memory.setdefault((variant, instance), {})[target_model] = loaded
            self._storage.setdefault((variant, instance), {})[target_model] = loaded
        return loaded.describe(instance, ServedFrom.S3)

    def resize(self, variant: str, instances: int) -> None:
        """Instances beyond ``instances`` were terminated, with what they held."""
        for place in (self._memory, self._storage):
            for key in [k for k in place if k[0] == variant and k[1] > instances]:
                del place[key]

    def unload(self, target_model: str | None = None, *, from_storage: bool = False) -> int:
        """Unload a model (or every model) from every instance's memory and, with
        ``from_storage``, delete it from the storage volumes too. Returns how many
        loaded copies were dropped."""
        dropped: set[tuple[str, int, str]] = set()
        places = (self._memory, self._storage) if from_storage else (self._memory,)
        for place in places:
            for (variant, instance), models in place.items():
                names = [target_model] if target_model is not None else list(models)
                for name in names:
                    if models.pop(name, None) is not None:
                        dropped.add((variant, instance, name))
        return len(dropped)

    def loaded(self) -> list[Json]:
        """Every instance's models, for the control API."""
        rows: list[Json] = []
        for (variant, instance), models in sorted(self._storage.items()):
            memory = self._memory.get((variant, instance), {})
            for name, loaded in sorted(models.items()):
                rows.append(
                    {
                        "variantName": variant,
                        "instance": instance,
                        "targetModel": name,
                        "inMemory": name in memory,
                        "eTag": loaded.artifact.etag,
                    }
                )
        return rows
