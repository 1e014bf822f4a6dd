"""The questionnaires' data step: on a deployment of one province, the stored questionnaires become that
province's (its staff keep changing them); on one of several, they stay in the national library. Both
engines."""

from __future__ import annotations

import importlib
from typing import Any

from piccolo.engine.base import Engine

from survey_engine.tables import Questionnaire
from tests.survey_engine.migration_steps import NOW, add_province, bind

STEP = importlib.import_module("survey_engine.piccolo_migrations.survey_engine_2026_12_07t06_40_30_000000")


async def _questionnaire(code: str, province: int | None = None) -> None:
    await Questionnaire.insert(
        Questionnaire(
            code=code,
            title_vi=code,
            title_en=code,
            draft_definition={},
            created_at=NOW,
            updated_at=NOW,
            province=province,
        )
    )


async def _owners() -> dict[str, int | None]:
    return {
        str(r["code"]): r["province"]
        for r in await Questionnaire.select(Questionnaire.code, Questionnaire.province)
    }


async def test_a_single_provinces_questionnaires_become_its_own(engine: Engine[Any]) -> None:
    bind(STEP, engine)
    only = await add_province("01")
    await _questionnaire("sipas-2023")
    await STEP.assign_questionnaires()
    await STEP.assign_questionnaires()  # safe to repeat
    assert await _owners() == {"sipas-2023": only}


async def test_with_several_provinces_they_stay_national(engine: Engine[Any]) -> None:
    bind(STEP, engine)
    first = await add_province("01")
    await add_province("P2")
    await _questionnaire("sipas-2023")
    await _questionnaire("own", province=first)
    await STEP.assign_questionnaires()
    assert await _owners() == {"sipas-2023": None, "own": first}
