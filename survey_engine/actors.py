"""Who is acting: a staff member's identity, role and (for agency users) agency."""

from __future__ import annotations

from dataclasses import dataclass

ROLES = ("admin", "statistician", "agency", "interviewer", "data_entry")


@dataclass(frozen=True)
class Actor:
    user_id: int
    email: str
    role: str
    agency_id: int | None = None
    agency_code: str | None = None

    @property
    def agency_scoped(self) -> bool:
        """An agency user sees its own agency only; every other object answers "not found"."""
        return self.role == "agency"


SYSTEM = Actor(user_id=0, email="system", role="admin")
