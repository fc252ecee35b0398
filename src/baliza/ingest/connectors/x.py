"""X (Twitter) API v2: the filtered stream live, recent search for polling and backfill.

The filtered stream delivers what the app's stream rules match; ``ensure_rules`` turns the settings (a query, or
keywords and languages) into rules tagged with ``rule_tag``, adding before deleting so the stream never runs
without them, and leaving other rules of the same app alone. The stream has no replay, so the cursor holds the
newest post id delivered: after a reconnect, ``stream`` opens the stream first, then catches up with recent
search from that id, then reads the stream, dropping what was already delivered. Nothing posted while away is
lost (within the seven days recent search covers) and nothing arrives twice.

``fetch`` polls recent search: the first pass goes back to ``since`` (at most seven days), later passes ask only
for posts after the newest one delivered (``since_id``). A pass spread over several calls keeps its
``next_token`` in the cursor, so a restart in the middle of it neither skips nor repeats a page.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import re
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import httpx
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from baliza.core.clock import utcnow
from baliza.core.i18n import N_, _
from baliza.ingest.connectors import httpio
from baliza.ingest.connectors.base import (
    Clock,
    ConnectorError,
    MentionPage,
    RateLimitedError,
    Skipped,
    UnavailableError,
    as_mapping,
    build_mention,
    dump_cursor,
    excerpt,
    load_cursor,
)
from baliza.ingest.connectors.netguard import check_url_async, redact_url
from baliza.ingest.connectors.rss import static_url_problem
from baliza.ingest.connectors.text import clean_lang
from baliza.ingest.schemas import MentionIn

log = logging.getLogger(__name__)

STREAM_PATH = "/2/tweets/search/stream"
RULES_PATH = "/2/tweets/search/stream/rules"
SEARCH_PATH = "/2/tweets/search/recent"
TWEET_FIELDS = "id,text,created_at,author_id,lang,public_metrics,referenced_tweets,conversation_id,note_tweet"
USER_FIELDS = "username,name,public_metrics,verified,description,created_at"
SEARCH_LIMIT = 100  # recent search's maximum page size
RECENT_IN_CURSOR = 200
# Recent search refuses a start_time older than seven days; a little margin for the clocks on both sides.
SEARCH_WINDOW = timedelta(days=7) - timedelta(minutes=1)
SNOWFLAKE_EPOCH_MS = 1_288_834_974_657
# Language codes X uses for "no language" (und, zxx) and its private ones (qme: media only, qht: hashtags only...).
_NO_LANGUAGE = frozenset({"und", "zxx", "art"})
_TERM = re.compile(r"[#@$]?\w+")


class XSettings(BaseModel):
    """An X app's bearer token and what to listen for."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    bearer_token: SecretStr = Field(
        title=N_("Bearer token"),
        description=N_("The app's bearer token from the X developer portal (app-only access)."),
    )
    base_url: str = Field(
        default="https://api.x.com",
        max_length=2048,
        title=N_("API address"),
        description=N_("Where the X API v2 is served."),
    )
    query: str | None = Field(
        default=None,
        max_length=1024,
        title=N_("Search query"),
        description=N_("A query in X's own syntax; when set, it is used instead of the keywords and languages."),
    )
    keywords: list[str] = Field(
        default_factory=list,
        max_length=200,
        title=N_("Keywords"),
        description=N_("Words or phrases to look for; usually the watch rules' terms."),
    )
    languages: list[str] = Field(
        default_factory=list,
        max_length=20,
        title=N_("Languages"),
        description=N_("Only posts in these languages (such as es, en); empty for all."),
    )
    include_reposts: bool = Field(
        default=False,
        title=N_("Include reposts"),
        description=N_("Also deliver reposts (retweets) of matching posts, not only the originals."),
    )
    manage_rules: bool = Field(
        default=True,
        title=N_("Manage stream rules"),
        description=N_("Create and remove this connector's filtered-stream rules from the settings above."),
    )
    rule_tag: str = Field(
        default="baliza",
        min_length=1,
        max_length=64,
        pattern=r"^[\w.:-]+$",
        title=N_("Rule tag"),
        description=N_("The tag that marks this connector's stream rules, so that other rules of the app are kept."),
    )
    rule_max_length: int = Field(
        default=512,
        ge=64,
        le=4096,
        title=N_("Longest rule"),
        description=N_("The longest rule the app's access level allows (512 characters on most)."),
    )
    catch_up: bool = Field(
        default=True,
        title=N_("Catch up after a reconnect"),
        description=N_("After the stream reconnects, search for the posts published while it was down."),
    )
    max_pages: int = Field(
        default=5,
        ge=1,
        le=50,
        title=N_("Pages per fetch"),
        description=N_("How many pages of 100 posts one fetch or catch-up may read per query."),
    )

    @field_validator("base_url")
    @classmethod
    def _url(cls, value: str) -> str:
        problem = static_url_problem(value)
        if problem is not None:
            raise ValueError(problem)
        return value.rstrip("/")

    @field_validator("query")
    @classmethod
    def _query(cls, value: str | None) -> str | None:
        return value or None

    @field_validator("keywords")
    @classmethod
    def _keywords(cls, value: list[str]) -> list[str]:
        found: list[str] = []
        for raw in value:
            keyword = " ".join(raw.split())
            if not keyword:
                continue
            if '"' in keyword:
                raise ValueError(_("{keyword!r} cannot contain double quotes").format(keyword=raw))
            if keyword.casefold() not in (k.casefold() for k in found):
                found.append(keyword)
        return found

    @field_validator("languages")
    @classmethod
    def _languages(cls, value: list[str]) -> list[str]:
        found: list[str] = []
        for raw in value:
            lang = clean_lang(raw)
            if lang is None:
                raise ValueError(_("{lang!r} is not a language code such as es or en").format(lang=raw))
            if lang not in found:
                found.append(lang)
        return found

    @model_validator(mode="after")
    def _something_to_look_for(self) -> XSettings:
        if not self.query and not self.keywords:
            raise ValueError(_("give a search query or at least one keyword"))
        if self.query and len(self.query) > self.rule_max_length:
            raise ValueError(
                _("the query is {length} characters long; rules may have at most {limit}").format(
                    length=len(self.query), limit=self.rule_max_length
                )
            )
        return self


def _quoted(keyword: str) -> str:
    # A single word, #hashtag, @mention or $cashtag is an X search term as it is; anything else an exact phrase.
    return keyword if _TERM.fullmatch(keyword) else f'"{keyword}"'


def build_queries(settings: XSettings) -> list[str]:
    """The queries (and stream rules) the settings stand for: the query itself, or the keywords in as few
    ``(a OR "b c") (lang:es OR lang:en) -is:retweet`` queries as the rule length allows."""
    if settings.query:
        return [settings.query]
    suffix: list[str] = []
    if settings.languages:
        langs = [f"lang:{lang}" for lang in settings.languages]
        suffix.append(langs[0] if len(langs) == 1 else "(" + " OR ".join(langs) + ")")
    if not settings.include_reposts:
        suffix.append("-is:retweet")
    tail = (" " + " ".join(suffix)) if suffix else ""
    queries: list[str] = []
    chunk: list[str] = []

    def render(terms: list[str]) -> str:
        return "(" + " OR ".join(terms) + ")" + tail

    for term in (_quoted(k) for k in settings.keywords):
        if chunk and len(render([*chunk, term])) > settings.rule_max_length:
            queries.append(render(chunk))
            chunk = []
        chunk.append(term)
    if chunk:
        queries.append(render(chunk))
    for query in queries:
        if len(query) > settings.rule_max_length:
            raise ConnectorError(
                _("A keyword is too long for one stream rule of {limit} characters.").format(
                    limit=settings.rule_max_length
                ),
                connector=XConnector.name,
                code="x_rule_too_long",
            )
    return queries


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _count(value: Any) -> int:
    return value if isinstance(value, int) and value >= 0 else 0


def _id_order(value: str) -> tuple[int, str]:
    # Post ids are decimal snowflakes of growing length: compare by length, then digits.
    return (len(value), value)


def newest_id(*ids: str | None) -> str | None:
    """The newest of several post ids (None ignored)."""
    present = [i for i in ids if i]
    return max(present, key=_id_order) if present else None


def _lang(value: Any) -> str | None:
    lang = clean_lang(value)
    if lang is None or lang in _NO_LANGUAGE or (len(lang) == 3 and lang.startswith("q")):
        return None
    return lang


def users_by_id(includes: Any) -> dict[str, Mapping[str, Any]]:
    """``includes.users`` of an answer, by id."""
    users = as_mapping(includes).get("users")
    found: dict[str, Mapping[str, Any]] = {}
    for user in users if isinstance(users, list) else ():
        if isinstance(user, Mapping) and isinstance(user.get("id"), str):
            found[user["id"]] = user
    return found


def tweet_to_mention(
    tweet: Any, users: Mapping[str, Mapping[str, Any]], *, connector: str = "x"
) -> MentionIn | Skipped:
    """A post (API v2 JSON) as a MentionIn, its author taken from ``includes.users``."""
    if not isinstance(tweet, Mapping) or not isinstance(tweet.get("id"), str):
        return Skipped(
            code="malformed_post",
            message=_("{connector}: a post without an id was skipped.").format(connector=connector),
            excerpt=excerpt(tweet),
        )
    note = as_mapping(tweet.get("note_tweet")).get("text")
    text = note if isinstance(note, str) and note else tweet.get("text")
    metrics = as_mapping(tweet.get("public_metrics"))
    references: dict[str, str] = {}
    for ref in tweet.get("referenced_tweets") or ():
        if isinstance(ref, Mapping) and isinstance(ref.get("type"), str) and isinstance(ref.get("id"), str):
            references.setdefault(ref["type"], ref["id"])
    user = users.get(str(tweet.get("author_id")))
    username = user.get("username") if user else None
    raw: dict[str, Any] = {
        "platform": "x",
        "external_id": tweet["id"],
        "text": text if isinstance(text, str) else "",
        "created_at": tweet.get("created_at"),
        "url": f"https://x.com/{username}/status/{tweet['id']}"
        if username
        else f"https://x.com/i/status/{tweet['id']}",
        "lang": _lang(tweet.get("lang")),
        "likes": _count(metrics.get("like_count")),
        "reposts": _count(metrics.get("retweet_count")),
        "replies": _count(metrics.get("reply_count")),
        "quotes": _count(metrics.get("quote_count")),
        "views": metrics.get("impression_count") if isinstance(metrics.get("impression_count"), int) else None,
        "reply_to": references.get("replied_to"),
        "quote_of": references.get("quoted"),
        "repost_of": references.get("retweeted"),
    }
    if user and isinstance(username, str) and username:
        user_metrics = as_mapping(user.get("public_metrics"))
        raw["author"] = {
            "handle": username,
            "display_name": user.get("name") or None,
            "followers": _count(user_metrics.get("followers_count")),
            "following": _count(user_metrics.get("following_count")),
            "verified": user.get("verified") is True,
            "bio": user.get("description") or None,
            "url": f"https://x.com/{username}",
            "account_created_at": user.get("created_at"),
        }
    return build_mention(raw, connector=connector)


def snowflake_time(post_id: str) -> datetime | None:
    """When a post was created, read from its id (X ids are snowflakes: milliseconds since 2010-11-04, shifted)."""
    if not post_id.isdigit():
        return None
    milliseconds = (int(post_id) >> 22) + SNOWFLAKE_EPOCH_MS
    try:
        return datetime.fromtimestamp(milliseconds / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def x_retry_after(headers: Mapping[str, str], *, now: datetime) -> int:
    """Seconds to wait after a 429: ``Retry-After``, else X's ``x-rate-limit-reset`` (epoch seconds), else 60."""
    lowered = {key.lower(): value for key, value in headers.items()}
    mapped: dict[str, str] = {}
    if "retry-after" in lowered:
        mapped["retry-after"] = lowered["retry-after"]
    if "x-rate-limit-reset" in lowered:
        mapped["x-ratelimit-reset"] = lowered["x-rate-limit-reset"]
    return httpio.retry_after(mapped, now=now)


@dataclass
class RuleSync:
    """What ``ensure_rules`` did: the rule values added, removed and kept, and the ids whose matches are ours."""

    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    rule_ids: set[str] = field(default_factory=set)


class _Delivered:
    """The ids delivered lately (bounded, oldest first), for dropping repeats."""

    def __init__(self, ids: Iterable[Any] = (), limit: int = 10_000) -> None:
        self._ids: dict[str, None] = {}
        self._limit = limit
        for ident in ids:
            if isinstance(ident, str):
                self.add(ident)

    def __contains__(self, item: object) -> bool:
        return item in self._ids

    def add(self, ident: str) -> None:
        """Remember ``ident``, forgetting the oldest beyond the limit."""
        self._ids[ident] = None
        if len(self._ids) > self._limit:
            del self._ids[next(iter(self._ids))]

    def last(self, count: int) -> list[str]:
        """The ``count`` most recent ids, oldest first."""
        return list(self._ids)[-count:]


def _query_key(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()[:16]


class XConnector:
    """Listens to X through the filtered stream, polls and backfills with recent search."""

    name: ClassVar[str] = "x"
    Settings: ClassVar[type[BaseModel]] = XSettings

    def __init__(
        self,
        settings: XSettings,
        *,
        client: httpx.AsyncClient,
        clock: Clock = utcnow,
        allow_private: bool = False,
    ) -> None:
        self.settings = settings
        self.client = client
        self.clock = clock
        self.allow_private = allow_private
        self.rules: RuleSync | None = None

    @property
    def source(self) -> str:
        """How errors name the platform, in the reader's language."""
        return _("X API at {url}").format(url=redact_url(self.settings.base_url))

    def queries(self) -> list[str]:
        """The search queries, which are also the stream rules."""
        return build_queries(self.settings)

    # --- HTTP -----------------------------------------------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.settings.bearer_token.get_secret_value()}"}

    def _check(self, response: httpx.Response) -> None:
        if response.status_code == 429:
            seconds = x_retry_after(response.headers, now=self.clock())
            raise RateLimitedError(
                _("{source} asked us to slow down; trying again in {seconds} seconds.").format(
                    source=self.source, seconds=seconds
                ),
                connector=self.name,
                retry_after=seconds,
                details={"status": 429},
            )
        httpio.raise_for_status(response, connector=self.name, source=self.source, now=self.clock())

    async def _send(self, request: httpx.Request, *, stream: bool = False) -> httpx.Response:
        await check_url_async(self.settings.base_url, allow_private=self.allow_private)
        try:
            response = await self.client.send(request, stream=stream)
        except httpx.HTTPError as exc:
            raise httpio.transport_error(exc, connector=self.name, source=self.source) from exc
        if stream and response.status_code >= 400:
            try:
                await response.aread()
            finally:
                await response.aclose()
        self._check(response)
        return response

    async def _json(
        self, method: str, path: str, *, params: Mapping[str, str] | None = None, body: Any = None
    ) -> Mapping[str, Any]:
        request = self.client.build_request(
            method,
            self.settings.base_url + path,
            params=dict(params or {}),
            json=body,
            headers=self._headers(),
            timeout=httpio.TIMEOUT,
        )
        data = httpio.read_json(await self._send(request), connector=self.name, source=self.source)
        if not isinstance(data, Mapping):
            raise UnavailableError(
                _("{source} answered something that is not a list of posts; will try again.").format(
                    source=self.source
                ),
                connector=self.name,
                code="connector_bad_response",
            )
        return data

    # --- stream rules ---------------------------------------------------------------------------------------------

    async def ensure_rules(self) -> RuleSync:
        """Make the app's rules tagged ``rule_tag`` exactly the settings' queries (add first, then remove)."""
        wanted = self.queries()
        tag = self.settings.rule_tag
        current = await self._json("GET", RULES_PATH)
        ours = [
            rule
            for rule in current.get("data") or ()
            if isinstance(rule, Mapping) and rule.get("tag") == tag and isinstance(rule.get("id"), str)
        ]
        have = {str(rule.get("value")): str(rule["id"]) for rule in ours}
        sync = RuleSync(kept=[q for q in wanted if q in have])
        sync.rule_ids.update(have[q] for q in sync.kept)
        missing = [q for q in wanted if q not in have]
        if missing:
            answer = await self._json("POST", RULES_PATH, body={"add": [{"value": q, "tag": tag} for q in missing]})
            for rule in answer.get("data") or ():
                if isinstance(rule, Mapping) and isinstance(rule.get("id"), str):
                    sync.rule_ids.add(rule["id"])
            for error in answer.get("errors") or ():
                error = as_mapping(error)
                if error.get("title") == "DuplicateRule" and isinstance(error.get("id"), str):
                    # The same rule exists under another tag: its matches are ours too.
                    sync.rule_ids.add(error["id"])
                    continue
                details = error.get("details")
                problem = "; ".join(str(d) for d in details) if isinstance(details, list) and details else None
                raise ConnectorError(
                    _("{source} refused the stream rule {rule!r}: {problem}").format(
                        source=self.source,
                        rule=str(error.get("value") or ""),
                        problem=problem or str(error.get("title") or error.get("detail") or "?"),
                    ),
                    connector=self.name,
                    code="x_invalid_rule",
                    details={"rule": str(error.get("value") or "")},
                )
            sync.added = missing
        stale = {rule_id: value for value, rule_id in have.items() if value not in wanted}
        if stale:
            await self._json("POST", RULES_PATH, body={"delete": {"ids": list(stale)}})
            sync.removed = list(stale.values())
        self.rules = sync
        log.info("x.rules", extra={"added": len(sync.added), "removed": len(sync.removed), "kept": len(sync.kept)})
        return sync

    # --- recent search --------------------------------------------------------------------------------------------

    def start_time(self, since: datetime) -> str:
        """``since`` as recent search's ``start_time``, moved up to the oldest moment it accepts."""
        start = max(since, self.clock() - SEARCH_WINDOW)
        return start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def _usable(self, since_id: str | None) -> str | None:
        """``since_id`` when recent search still accepts it; None when the post is older than its seven days
        (after a long outage: searching from the oldest moment allowed is the best that can be done)."""
        if not since_id:
            return None
        posted = snowflake_time(since_id)
        if posted is not None and posted < self.clock() - SEARCH_WINDOW:
            log.warning("x.since_id_too_old", extra={"since_id": since_id})
            return None
        return since_id

    @staticmethod
    def _search_params(
        query: str, *, start_time: str | None = None, since_id: str | None = None, token: str | None = None
    ) -> dict[str, str]:
        params = {
            "query": query,
            "max_results": str(SEARCH_LIMIT),
            "tweet.fields": TWEET_FIELDS,
            "expansions": "author_id",
            "user.fields": USER_FIELDS,
        }
        if since_id:
            params["since_id"] = since_id
        elif start_time:
            params["start_time"] = start_time
        if token:
            params["next_token"] = token
        return params

    async def _search_page(
        self, params: Mapping[str, str]
    ) -> tuple[list[Any], dict[str, Mapping[str, Any]], Mapping[str, Any]]:
        data = await self._json("GET", SEARCH_PATH, params=params)
        posts = data.get("data", [])
        if not isinstance(posts, list):
            raise UnavailableError(
                _("{source} answered something that is not a list of posts; will try again.").format(
                    source=self.source
                ),
                connector=self.name,
                code="connector_bad_response",
            )
        return posts, users_by_id(data.get("includes")), as_mapping(data.get("meta"))

    def _convert(
        self,
        posts: Iterable[Any],
        users: Mapping[str, Mapping[str, Any]],
        since: datetime | None,
        delivered: _Delivered,
    ) -> tuple[list[MentionIn], list[Skipped]]:
        items: list[MentionIn] = []
        skipped: list[Skipped] = []
        for post in posts:
            result = tweet_to_mention(post, users, connector=self.name)
            if isinstance(result, Skipped):
                skipped.append(result)
            elif (since is None or result.created_at >= since) and result.external_id not in delivered:
                delivered.add(result.external_id)
                items.append(result)
        return items, skipped

    async def search(self, query: str, *, since: datetime, cursor: str | None = None) -> MentionPage:
        """One page of recent search for ``query`` (X's syntax), newest first, back to ``since`` (at most 7 days)."""
        posts, users, meta = await self._search_page(
            self._search_params(query, start_time=self.start_time(since), token=cursor)
        )
        items, skipped = self._convert(posts, users, since, _Delivered())
        following = _text(meta.get("next_token"))
        items.sort(key=lambda m: m.created_at)
        return MentionPage(items=items, cursor=following, has_more=following is not None, skipped=skipped)

    async def fetch(self, *, since: datetime, cursor: str | None) -> MentionPage:
        """Posts matching the queries after the cursor (the first time: back to ``since``), by recent search."""
        state = load_cursor(cursor, connector=self.name)
        saved = as_mapping(state.get("queries"))
        delivered = _Delivered(state.get("recent") or ())
        positions: dict[str, dict[str, Any]] = {}
        items: list[MentionIn] = []
        skipped: list[Skipped] = []
        has_more = False
        for query in self.queries():
            key = _query_key(query)
            position = {k: v for k, v in as_mapping(saved.get(key)).items() if isinstance(v, str)}
            for _page in range(self.settings.max_pages):
                since_id = self._usable(position.get("since_id"))
                # A pass keeps the start_time it began with: its next_token belongs to that exact query.
                start = None if since_id else position.get("start_time") or self.start_time(since)
                params = self._search_params(
                    query, start_time=start, since_id=since_id, token=position.get("next_token")
                )
                posts, users, meta = await self._search_page(params)
                got, bad = self._convert(posts, users, since, delivered)
                items += got
                skipped += bad
                # The newest post of a pass becomes the next pass's since_id, once the whole pass is delivered.
                top = newest_id(position.get("pass_newest"), _text(meta.get("newest_id")))
                following = _text(meta.get("next_token"))
                if following:
                    position = {
                        name: value
                        for name, value in (
                            ("since_id", since_id),
                            ("start_time", start),
                            ("next_token", following),
                            ("pass_newest", top),
                        )
                        if value
                    }
                    continue
                done = newest_id(since_id, top)
                position = {"since_id": done} if done else {}
                break
            else:
                has_more = True
            positions[key] = position
        items.sort(key=lambda m: m.created_at)
        next_state = {"queries": positions, "recent": delivered.last(RECENT_IN_CURSOR)}
        return MentionPage(items=items, cursor=dump_cursor(next_state), has_more=has_more, skipped=skipped)

    # --- filtered stream ------------------------------------------------------------------------------------------

    async def _open_stream(self, stack: contextlib.AsyncExitStack) -> httpx.Response:
        request = self.client.build_request(
            "GET",
            self.settings.base_url + STREAM_PATH,
            params={"tweet.fields": TWEET_FIELDS, "expansions": "author_id", "user.fields": USER_FIELDS},
            headers=self._headers(),
            timeout=httpio.STREAM_TIMEOUT,
        )
        response = await self._send(request, stream=True)
        stack.push_async_callback(response.aclose)
        return response

    async def _read(self, response: httpx.Response, queue: asyncio.Queue[Any]) -> None:
        """Lines of the stream into ``queue`` (keep-alive blank lines dropped); a drop as an error."""
        try:
            async for line in response.aiter_lines():
                if line.strip():
                    queue.put_nowait(line)
            reason = "closed"
        except httpx.HTTPError as exc:
            reason = type(exc).__name__
        queue.put_nowait(httpio.disconnected(connector=self.name, source=self.source, reason=reason))

    async def _catch_up(self, since_id: str, delivered: _Delivered) -> tuple[list[MentionIn], list[Skipped], str]:
        """Everything the queries matched after ``since_id`` (up to ``max_pages`` per query), and the newest id."""
        items: list[MentionIn] = []
        skipped: list[Skipped] = []
        newest = since_id
        for query in self.queries():
            token: str | None = None
            for _page in range(self.settings.max_pages):
                usable = self._usable(since_id)
                start = None if usable else self.start_time(self.clock() - SEARCH_WINDOW)
                posts, users, meta = await self._search_page(
                    self._search_params(query, start_time=start, since_id=usable, token=token)
                )
                got, bad = self._convert(posts, users, None, delivered)
                items += got
                skipped += bad
                newest = newest_id(newest, *(item.external_id for item in got)) or newest
                token = _text(meta.get("next_token"))
                if not token:
                    break
            else:
                log.warning("x.catch_up_truncated", extra={"pages": self.settings.max_pages})
        items.sort(key=lambda m: m.created_at)
        return items, skipped, newest

    def _ours(self, message: Mapping[str, Any]) -> bool:
        """Did one of this connector's rules match? (Unknown when the rules are not managed here: yes.)"""
        if self.rules is None:
            return True
        matched = message.get("matching_rules")
        if not isinstance(matched, list):
            return True
        return any(isinstance(rule, Mapping) and rule.get("id") in self.rules.rule_ids for rule in matched)

    def _malformed(self, line: str) -> Skipped:
        return Skipped(
            code="malformed_event",
            message=_("{source}: a line of the stream that is not a post was skipped.").format(source=self.source),
            excerpt=excerpt(line),
        )

    async def stream(self, *, cursor: str | None) -> AsyncIterator[MentionPage]:
        """Live posts from the filtered stream, after catching up (by recent search) from ``cursor``."""
        state = load_cursor(cursor, connector=self.name)
        since_id = state.get("since_id") if isinstance(state.get("since_id"), str) else None
        delivered = _Delivered(state.get("recent") or ())

        def position() -> str:
            return dump_cursor({"since_id": since_id, "recent": delivered.last(RECENT_IN_CURSOR)} if since_id else {})

        if self.settings.manage_rules and self.rules is None:
            await self.ensure_rules()
        queue: asyncio.Queue[Any] = asyncio.Queue()
        async with contextlib.AsyncExitStack() as stack:
            # Listen first, catch up second: a post published in between is in both, and dropped once.
            response = await self._open_stream(stack)
            reader = asyncio.create_task(self._read(response, queue))
            stack.push_async_callback(_cancel, reader)
            if since_id and self.settings.catch_up:
                items, skipped, since_id = await self._catch_up(since_id, delivered)
                if items or skipped:
                    yield MentionPage(items=items, cursor=position(), skipped=skipped)
            while True:
                got = await queue.get()
                if isinstance(got, ConnectorError):
                    raise got
                try:
                    message = json.loads(got)
                except ValueError:
                    yield MentionPage(items=[], cursor=position(), skipped=[self._malformed(got)])
                    continue
                if not isinstance(message, Mapping):
                    yield MentionPage(items=[], cursor=position(), skipped=[self._malformed(got)])
                    continue
                if "data" not in message:
                    errors = message.get("errors")
                    first = as_mapping(errors[0]) if isinstance(errors, list) and errors else {}
                    if first.get("title") == "operational-disconnect" or first.get("disconnect_type"):
                        raise httpio.disconnected(
                            connector=self.name,
                            source=self.source,
                            reason=str(first.get("disconnect_type") or first.get("title")),
                        )
                    yield MentionPage(items=[], cursor=position(), skipped=[self._malformed(got)])
                    continue
                if not self._ours(message):
                    continue
                items, skipped = self._convert(
                    [message.get("data")], users_by_id(message.get("includes")), None, delivered
                )
                since_id = newest_id(since_id, *(item.external_id for item in items))
                if items or skipped:
                    yield MentionPage(items=items, cursor=position(), skipped=skipped)


async def _cancel(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


__all__ = [
    "RuleSync",
    "XConnector",
    "XSettings",
    "build_queries",
    "newest_id",
    "snowflake_time",
    "tweet_to_mention",
    "users_by_id",
    "x_retry_after",
]
