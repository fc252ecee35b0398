"""People's corrections of sentiment and issue types: stored, applied, learnt from, and measured.

A correction changes the label people see on that mention at once, moves the mention between the
per-minute series it is counted in (so charts and detectors agree with the person), teaches the
workspace's own classifier (``analysis.adapt``), and feeds the accuracy report. The first time a
mention is corrected, its machine labels are kept in ``analysis["base"]`` so the report can compare.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from baliza.analysis import adapt
from baliza.analysis.models import Correction, WorkspaceClassifier
from baliza.core.clock import floor_minute, utcnow
from baliza.core.errors import NotFoundError, ValidationError
from baliza.core.i18n import _
from baliza.ingest import service as ingest_service
from baliza.ingest.models import Author, Mention


async def load_model(*, db_session: AsyncSession, workspace_id: int) -> adapt.WorkspaceModel:
    """The workspace's classifier (empty when nobody corrected anything yet)."""
    row = await db_session.get(WorkspaceClassifier, workspace_id)
    if row is None or not row.state:
        return adapt.WorkspaceModel()
    return adapt.WorkspaceModel.from_dict(row.state)


async def _save_model(
    *, db_session: AsyncSession, workspace_id: int, model: adapt.WorkspaceModel, corrections: int
) -> None:
    row = await db_session.get(WorkspaceClassifier, workspace_id)
    if row is None:
        row = WorkspaceClassifier(workspace_id=workspace_id)
        db_session.add(row)
    row.state = model.to_dict()
    row.corrections = corrections
    row.updated_at = utcnow()


def _series_of(field: str, value: Any) -> set[str]:
    if field == "sentiment":
        return {f"sentiment:{value}"} if value else set()
    return {f"issue:{v}" for v in value or ()}


async def correct(
    *, db_session: AsyncSession, workspace_id: int, mention_id: int, field: str, value: Any, actor: str
) -> Mention:
    """Record one correction and apply it everywhere it matters."""
    mention = await db_session.get(Mention, mention_id)
    if mention is None or mention.workspace_id != workspace_id:
        raise NotFoundError(
            _("No mention {mention_id} in this workspace.").format(mention_id=mention_id),
            details={"field": "mention_id", "value": mention_id},
        )
    if field == "issue_types" and isinstance(value, str):
        value = [value] if value else []
    fix = adapt.Correction(text=mention.text, lang=mention.lang, field=field, value=value)  # type: ignore[arg-type]
    new_value: Any = fix.value if isinstance(fix.value, str) else list(fix.value)
    previous: Any = mention.sentiment if field == "sentiment" else list(mention.issue_types or [])
    if new_value == previous:
        raise ValidationError(
            _("The mention already has {field} {value!r}.").format(field=field, value=new_value),
            code="correction_unchanged",
            details={"field": field, "value": new_value},
        )
    analysis = dict(mention.analysis or {})
    base = dict(analysis.get("base") or {"sentiment": mention.sentiment, "issue_types": list(mention.issue_types)})
    analysis["base"] = base
    analysis["corrected"] = {**(analysis.get("corrected") or {}), field: {"by": actor, "at": utcnow().isoformat()}}
    mention.analysis = analysis

    # Move the mention between series, so the charts and the detectors count what the person says.
    author = await db_session.get(Author, mention.author_id) if mention.author_id else None
    reach = (author.followers or 0) if author else 0
    engagement = mention.likes + mention.reposts + mention.replies + mention.quotes
    minute = floor_minute(mention.created_at)
    before, after = _series_of(field, previous), _series_of(field, new_value)
    buckets = {(s, minute): [-1, -reach, -engagement] for s in before - after}
    buckets.update({(s, minute): [1, reach, engagement] for s in after - before})
    await ingest_service.add_to_rollups(db_session=db_session, workspace_id=workspace_id, buckets=buckets)

    if field == "sentiment":
        mention.sentiment = new_value
    else:
        mention.issue_types = new_value
    db_session.add(
        Correction(
            workspace_id=workspace_id, mention_id=mention.id, field=field, value=new_value, previous=previous,
            corrected_by=actor,
        )
    )  # fmt: skip
    model = await load_model(db_session=db_session, workspace_id=workspace_id)
    model.update(fix)
    await db_session.flush()  # the new correction is counted too
    count = (
        await db_session.execute(
            select(func.count()).select_from(Correction).where(Correction.workspace_id == workspace_id)
        )
    ).scalar_one()
    await _save_model(db_session=db_session, workspace_id=workspace_id, model=model, corrections=count)
    await db_session.flush()
    return mention


async def corrections(*, db_session: AsyncSession, workspace_id: int) -> list[tuple[Correction, Mention]]:
    """Every correction with its mention, oldest first."""
    query = (
        select(Correction, Mention)
        .join(Mention, Mention.id == Correction.mention_id)
        .where(Correction.workspace_id == workspace_id)
        .order_by(Correction.id)
    )
    return [(c, m) for c, m in (await db_session.execute(query)).all()]


async def accuracy(*, db_session: AsyncSession, workspace_id: int) -> dict[str, Any]:
    """How the machine labels compare with people's corrections, before and after adaptation."""
    pairs = []
    for row, mention in await corrections(db_session=db_session, workspace_id=workspace_id):
        base = (mention.analysis or {}).get("base") or {}
        fix = adapt.Correction(text=mention.text, lang=mention.lang, field=row.field, value=row.value)  # type: ignore[arg-type]
        pairs.append((fix, {"sentiment": base.get("sentiment"), "issue_types": base.get("issue_types") or []}))
    report = adapt.accuracy_report(pairs)
    report["corrections"] = len(pairs)
    return report


__all__ = ["accuracy", "correct", "corrections", "load_model"]
