"""Source of the built-in templates in ``templates/*.json``.

The JSON files are what the platform loads (and what an administrator copies to make a local
variant); this module generates them so that 100+ items stay consistent (codes, refs, scales).
Regenerate after editing::

    .venv/bin/python -m survey_engine.questionnaire.template_sources

A test checks that the files on disk equal what this module produces.
"""

from __future__ import annotations

from pathlib import Path

from survey_engine.questionnaire.loader import check_definition, dump_definition_pretty
from survey_engine.questionnaire.template_counter import counter_3, decree61_9
from survey_engine.questionnaire.template_ikm import ikm_9
from survey_engine.questionnaire.template_sipas_2017 import sipas_2017
from survey_engine.questionnaire.template_sipas_2023 import sipas_2023
from survey_engine.questionnaire.template_sipas_2025 import sipas_2025

TEMPLATE_DIR = Path(__file__).parent / "templates"


BUILDERS = {
    "sipas-2017": sipas_2017,
    "sipas-2023": sipas_2023,
    "sipas-2025": sipas_2025,
    "counter-3": counter_3,
    "decree61-9": decree61_9,
    "ikm-9": ikm_9,
}


def render_all() -> dict[str, bytes]:
    """Template id → pretty JSON, after checking each definition."""
    out = {}
    for tid, build in BUILDERS.items():
        q = build()
        problems = check_definition(q)
        if problems:
            raise ValueError(f"{tid}: {problems}")
        out[tid] = dump_definition_pretty(q)
    return out


def main() -> None:
    TEMPLATE_DIR.mkdir(exist_ok=True)
    for tid, data in render_all().items():
        (TEMPLATE_DIR / f"{tid}.json").write_bytes(data)
        print(f"wrote {TEMPLATE_DIR / f'{tid}.json'}")


if __name__ == "__main__":
    main()
