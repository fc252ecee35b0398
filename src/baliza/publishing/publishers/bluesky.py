"""Publishing to Bluesky over plain XRPC (httpx, no SDK): log in once, then create ``app.bsky.feed.post`` records.

The session is kept on the publisher and renewed once when the server says ``ExpiredToken``: first with the
refresh token, and by logging in again if that has expired too. Bluesky has no idempotency key, so the
idempotency of a Bluesky post rests on the caller not retrying an attempt that may have published
(``details["maybe_published"]`` on the error says which attempts those are).

A reply names both the post it answers (parent) and the first post of the thread (root), each by its at:// address
and content id (cid). ``in_reply_to`` takes ``"uri|cid"`` (the parent starts the thread), ``"uri|cid|root_uri|
root_cid"``, or a dict: ``{"uri", "cid"}`` with an optional ``"root": {"uri", "cid"}``, or ``{"parent", "root"}``.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar, NoReturn

import httpx
from pydantic import BaseModel, ConfigDict, Field, HttpUrl, SecretStr, field_validator

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
from baliza.publishing.publishers.transport import error_name, raise_for_answer, read_json, send

log = logging.getLogger(__name__)

DISPLAY = "Bluesky"
COLLECTION = "app.bsky.feed.post"
MAX_GRAPHEMES = 300  # the post lexicon's maxGraphemes
MAX_BYTES = 3000  # the post lexicon's maxLength, in UTF-8 bytes
# Errors that mean the session or the account's credentials are no good, whatever the HTTP status says.
AUTH_ERRORS = frozenset(
    {"ExpiredToken", "InvalidToken", "AuthMissing", "AuthenticationRequired", "AccountTakedown", "InvalidRequest"}
)
_HANDLE = re.compile(r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$")
_CID = re.compile(r"^[A-Za-z0-9]{8,}$")


class BlueskySettings(BaseModel):
    """One Bluesky account that Baliza publishes as, logged in with an app password."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    service: HttpUrl = Field(
        default=HttpUrl("https://bsky.social"),
        title=N_("Service"),
        description=N_("Address of the account's server (PDS); https://bsky.social for most accounts."),
    )
    handle: str = Field(title=N_("Handle"), description=N_("The account's handle, such as acme.bsky.social."))
    app_password: SecretStr = Field(
        title=N_("App password"),
        description=N_("An app password created for Baliza in the account's settings (not the account's password)."),
    )
    web_url: HttpUrl = Field(
        default=HttpUrl("https://bsky.app"),
        title=N_("Web address"),
        description=N_("Where links to published posts point."),
    )

    @field_validator("handle")
    @classmethod
    def _normalise_handle(cls, value: str) -> str:
        handle = value.strip().removeprefix("@").lower()
        if not _HANDLE.match(handle):
            raise ValueError(f"{value!r} is not a handle such as acme.bsky.social")
        return handle


@dataclass(frozen=True)
class _Session:
    access_jwt: str
    refresh_jwt: str
    did: str


def _strong_ref(value: Any) -> dict[str, str] | None:
    if not isinstance(value, dict):
        return None
    uri, cid = value.get("uri"), value.get("cid")
    if isinstance(uri, str) and isinstance(cid, str) and uri.startswith("at://") and _CID.match(cid):
        return {"uri": uri, "cid": cid}
    return None


def reply_refs(target: str | dict[str, Any]) -> dict[str, dict[str, str]] | None:
    """The record's ``reply`` (root and parent strong refs) for ``in_reply_to``, or None if it is not one."""
    parent: dict[str, str] | None
    root: dict[str, str] | None
    if isinstance(target, str):
        parts = [part.strip() for part in target.split("|")]
        if len(parts) not in (2, 4):
            return None
        parent = _strong_ref({"uri": parts[0], "cid": parts[1]})
        root = _strong_ref({"uri": parts[2], "cid": parts[3]}) if len(parts) == 4 else parent
    elif "parent" in target:
        parent = _strong_ref(target["parent"])
        root = _strong_ref(target["root"]) if "root" in target else parent
    else:
        parent = _strong_ref(target)
        root = _strong_ref(target["root"]) if "root" in target else parent
    if parent is None or root is None:
        return None
    return {"root": root, "parent": parent}


def link_facets(text: str) -> list[dict[str, Any]]:
    """Link facets for ``text``: Bluesky only makes links clickable when told where they are, in UTF-8 bytes."""
    facets: list[dict[str, Any]] = []
    for start, _end, url in find_links(text):
        byte_start = len(text[:start].encode())
        facets.append(
            {
                "index": {"byteStart": byte_start, "byteEnd": byte_start + len(url.encode())},
                "features": [{"$type": "app.bsky.richtext.facet#link", "uri": url}],
            }
        )
    return facets


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class BlueskyPublisher:
    """Publishes posts to one Bluesky account."""

    name: ClassVar[str] = "bluesky"
    Settings: ClassVar[type[BaseModel]] = BlueskySettings

    def __init__(self, settings: BlueskySettings, *, client: httpx.AsyncClient, clock: Clock = utcnow) -> None:
        self.settings = settings
        self._client = client
        self._clock = clock
        self._session: _Session | None = None
        # One login at a time: concurrent posts must not each open a session (logins are rate-limited).
        self._lock = asyncio.Lock()

    def _xrpc(self, method: str) -> str:
        return f"{str(self.settings.service).rstrip('/')}/xrpc/{method}"

    def prepare(self, post: PostRequest) -> OutgoingRequest:
        """The ``com.atproto.repo.createRecord`` request for ``post``, without the session token."""
        if not post.text.strip():
            raise InvalidPostError(
                _("The post is empty: write something before publishing."), platform=self.name, code="empty_post"
            )
        if post.visibility not in (None, Visibility.public):
            raise InvalidPostError(
                _("{platform} posts are always public, so it cannot publish one with visibility {visibility}.").format(
                    platform=DISPLAY, visibility=post.visibility
                ),
                platform=self.name,
                code="visibility_unsupported",
                details={"visibility": str(post.visibility)},
            )
        length = count_graphemes(post.text)
        if length > MAX_GRAPHEMES:
            raise PostTooLongError(
                _(
                    "The post is {length} characters long and {platform} allows at most {limit}: "
                    "shorten it by {excess}."
                ).format(length=length, platform=DISPLAY, limit=MAX_GRAPHEMES, excess=length - MAX_GRAPHEMES),
                platform=self.name,
                details={"length": length, "limit": MAX_GRAPHEMES, "unit": "graphemes"},
            )
        size = len(post.text.encode())
        if size > MAX_BYTES:
            raise PostTooLongError(
                _("The post takes {length} bytes and {platform} allows at most {limit}: shorten it.").format(
                    length=size, platform=DISPLAY, limit=MAX_BYTES
                ),
                platform=self.name,
                details={"length": size, "limit": MAX_BYTES, "unit": "bytes"},
            )
        record: dict[str, Any] = {"$type": COLLECTION, "text": post.text, "createdAt": _timestamp(self._clock())}
        if post.lang:
            record["langs"] = [post.lang]
        if post.in_reply_to is not None:
            reply = reply_refs(post.in_reply_to)
            if reply is None:
                raise InvalidPostError(
                    _(
                        "Cannot reply to {value!r}: on {platform} give the post's at:// address and content id as "
                        "uri|cid, or a dict with uri and cid."
                    ).format(value=post.in_reply_to, platform=DISPLAY),
                    platform=self.name,
                    code="invalid_reply_target",
                    details={"in_reply_to": post.in_reply_to},
                )
            record["reply"] = reply
        facets = link_facets(post.text)
        if facets:
            record["facets"] = facets
        # The handle, not the DID: both name the repo, and the handle is known without logging in, so a dry run
        # shows exactly the request that a real publish sends.
        body = {"repo": self.settings.handle, "collection": COLLECTION, "record": record}
        return OutgoingRequest(method="POST", url=self._xrpc("com.atproto.repo.createRecord"), body=body)

    async def publish(self, post: PostRequest) -> Publication:
        """Create the post record, logging in (or renewing the session once) as needed."""
        outgoing = self.prepare(post)
        session = await self._current_session()
        response = await self._create_record(outgoing, session)
        if response.status_code in (400, 401) and error_name(response) == "ExpiredToken":
            session = await self._renew(session)
            response = await self._create_record(outgoing, session)
        raise_for_answer(
            response,
            platform=self.name,
            display=DISPLAY,
            clock=self._clock,
            secrets=self._secrets(),
            auth_error_names=AUTH_ERRORS - {"InvalidRequest"},
        )
        data = read_json(response, platform=self.name, display=DISPLAY, required=("uri", "cid"))
        uri, cid = str(data["uri"]), str(data["cid"])
        log.info("publish.sent", extra={"platform": self.name, "external_id": uri})
        return Publication(
            platform=self.name,
            external_id=uri,
            url=self._web_url(uri),
            published_at=self._created_at(outgoing),
            dry_run=False,
            request=outgoing.describe(),
            reply_ref=f"{uri}|{cid}",
        )

    async def delete(self, external_id: str) -> NoReturn:
        """Refused by the crisis policy: publish a follow-up instead."""
        refuse_deletion(self.name, external_id)

    def _created_at(self, outgoing: OutgoingRequest) -> datetime:
        record = (outgoing.body or {}).get("record") or {}
        return datetime.fromisoformat(str(record.get("createdAt")).replace("Z", "+00:00"))

    def _web_url(self, uri: str) -> str | None:
        parts = uri.removeprefix("at://").split("/")
        if len(parts) != 3 or parts[1] != COLLECTION:
            return None
        return f"{str(self.settings.web_url).rstrip('/')}/profile/{parts[0]}/post/{parts[2]}"

    def _secrets(self) -> tuple[str, ...]:
        secrets = [self.settings.app_password.get_secret_value()]
        if self._session is not None:
            secrets += [self._session.access_jwt, self._session.refresh_jwt]
        return tuple(secrets)

    async def _create_record(self, outgoing: OutgoingRequest, session: _Session) -> httpx.Response:
        return await send(
            self._client,
            outgoing,
            platform=self.name,
            display=DISPLAY,
            credentials={"Authorization": f"Bearer {session.access_jwt}"},
        )

    async def _current_session(self) -> _Session:
        async with self._lock:
            if self._session is None:
                self._session = await self._log_in()
            return self._session

    async def _renew(self, stale: _Session) -> _Session:
        async with self._lock:
            if self._session is not None and self._session != stale:
                return self._session  # another post renewed it while we waited
            response = await self._session_call("com.atproto.server.refreshSession", stale.refresh_jwt)
            if response.status_code in (400, 401):
                log.info("publish.session_relogin", extra={"platform": self.name})
                self._session = await self._log_in()
            else:
                self._session = self._read_session(response)
            return self._session

    async def _log_in(self) -> _Session:
        outgoing = OutgoingRequest(
            method="POST",
            url=self._xrpc("com.atproto.server.createSession"),
            body={"identifier": self.settings.handle, "password": self.settings.app_password.get_secret_value()},
        )
        response = await send(self._client, outgoing, platform=self.name, display=DISPLAY, publishing=False)
        return self._read_session(response)

    async def _session_call(self, method: str, token: str) -> httpx.Response:
        # refreshSession takes no input: the PDS refuses a body where none is expected.
        outgoing = OutgoingRequest(method="POST", url=self._xrpc(method), body=None)
        return await send(
            self._client,
            outgoing,
            platform=self.name,
            display=DISPLAY,
            credentials={"Authorization": f"Bearer {token}"},
            publishing=False,
        )

    def _read_session(self, response: httpx.Response) -> _Session:
        raise_for_answer(
            response,
            platform=self.name,
            display=DISPLAY,
            clock=self._clock,
            secrets=self._secrets(),
            auth_error_names=AUTH_ERRORS,
        )
        data = read_json(
            response,
            platform=self.name,
            display=DISPLAY,
            required=("accessJwt", "refreshJwt", "did"),
            after_publish=False,
        )
        return _Session(access_jwt=str(data["accessJwt"]), refresh_jwt=str(data["refreshJwt"]), did=str(data["did"]))


__all__ = ["BlueskyPublisher", "BlueskySettings", "link_facets", "reply_refs"]
