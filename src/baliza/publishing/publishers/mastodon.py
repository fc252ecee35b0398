"""Publishing to Mastodon: ``POST /api/v1/statuses`` with an ``Idempotency-Key``, so a retry never posts twice."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from typing import Any, ClassVar, NoReturn
from urllib.parse import urlsplit

import httpx
from pydantic import BaseModel, ConfigDict, Field, HttpUrl, SecretStr

from baliza.core.clock import utcnow
from baliza.core.i18n import N_, _
from baliza.publishing.publishers.base import (
    Clock,
    OutgoingRequest,
    PostRequest,
    Publication,
    Visibility,
    refuse_deletion,
)
from baliza.publishing.publishers.errors import InvalidPostError, PostTooLongError
from baliza.publishing.publishers.text import count_graphemes, find_links
from baliza.publishing.publishers.transport import raise_for_answer, read_json, send

log = logging.getLogger(__name__)

DISPLAY = "Mastodon"
# Mastodon counts every link as 23 characters, whatever its length, and a remote mention by its username only.
URL_LENGTH = 23
_REMOTE_MENTION = re.compile(r"(?<![=/\w])@(\w+(?:[\w.-]*\w)?)@[\w.-]+\w", re.UNICODE)
# Mastodon ids are numbers; Pleroma/Akkoma and others use letters too.
_STATUS_ID = re.compile(r"^[A-Za-z0-9]{1,64}$")


class MastodonSettings(BaseModel):
    """One Mastodon account that Baliza publishes as."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    base_url: HttpUrl = Field(
        title=N_("Server"),
        description=N_("Address of the Mastodon server the account is on, such as https://mastodon.social."),
    )
    access_token: SecretStr = Field(
        title=N_("Access token"),
        description=N_("An access token of the account with the write:statuses scope."),
    )
    visibility: Visibility = Field(
        default=Visibility.public,
        title=N_("Visibility"),
        description=N_("Who sees posts that do not say otherwise: public, unlisted, private or direct."),
    )
    max_chars: int = Field(
        default=500,
        gt=0,
        title=N_("Character limit"),
        description=N_("The most characters a post may have on this server (500 unless the server says otherwise)."),
    )


def countable_length(text: str) -> int:
    """The length Mastodon checks against its limit: graphemes, links as 23, remote mentions without the domain."""
    pieces: list[str] = []
    last = 0
    for start, end, _url in find_links(text):
        pieces.append(text[last:start])
        pieces.append("x" * URL_LENGTH)
        last = end
    pieces.append(text[last:])
    return count_graphemes(_REMOTE_MENTION.sub(r"@\1", "".join(pieces)))


class MastodonPublisher:
    """Publishes statuses to one Mastodon account."""

    name: ClassVar[str] = "mastodon"
    Settings: ClassVar[type[BaseModel]] = MastodonSettings

    def __init__(self, settings: MastodonSettings, *, client: httpx.AsyncClient, clock: Clock = utcnow) -> None:
        self.settings = settings
        self._client = client
        self._clock = clock

    @property
    def _server(self) -> str:
        return str(self.settings.base_url).rstrip("/")

    def prepare(self, post: PostRequest) -> OutgoingRequest:
        """The ``POST /api/v1/statuses`` request for ``post``, without the token."""
        if not post.text.strip():
            raise InvalidPostError(
                _("The post is empty: write something before publishing."), platform=self.name, code="empty_post"
            )
        length = countable_length(post.text)
        limit = self.settings.max_chars
        if length > limit:
            raise PostTooLongError(
                _(
                    "The post is {length} characters long and {platform} allows at most {limit}: "
                    "shorten it by {excess}."
                ).format(length=length, platform=DISPLAY, limit=limit, excess=length - limit),
                platform=self.name,
                details={"length": length, "limit": limit, "unit": "characters"},
            )
        body: dict[str, Any] = {"status": post.text, "visibility": str(post.visibility or self.settings.visibility)}
        if post.lang:
            body["language"] = post.lang
        if post.in_reply_to is not None:
            body["in_reply_to_id"] = self._status_id(post.in_reply_to)
        return OutgoingRequest(
            method="POST",
            url=f"{self._server}/api/v1/statuses",
            body=body,
            headers={"Idempotency-Key": post.idempotency_key},
        )

    def _status_id(self, target: str | dict[str, Any]) -> str:
        """The id of the status to answer: an id, or the status's address on this same server."""
        if isinstance(target, str):
            value = target.strip()
            if _STATUS_ID.match(value):
                return value
            parts = urlsplit(value)
            server = urlsplit(self._server)
            last = parts.path.rstrip("/").rsplit("/", 1)[-1]
            # Only this server's addresses carry this server's ids; a remote post has another id here.
            if parts.scheme in ("http", "https") and parts.netloc == server.netloc and _STATUS_ID.match(last):
                return last
        raise InvalidPostError(
            _("Cannot reply to {value!r}: give the id of a status on {server}, or its address there.").format(
                value=target, server=self._server
            ),
            platform=self.name,
            code="invalid_reply_target",
            details={"in_reply_to": target},
        )

    async def publish(self, post: PostRequest) -> Publication:
        """Post the status and return where it lives."""
        outgoing = self.prepare(post)
        token = self.settings.access_token.get_secret_value()
        response = await send(
            self._client,
            outgoing,
            platform=self.name,
            display=DISPLAY,
            credentials={"Authorization": f"Bearer {token}"},
        )
        raise_for_answer(response, platform=self.name, display=DISPLAY, clock=self._clock, secrets=(token,))
        data = read_json(response, platform=self.name, display=DISPLAY, required=("id",))
        status_id = str(data["id"])
        url = data.get("url") or data.get("uri")
        log.info("publish.sent", extra={"platform": self.name, "external_id": status_id})
        return Publication(
            platform=self.name,
            external_id=status_id,
            url=url if isinstance(url, str) else None,
            published_at=self._created_at(data.get("created_at")),
            dry_run=False,
            request=outgoing.describe(),
            reply_ref=status_id,
        )

    def _created_at(self, value: Any) -> datetime:
        if isinstance(value, str):
            try:
                moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                moment = None
            if moment is not None and moment.tzinfo is not None:
                return moment.astimezone(UTC)
        return self._clock()

    async def delete(self, external_id: str) -> NoReturn:
        """Refused by the crisis policy: publish a follow-up instead."""
        refuse_deletion(self.name, external_id)


__all__ = ["MastodonPublisher", "MastodonSettings", "countable_length"]
