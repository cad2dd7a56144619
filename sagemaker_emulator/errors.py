"""Service errors: a code, a message and an HTTP status, rendered by each wire protocol."""

from __future__ import annotations


class ServiceError(Exception):
    """An error the client must see with this code and message (``ClientError`` in botocore)."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


def validation_error(message: str) -> ServiceError:
    return ServiceError("ValidationException", message)


def resource_in_use(message: str) -> ServiceError:
    return ServiceError("ResourceInUse", message)
