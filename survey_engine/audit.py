"""The audit log of staff changes. Details never hold passwords, tokens or personal data."""

from __future__ import annotations

from datetime import UTC, datetime

from survey_engine.actors import Actor
from survey_engine.errors import Page
from survey_engine.tables import AuditLog


async def record(
    actor: Actor, action: str, object_type: str, object_key: str, details: dict[str, object]
) -> None:
    await AuditLog.insert(
        AuditLog(
            at=datetime.now(UTC),
            actor=actor.user_id or None,
            actor_email=actor.email,
            action=action,
            object_type=object_type,
            object_key=str(object_key),
            details=details,
        )
    )


async def list_entries(limit: int, offset: int, object_type: str | None = None) -> Page:
    query = AuditLog.select().order_by(AuditLog.id, ascending=False)
    count = AuditLog.count()
    if object_type:
        query = query.where(AuditLog.object_type == object_type)
        count = count.where(AuditLog.object_type == object_type)
    rows = await query.limit(limit).offset(offset).output(load_json=True)
    return Page(items=rows, total=await count, limit=limit, offset=offset)


async def object_types() -> list[str]:
    """The kinds of object the log has entries for (for a filter list)."""
    rows = await AuditLog.select(AuditLog.object_type).distinct().order_by(AuditLog.object_type)
    return [str(r["object_type"]) for r in rows]
