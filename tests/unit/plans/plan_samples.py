"""A small valid crisis plan to break on purpose, and the bundled example's path (shared by the plan tests)."""

from __future__ import annotations

import copy
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from baliza.plans.schema import Plan

EXAMPLE = Path(__file__).resolve().parents[3] / "src" / "baliza" / "examples" / "acme" / "plan.yaml"
# Friday 20 November 2026, 10:00 in Madrid: the drill day of the example (Lucía is on holiday)
DRILL = datetime.fromisoformat("2026-11-20T10:00:00+01:00")


def weekdays(span: str = "09:00-17:00") -> dict[str, list[str]]:
    """Monday to Friday, one range a day."""
    return {day: [span] for day in ("mon", "tue", "wed", "thu", "fri")}


_BASE: dict[str, Any] = {
    "version": 1,
    "workspace": "acme",
    "timezone": "Europe/Madrid",
    "people": {
        "ana": {
            "name": "Ana Torres",
            "roles": ["comms_lead"],
            "languages": ["es", "en"],
            "timezone": "Europe/Madrid",
            "contacts": ["mailto://ana@example.org"],
            "working_hours": weekdays(),
        },
        # no working hours: reachable at any hour
        "bea": {"name": "Bea Sala", "roles": ["comms_lead"], "contacts": ["mailto://bea@example.org"]},
        "carl": {
            "name": "Carl Price",
            "timezone": "Europe/London",
            "contacts": ["json://hooks.example.org/carl"],
            "working_hours": weekdays(),
        },
    },
    "roles": {"comms_lead": {"primary": "ana", "backups": ["bea"]}},
    "rotations": {
        "oncall": {"members": ["ana", "bea"], "start": "2026-11-02", "handoff": "09:00", "length": "1w"},
    },
    "severities": {
        "sev1": {"label": {"es": "Crisis grave", "en": "Major crisis"}, "response_sla_minutes": 15, "freeze": "all"},
        "sev2": {"label": {"es": "Crisis", "en": "Crisis"}, "response_sla_minutes": 30, "freeze": "promotional"},
    },
    "routes": {
        "receiver": "main",
        "routes": [{"matchers": ['severity=~"sev1|sev2"'], "receiver": "main", "group_wait": "10s"}],
    },
    "escalation_chains": {
        "main": {
            "steps": [
                {"notify": {"role": "comms_lead"}, "wait": "10m"},
                {"notify_backup": True, "wait": "5m"},
                {"notify": {"rotation": "oncall"}},
            ]
        }
    },
    "playbooks": {
        "delivery_failure": {
            "title": {"es": "Fallo de entregas", "en": "Delivery failure"},
            "severity_hint": "sev2",
            "tasks": [{"title": {"es": "Publicar", "en": "Publish"}, "role": "comms_lead", "due_minutes": 30}],
            "holding_statement": {"es": "Desde las {start_time}…", "en": "Since {start_time}…"},
        }
    },
    "policies": {"statement_approval": {"from": "sev2", "roles": ["comms_lead"]}},
}


def base_plan() -> dict[str, Any]:
    """A fresh copy of the valid base plan (zero errors, zero warnings)."""
    return copy.deepcopy(_BASE)


def write_plan(folder: Path, data: dict[str, Any], name: str = "plan.yaml") -> Path:
    """Write ``data`` as YAML and return the path."""
    path = folder / name
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def build(data: dict[str, Any]) -> Plan:
    """Validate a plan dict directly (no file)."""
    return Plan.model_validate(data)
