from __future__ import annotations

from typing import Annotated

from litestar import get
from litestar.params import PathParameter

from api.web.routes_common import to_output
from api.web.schemas import FormOut
from survey_engine.collection.forms import form_for_token

Token = Annotated[str, PathParameter(max_length=64, description="the service point's public token")]


@get(
    "/api/v1/forms/{token:str}", tags=["collection"], summary="The questionnaire a service-point token serves"
)
async def get_form(token: Token) -> FormOut:
    return to_output(FormOut, await form_for_token(token))
