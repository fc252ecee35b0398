"""Every table, imported in one place so Alembic and the tests see the whole schema."""

from baliza.detection.models import Signal
from baliza.ingest.models import Author, Mention, MentionRollup
from baliza.storage.base import Base
from baliza.workspaces.models import WatchRule, Workspace

metadata = Base.metadata

__all__ = ["Author", "Mention", "MentionRollup", "Signal", "WatchRule", "Workspace", "metadata"]
