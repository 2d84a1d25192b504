"""Domain errors of the reference server, each carrying the real API's status and error body.

The store raises these; the app turns every one into a response in one exception handler.
"""

from __future__ import annotations

from typing import Any

__all__ = ["APIError", "BadRequest", "MethodNotAllowed", "NotFound", "Unauthorized"]


class APIError(Exception):
    status = 500
    error_type = "server_error"

    def __init__(
        self,
        message: str,
        *,
        param: str | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        self.code = code
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return {"error": {"message": self.message, "type": self.error_type, "param": self.param, "code": self.code}}


class BadRequest(APIError):
    status = 400
    error_type = "invalid_request_error"


class Unauthorized(APIError):
    status = 401
    error_type = "invalid_request_error"


class NotFound(APIError):
    status = 404
    error_type = "invalid_request_error"


class MethodNotAllowed(APIError):
    """A documented path asked with a method it does not have; `headers` carries `Allow`."""

    status = 405
    error_type = "invalid_request_error"
