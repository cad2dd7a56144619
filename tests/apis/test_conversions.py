"""Spec -> Create* request and Describe* response -> status, checked with botocore's validator."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from botocore.validate import ParamValidator

from apis.batch_transform_job import BatchTransformJob
from apis.endpoint_config import EndpointConfig
from apis.hosting_autoscaling_policy import HostingAutoscalingPolicy
from apis.hosting_deployment import HostingDeployment
from apis.hyperparameter_tuning_job import HyperparameterTuningJob
from apis.model import Model
from apis.processing_job import ProcessingJob
from apis.training_job import TrainingJob
from sagemaker_client.conversions import requests, statuses
from sagemaker_client.conversions.shapes import service_model
from tests.apis.samples import (
    PROJECT_SAMPLES,
    load,
    project_samples,
    shared_params,
    with_old_misspellings,
)


def assert_valid(params: dict[str, Any], operation: str, service: str = "sagemaker") -> None:
    shape = service_model(service).operation_model(operation).input_shape
    report = ParamValidator().validate(params, shape)
    assert not report.has_errors(), report.generate_report()


def assert_valid_response(response: dict[str, Any], operation: str) -> None:
    shape = service_model("sagemaker").operation_model(operation).output_shape
    report = ParamValidator().validate(response, shape)
    assert not report.has_errors(), report.generate_report()


def requests_for(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(service, operation, request) for every request a resource leads to."""
    kind = document["kind"]
    if kind == "TrainingJob":
        spec = TrainingJob.model_validate(document).spec
        return [("sagemaker", "CreateTrainingJob", requests.create_training_job(spec, "tj-1"))]
    if kind == "HyperparameterTuningJob":
        hpo = HyperparameterTuningJob.model_validate(document).spec
        request = requests.create_hyper_parameter_tuning_job(hpo, "hpo-1")
        return [("sagemaker", "CreateHyperParameterTuningJob", request)]
    if kind == "BatchTransformJob":
        btj = BatchTransformJob.model_validate(document).spec
        return [("sagemaker", "CreateTransformJob", requests.create_transform_job(btj, "btj-1"))]
    if kind == "ProcessingJob":
        pj = ProcessingJob.model_validate(document).spec
        return [("sagemaker", "CreateProcessingJob", requests.create_processing_job(pj, "pj-1"))]
    if kind == "Model":
        model = Model.model_validate(document).spec
        return [("sagemaker", "CreateModel", requests.create_model(model, "model-1"))]
    if kind == "EndpointConfig":
        config = EndpointConfig.model_validate(document).spec
        return [
            ("sagemaker", "CreateEndpointConfig", requests.create_endpoint_config(config, "ec-1"))
        ]
    if kind == "HostingDeployment":
        hd = HostingDeployment.model_validate(document).spec
        names = {model.name: f"{model.name}-1" for model in hd.models}
        return [
            *(("sagemaker", "CreateModel", r) for r in requests.hosting_create_models(hd, names)),
            (
                "sagemaker",
                "CreateEndpointConfig",
                requests.hosting_create_endpoint_config(hd, "hd-config-1", names),
            ),
            ("sagemaker", "CreateEndpoint", requests.hosting_create_endpoint(hd, "hd", "hd-1")),
        ]
    hap = HostingAutoscalingPolicy.model_validate(document).spec
    autoscaling = "application-autoscaling"
    return [
        *(
            (autoscaling, "RegisterScalableTarget", r)
            for r in requests.register_scalable_targets(hap)
        ),
        *((autoscaling, "PutScalingPolicy", r) for r in requests.put_scaling_policies(hap, "p")),
    ]


@pytest.mark.parametrize("path", project_samples(), ids=lambda p: p.stem)
def test_project_sample_makes_valid_requests(path: Path) -> None:
    made = requests_for(load(path))
    assert made
    for service, operation, request in made:
        assert_valid(request, operation, service)


@pytest.mark.parametrize("path", shared_params())
def test_old_operator_sample_makes_valid_requests(path: Path) -> None:
    for service, operation, request in requests_for(load(path)):
        assert_valid(request, operation, service)


@pytest.mark.parametrize("kind", ["TrainingJob", "BatchTransformJob", "ProcessingJob"])
def test_old_misspellings_reach_sagemaker_under_the_right_names(kind: str) -> None:
    ((_, operation, request),) = requests_for(with_old_misspellings(kind))
    assert_valid(request, operation)
    if kind == "TrainingJob":
        assert request["DebugHookConfig"]["HookParameters"] == {"save_interval": "100"}
    elif kind == "ProcessingJob":
        assert request["ProcessingInputs"][0]["S3Input"]["S3CompressionType"] == "Gzip"
    else:
        assert request["DataProcessing"]["JoinSource"] == "Input"
        assert request["DataProcessing"]["OutputFilter"] == "$[0,-1]"


def test_a_map_entry_without_a_value_sends_an_empty_value() -> None:
    document = load(PROJECT_SAMPLES / "processingjob.yaml")
    document["spec"]["environment"].append({"name": "EMPTY"})
    ((_, operation, request),) = requests_for(document)
    assert_valid(request, operation)
    assert request["Environment"] == {"SPLIT": "0.8", "EMPTY": ""}


def test_training_request_turns_quirks_into_sagemaker_shapes() -> None:
    ((_, _, request),) = requests_for(load(PROJECT_SAMPLES / "trainingjob.yaml"))
    assert request["TrainingJobName"] == "tj-1"
    assert request["HyperParameters"]["max_depth"] == "5"
    assert request["Tags"] == [{"Key": "team", "Value": "ml"}]
    assert request["ResourceConfig"]["VolumeSizeInGB"] == 5
    assert "Region" not in request
    assert "region" not in request


def test_hosting_hostname_references_resolve_to_containers() -> None:
    made = requests_for(load(PROJECT_SAMPLES / "hostingdeployment.yaml"))
    create_model = next(r for _, op, r in made if op == "CreateModel")
    assert create_model["ModelName"] == "xgboost-model-1"
    assert create_model["PrimaryContainer"]["ContainerHostname"] == "xgboost"
    assert create_model["PrimaryContainer"]["ModelDataUrl"].startswith("s3://")
    config = next(r for _, op, r in made if op == "CreateEndpointConfig")
    assert config["ProductionVariants"][0]["ModelName"] == "xgboost-model-1"


def test_autoscaling_resource_ids_name_endpoint_and_variant() -> None:
    made = requests_for(load(PROJECT_SAMPLES / "hostingautoscalingpolicy.yaml"))
    ids = {r["ResourceId"] for _, _, r in made}
    assert ids == {"endpoint/host-xgboost-endpoint/variant/all-traffic"}


NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_training_status_from_describe() -> None:
    describe = {
        "TrainingJobName": "xgboost-mnist-abc",
        "TrainingJobArn": "arn:aws:sagemaker:us-west-2:123456789012:training-job/xgboost-mnist-abc",
        "ModelArtifacts": {
            "S3ModelArtifacts": "s3://my-bucket/xgboost/xgboost-mnist-abc/output/model.tar.gz"
        },
        "TrainingJobStatus": "Completed",
        "SecondaryStatus": "Completed",
        "AlgorithmSpecification": {"TrainingInputMode": "File", "TrainingImage": "img"},
        "OutputDataConfig": {"S3OutputPath": "s3://my-bucket/xgboost/"},
        "ResourceConfig": {"InstanceType": "ml.m4.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 5},
        "StoppingCondition": {"MaxRuntimeInSeconds": 86400},
        "CreationTime": NOW,
    }
    assert_valid_response(describe, "DescribeTrainingJob")
    status = statuses.training_job_status(describe, "us-west-2").to_wire()
    assert status["trainingJobStatus"] == "Completed"
    assert status["secondaryStatus"] == "Completed"
    # SageMaker's ModelArtifacts.S3ModelArtifacts, as the old operator's modelPath.
    assert status["modelPath"] == "s3://my-bucket/xgboost/xgboost-mnist-abc/output/model.tar.gz"
    assert status["sageMakerTrainingJobName"] == "xgboost-mnist-abc"
    assert "prefix=xgboost-mnist-abc" in status["cloudWatchLogUrl"]


def test_model_path_is_what_sagemaker_says_not_a_rebuilt_path() -> None:
    describe = {
        "TrainingJobName": "j",
        "TrainingJobStatus": "Completed",
        "SecondaryStatus": "Completed",
        # No trailing slash on the output path: the old operator's concatenation would have
        # made s3://b/oj/output/model.tar.gz; SageMaker's own value is right.
        "OutputDataConfig": {"S3OutputPath": "s3://b/o"},
        "ModelArtifacts": {"S3ModelArtifacts": "s3://b/o/j/output/model.tar.gz"},
    }
    status = statuses.training_job_status(describe, "us-west-2").to_wire()
    assert status["modelPath"] == "s3://b/o/j/output/model.tar.gz"
    stopped = {**describe, "TrainingJobStatus": "Stopped", "SecondaryStatus": "Stopped"}
    assert "modelPath" not in statuses.training_job_status(stopped, "us-west-2").to_wire()


def test_rule_evaluation_statuses_keep_the_old_operators_keys() -> None:
    arn = "arn:aws:sagemaker:us-west-2:123456789012:processing-job/j-vanishinggradient-1a2b3c4d"
    describe = {
        "TrainingJobName": "j",
        "TrainingJobArn": "arn:aws:sagemaker:us-west-2:123456789012:training-job/j",
        "ModelArtifacts": {"S3ModelArtifacts": "s3://b/o/j/output/model.tar.gz"},
        "TrainingJobStatus": "Completed",
        "SecondaryStatus": "Completed",
        "StoppingCondition": {"MaxRuntimeInSeconds": 86400},
        "CreationTime": NOW,
        "DebugRuleEvaluationStatuses": [
            {
                "RuleConfigurationName": "VanishingGradient",
                "RuleEvaluationJobArn": arn,
                "RuleEvaluationStatus": "IssuesFound",
                "StatusDetails": "RuleEvaluationConditionMet: at step 500",
                "LastModifiedTime": NOW,
            },
            {"RuleConfigurationName": "LossNotDecreasing", "RuleEvaluationStatus": "InProgress"},
        ],
        "ProfilerRuleEvaluationStatuses": [
            {
                "RuleConfigurationName": "ProfilerReport",
                "RuleEvaluationStatus": "NoIssuesFound",
                "LastModifiedTime": NOW,
            }
        ],
    }
    assert_valid_response(describe, "DescribeTrainingJob")
    status = statuses.training_job_status(describe, "us-west-2").to_wire()
    assert status["debugRuleEvaluationStatuses"] == [
        {
            "ruleConfigurationName": "VanishingGradient",
            "ruleEvaluationJobArn": arn,
            "ruleEvaluationStatus": "IssuesFound",
            "statusDetail": "RuleEvaluationConditionMet: at step 500",
            "lastModifiedTime": "2026-01-02T03:04:05Z",
        },
        {"ruleConfigurationName": "LossNotDecreasing", "ruleEvaluationStatus": "InProgress"},
    ]
    assert status["profilerRuleEvaluationStatuses"] == [
        {
            "ruleConfigurationName": "ProfilerReport",
            "ruleEvaluationStatus": "NoIssuesFound",
            "lastModifiedTime": "2026-01-02T03:04:05Z",
        }
    ]


def test_failed_training_status_carries_the_reason_and_no_model() -> None:
    describe = {
        "TrainingJobName": "j",
        "TrainingJobStatus": "Failed",
        "SecondaryStatus": "Failed",
        "FailureReason": "AlgorithmError: boom",
        "OutputDataConfig": {"S3OutputPath": "s3://b/o"},
    }
    status = statuses.training_job_status(describe, "us-west-2").to_wire()
    assert status["additional"] == "AlgorithmError: boom"
    assert "modelPath" not in status


def test_tuning_status_sums_errors_and_reports_the_best_job() -> None:
    describe = {
        "HyperParameterTuningJobName": "hpo-1",
        "HyperParameterTuningJobArn": (
            "arn:aws:sagemaker:us-west-2:123456789012:hyper-parameter-tuning-job/hpo-1"
        ),
        "HyperParameterTuningJobConfig": {
            "Strategy": "Bayesian",
            "ResourceLimits": {"MaxParallelTrainingJobs": 5},
        },
        "HyperParameterTuningJobStatus": "Completed",
        "CreationTime": NOW,
        "TrainingJobStatusCounters": {
            "Completed": 8,
            "InProgress": 0,
            "RetryableError": 1,
            "NonRetryableError": 2,
            "Stopped": 1,
        },
        "ObjectiveStatusCounters": {"Succeeded": 8, "Pending": 0, "Failed": 2},
        "BestTrainingJob": {
            "TrainingJobName": "hpo-1-009-abc",
            "TrainingJobArn": "arn:aws:sagemaker:us-west-2:123456789012:training-job/hpo-1-009-abc",
            "CreationTime": NOW,
            "TrainingJobStatus": "Completed",
            "TunedHyperParameters": {"num_round": "17"},
            "FinalHyperParameterTuningJobObjectiveMetric": {
                "MetricName": "validation:error",
                "Value": 0.05,
            },
        },
    }
    assert_valid_response(describe, "DescribeHyperParameterTuningJob")
    status = statuses.hyperparameter_tuning_job_status(describe).to_wire()
    assert status["trainingJobStatusCounters"]["totalError"] == 3
    assert status["trainingJobStatusCounters"]["completed"] == 8
    best = status["bestTrainingJob"]
    assert best["trainingJobName"] == "hpo-1-009-abc"
    assert best["tunedHyperParameters"] == [{"name": "num_round", "value": "17"}]
    assert best["finalHyperParameterTuningJobObjectiveMetric"]["value"] == "0.05"


def test_transform_and_processing_status_from_describe() -> None:
    transform = {
        "TransformJobName": "btj-1",
        "TransformJobArn": "arn:aws:sagemaker:us-west-2:123456789012:transform-job/btj-1",
        "TransformJobStatus": "InProgress",
        "ModelName": "m",
        "TransformInput": {
            "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://b/i"}}
        },
        "TransformResources": {"InstanceType": "ml.m4.xlarge", "InstanceCount": 1},
        "CreationTime": NOW,
    }
    assert_valid_response(transform, "DescribeTransformJob")
    assert statuses.transform_job_status(transform).to_wire() == {
        "transformJobStatus": "InProgress",
        "sageMakerTransformJobName": "btj-1",
    }
    processing = {
        "ProcessingJobName": "pj-1",
        "ProcessingJobArn": "arn:aws:sagemaker:us-west-2:123456789012:processing-job/pj-1",
        "ProcessingJobStatus": "Failed",
        "FailureReason": "ClientError: no input",
        "ProcessingResources": {
            "ClusterConfig": {
                "InstanceCount": 1,
                "InstanceType": "ml.m5.xlarge",
                "VolumeSizeInGB": 20,
            }
        },
        "AppSpecification": {"ImageUri": "img"},
        "CreationTime": NOW,
    }
    assert_valid_response(processing, "DescribeProcessingJob")
    status = statuses.processing_job_status(processing, "us-west-2").to_wire()
    assert status["processingJobStatus"] == "Failed"
    assert status["additional"] == "ClientError: no input"
    assert "/aws/sagemaker/ProcessingJobs" in status["cloudWatchLogUrl"]


def test_endpoint_status_from_describe() -> None:
    describe = {
        "EndpointName": "host-xgboost-abc",
        "EndpointArn": "arn:aws:sagemaker:us-east-2:123456789012:endpoint/host-xgboost-abc",
        "EndpointConfigName": "host-xgboost-1-abc",
        "EndpointStatus": "InService",
        "CreationTime": NOW,
        "LastModifiedTime": NOW,
        "ProductionVariants": [
            {
                "VariantName": "all-traffic",
                "CurrentWeight": 1.0,
                "DesiredWeight": 1.0,
                "CurrentInstanceCount": 1,
                "DesiredInstanceCount": 2,
                "DeployedImages": [
                    {
                        "SpecifiedImage": "xgboost:latest",
                        "ResolvedImage": "xgboost@sha256:0123",
                        "ResolutionTime": NOW,
                    }
                ],
            }
        ],
    }
    assert_valid_response(describe, "DescribeEndpoint")
    status = statuses.endpoint_status(describe, "us-east-2").to_wire()
    assert status["endpointStatus"] == "InService"
    assert status["endpointUrl"] == (
        "https://runtime.sagemaker.us-east-2.amazonaws.com/endpoints/host-xgboost-abc/invocations"
    )
    assert status["productionVariants"][0]["desiredInstanceCount"] == 2
    assert status["productionVariants"][0]["deployedImages"] == [
        {
            "specifiedImage": "xgboost:latest",
            "resolvedImage": "xgboost@sha256:0123",
            "resolutionTime": "2026-01-02T03:04:05Z",
        }
    ]
    assert status["creationTime"].startswith("2026-01-02T03:04:05")


def test_model_and_endpoint_config_status_from_describe() -> None:
    model = {
        "ModelName": "xgboost-model-abc",
        "ModelArn": "arn:aws:sagemaker:us-east-2:123456789012:model/xgboost-model-abc",
        "CreationTime": NOW,
    }
    assert_valid_response(model, "DescribeModel")
    model_status = statuses.model_status(model).to_wire()
    assert model_status["sageMakerModelName"] == "xgboost-model-abc"
    assert model_status["lastUpdateTime"] == "2026-01-02T03:04:05Z"
    config = {
        "EndpointConfigName": "ec-abc",
        "EndpointConfigArn": "arn:aws:sagemaker:us-east-2:123456789012:endpoint-config/ec-abc",
        "ProductionVariants": [{"VariantName": "v", "ModelName": "m"}],
        "CreationTime": NOW,
    }
    assert_valid_response(config, "DescribeEndpointConfig")
    status = statuses.endpoint_config_status(config).to_wire()
    assert status == {
        "status": "Created",
        "sageMakerEndpointConfigName": "ec-abc",
        "endpointConfigArn": config["EndpointConfigArn"],
        "lastUpdateTime": "2026-01-02T03:04:05Z",
    }
