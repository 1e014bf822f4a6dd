from __future__ import annotations

from typing import Any

from litestar import Controller, Request, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from api.services import services_of
from api.web.auth import ANALYSTS, READERS
from api.web.routes_common import Limit, Offset, RowId, to_output, to_page
from api.web.schemas import (
    PageOut,
    QuestionnaireDraftIn,
    QuestionnaireIn,
    QuestionnaireOut,
    QuestionnaireSummary,
    QuestionnaireVersionOut,
)
from survey_engine.actors import Actor
from survey_engine.administration.questionnaires import definition_json
from survey_engine.errors import FieldProblem, InvalidInput
from survey_engine.questionnaire import get_template, list_templates


class QuestionnaireController(Controller):
    path = "/api/v1/questionnaires"
    tags = ["questionnaires"]

    @get("/", summary="List questionnaires with their published versions", guards=[READERS])
    async def list_questionnaires(
        self, request: Request[Any, Any, Any], limit: Limit = 50, offset: Offset = 0
    ) -> PageOut[QuestionnaireSummary]:
        return to_page(QuestionnaireSummary, await services_of(request).questionnaires.list(limit, offset))

    @get(
        "/templates",
        summary="Built-in templates (sipas-2017, sipas-2023, sipas-2025, counter-3, decree61-9)",
        guards=[READERS],
    )
    async def templates(self) -> list[str]:
        return list(list_templates())

    @post("/", summary="Create a questionnaire from a definition or a built-in template", guards=[ANALYSTS])
    async def create_questionnaire(
        self, request: Request[Any, Any, Any], actor: NamedDependency[Actor], data: JSONBody[QuestionnaireIn]
    ) -> QuestionnaireOut:
        if (data.definition is None) == (data.template is None):
            raise InvalidInput(
                "give exactly one of definition and template",
                [FieldProblem("definition", "exactly one of definition and template")],
            )
        definition: object = data.definition
        if data.template is not None:
            try:
                definition = definition_json(get_template(data.template))
            except KeyError as exc:
                raise InvalidInput(
                    "unknown template", [FieldProblem("template", f"one of {', '.join(list_templates())}")]
                ) from exc
        row = await services_of(request).questionnaires.create(actor, definition)
        return to_output(QuestionnaireOut, row)

    @get("/{code:str}", summary="A questionnaire: its draft and published versions", guards=[READERS])
    async def get_questionnaire(
        self, request: Request[Any, Any, Any], code: FromPath[str]
    ) -> QuestionnaireOut:
        return to_output(QuestionnaireOut, await services_of(request).questionnaires.get(code))

    @put("/{code:str}/draft", summary="Replace the draft definition", guards=[ANALYSTS])
    async def update_draft(
        self,
        request: Request[Any, Any, Any],
        actor: NamedDependency[Actor],
        code: FromPath[str],
        data: JSONBody[QuestionnaireDraftIn],
    ) -> QuestionnaireOut:
        row = await services_of(request).questionnaires.update_draft(actor, code, data.definition)
        return to_output(QuestionnaireOut, row)

    @post(
        "/{code:str}/publish",
        summary="Freeze the draft as a new immutable version",
        guards=[ANALYSTS],
        status_code=200,
    )
    async def publish(
        self, request: Request[Any, Any, Any], actor: NamedDependency[Actor], code: FromPath[str]
    ) -> QuestionnaireVersionOut:
        return to_output(
            QuestionnaireVersionOut, await services_of(request).questionnaires.publish(actor, code)
        )

    @get("/{code:str}/versions/{version:int}", summary="One published version (immutable)", guards=[READERS])
    async def get_version(
        self, request: Request[Any, Any, Any], code: FromPath[str], version: RowId
    ) -> QuestionnaireVersionOut:
        row = await services_of(request).questionnaires.get_version(code, version)
        return to_output(QuestionnaireVersionOut, row)

    @delete("/{code:str}", summary="Delete a questionnaire that was never published", guards=[ANALYSTS])
    async def delete_questionnaire(
        self, request: Request[Any, Any, Any], actor: NamedDependency[Actor], code: FromPath[str]
    ) -> None:
        await services_of(request).questionnaires.delete(actor, code)
