"""Kiosk devices: staff register a tablet for one service point; its token authenticates its submissions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from survey_engine import audit, tenancy
from survey_engine.actors import Actor
from survey_engine.administration.agencies import ServicePointService
from survey_engine.errors import NotFound, Page
from survey_engine.security import hash_token, new_token
from survey_engine.tables import KioskDevice, ServicePoint

DEVICE_COLUMNS = (
    KioskDevice.id,
    KioskDevice.name,
    KioskDevice.service_point.code.as_alias("service_point"),
    KioskDevice.service_point._.agency.code.as_alias("agency"),
    KioskDevice.service_point.public_token.as_alias("service_point_token"),
    KioskDevice.created_at,
    KioskDevice.last_seen_at,
    KioskDevice.revoked_at,
)


@dataclass(frozen=True)
class KioskDeviceRecord:
    """A registered kiosk tablet; ``service_point_token`` builds its pairing address (never its own token)."""

    id: int
    name: str
    service_point: str
    agency: str
    service_point_token: str
    created_at: datetime
    last_seen_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, row: dict[str, Any]) -> KioskDeviceRecord:
        return cls(
            id=int(row["id"]),
            name=str(row["name"]),
            service_point=str(row["service_point"]),
            agency=str(row["agency"]),
            service_point_token=str(row["service_point_token"]),
            created_at=row["created_at"],
            last_seen_at=row["last_seen_at"],
            revoked_at=row["revoked_at"],
        )


class KioskDeviceService:
    def __init__(self) -> None:
        self.points = ServicePointService()

    async def register(self, actor: Actor, service_point: str, name: str) -> tuple[KioskDeviceRecord, str]:
        """Returns the device and its token; the token is shown once and only its hash is kept."""
        point = await self.points._row(actor, service_point)  # agency scope: 404 for another agency's point
        token = new_token()
        inserted = await KioskDevice.insert(
            KioskDevice(
                service_point=point["id"],
                name=name,
                token_hash=hash_token(token),
                created_at=datetime.now(UTC),
                created_by=actor.user_id or None,
            )
        ).returning(KioskDevice.id)
        device_id = int(inserted[0]["id"])
        await audit.record(
            actor, "register", "kiosk_device", str(device_id), {"service_point": service_point}
        )
        return await self.get(actor, device_id), token

    async def get(self, actor: Actor, device_id: int) -> KioskDeviceRecord:
        query = KioskDevice.select(*DEVICE_COLUMNS).where(KioskDevice.id == device_id)
        if actor.agency_scoped:
            query = query.where(KioskDevice.service_point.agency == actor.agency_id)
        query = tenancy.in_scope(query, actor, KioskDevice.service_point._.agency._.province)
        row = await query.first()
        if row is None:
            raise NotFound(f"no kiosk device {device_id}")
        return KioskDeviceRecord.of(row)

    async def list(self, actor: Actor, limit: int, offset: int, service_point: str | None = None) -> Page:
        query = KioskDevice.select(*DEVICE_COLUMNS).order_by(KioskDevice.id)
        count = KioskDevice.count()
        conditions = []
        if actor.agency_scoped:
            conditions.append(KioskDevice.service_point.agency == actor.agency_id)
        own_province = tenancy.condition(actor, KioskDevice.service_point._.agency._.province)
        if own_province is not None:
            conditions.append(own_province)
        if service_point:
            conditions.append(KioskDevice.service_point.code == service_point)
        for condition in conditions:
            query = query.where(condition)
            count = count.where(condition)
        return Page(
            items=await query.limit(limit).offset(offset), total=await count, limit=limit, offset=offset
        )

    async def revoke(self, actor: Actor, device_id: int) -> KioskDeviceRecord:
        device = await self.get(actor, device_id)
        if device.revoked_at is None:
            await KioskDevice.update({KioskDevice.revoked_at: datetime.now(UTC)}).where(
                KioskDevice.id == device_id
            )
            await audit.record(actor, "revoke", "kiosk_device", str(device_id), {})
        return await self.get(actor, device_id)


async def service_point_token(code: str) -> str:
    row = await ServicePoint.select(ServicePoint.public_token).where(ServicePoint.code == code).first()
    if row is None:
        raise NotFound(f"no service point with code {code}")
    return str(row["public_token"])
