"""Who is acting: a staff member's identity, role and (for agency users) agency."""

from __future__ import annotations

from dataclasses import dataclass

ROLES = ("admin", "statistician", "agency", "interviewer", "data_entry", "ministry")
# Roles of the whole deployment, never of one province: the ministry always; an administrator without a
# province is the deployment's administrator.
NATIONAL_ROLES = ("ministry",)


@dataclass(frozen=True)
class Actor:
    user_id: int
    email: str
    role: str
    agency_id: int | None = None
    agency_code: str | None = None
    # The tenant the account works in; None for a national account (see ``province_scoped``).
    province_id: int | None = None
    province_code: str | None = None

    @property
    def agency_scoped(self) -> bool:
        """An agency user sees its own agency only; every other object answers "not found"."""
        return self.role == "agency"

    @property
    def province_scoped(self) -> bool:
        """A province account sees its own province only; other provinces' objects answer "not found"."""
        return self.province_id is not None

    @property
    def read_only(self) -> bool:
        """The ministry's national role reads every province and changes nothing."""
        return self.role == "ministry"


SYSTEM = Actor(user_id=0, email="system", role="admin")
