"""What a publisher may raise: our error family, never an httpx or platform exception.

    BalizaError
    ├── PublishError                 (502)  publishing went wrong; details name the platform
    │   ├── RateLimitedError         (429)  also a TooManyRequestsError; carries retry_after (seconds)
    │   ├── AuthError                (502)  the platform refused the channel's credentials
    │   ├── UnavailableError         (503)  unreachable, timed out, 5xx, or an answer we cannot read
    │   ├── RejectedError            (422)  also a ValidationError: the platform said no (4xx), with its message
    │   └── InvalidPostError         (422)  also a ValidationError: refused before sending (nothing was sent)
    │       └── PostTooLongError     (422)  longer than the platform allows
    └── PermissionDeniedError        (403)
        └── PolicyRefusedError       (403)  deleting a public post: always refused by the crisis policy

AuthError is deliberately not an ``AuthenticationError``: a 401 would tell the person using Baliza that *their*
session is over, when it is the channel's token that the platform refused.
"""

from __future__ import annotations

from typing import Any, ClassVar

from baliza.core.errors import BalizaError, PermissionDeniedError, TooManyRequestsError, ValidationError
from baliza.core.i18n import _


class PublishError(BalizaError):
    """Publishing to ``platform`` failed; ``details`` always holds the platform's name."""

    status: ClassVar[int] = 502
    default_code: ClassVar[str] = "publish_failed"

    def __init__(
        self, message: str, *, platform: str, code: str | None = None, details: dict[str, Any] | None = None
    ) -> None:
        # BalizaError.__init__ directly: the cooperative chain would reach TooManyRequestsError's own signature.
        BalizaError.__init__(self, message, code=code, details={"platform": platform, **(details or {})})
        self.platform = platform


class RateLimitedError(PublishError, TooManyRequestsError):
    """The platform asked us to slow down; try again after ``retry_after`` seconds."""

    status: ClassVar[int] = 429
    default_code: ClassVar[str] = "publish_rate_limited"

    def __init__(self, message: str, *, platform: str, retry_after: int, details: dict[str, Any] | None = None) -> None:
        super().__init__(message, platform=platform, details={**(details or {}), "retry_after": retry_after})
        self.retry_after = retry_after


class AuthError(PublishError):
    """The platform refused the channel's token or password (expired, revoked, missing a scope)."""

    status: ClassVar[int] = 502
    default_code: ClassVar[str] = "publish_auth"


class UnavailableError(PublishError):
    """The platform could not be reached, timed out, failed (5xx) or answered something unreadable."""

    status: ClassVar[int] = 503
    default_code: ClassVar[str] = "publish_unavailable"


class RejectedError(PublishError, ValidationError):
    """The platform refused the post (a 4xx other than auth and rate limits); its own words are in details."""

    status: ClassVar[int] = 422
    default_code: ClassVar[str] = "publish_rejected"


class InvalidPostError(PublishError, ValidationError):
    """The post cannot go to this platform as it is; refused before anything was sent."""

    status: ClassVar[int] = 422
    default_code: ClassVar[str] = "invalid_post"


class PostTooLongError(InvalidPostError):
    """The text is over the platform's limit (``details``: length, limit, unit)."""

    default_code: ClassVar[str] = "post_too_long"


class PolicyRefusedError(PermissionDeniedError):
    """Deleting a public post: the crisis policy asks for a clarification or a follow-up instead."""

    default_code: ClassVar[str] = "delete_refused"

    def __init__(self, *, platform: str, external_id: str | None = None) -> None:
        super().__init__(
            _(
                "Deleting public posts is refused by the crisis policy: clarify, apologise, and publish a "
                "follow-up instead."
            ),
            details={"platform": platform, "external_id": external_id},
        )
        self.platform = platform


__all__ = [
    "AuthError",
    "InvalidPostError",
    "PolicyRefusedError",
    "PostTooLongError",
    "PublishError",
    "RateLimitedError",
    "RejectedError",
    "UnavailableError",
]
