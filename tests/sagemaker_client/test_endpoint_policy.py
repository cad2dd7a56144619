"""Where a resource's sageMakerEndpoint may send the operator's signed requests."""

from __future__ import annotations

import pytest

from sagemaker_client.endpoint_policy import EndpointPolicy, origin
from sagemaker_client.errors import SageMakerError

DEFAULT = EndpointPolicy(default_endpoint="http://127.0.0.1:8080")


@pytest.mark.parametrize(
    "endpoint",
    [
        None,
        "https://api.sagemaker.us-west-2.amazonaws.com",
        "https://vpce-0a1b.api.sagemaker.us-west-2.vpce.amazonaws.com",
        "https://api.sagemaker.cn-north-1.amazonaws.com.cn",
        "https://api.sagemaker.us-west-2.amazonaws.com/",
        "http://127.0.0.1:8080",  # the operator's own --sagemaker-endpoint
    ],
)
def test_aws_endpoints_and_the_operators_own_are_allowed(endpoint: str | None) -> None:
    DEFAULT.check("DescribeTrainingJob", "us-west-2", endpoint)


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://169.254.169.254",  # instance metadata: the classic forgery target
        "https://evil.example.com",
        "http://api.sagemaker.us-west-2.amazonaws.com",  # not https
        "https://evil.example.com/?x=.amazonaws.com",
        "https://evil.example.com#.amazonaws.com",
        "https://user@api.sagemaker.us-west-2.amazonaws.com",
        "https://evil.example.com/api.sagemaker.amazonaws.com",
        "ftp://api.sagemaker.us-west-2.amazonaws.com",
        "https://host:notaport",
    ],
)
def test_anything_else_is_refused_naming_the_flag(endpoint: str) -> None:
    with pytest.raises(SageMakerError) as caught:
        DEFAULT.check("CreateTrainingJob", "us-west-2", endpoint)
    assert caught.value.terminal
    assert caught.value.code == "EndpointNotAllowed"
    assert "--sagemaker-endpoint-allow" in caught.value.message


def test_the_admins_patterns_replace_the_defaults() -> None:
    policy = EndpointPolicy(["http://localhost:*"])
    policy.check("DescribeTrainingJob", "us-east-1", "http://localhost:4566")
    with pytest.raises(SageMakerError):
        policy.check(
            "DescribeTrainingJob", "us-east-1", "https://api.sagemaker.us-east-1.amazonaws.com"
        )


@pytest.mark.parametrize("region", ["us-east-1", "us-gov-west-1", "cn-north-1", "us-isob-east-1"])
def test_aws_regions_pass(region: str) -> None:
    DEFAULT.check("DescribeTrainingJob", region, None)


@pytest.mark.parametrize("region", ["evil.com/", "us-east-1.example.com", "US-EAST-1", ""])
def test_a_region_that_is_not_one_is_refused(region: str) -> None:
    with pytest.raises(SageMakerError) as caught:
        DEFAULT.check("DescribeTrainingJob", region, None)
    assert caught.value.code == "InvalidRegion"


def test_origin_is_scheme_host_and_port_only() -> None:
    assert origin("HTTPS://API.Example.com:443/") == "https://api.example.com:443"
    assert origin("https://a.example.com/path") is None
