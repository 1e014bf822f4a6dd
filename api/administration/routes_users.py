from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, patch, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, QueryParameter

from api.services import Services, services_of
from api.web.auth import ADMIN
from api.web.routes_common import Limit, Offset, RowId, to_output, to_page
from api.web.schemas import AuditEntryOut, Code, PageOut, Role, UserIn, UserOut, UserPatch, set_fields
from survey_engine import audit
from survey_engine.actors import Actor
from survey_engine.errors import Forbidden


class UserController(Controller):
    path = "/api/v1/users"
    tags = ["users"]
    guards = [ADMIN]

    @get("/", summary="List staff accounts (a province administrator sees its province's)")
    async def list_users(
        self,
        request: Request[Any, Any, Any],
        actor: NamedDependency[Actor],
        limit: Limit = 50,
        offset: Offset = 0,
        role: Annotated[Role | None, QueryParameter()] = None,
        province: Annotated[Code | None, QueryParameter(description="only this province's accounts")] = None,
    ) -> PageOut[UserOut]:
        page = await services_of(request).staff.list_users(limit, offset, role, actor, province)
        return to_page(UserOut, page)

    @post("/", summary="Create a staff account")
    async def create_user(
        self, request: Request[Any, Any, Any], actor: NamedDependency[Actor], data: JSONBody[UserIn]
    ) -> UserOut:
        services: Services = request.app.state.services
        row = await services.staff.create_user(
            actor, data.email, data.password, data.role, data.agency, data.display_name, data.province
        )
        return to_output(UserOut, row)

    @get("/{user_id:int}", summary="One staff account (another province's: 404)")
    async def get_user(
        self, request: Request[Any, Any, Any], actor: NamedDependency[Actor], user_id: RowId
    ) -> UserOut:
        return to_output(UserOut, await services_of(request).staff.get_user(user_id, actor))

    @patch(
        "/{user_id:int}",
        summary="Change role, agency, province, status or password of an account",
        description=(
            "All the changes or none. Disabling an account or setting its password ends its sessions and "
            "tokens. 409 when the change would leave no active administrator (the last one cannot be "
            "disabled or given another role)."
        ),
    )
    async def update_user(
        self,
        request: Request[Any, Any, Any],
        actor: NamedDependency[Actor],
        user_id: RowId,
        data: JSONBody[UserPatch],
    ) -> UserOut:
        return to_output(
            UserOut, await services_of(request).staff.update_user(actor, user_id, set_fields(data))
        )


class AuditController(Controller):
    path = "/api/v1/audit-log"
    tags = ["users"]
    guards = [ADMIN]

    @get(
        "/", summary="Staff changes, newest first (the deployment's administrator: it covers every province)"
    )
    async def list_audit(
        self,
        actor: NamedDependency[Actor],
        limit: Limit = 50,
        offset: Offset = 0,
        object_type: Annotated[str | None, QueryParameter(max_length=32)] = None,
    ) -> PageOut[AuditEntryOut]:
        if actor.province_scoped:
            raise Forbidden("the audit log covers every province: the deployment's administrator reads it")
        return to_page(AuditEntryOut, await audit.list_entries(limit, offset, object_type))
