"""Valid request bodies for the tests to start from and break on purpose."""

from __future__ import annotations

from typing import Any

ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/xgboost:latest"


def training_job(name: str = "train-1", **overrides: Any) -> dict[str, Any]:
    request: dict[str, Any] = {
        "TrainingJobName": name,
        "AlgorithmSpecification": {
            "TrainingImage": IMAGE,
            "TrainingInputMode": "File",
            "MetricDefinitions": [{"Name": "validation:rmse", "Regex": "rmse=([0-9.]+)"}],
        },
        "RoleArn": ROLE,
        "HyperParameters": {"max_depth": "5"},
        "InputDataConfig": [
            {
                "ChannelName": "train",
                "DataSource": {
                    "S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://bucket/train/"}
                },
            }
        ],
        "OutputDataConfig": {"S3OutputPath": "s3://bucket/output/"},
        "ResourceConfig": {
            "InstanceType": "ml.m5.xlarge",
            "InstanceCount": 2,
            "VolumeSizeInGB": 10,
        },
        "StoppingCondition": {"MaxRuntimeInSeconds": 86400},
        "Tags": [{"Key": "team", "Value": "ml"}],
    }
    request.update(overrides)
    return request


def processing_job(name: str = "process-1", **overrides: Any) -> dict[str, Any]:
    request: dict[str, Any] = {
        "ProcessingJobName": name,
        "ProcessingResources": {
            "ClusterConfig": {
                "InstanceCount": 1,
                "InstanceType": "ml.m5.xlarge",
                "VolumeSizeInGB": 10,
            }
        },
        "AppSpecification": {"ImageUri": IMAGE},
        "RoleArn": ROLE,
    }
    request.update(overrides)
    return request


def model(name: str = "model-1", image: str = IMAGE) -> dict[str, Any]:
    return {
        "ModelName": name,
        "PrimaryContainer": {"Image": image, "ModelDataUrl": "s3://bucket/model.tar.gz"},
        "ExecutionRoleArn": ROLE,
    }


def transform_job(name: str = "transform-1", model_name: str = "model-1") -> dict[str, Any]:
    return {
        "TransformJobName": name,
        "ModelName": model_name,
        "TransformInput": {
            "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://bucket/in/"}}
        },
        "TransformOutput": {"S3OutputPath": "s3://bucket/out/"},
        "TransformResources": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1},
    }


def endpoint_config(
    name: str = "config-1", model_name: str = "model-1", count: int = 1
) -> dict[str, Any]:
    return {
        "EndpointConfigName": name,
        "ProductionVariants": [
            {
                "VariantName": "AllTraffic",
                "ModelName": model_name,
                "InitialInstanceCount": count,
                "InstanceType": "ml.m5.large",
                "InitialVariantWeight": 1.0,
            }
        ],
    }


def tuning_job(
    name: str = "tune-1",
    max_jobs: int = 5,
    parallel: int = 2,
    objective: str = "Minimize",
) -> dict[str, Any]:
    return {
        "HyperParameterTuningJobName": name,
        "HyperParameterTuningJobConfig": {
            "Strategy": "Random",
            "HyperParameterTuningJobObjective": {
                "Type": objective,
                "MetricName": "validation:rmse",
            },
            "ResourceLimits": {
                "MaxNumberOfTrainingJobs": max_jobs,
                "MaxParallelTrainingJobs": parallel,
            },
            "ParameterRanges": {
                "IntegerParameterRanges": [
                    {"Name": "max_depth", "MinValue": "3", "MaxValue": "10"}
                ],
                "ContinuousParameterRanges": [
                    {
                        "Name": "eta",
                        "MinValue": "0.01",
                        "MaxValue": "0.5",
                        "ScalingType": "Logarithmic",
                    }
                ],
                "CategoricalParameterRanges": [{"Name": "booster", "Values": ["gbtree", "dart"]}],
            },
        },
        "TrainingJobDefinition": {
            "StaticHyperParameters": {"objective": "reg:squarederror"},
            "AlgorithmSpecification": {"TrainingImage": IMAGE, "TrainingInputMode": "File"},
            "RoleArn": ROLE,
            "OutputDataConfig": {"S3OutputPath": "s3://bucket/tuning/"},
            "ResourceConfig": {
                "InstanceType": "ml.m5.xlarge",
                "InstanceCount": 1,
                "VolumeSizeInGB": 10,
            },
            "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        },
    }


# The default phases add up to this many emulated seconds for a training job.
TRAINING_SECONDS = 60 + 30 + 120 + 20
