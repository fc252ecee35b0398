"""The publisher contract: deletion refused by policy, dry run by default, the registry, errors, grapheme counting."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from importlib.metadata import EntryPoint, EntryPoints
from typing import Any, ClassVar, NoReturn

import httpx
import pytest
from pydantic import BaseModel, SecretStr

from baliza.core import i18n
from baliza.core.errors import (
    BalizaError,
    ConfigError,
    NotFoundError,
    PermissionDeniedError,
    TooManyRequestsError,
    ValidationError,
)
from baliza.publishing.publishers import (
    AuthError,
    DryRunPublisher,
    InvalidPostError,
    OutgoingRequest,
    PolicyRefusedError,
    PostRequest,
    PostTooLongError,
    Publication,
    Publisher,
    PublishError,
    RateLimitedError,
    RejectedError,
    UnavailableError,
    get_publisher_class,
    make_publisher,
    publisher_names,
    registry,
    validate_settings,
)
from baliza.publishing.publishers.base import refuse_deletion
from baliza.publishing.publishers.bluesky import BlueskyPublisher
from baliza.publishing.publishers.mastodon import MastodonPublisher
from baliza.publishing.publishers.text import count_graphemes, find_links, graphemes

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
TOKEN = "tok-S3cr3t-9f8e7d6c5b4a"
REFUSED_EN = (
    "Deleting public posts is refused by the crisis policy: clarify, apologise, and publish a follow-up instead."
)
REFUSED_ES = (
    "La política de crisis no permite borrar publicaciones públicas: aclara, pide disculpas y publica un "
    "seguimiento en su lugar."
)
MASTODON = {"base_url": "https://social.acme.example", "access_token": TOKEN}
BLUESKY = {"handle": "acme.bsky.social", "app_password": "abcd-efgh-ijkl-mnop"}


def clock() -> datetime:
    return NOW


class Counting:
    """An httpx transport that answers nothing and counts what tried to reach it."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(500)


class EchoSettings(BaseModel):
    channel: str


class EchoPublisher:
    """A third-party publisher, as a plugin package would ship it."""

    name: ClassVar[str] = "echo"
    Settings: ClassVar[type[BaseModel]] = EchoSettings

    def __init__(self, settings: EchoSettings, *, client: httpx.AsyncClient, clock: Any = None) -> None:
        self.settings = settings

    def prepare(self, post: PostRequest) -> OutgoingRequest:
        return OutgoingRequest(method="POST", url="https://echo.example/post", body={"text": post.text})

    async def publish(self, post: PostRequest) -> Publication:
        raise AssertionError("a dry run must not publish")

    async def delete(self, external_id: str) -> NoReturn:
        refuse_deletion(self.name, external_id)


class NotAPublisher:
    name: ClassVar[str] = "broken"


def post(**fields: Any) -> PostRequest:
    return PostRequest.model_validate(
        {"text": "Lo sentimos.", "lang": "es", "idempotency_key": "response-41", **fields}
    )


def entry(name: str, value: str) -> EntryPoint:
    return EntryPoint(name=name, value=value, group="baliza.publishers")


@pytest.fixture
def plugins(monkeypatch: pytest.MonkeyPatch) -> list[EntryPoint]:
    """The entry points the registry sees, replaced by a list the test fills."""
    found: list[EntryPoint] = []

    def fake_entry_points(*, group: str) -> EntryPoints:
        assert group == "baliza.publishers"
        return EntryPoints(found)

    monkeypatch.setattr(registry, "entry_points", fake_entry_points)
    return found


def every_publisher(transport: Counting) -> list[Publisher]:
    client = httpx.AsyncClient(transport=httpx.MockTransport(transport))
    return [
        make_publisher("mastodon", MASTODON, client=client, dry_run=False),
        make_publisher("bluesky", BLUESKY, client=client, dry_run=False),
        make_publisher("mastodon", MASTODON, client=client),
        make_publisher("bluesky", BLUESKY, client=client),
    ]


async def test_deleting_is_always_refused_with_the_policy_message() -> None:
    transport = Counting()

    for publisher in every_publisher(transport):
        with pytest.raises(PolicyRefusedError) as english:
            await publisher.delete("110")
        with i18n.use_locale("es"), pytest.raises(PolicyRefusedError) as spanish:
            await publisher.delete("110")

        assert english.value.message == REFUSED_EN
        assert spanish.value.message == REFUSED_ES
        assert english.value.code == "delete_refused"
        assert english.value.status == 403
        assert isinstance(english.value, PermissionDeniedError)
        assert english.value.details["external_id"] == "110"
    assert transport.requests == []


def test_the_refusal_names_the_platform_behind_a_dry_run() -> None:
    with pytest.raises(PolicyRefusedError) as caught:
        refuse_deletion("bluesky", "at://did:plc:x/app.bsky.feed.post/1")

    assert caught.value.to_dict() == {
        "code": "delete_refused",
        "message": REFUSED_EN,
        "details": {"platform": "bluesky", "external_id": "at://did:plc:x/app.bsky.feed.post/1"},
    }


async def test_dry_run_is_the_default_and_sends_nothing() -> None:
    transport = Counting()
    client = httpx.AsyncClient(transport=httpx.MockTransport(transport))

    dry = make_publisher("mastodon", MASTODON, client=client, clock=clock)
    real = make_publisher("mastodon", MASTODON, client=client, clock=clock, dry_run=False)
    publication = await dry.publish(post())

    assert isinstance(dry, DryRunPublisher)
    assert dry.platform == "mastodon"
    assert isinstance(dry.inner, MastodonPublisher)
    assert isinstance(real, MastodonPublisher)
    assert transport.requests == []
    assert publication.model_dump() == {
        "platform": "mastodon",
        "external_id": publication.external_id,
        "url": None,
        "published_at": NOW,
        "dry_run": True,
        "request": {
            "method": "POST",
            "url": "https://social.acme.example/api/v1/statuses",
            "headers": {"Idempotency-Key": "response-41"},
            "json": {"status": "Lo sentimos.", "visibility": "public", "language": "es"},
        },
        "reply_ref": None,
    }
    assert publication.request == real.prepare(post()).describe()


async def test_dry_run_ids_are_stable_per_idempotency_key() -> None:
    client = httpx.AsyncClient(transport=httpx.MockTransport(Counting()))
    dry = make_publisher("bluesky", BLUESKY, client=client, clock=clock)

    first = await dry.publish(post())
    again = await dry.publish(post())
    other = await dry.publish(post(idempotency_key="response-42"))

    assert first.external_id == again.external_id != other.external_id
    assert first.external_id.startswith("dry-run-")
    assert len(first.external_id) == len("dry-run-") + 20


async def test_dry_run_refuses_what_a_real_publish_would_refuse() -> None:
    transport = Counting()
    dry = make_publisher("bluesky", BLUESKY, client=httpx.AsyncClient(transport=httpx.MockTransport(transport)))

    with pytest.raises(PostTooLongError):
        await dry.publish(post(text="a" * 301))
    with pytest.raises(InvalidPostError):
        await dry.publish(post(text=" "))
    assert transport.requests == []


async def test_a_publication_never_carries_a_secret() -> None:
    client = httpx.AsyncClient(transport=httpx.MockTransport(Counting()))
    for name, settings, secret in [("mastodon", MASTODON, TOKEN), ("bluesky", BLUESKY, BLUESKY["app_password"])]:
        publication = await make_publisher(name, settings, client=client, clock=clock).publish(post())
        assert secret not in publication.model_dump_json()
        assert secret not in json.dumps(publication.request)


def test_the_built_ins_are_there_without_entry_points(plugins: list[EntryPoint]) -> None:
    assert publisher_names() == ["bluesky", "mastodon"]
    assert get_publisher_class("mastodon") is MastodonPublisher
    assert get_publisher_class("bluesky") is BlueskyPublisher


def test_plugins_come_from_the_entry_point_group(plugins: list[EntryPoint]) -> None:
    plugins.append(entry("echo", f"{__name__}:EchoPublisher"))

    assert publisher_names() == ["bluesky", "echo", "mastodon"]
    assert get_publisher_class("echo") is EchoPublisher


async def test_a_plugin_is_dry_run_by_default_too(plugins: list[EntryPoint]) -> None:
    plugins.append(entry("echo", f"{__name__}:EchoPublisher"))
    client = httpx.AsyncClient(transport=httpx.MockTransport(Counting()))

    publication = await make_publisher("echo", {"channel": "main"}, client=client, clock=clock).publish(post())

    assert publication.platform == "echo"
    assert publication.request["json"] == {"text": "Lo sentimos."}


def test_a_plugin_cannot_take_a_built_in_name(plugins: list[EntryPoint], caplog: pytest.LogCaptureFixture) -> None:
    plugins.append(entry("mastodon", "baliza.publishing.publishers.mastodon:MastodonPublisher"))
    plugins.append(entry("bluesky", f"{__name__}:EchoPublisher"))

    with caplog.at_level(logging.WARNING, logger="baliza.publishing.publishers.registry"):
        assert get_publisher_class("bluesky") is BlueskyPublisher
        assert publisher_names() == ["bluesky", "mastodon"]

    shadowed = [record for record in caplog.records if record.message == "publish.plugin_shadowed"]
    assert {record.__dict__["publisher"] for record in shadowed} == {"bluesky"}


def test_an_unknown_publisher_lists_the_known_ones(plugins: list[EntryPoint]) -> None:
    with pytest.raises(NotFoundError) as caught:
        get_publisher_class("twitter")

    assert caught.value.message == "Unknown publisher 'twitter'; available: bluesky, mastodon."
    assert caught.value.code == "unknown_publisher"


def test_a_plugin_that_fails_to_import_is_a_config_error(plugins: list[EntryPoint]) -> None:
    plugins.append(entry("ghost", "baliza_no_such_package.publisher:GhostPublisher"))

    with pytest.raises(ConfigError) as caught:
        get_publisher_class("ghost")

    assert caught.value.message == "The publisher plugin ghost could not be loaded (ModuleNotFoundError)."
    assert isinstance(caught.value.__cause__, ModuleNotFoundError)


@pytest.mark.parametrize(
    ("name", "value", "missing"),
    [
        ("broken", "NotAPublisher", "Settings, prepare, publish, delete"),
        ("other", "EchoPublisher", "name = 'other'"),
        ("func", "entry", "class"),
    ],
)
def test_a_plugin_that_is_not_a_publisher_is_a_config_error(
    plugins: list[EntryPoint], name: str, value: str, missing: str
) -> None:
    plugins.append(entry(name, f"{__name__}:{value}"))

    with pytest.raises(ConfigError) as caught:
        get_publisher_class(name)

    assert caught.value.message == (
        f"The publisher plugin {name} does not implement the publisher interface (missing: {missing})."
    )


def test_bad_settings_name_the_fields_but_never_the_values() -> None:
    with pytest.raises(ValidationError) as caught:
        validate_settings("mastodon", {"base_url": "not a url", "access_token": TOKEN, "max_chars": 0})
    with i18n.use_locale("es"), pytest.raises(ValidationError) as spanish:
        validate_settings("mastodon", {"access_token": TOKEN})

    assert caught.value.message == "The settings of the mastodon channel are not valid: check base_url, max_chars."
    assert caught.value.details["problems"] == [
        {"field": "base_url", "problem": "url_parsing"},
        {"field": "max_chars", "problem": "greater_than"},
    ]
    assert spanish.value.message == "Los ajustes del canal mastodon no son válidos: revisa base_url."
    assert TOKEN not in json.dumps(caught.value.to_dict())


def test_settings_may_be_a_model_already() -> None:
    settings = MastodonPublisher.Settings.model_validate(MASTODON)

    assert validate_settings("mastodon", settings) is settings
    with pytest.raises(ValidationError) as caught:
        validate_settings("bluesky", settings)
    assert caught.value.details["problems"][0] == {"field": "handle", "problem": "missing"}


def test_the_error_family() -> None:
    limited = RateLimitedError("wait", platform="mastodon", retry_after=30)
    rejected = RejectedError("no", platform="mastodon")
    too_long = PostTooLongError("long", platform="bluesky")

    assert isinstance(limited, PublishError) and isinstance(limited, TooManyRequestsError)
    assert (limited.status, limited.code, limited.retry_after) == (429, "publish_rate_limited", 30)
    assert limited.to_dict()["details"] == {"platform": "mastodon", "retry_after": 30}
    assert isinstance(rejected, ValidationError) and rejected.status == 422
    assert isinstance(too_long, InvalidPostError) and too_long.code == "post_too_long"
    assert (AuthError.status, UnavailableError.status, PublishError.status) == (502, 503, 502)
    for error in (AuthError, UnavailableError, RejectedError, RateLimitedError, PolicyRefusedError):
        assert issubclass(error, BalizaError)


def test_a_post_request_needs_an_idempotency_key() -> None:
    with pytest.raises(ValueError, match="idempotency_key"):
        PostRequest.model_validate({"text": "hola"})


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("", 0),
        ("hola", 4),
        ("cafe\u0301", 4),
        ("a\r\nb", 3),
        ("👍🏽", 1),
        ("👩‍👩‍👧‍👦", 1),
        ("🏳️‍🌈", 1),
        ("🇪🇸🇲🇽", 2),
        ("🇪🇸🇲", 2),
        ("1️⃣", 1),
        ("🏴󠁧󠁢󠁳󠁣󠁴󠁿", 1),
        ("\u1100\u1161\u11a8", 1),
        ("한국어", 3),
    ],
)
def test_graphemes_are_what_people_see(text: str, count: int) -> None:
    assert count_graphemes(text) == count
    assert "".join(graphemes(text)) == text


@pytest.mark.parametrize(
    ("text", "links"),
    [
        ("Info: https://acme.example/estado.", ["https://acme.example/estado"]),
        ("(ver http://acme.example/a?b=1&c=2)", ["http://acme.example/a?b=1&c=2"]),
        (
            "https://es.wikipedia.org/wiki/Baliza_(desambiguación), gracias",
            ["https://es.wikipedia.org/wiki/Baliza_(desambiguación)"],
        ),
        ("«https://acme.example/faq»", ["https://acme.example/faq"]),
        ("sin enlaces, ni https:// a medias", []),
    ],
)
def test_links_leave_the_sentence_punctuation_out(text: str, links: list[str]) -> None:
    found = find_links(text)

    assert [url for _start, _end, url in found] == links
    assert all(text[start:end] == url for start, end, url in found)


def test_a_secret_in_settings_stays_a_secret() -> None:
    settings = validate_settings("mastodon", MASTODON)

    assert isinstance(settings.access_token, SecretStr)
    assert TOKEN not in repr(settings)
    assert TOKEN not in settings.model_dump_json()
