"""Reads and writes of responses, approvals and inbox state."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from baliza.core.errors import NotFoundError
from baliza.core.i18n import _
from baliza.responses.models import Approval, InboxItem, Response


async def get(*, db_session: AsyncSession, workspace_id: int, response_id: int) -> Response:
    """One response of a workspace; NotFoundError otherwise."""
    response = await db_session.get(Response, response_id)
    if response is None or response.workspace_id != workspace_id:
        raise NotFoundError(
            _("No response {response_id} in this workspace.").format(response_id=response_id),
            details={"field": "response_id", "value": response_id},
        )
    return response


async def list_responses(
    *, db_session: AsyncSession, workspace_id: int, incident_id: int | None = None, status: str | None = None
) -> list[Response]:
    """Newest first."""
    query = select(Response).where(Response.workspace_id == workspace_id)
    if incident_id is not None:
        query = query.where(Response.incident_id == incident_id)
    if status is not None:
        query = query.where(Response.status == status)
    return list((await db_session.execute(query.order_by(Response.id.desc()))).scalars())


async def approvals(*, db_session: AsyncSession, response_id: int) -> list[Approval]:
    """Decisions on a response, oldest first."""
    query = select(Approval).where(Approval.response_id == response_id).order_by(Approval.id)
    return list((await db_session.execute(query)).scalars())


async def set_approval(
    *, db_session: AsyncSession, response_id: int, role: str, by: str, decision: str, comment: str | None, at: datetime
) -> Approval:
    """Record (or replace) the decision for one role."""
    query = select(Approval).where(Approval.response_id == response_id, Approval.role == role)
    row = (await db_session.execute(query)).scalar_one_or_none()
    if row is None:
        row = Approval(response_id=response_id, role=role, approved_by=by, decision=decision)
        db_session.add(row)
    row.approved_by = by
    row.decision = decision
    row.comment = comment
    row.at = at
    await db_session.flush()
    return row


async def clear_approvals(*, db_session: AsyncSession, response_id: int) -> None:
    """A changed text needs approving again."""
    for row in await approvals(db_session=db_session, response_id=response_id):
        await db_session.delete(row)
    await db_session.flush()


async def inbox_state(*, db_session: AsyncSession, mention_ids: list[int]) -> dict[int, InboxItem]:
    """mention id -> desk state, for the mentions that have one."""
    if not mention_ids:
        return {}
    query = select(InboxItem).where(InboxItem.mention_id.in_(mention_ids))
    return {row.mention_id: row for row in (await db_session.execute(query)).scalars()}


async def get_or_create_item(
    *, db_session: AsyncSession, workspace_id: int, mention_id: int, due_at: datetime | None
) -> InboxItem:
    """The desk state of a mention, created on first touch."""
    query = select(InboxItem).where(InboxItem.mention_id == mention_id)
    row = (await db_session.execute(query)).scalar_one_or_none()
    if row is None:
        row = InboxItem(workspace_id=workspace_id, mention_id=mention_id, due_at=due_at)
        db_session.add(row)
        await db_session.flush()
    return row


__all__ = [
    "approvals",
    "clear_approvals",
    "get",
    "get_or_create_item",
    "inbox_state",
    "list_responses",
    "set_approval",
]
