"""Every table, imported in one place so Alembic and the tests see the whole schema."""

from baliza.detection.models import Signal
from baliza.incidents.models import Incident, TimelineEntry
from baliza.ingest.models import Author, Mention, MentionRollup
from baliza.plans.models import Availability, PlanVersion
from baliza.storage.base import Base
from baliza.triage.models import AlertGroup, AlertGroupSignal, Escalation, Page
from baliza.workspaces.models import WatchRule, Workspace

metadata = Base.metadata

__all__ = [
    "AlertGroup",
    "AlertGroupSignal",
    "Author",
    "Availability",
    "Escalation",
    "Incident",
    "Mention",
    "MentionRollup",
    "Page",
    "PlanVersion",
    "Signal",
    "TimelineEntry",
    "WatchRule",
    "Workspace",
    "metadata",
]
