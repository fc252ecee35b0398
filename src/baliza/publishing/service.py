"""How a workspace publishes: until a publisher is configured for real, every publication is a dry run."""

from __future__ import annotations

import hashlib
from typing import Any

from baliza.core.clock import utcnow
from baliza.publishing.models import ScheduledPost
from baliza.responses.models import Response


def _dry_id(kind: str, row_id: int, text: str) -> str:
    digest = hashlib.blake2b(f"{kind}:{row_id}:{text}".encode(), digest_size=6).hexdigest()
    return f"dry-run-{digest}"


async def dry_run_response(response: Response) -> dict[str, Any]:
    """What publishing this response would send; nothing leaves Baliza."""
    return {
        "dry_run": True,
        "platform": response.channel,
        "external_id": _dry_id("response", response.id, response.text),
        "url": None,
        "published_at": utcnow().isoformat(),
        "request": {"text": response.text, "lang": response.lang, "in_reply_to": response.mention_id},
    }


async def dry_run_post(post: ScheduledPost) -> dict[str, Any]:
    """What publishing this scheduled post would send; nothing leaves Baliza."""
    return {
        "dry_run": True,
        "platform": post.channel,
        "external_id": _dry_id("post", post.id, post.text),
        "url": None,
        "published_at": utcnow().isoformat(),
        "request": {"text": post.text, "lang": post.lang},
    }


__all__ = ["dry_run_post", "dry_run_response"]
