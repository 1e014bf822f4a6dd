from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, patch, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from api.services import Services, services_of
from api.web.auth import ANY_STAFF, ended_session_cookie, presented_token, session_cookie
from api.web.routes_common import to_output
from api.web.schemas import LoginIn, LoginOut, MePatch, PasswordChangeIn, UserOut, set_fields
from survey_engine.actors import Actor


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = ["auth"]

    @post("/login", summary="Sign in: a bearer token in the body and a session cookie", status_code=200)
    async def login(self, request: Request[Any, Any, Any], data: JSONBody[LoginIn]) -> Response[LoginOut]:
        services: Services = request.app.state.services
        token, actor = await services.staff.login(data.email, data.password, kind="bearer")
        session = await services.staff.issue_token(actor.user_id, "session")
        user = to_output(UserOut, await services.staff.get_user(actor.user_id))
        cookie = session_cookie(services.settings, session)
        body = LoginOut(
            token=token,
            token_type="bearer",  # noqa: S106 - a token kind
            expires_in=services.settings.bearer_days * 86400,
            user=user,
        )
        return Response(body, cookies=[cookie])

    @post("/logout", summary="Revoke the presented token or session", status_code=204, guards=[ANY_STAFF])
    async def logout(self, request: Request[Any, Any, Any]) -> Response[None]:
        token = presented_token(request)
        if token:
            await services_of(request).staff.revoke_token(token)
        return Response(None, status_code=204, cookies=[ended_session_cookie()])

    @get("/me", summary="The signed-in account", guards=[ANY_STAFF])
    async def me(self, request: Request[Any, Any, Any], actor: NamedDependency[Actor]) -> UserOut:
        return to_output(UserOut, await services_of(request).staff.get_user(actor.user_id))

    @patch("/me", summary="Change your own display name (not your role)", guards=[ANY_STAFF])
    async def update_me(
        self, request: Request[Any, Any, Any], actor: NamedDependency[Actor], data: JSONBody[MePatch]
    ) -> UserOut:
        services: Services = request.app.state.services
        return to_output(UserOut, await services.staff.update_user(actor, actor.user_id, set_fields(data)))

    @post(
        "/password",
        summary="Change your own password",
        description=(
            "204 once changed. Every other session and bearer token of the account ends (another browser, a "
            "script's token); the token or session cookie that made this request stays valid. 422 when the "
            "current password is wrong or the new one is not acceptable."
        ),
        status_code=204,
        guards=[ANY_STAFF],
    )
    async def change_password(
        self, request: Request[Any, Any, Any], actor: NamedDependency[Actor], data: JSONBody[PasswordChangeIn]
    ) -> None:
        await services_of(request).staff.change_own_password(
            actor, data.current_password, data.new_password, keep_token=presented_token(request)
        )
