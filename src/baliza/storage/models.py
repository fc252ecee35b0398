"""Every table, imported in one place so Alembic and the tests see the whole schema."""

from baliza.accounts.models import ApiToken, LoginAttempt, Membership, User, UserSession
from baliza.analysis.models import AnalysisProgress, Correction, WorkspaceClassifier
from baliza.detection.models import Signal
from baliza.drills.models import DrillRun
from baliza.incidents.models import AuditEntry, Incident, IncidentAssignment, IncidentTask, TimelineEntry
from baliza.ingest.models import Author, Mention, MentionRollup, Story
from baliza.plans.models import Availability, PlanVersion
from baliza.publishing.models import Channel, ScheduledPost
from baliza.responses.models import Approval, InboxItem, Response
from baliza.sources.models import Source, WebhookNonce
from baliza.storage.base import Base
from baliza.triage.models import AlertGroup, AlertGroupSignal, Escalation, Page
from baliza.workspaces.models import WatchRule, Workspace

metadata = Base.metadata

__all__ = [
    "AlertGroup",
    "AlertGroupSignal",
    "AnalysisProgress",
    "ApiToken",
    "Approval",
    "AuditEntry",
    "Author",
    "Availability",
    "Channel",
    "Correction",
    "DrillRun",
    "Escalation",
    "InboxItem",
    "Incident",
    "IncidentAssignment",
    "IncidentTask",
    "LoginAttempt",
    "Membership",
    "Mention",
    "MentionRollup",
    "Page",
    "PlanVersion",
    "Response",
    "ScheduledPost",
    "Signal",
    "Source",
    "Story",
    "TimelineEntry",
    "User",
    "UserSession",
    "WatchRule",
    "WebhookNonce",
    "Workspace",
    "WorkspaceClassifier",
    "metadata",
]
