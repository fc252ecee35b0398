"""Delivery without a network: secrets masked, backoff arithmetic, drill refusals, unrecognised URLs."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from baliza.core import i18n
from baliza.core.errors import ValidationError
from baliza.notify.messages import Rendered
from baliza.notify.sender import AttemptCode, AttemptStatus, Backoff, DeliveryReport, deliver, redact_contact

RENDERED = Rendered(lang="es", title="Alerta", body="Cuerpo")


class FakeTime:
    """An injected clock and sleep: records what delivery asked to wait, waits for nothing."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
        self.sleeps: list[float] = []

    def clock(self) -> datetime:
        self.now += timedelta(milliseconds=10)
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += timedelta(seconds=seconds)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "mailto://baliza:s3cr3t-pw@127.0.0.1:2525?from=baliza@example.org&to=lucia@acme.example",
            "mailto://baliza:****@127.0.0.1:2525?from=baliza@example.org&to=lucia@acme.example",
        ),
        ("mailto://lucia.garcia@acmefoods.example", "mailto://lucia.garcia@acmefoods.example"),
        ("tgram://123456789:AAHabcdefghijklmnopqrstu/148220391", "tgram://****/148220391"),
        ("slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ/#general", "slack://****/****/****/#general"),
        ("json://hooks.acme.example/baliza/lucia", "json://hooks.acme.example/baliza/lucia"),
        ("json://user:pw@127.0.0.1:9000/hook?-token=abc123", "json://user:****@127.0.0.1:9000/hook?-token=****"),
        ("nosuch://bob:hunter2@x.example/abcdefgh12345678ijkl?k=1", "nosuch://bob:****@x.example/****?k=1"),
        ("not a url at all", "****"),
    ],
)
def test_contacts_are_shown_with_secrets_masked(url: str, shown: str) -> None:
    assert redact_contact(url) == shown


@pytest.mark.parametrize(
    ("backoff", "delays"),
    [
        (Backoff(), [2.0, 4.0, 8.0, 16.0]),
        (Backoff(base_seconds=0.5, factor=3), [0.5, 1.5, 4.5, 13.5]),
        (Backoff(base_seconds=10, factor=10, max_seconds=60), [10.0, 60.0, 60.0, 60.0]),
    ],
)
def test_backoff_grows_exponentially_up_to_its_cap(backoff: Backoff, delays: list[float]) -> None:
    assert [backoff.delay(n) for n in range(1, 5)] == delays


async def test_a_drill_never_reaches_real_contacts() -> None:
    time = FakeTime()
    contacts = ["mailto://lucia:pw-real@mail.acme.example?to=lucia@acme.example", "json://hooks.acme.example/lucia"]
    with i18n.use_locale("es"):
        report = await deliver(contacts, RENDERED, drill=True, sleep=time.sleep, clock=time.clock)
    assert not report.ok and report.drill
    assert [(a.contact_index, a.attempt, a.status, a.code, a.reason) for a in report.attempts] == [
        (0, 0, AttemptStatus.skipped, AttemptCode.skipped_drill, "omitido (simulacro)"),
        (1, 0, AttemptStatus.skipped, AttemptCode.skipped_drill, "omitido (simulacro)"),
    ]
    assert report.attempts[0].contact == "mailto://lucia:****@mail.acme.example?to=lucia@acme.example"
    assert time.sleeps == []


async def test_an_unrecognised_url_fails_at_once_and_the_next_contact_is_tried() -> None:
    time = FakeTime()
    contacts = ["nosuch://bob:hunter2-secret@x.example/p", "  ", "mailto://lucia:pw-real@mail.acme.example"]
    report = await deliver(
        contacts, RENDERED, drill=True, drill_contacts=contacts[:2], sleep=time.sleep, clock=time.clock
    )
    first, second, third = report.attempts
    assert (first.status, first.code, first.attempt) == (AttemptStatus.failed, AttemptCode.unsupported_url, 1)
    assert first.reason == "not a notification URL that Baliza recognises; check its scheme and format"
    assert first.contact == "nosuch://bob:****@x.example/p"
    assert (second.code, second.contact) == (AttemptCode.unsupported_url, "****")
    assert third.code is AttemptCode.skipped_drill
    assert time.sleeps == []
    assert "hunter2-secret" not in repr(report)
    assert "pw-real" not in repr(report)


async def test_apprise_logs_keep_secrets_out(caplog: pytest.LogCaptureFixture) -> None:
    pasted_token = "xoxb-1234567890-ABCDEFGHIJKLMNOP"  # a token pasted where a URL belongs
    contacts = ["nosuch://bob:hunter2-secret@x.example/tokenABCDEF0123456789", pasted_token]
    with caplog.at_level(logging.DEBUG):
        report = await deliver(contacts, RENDERED)
    assert [a.code for a in report.attempts] == [AttemptCode.unsupported_url] * 2
    apprise_lines = [r.getMessage() for r in caplog.records if r.name == "apprise"]
    assert any(line.startswith("Unparseable URL nosuch://") for line in apprise_lines)
    assert "Unsupported URL: ****" in apprise_lines  # apprise logs what it was given; the filter masks it
    for secret in ("hunter2-secret", "tokenABCDEF0123456789", pasted_token):
        assert secret not in caplog.text


async def test_no_contacts_is_an_empty_report() -> None:
    report = await deliver([], RENDERED)
    assert report == DeliveryReport(lang="es", drill=False, attempts=())
    assert not report.ok


@pytest.mark.parametrize(("attempts", "timeout", "code"), [(0, 30.0, "invalid_attempts"), (3, 0.0, "invalid_timeout")])
async def test_nonsense_settings_are_refused(attempts: int, timeout: float, code: str) -> None:
    with pytest.raises(ValidationError) as err:
        await deliver(["json://127.0.0.1/x"], RENDERED, attempts=attempts, timeout=timeout)
    assert err.value.code == code
