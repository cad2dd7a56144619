"""Informer cache memory per 1,000 cached TrainingJob custom resources with status.

Objects are built as realistic dicts (metadata with managedFields and kubectl's
last-applied annotation, a full spec, a status with conditions and transitions), serialised
to JSON and parsed back exactly as the informer parses watch events, then stored as the
informer stores them: through its transform (``strip_unread``) into an ObjectCache, which
keeps each object's JSON. tracemalloc measures what is held; for comparison, the same
objects held as parsed dicts, whole (what the cache held before the transform and the
compact form), and the JSON size on the wire.
"""

from __future__ import annotations

import gc
import json
import tracemalloc
import uuid
from typing import Any

from controller.cache import ObjectCache
from controller.transform import strip_unread

COUNTS = (1000, 5000)
HYPERPARAMETERS = (
    ("max_depth", "5"), ("eta", "0.2"), ("gamma", "4"), ("min_child_weight", "6"),
    ("subsample", "0.8"), ("silent", "0"), ("objective", "binary:logistic"), ("num_round", "100"),
)  # fmt: skip


def training_job(index: int) -> dict[str, Any]:
    name = f"xgboost-churn-{index:05d}"
    when = "2026-11-29T13:45:12Z"
    return {
        "apiVersion": "sagemaker.aws.amazon.com/v1",
        "kind": "TrainingJob",
        "metadata": {
            "name": name,
            "namespace": f"team-{index % 7}",
            "uid": str(uuid.uuid4()),
            "resourceVersion": str(100000 + index),
            "generation": 1,
            "creationTimestamp": when,
            "labels": {"app": "churn-model", "team": f"team-{index % 7}", "stage": "prod"},
            "annotations": {
                "sagemaker.aws.amazon.com/last-applied-spec-hash": uuid.uuid4().hex,
                "kubectl.kubernetes.io/last-applied-configuration": json.dumps(
                    {
                        "apiVersion": "sagemaker.aws.amazon.com/v1",
                        "kind": "TrainingJob",
                        "metadata": {"name": name, "namespace": f"team-{index % 7}"},
                        "spec": "SPEC",
                    }
                ),
            },
            "finalizers": ["sagemaker-operator-finalizer"],
            "managedFields": [
                {
                    "manager": "kubectl-client-side-apply",
                    "operation": "Update",
                    "apiVersion": "sagemaker.aws.amazon.com/v1",
                    "time": when,
                    "fieldsType": "FieldsV1",
                    "fieldsV1": {
                        "f:metadata": {"f:labels": {".": {}, "f:app": {}, "f:team": {}}},
                        "f:spec": {
                            ".": {},
                            "f:algorithmSpecification": {".": {}, "f:trainingImage": {}},
                            "f:hyperParameters": {},
                            "f:resourceConfig": {".": {}, "f:instanceCount": {}},
                        },
                    },
                },
                {
                    "manager": "sagemaker-operator",
                    "operation": "Update",
                    "apiVersion": "sagemaker.aws.amazon.com/v1",
                    "time": when,
                    "fieldsType": "FieldsV1",
                    "subresource": "status",
                    "fieldsV1": {"f:status": {".": {}, "f:trainingJobStatus": {}}},
                },
            ],
        },
        "spec": {
            "trainingJobName": f"{name}-{uuid.uuid4().hex[:12]}",
            "region": "us-west-2",
            "roleArn": "arn:aws:iam::123456789012:role/service-role/AmazonSageMaker-ExecutionRole",
            "algorithmSpecification": {
                "trainingImage": "433757028032.dkr.ecr.us-west-2.amazonaws.com/xgboost:1",
                "trainingInputMode": "File",
                "enableSageMakerMetricsTimeSeries": False,
            },
            "hyperParameters": [{"name": k, "value": v} for k, v in HYPERPARAMETERS],
            "inputDataConfig": [
                {
                    "channelName": channel,
                    "contentType": "text/csv",
                    "compressionType": "None",
                    "recordWrapperType": "None",
                    "dataSource": {
                        "s3DataSource": {
                            "s3DataType": "S3Prefix",
                            "s3Uri": f"s3://my-bucket/churn/{channel}/",
                            "s3DataDistributionType": "FullyReplicated",
                        }
                    },
                }
                for channel in ("train", "validation")
            ],
            "outputDataConfig": {"s3OutputPath": "s3://my-bucket/churn/output"},
            "resourceConfig": {
                "instanceCount": 1,
                "instanceType": "ml.m5.xlarge",
                "volumeSizeInGB": 25,
            },
            "stoppingCondition": {"maxRuntimeInSeconds": 86400},
            "tags": [{"key": "cost-center", "value": "ml-42"}, {"key": "owner", "value": "ds"}],
        },
        "status": {
            "trainingJobStatus": "InProgress",
            "secondaryStatus": "Training",
            "sageMakerTrainingJobName": f"{name}-{uuid.uuid4().hex[:12]}",
            "trainingJobArn": f"arn:aws:sagemaker:us-west-2:123456789012:training-job/{name}",
            "lastCheckTime": when,
            "cloudWatchLogUrl": f"https://console.aws.amazon.com/cloudwatch/home?region="
            f"us-west-2#logStream:group=/aws/sagemaker/TrainingJobs;prefix={name}",
            "observedGeneration": 1,
            "conditions": [
                {
                    "type": kind,
                    "status": status,
                    "reason": reason,
                    "message": message,
                    "lastTransitionTime": when,
                    "observedGeneration": 1,
                }
                for kind, status, reason, message in (
                    ("Synced", "True", "Synced", "spec and SageMaker agree"),
                    ("Ready", "False", "InProgress", "training is in progress"),
                )
            ],
            "secondaryStatusTransitions": [
                {"status": s, "startTime": when, "statusMessage": m}
                for s, m in (
                    ("Starting", "Preparing the instances for training"),
                    ("Downloading", "Downloading input data"),
                    ("Training", "Training image download completed. Training in progress."),
                )
            ],
        },
    }


def wire_objects(count: int) -> list[bytes]:
    objects = []
    for i in range(count):
        obj = training_job(i)
        applied = obj["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"]
        obj["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"] = (
            applied.replace('"SPEC"', json.dumps(obj["spec"]))
        )
        objects.append(json.dumps(obj).encode())
    return objects


def held_per_object(wire: list[bytes], compact: bool) -> float:
    """Bytes held per object: the informer's cache, or the parsed dicts (``compact`` False)."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    cache = ObjectCache()
    dicts: dict[int, Any] = {}
    for index, line in enumerate(wire):
        if compact:
            cache.apply("ADDED", strip_unread(json.loads(line)))
        else:
            dicts[index] = json.loads(line)
    gc.collect()
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    assert len(cache) == len(wire) or len(dicts) == len(wire)
    return held / len(wire)


def main() -> None:
    print("informer cache memory, realistic TrainingJob with status (tracemalloc)")
    for count in COUNTS:
        wire = wire_objects(count)
        json_size = sum(len(line) for line in wire) / count
        cached = held_per_object(wire, compact=True)
        whole = held_per_object(wire, compact=False)
        print(
            f"  {count:>5} objects: {cached * 1000 / 2**20:6.2f} MiB per 1,000 cached "
            f"({cached / 1024:.1f} KiB each); as whole parsed dicts "
            f"{whole * 1000 / 2**20:6.2f} MiB ({whole / 1024:.1f} KiB each); "
            f"{json_size / 1024:.1f} KiB of JSON each on the wire"
        )


if __name__ == "__main__":
    main()
