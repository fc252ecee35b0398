"""The publisher contract: what a post asks for, what publishing returns, and the dry-run wrapper.

A publisher does I/O and nothing else: it turns a ``PostRequest`` into one HTTP request (``prepare``, pure and
without credentials), sends it (``publish``) and maps every failure onto our error family. It never touches the
database and never decides whether something should be published: the response desk has decided already.

Deleting is not part of the job. During a crisis a deleted post reads as a cover-up and screenshots outlive it, so
``delete`` always raises ``PolicyRefusedError``: clarify, apologise and publish a follow-up instead.
"""

from __future__ import annotations

import copy
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar, NoReturn, Protocol

import httpx
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from baliza.core.clock import utcnow
from baliza.core.i18n import N_
from baliza.publishing.publishers.errors import PolicyRefusedError

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


class Visibility(StrEnum):
    """Who sees a post, in Mastodon's terms; platforms without the notion accept only ``public``."""

    public = "public"
    unlisted = "unlisted"
    private = "private"  # followers only
    direct = "direct"  # mentioned people only


class PostRequest(BaseModel):
    """One post to publish, as the response desk approved it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str = Field(title=N_("Text"), description=N_("The exact text to publish."))
    lang: str | None = Field(
        default=None, title=N_("Language"), description=N_("Language of the text, such as es or en.")
    )
    in_reply_to: str | dict[str, Any] | None = Field(
        default=None,
        title=N_("In reply to"),
        description=N_("The post this one answers: its id or address on the platform."),
    )
    visibility: Visibility | None = Field(
        default=None,
        title=N_("Visibility"),
        description=N_("Who sees the post; empty uses the channel's default."),
    )
    idempotency_key: str = Field(
        min_length=1,
        max_length=200,
        title=N_("Idempotency key"),
        description=N_("The same key for every attempt at the same post, so a retry never publishes it twice."),
    )


@dataclass(frozen=True)
class OutgoingRequest:
    """The HTTP request a publisher sends for a post, without credentials (they are added when it is sent)."""

    method: str
    url: str
    body: dict[str, Any] | None  # sent as JSON; None sends no body
    headers: dict[str, str] = field(default_factory=dict)

    def describe(self) -> dict[str, Any]:
        """A JSON-ready copy for ``Publication.request`` and the timeline."""
        return {"method": self.method, "url": self.url, "headers": dict(self.headers), "json": copy.deepcopy(self.body)}


class Publication(BaseModel):
    """What was published (or, in a dry run, what would have been)."""

    model_config = ConfigDict(frozen=True)

    platform: str
    external_id: str
    url: str | None
    published_at: AwareDatetime
    dry_run: bool
    request: dict[str, Any]  # OutgoingRequest.describe(): never a token or a password
    reply_ref: str | None = None  # what to pass as ``in_reply_to`` to publish a follow-up to this post


class Publisher(Protocol):
    """A platform that Baliza can publish to; built-ins and plugins alike (entry-point group ``baliza.publishers``)."""

    name: ClassVar[str]  # "mastodon"; also the entry-point name
    Settings: ClassVar[type[BaseModel]]  # per-channel config; secrets are SecretStr

    def __init__(self, settings: Any, *, client: httpx.AsyncClient, clock: Clock = utcnow) -> None: ...

    def prepare(self, post: PostRequest) -> OutgoingRequest:
        """The exact request ``publish`` would send, minus credentials; validates the post, does no I/O."""
        ...

    async def publish(self, post: PostRequest) -> Publication:
        """Send the post; raise only errors from ``baliza.publishing.publishers.errors``."""
        ...

    async def delete(self, external_id: str) -> NoReturn:
        """Always raises ``PolicyRefusedError``: public posts are never deleted."""
        ...


def refuse_deletion(platform: str, external_id: str | None = None) -> NoReturn:
    """Raise the crisis policy's refusal to delete a public post."""
    log.warning("publish.delete_refused", extra={"platform": platform, "external_id": external_id})
    raise PolicyRefusedError(platform=platform, external_id=external_id)


class _NoSettings(BaseModel):
    """The dry-run wrapper has no settings of its own: the wrapped publisher has them."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class DryRunPublisher:
    """Wraps any publisher: returns what it would send, sends nothing. The default everywhere."""

    name: ClassVar[str] = "dry_run"
    Settings: ClassVar[type[BaseModel]] = _NoSettings

    def __init__(self, inner: Publisher, *, clock: Clock = utcnow) -> None:
        self.inner = inner
        self._clock = clock

    @property
    def platform(self) -> str:
        """The wrapped publisher's name."""
        return self.inner.name

    def prepare(self, post: PostRequest) -> OutgoingRequest:
        """The wrapped publisher's request for ``post``."""
        return self.inner.prepare(post)

    async def publish(self, post: PostRequest) -> Publication:
        """Validate and build the request exactly as a real publish would, and return it unsent."""
        outgoing = self.inner.prepare(post)
        # Derived from the idempotency key, so the same post gets the same dry-run id on every attempt.
        digest = hashlib.sha256(f"{self.platform}\n{post.idempotency_key}".encode()).hexdigest()[:20]
        log.info("publish.dry_run", extra={"platform": self.platform, "idempotency_key": post.idempotency_key})
        return Publication(
            platform=self.platform,
            external_id=f"dry-run-{digest}",
            url=None,
            published_at=self._clock(),
            dry_run=True,
            request=outgoing.describe(),
        )

    async def delete(self, external_id: str) -> NoReturn:
        """Refused, as for every publisher."""
        refuse_deletion(self.platform, external_id)


__all__ = [
    "Clock",
    "DryRunPublisher",
    "OutgoingRequest",
    "PostRequest",
    "Publication",
    "Publisher",
    "Visibility",
    "refuse_deletion",
]
