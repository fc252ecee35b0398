"""Notifications end to end through apprise: a real SMTP server and a real HTTP webhook receiver on 127.0.0.1.

URL forms used (the lead's other tests can copy them):
  email, plain SMTP (no TLS) with login: mailto://USER:PASS@127.0.0.1:PORT?from=baliza@example.org&to=RCPT
  generic JSON webhook:                 json://127.0.0.1:PORT/PATH
  Mattermost-style chat webhook:        mmost://127.0.0.1:PORT/TOKEN   (posts to /hooks/TOKEN, Markdown body)
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

from baliza.core import i18n
from baliza.notify.messages import Notice, NoticeKind, pick_language, render
from baliza.notify.sender import AttemptCode, AttemptStatus, Backoff, deliver
from tests.receivers import SMTP_PASSWORD, SMTP_USER, Mailbox, Webhook, free_port


class FakeSleep:
    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


NOTICE = Notice(
    kind=NoticeKind.page,
    workspace="acme",
    title="Quejas por leche caducada",
    severity="sev2",
    severity_label={"es": "Crisis", "en": "Crisis"},
    observed=120,
    expected=14.28,
    negative_share=0.62,
    top_terms=("caducada", "#AcmeLeche"),
    top_post="Acme me ha vendido leche caducada otra vez",
    ack_url="https://baliza.example/ack?t=abc.def",
)


def plain_body(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert isinstance(part, EmailMessage)
    return str(part.get_content())


async def test_each_person_gets_the_page_by_email_in_their_language(smtp: Mailbox) -> None:
    people = {
        "lucia@acme.example": ["es", "en"],
        "john@acme.example": ["fr", "en"],
    }
    reports = {}
    for address, languages in people.items():
        rendered = render(NOTICE, pick_language(languages, "es"))
        reports[address] = await deliver([smtp.url(address)], rendered)

    assert smtp.logins == [SMTP_USER, SMTP_USER]
    spanish, english = smtp.for_("lucia@acme.example"), smtp.for_("john@acme.example")
    assert spanish["Subject"] == "[SEV2 · Crisis] Alerta en acme: Quejas por leche caducada"
    assert spanish["From"] == "baliza@example.org"
    body = plain_body(spanish)
    for line in (
        "Baliza ha detectado una posible crisis en acme y te pide que la revises.",
        "Menciones: 120 observadas, 14,3 esperadas",
        "Proporción negativa: 62\u00a0%",
        "Términos destacados: caducada, #AcmeLeche",
        "Confirmar: https://baliza.example/ack?t=abc.def",
    ):
        assert line in body
    assert english["Subject"] == "[SEV2 · Crisis] Alert in acme: Quejas por leche caducada"
    body = plain_body(english)
    assert "Mentions: 120 observed, 14.3 expected" in body
    assert "Negative share: 62%" in body
    assert "Acknowledge: https://baliza.example/ack?t=abc.def" in body
    assert "Menciones" not in body

    report = reports["lucia@acme.example"]
    assert report.ok and report.lang == "es" and report.delivered_index == 0
    assert report.delivered_to == (
        f"mailto://{SMTP_USER}:****@127.0.0.1:{smtp.port}?from=baliza@example.org&to=lucia@acme.example"
    )
    (attempt,) = report.attempts
    assert (attempt.status, attempt.code, attempt.attempt, attempt.reason) == (
        AttemptStatus.sent, AttemptCode.sent, 1, "delivered",
    )  # fmt: skip
    assert attempt.started_at.tzinfo is not None and attempt.started_at <= attempt.finished_at
    assert SMTP_PASSWORD not in repr(report)


async def test_a_json_webhook_receives_title_and_body(webhook: Webhook) -> None:
    rendered = render(NOTICE.model_copy(update={"drill": True}), "es")
    report = await deliver([webhook.url("/baliza/lucia")], rendered, drill=True, allow_real=True)
    assert report.ok and report.delivered_to == webhook.url("/baliza/lucia")
    (post,) = webhook.posts
    assert post.path == "/baliza/lucia"
    assert post.headers["content-type"] == "application/json"
    assert post.payload["title"] == rendered.title
    assert post.payload["title"].startswith("[SIMULACRO] [SEV2 · Crisis] Alerta en acme")
    assert post.payload["message"] == rendered.body  # a generic webhook gets plain text, not Markdown
    assert post.payload["message"].startswith("[SIMULACRO] Esto es un simulacro, no una crisis real.\n")
    assert post.payload["type"] == "info"


async def test_a_failing_contact_is_retried_with_backoff_then_the_next_one_gets_it(
    webhook: Webhook, smtp: Mailbox
) -> None:
    webhook.statuses["/broken"] = 500
    sleep = FakeSleep()
    rendered = render(NOTICE, "en")
    report = await deliver(
        [webhook.url("/broken"), smtp.url("diego@acme.example"), webhook.url("/never")], rendered, sleep=sleep
    )
    assert sleep.calls == [2.0, 4.0]
    assert webhook.paths() == ["/broken"] * 3
    assert [(a.contact_index, a.attempt, a.status) for a in report.attempts] == [
        (0, 1, AttemptStatus.failed), (0, 2, AttemptStatus.failed), (0, 3, AttemptStatus.failed),
        (1, 1, AttemptStatus.sent),
    ]  # fmt: skip
    failure = report.attempts[0]
    assert failure.code is AttemptCode.failed
    assert "error=500" in failure.detail
    assert failure.reason == f"delivery failed: {failure.detail}"
    assert report.delivered_index == 1
    assert smtp.for_("diego@acme.example")["Subject"] == rendered.title


async def test_a_closed_port_is_retried_with_the_given_backoff_then_falls_through(
    webhook: Webhook, smtp: Mailbox
) -> None:
    closed = free_port()
    sleep = FakeSleep()
    dead_mail = f"mailto://{SMTP_USER}:{SMTP_PASSWORD}@127.0.0.1:{closed}?from=baliza@example.org&to=x@acme.example"
    with i18n.use_locale("es"):
        report = await deliver(
            [dead_mail, webhook.url("/backup")],
            render(NOTICE, "es"),
            attempts=2,
            backoff=Backoff(base_seconds=0.5, factor=3),
            sleep=sleep,
            timeout=10,
        )
    assert sleep.calls == [0.5]
    assert [(a.contact_index, a.code) for a in report.attempts] == [
        (0, AttemptCode.failed), (0, AttemptCode.failed), (1, AttemptCode.sent),
    ]  # fmt: skip
    assert report.attempts[0].reason.startswith("no se pudo entregar: ")
    assert report.attempts[0].contact == (
        f"mailto://{SMTP_USER}:****@127.0.0.1:{closed}?from=baliza@example.org&to=x@acme.example"
    )
    assert report.attempts[-1].reason == "entregado"
    assert webhook.paths() == ["/backup"]
    assert smtp.messages == []
    assert SMTP_PASSWORD not in repr(report)
    assert all(SMTP_PASSWORD not in a.model_dump_json() for a in report.attempts)


async def test_an_unrecognised_url_falls_through_without_retries(webhook: Webhook) -> None:
    sleep = FakeSleep()
    report = await deliver(
        ["teams://lucia:Hunter2-pass@acme.example/abcdef0123456789abcdef", webhook.url("/hook")],
        render(NOTICE, "en"),
        sleep=sleep,
    )
    unrecognised, sent = report.attempts
    assert unrecognised.code is AttemptCode.unsupported_url
    assert unrecognised.reason == "not a notification URL that Baliza recognises; check its scheme and format"
    assert unrecognised.contact == "teams://lucia:****@acme.example/****"
    assert sent.code is AttemptCode.sent and report.delivered_index == 1
    assert sleep.calls == []
    assert "Hunter2-pass" not in repr(report)
    assert "abcdef0123456789abcdef" not in repr(report)


async def test_a_drill_skips_real_contacts_unless_allowed(webhook: Webhook, smtp: Mailbox) -> None:
    real = smtp.url("lucia@acme.example")
    drill_channel = webhook.url("/drill")
    rendered = render(NOTICE.model_copy(update={"drill": True}), "es")

    report = await deliver([real, drill_channel], rendered, drill=True, drill_contacts=[drill_channel])
    assert [(a.code, a.reason) for a in report.attempts] == [
        (AttemptCode.skipped_drill, "skipped (drill)"), (AttemptCode.sent, "delivered"),
    ]  # fmt: skip
    assert smtp.messages == [] and webhook.paths() == ["/drill"]

    report = await deliver([real, drill_channel], rendered, drill=True, allow_real=True)
    assert report.delivered_index == 0
    assert smtp.for_("lucia@acme.example")["Subject"].startswith("[SIMULACRO] ")


async def test_timestamps_come_from_the_injected_clock(webhook: Webhook) -> None:
    ticks = iter(datetime(2026, 11, 20, 9, 0, tzinfo=UTC) + timedelta(seconds=s) for s in range(10))
    report = await deliver([webhook.url("/hook")], render(NOTICE, "en"), clock=lambda: next(ticks))
    (attempt,) = report.attempts
    assert (attempt.started_at, attempt.finished_at) == (
        datetime(2026, 11, 20, 9, 0, tzinfo=UTC), datetime(2026, 11, 20, 9, 0, 1, tzinfo=UTC),
    )  # fmt: skip


async def test_a_chat_webhook_gets_the_markdown_body(webhook: Webhook) -> None:
    token = "abcdefghijklmnop1234"  # Mattermost's incoming-webhook key, a secret
    rendered = render(NOTICE, "es")
    report = await deliver([f"mmost://127.0.0.1:{webhook.port}/{token}"], rendered)
    (post,) = webhook.posts
    assert post.path == f"/hooks/{token}"
    assert post.payload["text"] == f"{rendered.title}\r\n{rendered.markdown}"
    assert "**Gravedad:** SEV2 · Crisis" in post.payload["text"]
    assert report.delivered_to == f"mmost://127.0.0.1:{webhook.port}/****"
    assert token not in repr(report)


async def test_a_contact_that_does_not_answer_in_time_is_a_timeout(webhook: Webhook) -> None:
    webhook.hang.add("/slow")
    report = await deliver([webhook.url("/slow"), webhook.url("/fast")], render(NOTICE, "en"), attempts=1, timeout=0.3)
    slow, fast = report.attempts
    assert (slow.code, slow.reason) == (AttemptCode.timeout, "no answer within 0.3 seconds")
    assert fast.code is AttemptCode.sent
    assert webhook.paths() == ["/slow", "/fast"]
