"""Domain errors of the reference server, each carrying the real API's status and error body.

The store raises these; the app turns every one into a response in one exception handler.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .._models import Violation
    from ..record.redact import Redactor

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

    LISTED = 5  # violations a contract refusal names

    @classmethod
    def contract_violation(cls, errors: Sequence[Violation], redactor: Redactor, by: str) -> BadRequest:
        """The 400 for a request that breaks the contract, as the proxy's `block` policy and `replay --strict`
        answer it (`by` says which): code `contract_violation`, the first violation's pointer as `param`.
        Redacted like every other output: the messages quote the values they judged, and a client's own logs
        keep what it is told."""
        listed = "; ".join(v.described for v in errors[: cls.LISTED])
        param = errors[0].pointer.strip("/").replace("/", ".")
        return cls(
            redactor.text(f"{by}: the request breaks the contract ({listed})"),
            param=redactor.text(param) or None,
            code="contract_violation",
        )


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
