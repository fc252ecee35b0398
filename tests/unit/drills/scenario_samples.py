"""A small valid drill scenario to break on purpose, shared by the drill tests."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

_BASE: dict[str, Any] = {
    "version": 1,
    "id": "sample",
    "title": {"es": "Prueba", "en": "Sample"},
    "description": {"es": "Un escenario pequeño", "en": "A small scenario"},
    "workspace": "acme",
    "plan": "bundled:acme",
    "start": "T-10m",
    "duration": "40m",
    "variables": {"city": ["Madrid", "Bilbao"]},
    "baseline": {
        "per_minute": 10,
        "platforms": {"x": 0.7, "instagram": 0.3},
        "languages": {"es": 0.6, "en": 0.4},
        "negative_share": 0.2,
        "templates": [
            {"tone": "positive", "es": "Me encanta Acme en {{ city }}", "en": "Love Acme in {{ city }}"},
            {"tone": "negative", "es": "Acme tarda {{ hours }} horas", "en": "Acme is {{ hours }} hours late"},
        ],
    },
    "bursts": [
        {
            "at": "T+2m",
            "curve": "sudden",
            "peak_per_minute": 30,
            "half_life": "10m",
            "templates": [{"tone": "negative", "es": "Pedido {{ order }} de Acme perdido", "en": "Acme lost my order"}],
        }
    ],
    "events": [
        {
            "at": "T+5m",
            "kind": "influencer_post",
            "author": {"handle": "@comeconmarta", "followers": 250000, "verified": True},
            "platform": "instagram",
            "lang": "es",
            "text": {"es": "Acme no llega #AcmeNoLlega", "en": "Acme never came #AcmeNoLlega"},
        }
    ],
    "availability": [{"at": "T0", "person": "lucia", "reason": {"es": "Vacaciones", "en": "Holiday"}}],
    "expected": {
        "acknowledge_within": "10m",
        "holding_statement_within": "30m",
        "first_response_within": "15m",
        "severity": "sev2",
        "escalation": {"must_reach": ["diego"], "backup_of": "lucia"},
    },
}


def base_scenario() -> dict[str, Any]:
    """A fresh copy of the valid sample."""
    return copy.deepcopy(_BASE)


def write_scenario(tmp_path: Path, data: dict[str, Any], name: str = "scenario.yaml") -> Path:
    """Write ``data`` as YAML and return the path."""
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path
