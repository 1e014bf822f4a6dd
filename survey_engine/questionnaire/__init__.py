"""Questionnaire engine: definitions, display logic, answer validation, templates, index map.

Pure Python + msgspec: no web framework, no database. Public API::

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
