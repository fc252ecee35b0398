"""Server-rendered pages: one module per page family, all under one router (the live stream included)."""

from __future__ import annotations

from fastapi import APIRouter

from baliza.web import live
from baliza.web.pages import alerts, calendar, inbox, incidents, mentions, overview, plan, reports
from baliza.web.pages.common import detector_label, issue_label, sentiment_label

router = APIRouter(include_in_schema=False)
for _module in (overview, mentions, alerts, incidents, inbox, calendar, plan, reports):
    router.include_router(_module.router)
router.include_router(live.router)

__all__ = ["detector_label", "issue_label", "router", "sentiment_label"]
