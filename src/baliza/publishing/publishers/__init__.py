"""Publisher plugins: Mastodon and Bluesky built in, more through the ``baliza.publishers`` entry points.

Dry run is the default (``make_publisher(..., dry_run=True)``) and deleting a public post is always refused.
"""

from baliza.publishing.publishers.base import (
    DryRunPublisher,
    OutgoingRequest,
    PostRequest,
    Publication,
    Publisher,
    Visibility,
)
from baliza.publishing.publishers.errors import (
    AuthError,
    InvalidPostError,
    PolicyRefusedError,
    PostTooLongError,
    PublishError,
    RateLimitedError,
    RejectedError,
    UnavailableError,
)
from baliza.publishing.publishers.registry import (
    ENTRY_POINT_GROUP,
    get_publisher_class,
    make_publisher,
    publisher_names,
    validate_settings,
)

__all__ = [
    "ENTRY_POINT_GROUP",
    "AuthError",
    "DryRunPublisher",
    "InvalidPostError",
    "OutgoingRequest",
    "PolicyRefusedError",
    "PostRequest",
    "PostTooLongError",
    "Publication",
    "PublishError",
    "Publisher",
    "RateLimitedError",
    "RejectedError",
    "UnavailableError",
    "Visibility",
    "get_publisher_class",
    "make_publisher",
    "publisher_names",
    "validate_settings",
]
