"""What the page and browser tests share: the Acme example with a live crisis in it, and a real server.

``seed_dashboard`` builds the example workspace and plan, people with every role, complaints heard in
the last half hour (one from a 250k-follower account), four quiet days before (so the expected band
exists), a routed signal (an alert), an incident with the delivery playbook, a holding statement
waiting for comms and legal, and a promotional post on the calendar.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from dataclasses import dataclass, field
from datetime import timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from baliza.core.clock import floor_minute, utcnow
from baliza.core.config import Settings
from baliza.core.yamlfile import load_model
from baliza.detection import service as signal_service
from baliza.incidents import flows as incident_flows
from baliza.ingest import flows as ingest_flows
from baliza.ingest import service as ingest_service
from baliza.plans import flows as plan_flows
from baliza.publishing import flows as calendar_flows
from baliza.responses import flows as response_flows
from baliza.storage.db import Database
from baliza.triage import flows as triage_flows
from baliza.web.app import create_app
from baliza.workspaces import service as workspace_service
from baliza.workspaces.schemas import WorkspaceCreate
from tests.factories import make_user, quiet_rollups

EXAMPLE = resources.files("baliza") / "examples" / "acme"
HOLDING_ES = (
    "Desde las 10:00 tenemos un fallo en nuestro sistema de reparto y muchos pedidos llegan tarde. "
    "Lo sentimos de verdad. Estamos trabajando para entregarlos cuanto antes y os contaremos novedades "
    "aquí a las 12:00. Si tu pedido está afectado, escríbenos por mensaje privado."
)
# username, workspace role, plan roles, display name
PEOPLE = (
    ("val", "viewer", [], "Val Viewer"),
    ("diego", "responder", ["community_manager"], "Diego Ramos"),
    ("ana", "lead", ["comms_lead"], "Ana Torres"),
    ("javier", "responder", ["legal"], "Javier Ortega"),
    ("olga", None, [], "Olga Outsider"),
)


@dataclass
class Seeded:
    """Ids and API tokens the tests need."""

    tokens: dict[str, str] = field(default_factory=dict)
    alert_id: int = 0
    incident_number: int = 0
    incident_id: int = 0
    statement_id: int = 0
    post_id: int = 0
    mention_ids: list[int] = field(default_factory=list)


def quiet_settings(db_url: str, data_dir: Path) -> Settings:
    """Settings for a test server: no background runners, so nothing changes behind a test's back."""
    return Settings(
        database_url=db_url,
        data_dir=data_dir,
        detection_interval_seconds=0,
        analysis_interval_seconds=0,
        escalation_interval_seconds=0,
        calendar_interval_seconds=0,
        deep_analysis=False,
    )


def complaint(n: int, minutes_ago: float, **overrides: Any) -> dict[str, Any]:
    """A delivery complaint heard ``minutes_ago``."""
    data: dict[str, Any] = {
        "platform": "x" if n % 2 else "mastodon",
        "external_id": f"crisis-{n}",
        "url": f"https://x.example/acme/{n}",
        "created_at": (utcnow() - timedelta(minutes=minutes_ago)).isoformat(),
        "text": f"Mi pedido #{n} de Acme no llegó y nadie contesta 😡 #AcmeNoLlega",
        "lang": "es",
        "author": {"handle": f"@cliente{n}", "display_name": f"Cliente {n}", "followers": 120 + n},
        "likes": 3,
        "reposts": 1,
    }
    data.update(overrides)
    return data


async def seed_dashboard(db: Database, settings: Settings) -> Seeded:
    """The Acme example in the middle of a delivery crisis (see the module doc)."""
    seeded = Seeded()
    with resources.as_file(EXAMPLE / "workspace.yaml") as path:
        workspace_in = load_model(path, WorkspaceCreate)
    async with db.session() as session:
        workspace = await workspace_service.create(db_session=session, workspace_in=workspace_in)
        await session.commit()
    with resources.as_file(EXAMPLE / "plan.yaml") as path:
        await plan_flows.load_plan_file(db, slug="acme", path=path, loaded_by="tests")
    for username, role, plan_roles, name in PEOPLE:
        _user, seeded.tokens[username] = await make_user(
            db, username=username, role=role, plan_roles=plan_roles, name=name
        )
    now = utcnow()
    await quiet_rollups(
        db, workspace.id, start=floor_minute(now) - timedelta(days=4), until=floor_minute(now) - timedelta(hours=1)
    )
    items = [complaint(n, 30 - 3 * n) for n in range(1, 9)]
    items.append(
        complaint(
            9, 6, author={"handle": "@comidaconana", "display_name": "Ana Come Bien", "followers": 250_000},
            text="Tercer pedido de Acme que no llega esta semana. Si pedís hoy, ni lo intentéis #AcmeNoLlega",
        )
    )  # fmt: skip
    items.append(complaint(10, 12, text="FreshBox me ha traído la compra en 20 minutos, ¡genial!", platform="x"))
    report = await ingest_flows.ingest_items(db, slug="acme", items=items, settings=settings, source="tests")
    assert report.stored == len(items), report
    async with db.session() as session:
        rows, _cursor = await ingest_service.list_mentions(db_session=session, workspace_id=workspace.id, limit=50)
        seeded.mention_ids = [m.id for m, _a in rows]
        top = sorted(rows, key=lambda r: (r[1].followers or 0) if r[1] else 0, reverse=True)[:3]
        start = floor_minute(now) - timedelta(minutes=30)
        series = [
            [(start + timedelta(minutes=k)).isoformat(), float(2 + (k > 20) * 6), 1.2, 0.0, 4.5] for k in range(31)
        ]
        signal = await signal_service.create(
            db_session=session,
            workspace_id=workspace.id,
            signal_in={
                "series": "issue:delivery", "detector": "volume", "sensitivity": "medium",
                "window_start_at": now - timedelta(minutes=10), "detected_at": now - timedelta(minutes=5),
                "window_minutes": 10, "observed": 48.0, "expected": 8.0, "lower": 2.0, "upper": 15.0,
                "score": 0.99, "surprise": 9.0,
                "evidence": {
                    "ratio": 6.0, "observed_share": 0.8, "series": series, "mentions_in_window": 9,
                    "top_posts": [
                        {"mention_id": m.id, "platform": m.platform, "url": m.url, "text": m.text,
                         "created_at": m.created_at.isoformat(), "author": a.handle if a else None,
                         "followers": a.followers if a else None, "engagement": 4, "issue_types": ["delivery"]}
                        for m, a in top
                    ],
                    "top_terms": [{"term": "#acmenollega", "count": 9, "baseline_count": 0, "lift": 3.2},
                                  {"term": "pedido", "count": 8, "baseline_count": 1, "lift": 2.1}],
                    "top_authors": [{"handle": "@comidaconana", "platform": "x", "posts": 1, "followers": 250_000,
                                     "verified": False}],
                },
            },
        )  # fmt: skip
        routed = await triage_flows.route_signal(db_session=session, workspace_id=workspace.id, signal_id=signal.id)
        seeded.alert_id = routed.groups[0][0]
        await session.commit()
    async with db.session() as session:
        plan = await plan_flows.current_plan(db_session=session, workspace_id=workspace.id)
        incident = await incident_flows.declare_incident(
            db_session=session, workspace_id=workspace.id, title="Pedidos que no llegan", severity="sev2",
            actor="Diego Ramos", plan=plan, playbook="delivery_failure",
        )  # fmt: skip
        seeded.incident_number, seeded.incident_id = incident.number, incident.id
        statement = await response_flows.create_draft(
            db_session=session, workspace_id=workspace.id, plan=plan, text=HOLDING_ES, lang="es",
            kind="holding_statement", incident_id=incident.id, channel="x", actor="Diego Ramos",
        )  # fmt: skip
        await response_flows.submit(db_session=session, response=statement, actor="Diego Ramos")
        seeded.statement_id = statement.id
        post = await calendar_flows.schedule(
            db_session=session, workspace_id=workspace.id, channel="instagram",
            text="¡Este finde, 2x1 en fruta de temporada!", scheduled_at=now + timedelta(days=1),
            is_promotional=True, lang="es", actor="Ana Torres",
        )  # fmt: skip
        seeded.post_id = post.id
        await session.commit()
    return seeded


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class LiveServer:
    """The app under uvicorn on 127.0.0.1, in a thread with its own event loop and its own engine."""

    def __init__(self, settings: Settings, *, poll_seconds: float = 0.5) -> None:
        self.settings = settings
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.poll_seconds = poll_seconds
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def _run(self) -> None:
        app = create_app(self.settings)
        app.state.live_poll_seconds = self.poll_seconds
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on")
        self._server = uvicorn.Server(config)
        asyncio.run(self._server.serve())

    def start(self, timeout: float = 20.0) -> None:
        """Start serving and wait until the health check answers."""
        self._thread = threading.Thread(target=self._run, name="baliza-live-server", daemon=True)
        self._thread.start()
        deadline = threading.Event()
        for _attempt in range(int(timeout * 10)):
            try:
                if httpx.get(f"{self.url}/api/v1/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            deadline.wait(0.1)
        raise RuntimeError(f"the test server did not answer on {self.url} within {timeout}s")

    def stop(self) -> None:
        """Ask uvicorn to finish and wait for the thread."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=15)


__all__ = ["HOLDING_ES", "PEOPLE", "LiveServer", "Seeded", "complaint", "free_port", "quiet_settings", "seed_dashboard"]
