"""Where a resource may send the operator's signed AWS requests.

Any user allowed to create a resource can set its ``sageMakerEndpoint``; without a bound,
the operator would send requests signed with its own credentials (session token included)
to whatever URL that user names: a server-side request forgery path into the cluster's
network, under the operator's identity. The admin bounds it with
``--sagemaker-endpoint-allow``; by default only AWS's own endpoints are allowed, plus the
operator's ``--sagemaker-endpoint``. The region is checked against AWS's region names,
since botocore builds the endpoint's host name from it.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Sequence
from urllib.parse import urlsplit

from sagemaker_client.errors import Failure, SageMakerError

AWS_ENDPOINTS = ("https://*.amazonaws.com", "https://*.amazonaws.com.cn")
ALLOW_FLAG = "--sagemaker-endpoint-allow"
# us-east-1, eu-central-2, us-gov-west-1, cn-north-1, us-isob-east-1, ...
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+){1,3}-\d{1,2}$")


def origin(url: str) -> str | None:
    """``scheme://host[:port]`` of a URL that is nothing more; None for anything else
    (a path, a query, user info), so a pattern cannot be matched by a crafted suffix."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment or "@" in parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc.lower()}"


class EndpointPolicy:
    def __init__(self, allowed: Sequence[str] = (), default_endpoint: str | None = None) -> None:
        self.patterns = tuple(allowed) or AWS_ENDPOINTS
        self.default_endpoint = default_endpoint

    def check(self, operation: str, region: str, endpoint: str | None) -> None:
        """Raise a refusal naming the setting to change unless the call may be made."""
        if not _REGION.match(region):
            raise SageMakerError(
                operation,
                "InvalidRegion",
                f"spec.region {region!r} is not an AWS region name (like us-west-2); fix the field",
                Failure.REFUSED,
            )
        if endpoint is None or endpoint == self.default_endpoint:
            return
        found = origin(endpoint)
        if found is None or not any(fnmatch.fnmatchcase(found, p) for p in self.patterns):
            raise SageMakerError(
                operation,
                "EndpointNotAllowed",
                f"spec.sageMakerEndpoint {endpoint!r} is not an endpoint this operator may "
                f"send requests to (allowed: {', '.join(self.patterns)}). Remove the field, "
                f"or ask the operator's admin to allow it with {ALLOW_FLAG}",
                Failure.REFUSED,
            )
