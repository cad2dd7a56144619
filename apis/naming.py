"""How SageMaker's PascalCase member names become the CRDs' lowerCamelCase fields.

The old Go operator derived its JSON names from the SageMaker API by lower-casing the
first letter only (`VolumeSizeInGB` -> `volumeSizeInGB`, `S3Uri` -> `s3Uri`,
`KmsKeyId` -> `kmsKeyId`); keeping exactly that rule keeps old manifests valid.
"""

from __future__ import annotations

import keyword
import re

_WORD_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def json_name(member: str) -> str:
    """The CRD field name for a SageMaker member name."""
    return member[:1].lower() + member[1:]


def python_name(member: str) -> str:
    """A snake_case attribute for a SageMaker member (`VolumeSizeInGB` -> `volume_size_in_gb`)."""
    snake = _WORD_BOUNDARY.sub("_", member).lower()
    return f"{snake}_" if keyword.iskeyword(snake) else snake
