"""Every SageMaker request member has a spec field and every spec field a member, recursively."""

from __future__ import annotations

import pytest
from pydantic import Field

from apis.base import ApiModel
from apis.coverage import KINDS, KindCoverage, check, mismatches
from sagemaker_client.conversions.shapes import input_shape


@pytest.mark.parametrize("coverage", KINDS, ids=lambda c: c.kind)
def test_spec_covers_the_request_exactly(coverage: KindCoverage) -> None:
    report = check(coverage)
    assert report.problems == []
    assert report.covered == report.total
    assert report.nested_covered == report.nested_total > report.total


def test_a_missing_or_extra_field_is_reported() -> None:
    """The check itself: a model short of a member, with a made-up field, is caught."""

    class ShortResourceConfig(ApiModel):
        instance_type: str | None = Field(None, alias="instanceType")
        made_up: int | None = Field(None, alias="madeUp")

    shape = input_shape("CreateTrainingJob").members["ResourceConfig"]
    problems = mismatches(ShortResourceConfig, shape, "resourceConfig")
    assert "resourceConfig.volumeSizeInGB: no spec field" in problems
    assert "resourceConfig.madeUp: no request member" in problems
