"""Listening connectors: read platforms (feeds, Mastodon, Bluesky, X, YouTube, Reddit, IMAP email) and receive webhooks.

The contract is in ``base``; ``registry`` finds connectors by name (built-ins and ``baliza.connectors`` plugins);
``netguard`` keeps user-supplied URLs off private addresses; ``webhooks`` verifies and parses incoming webhooks.
"""

from baliza.ingest.connectors.base import (
    AuthError,
    Backoff,
    Connector,
    ConnectorError,
    Health,
    HealthState,
    InvalidCursorError,
    MentionPage,
    RateLimitedError,
    SearchableConnector,
    Skipped,
    StreamingConnector,
    UnavailableError,
    polling,
    run_with_backoff,
)
from baliza.ingest.connectors.netguard import UnsafeURLError, check_url, check_url_async, guarded_client
from baliza.ingest.connectors.registry import (
    ENTRY_POINT_GROUP,
    connector_names,
    get_connector_class,
    make_connector,
    public_settings,
    validate_settings,
)

__all__ = [
    "ENTRY_POINT_GROUP",
    "AuthError",
    "Backoff",
    "Connector",
    "ConnectorError",
    "Health",
    "HealthState",
    "InvalidCursorError",
    "MentionPage",
    "RateLimitedError",
    "SearchableConnector",
    "Skipped",
    "StreamingConnector",
    "UnavailableError",
    "UnsafeURLError",
    "check_url",
    "check_url_async",
    "connector_names",
    "get_connector_class",
    "guarded_client",
    "make_connector",
    "polling",
    "public_settings",
    "run_with_backoff",
    "validate_settings",
]
