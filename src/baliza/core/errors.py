"""Baliza's error family.

Every error a user can see carries a stable machine-readable ``code``, a message, and
``details`` (field, value, line...). The web layer turns them into
``{"error": {"code", "message", "details"}}`` with the class's ``status``; the CLI prints the
message and exits non-zero. Nothing else should reach a user.

    BalizaError                      (400)
    ├── ValidationError              (422)  bad input: names the field and the value
    │   └── QuerySyntaxError         (422)  a watch-rule boolean query that does not parse
    ├── AuthenticationError          (401)  not logged in, or a bad token
    ├── TooManyRequestsError         (429)  slow down (login attempts); carries retry_after
    ├── NotFoundError                (404)
    │   └── WorkspaceNotFoundError   (404)
    ├── ConflictError                (409)
    ├── PermissionDeniedError        (403)
    ├── PayloadTooLargeError         (413)  oversized batch or text
    ├── InvalidTransitionError       (409)
    └── ConfigError                  (500)  the process is misconfigured
"""

from __future__ import annotations

from typing import Any, ClassVar


class BalizaError(Exception):
    """Base class: a message for people, a code for machines, details for both."""

    status: ClassVar[int] = 400
    default_code: ClassVar[str] = "error"

    def __init__(self, message: str, *, code: str | None = None, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.details: dict[str, Any] = details or {}

    def to_dict(self) -> dict[str, Any]:
        """The machine-readable body used by the API."""
        return {"code": self.code, "message": self.message, "details": self.details}


class ValidationError(BalizaError):
    status = 422
    default_code = "invalid"


class QuerySyntaxError(ValidationError):
    default_code = "query_syntax"

    def __init__(self, message: str, *, query: str, position: int) -> None:
        super().__init__(message, details={"query": query, "position": position})
        self.query = query
        self.position = position


class NotFoundError(BalizaError):
    status = 404
    default_code = "not_found"


class WorkspaceNotFoundError(NotFoundError):
    default_code = "workspace_not_found"


class ConflictError(BalizaError):
    status = 409
    default_code = "conflict"


class PermissionDeniedError(BalizaError):
    status = 403
    default_code = "permission_denied"


class PayloadTooLargeError(BalizaError):
    status = 413
    default_code = "payload_too_large"


class InvalidTransitionError(BalizaError):
    status = 409
    default_code = "invalid_transition"


class AuthenticationError(BalizaError):
    status = 401
    default_code = "not_authenticated"


class TooManyRequestsError(BalizaError):
    status = 429
    default_code = "too_many_requests"

    def __init__(self, message: str, *, retry_after: int, details: dict[str, Any] | None = None) -> None:
        super().__init__(message, details={**(details or {}), "retry_after": retry_after})
        self.retry_after = retry_after


class ConfigError(BalizaError):
    status = 500
    default_code = "config"


__all__ = [
    "AuthenticationError",
    "BalizaError",
    "ConfigError",
    "ConflictError",
    "InvalidTransitionError",
    "NotFoundError",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "QuerySyntaxError",
    "TooManyRequestsError",
    "ValidationError",
    "WorkspaceNotFoundError",
]
