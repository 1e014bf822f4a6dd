"""Questionnaire engine: definitions, display logic, answer validation, templates, index map.

Pure Python + msgspec: no web framework, no database.

Item codes are CSV-safe (``[A-Za-z][A-Za-z0-9_]*``); ``Item.ref`` keeps the printed numbering.
Built-in templates: ``sipas-2017`` (D1..D4, criteria ``C{element}_{k}`` e.g. ``C3_6``, element
overall ``E{n}_ALL``, ``OVERALL``, ``EXPECT``, ``COMMENT``; index groups ``E1``..``E5``),
``sipas-2023`` (``A1``..``A5``, ``Q1_k``, ``Q2``, ``Q3_k``, ``Q4``..``Q6``, ``Q7_k``, ``Q8_k``,
criteria ``Q9_{part}_{letter}_{k}`` e.g. ``Q9_II_B_2`` = ref ``Q9.II.B.2``, ``Q10_k``, ``COMMENT``;
groups ``I_A``..``II_E``, parts ``I``/``II``), ``sipas-2025`` (the ministry's published wording of
the same questionnaire, docs/sipas.md §4: sipas-2023's codes and index map, without ``Q3_8``, plus the
"if other, specify" texts ``A2_OTHER``, ``A4_OTHER``, ``A5_OTHER``, ``Q2_OTHER``), ``counter-3``
(``RATING``, ``COMMENT``), ``decree61-9`` (``D61_1``..``D61_9`` with options ``S2``/``S1``/``S0`` scored
2/1/0, ``COMMENT``).
Don't know / not applicable: ``0`` on scale items (:data:`DONT_KNOW`), ``"DK"`` on single-choice
items (:data:`DONT_KNOW_OPTION`), only where ``allow_dont_know`` is set.

Public API::

    from survey_engine.questionnaire import (
        Questionnaire, Item, load_definition, dump_definition, DefinitionError,
        validate_answers, AnswerError, visible_items, get_template, index_structure,
    )
"""

from survey_engine.questionnaire.conditions import (
    AllOf,
    Answered,
    AnyOf,
    Condition,
    Contains,
    Equals,
    In,
    Not,
    compile_condition,
)
from survey_engine.questionnaire.definition import (
    DEFAULT_MAX_LENGTH,
    DONT_KNOW,
    DONT_KNOW_LABEL,
    DONT_KNOW_OPTION,
    SCALE_TYPES,
    IndexGroup,
    IndexPart,
    IndexRule,
    IndexSpec,
    Instrument,
    Item,
    ItemType,
    Option,
    Questionnaire,
    Scale,
    ScalePoint,
    Section,
    Text,
)
from survey_engine.questionnaire.index_map import index_structure
from survey_engine.questionnaire.loader import (
    DefinitionError,
    DefinitionProblem,
    check_definition,
    dump_definition,
    dump_definition_pretty,
    load_definition,
)
from survey_engine.questionnaire.templates import get_template, list_templates
from survey_engine.questionnaire.validation import (
    AnswerError,
    normalise_form,
    prune_hidden,
    validate_answers,
    visible_items,
    visible_sections,
)

__all__ = [
    "DEFAULT_MAX_LENGTH",
    "DONT_KNOW",
    "DONT_KNOW_LABEL",
    "DONT_KNOW_OPTION",
    "SCALE_TYPES",
    "AllOf",
    "AnswerError",
    "Answered",
    "AnyOf",
    "Condition",
    "Contains",
    "DefinitionError",
    "DefinitionProblem",
    "Equals",
    "In",
    "IndexGroup",
    "IndexPart",
    "IndexRule",
    "IndexSpec",
    "Instrument",
    "Item",
    "ItemType",
    "Not",
    "Option",
    "Questionnaire",
    "Scale",
    "ScalePoint",
    "Section",
    "Text",
    "check_definition",
    "compile_condition",
    "dump_definition",
    "dump_definition_pretty",
    "get_template",
    "index_structure",
    "list_templates",
    "load_definition",
    "normalise_form",
    "prune_hidden",
    "validate_answers",
    "visible_items",
    "visible_sections",
]
