"""The questionnaire definition format: frozen msgspec Structs, JSON in and out.

Structural rules (types, unknown fields) are enforced by msgspec when decoding; cross-field
rules (duplicate codes, forward references in ``show_if``, unknown groups…) live in
:mod:`survey_engine.questionnaire.loader`, which is the only supported way to build a
:class:`Questionnaire` from untrusted JSON.

Codes (questionnaire items, sections, index groups, options) are restricted to letters,
digits and ``_`` so that they can be used unchanged as CSV / Parquet column names and in
URLs. The official numbering of the printed form (``Q9.II.B.2``) lives in ``Item.ref``.
"""

from __future__ import annotations

from typing import Annotated, Final, Literal

import msgspec

from survey_engine.questionnaire.conditions import Condition

#: Item / section / group code: starts with a letter, safe as a CSV column name.
CODE_PATTERN: Final = r"^[A-Za-z][A-Za-z0-9_]{0,63}$"
#: Option code: letters, digits, underscore (may start with a digit, e.g. "18_24").
OPTION_PATTERN: Final = r"^[A-Za-z0-9_]{1,32}$"

Code = Annotated[str, msgspec.Meta(pattern=CODE_PATTERN)]
OptionCode = Annotated[str, msgspec.Meta(pattern=OPTION_PATTERN)]

ItemType = Literal["likert5", "likert4", "single", "multi", "yesno", "text", "number", "rating3"]
Instrument = Literal["sipas-gen1", "sipas-gen2", "counter", "decree61", "ikm"]
#: How criteria combine into the index (IndexSpec); every rule is served by the same estimates paths.
IndexRule = Literal["top_box_share", "mean_score", "score_sum", "weighted_mean"]
#: Rules whose criteria may be single-choice items with a score on every option.
SCORED_CHOICE_RULES: Final = frozenset({"score_sum", "weighted_mean"})
#: At most this many options on a scored single-choice criterion (one code character per answer).
MAX_SCORED_OPTIONS: Final = 9

#: Item types whose answers are integers on a labelled scale.
SCALE_TYPES: Final = frozenset({"likert5", "likert4", "rating3"})
#: Number of scale points each scale type must have.
SCALE_POINTS: Final = {"likert5": 5, "likert4": 4, "rating3": 3}

#: "Không biết / Không áp dụng" on scale items. Scale values are 1..k, so 0 never collides,
#: and it stays an integer column in exports (no mixed types for the statistics layer).
DONT_KNOW: Final = 0
#: "Không biết / Không áp dụng" on single-choice items; option codes may not use it.
DONT_KNOW_OPTION: Final = "DK"
#: Default maximum length of a free-text answer, in characters (not bytes).
DEFAULT_MAX_LENGTH: Final = 2000


class Text(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A bilingual label. Vietnamese is the primary text; English may be empty (falls back to vi)."""

    vi: Annotated[str, msgspec.Meta(min_length=1)]
    en: str = ""

    def get(self, lang: str = "vi") -> str:
        """The label in ``lang`` ("vi" or "en"), falling back to Vietnamese."""
        return self.en if lang == "en" and self.en else self.vi


#: Label shown for the don't-know choice unless a questionnaire overrides it.
DONT_KNOW_LABEL: Final = Text(vi="Không biết / Không áp dụng", en="Don't know / Not applicable")


class ScalePoint(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    value: Annotated[int, msgspec.Meta(ge=1, le=10)]
    labels: Text


class Scale(msgspec.Struct, frozen=True, forbid_unknown_fields=True, omit_defaults=True):
    """A labelled ordinal scale, values 1..k in ascending order.

    ``top_box`` lists the values counted as "positive" by the top-box index rule
    (4 and 5 on the satisfaction scale, docs/sipas.md §5); empty for scales never indexed.
    """

    labels: Text
    points: Annotated[list[ScalePoint], msgspec.Meta(min_length=2)]
    top_box: list[int] = []


class Option(msgspec.Struct, frozen=True, forbid_unknown_fields=True, omit_defaults=True):
    """A choice of a ``single`` / ``multi`` item; ``score`` is used by the score-sum rule (Decree 61)."""

    code: OptionCode
    labels: Text
    score: int | None = None


class Section(msgspec.Struct, frozen=True, forbid_unknown_fields=True, omit_defaults=True):
    """One screen of the form. ``show_if`` may refer only to items of earlier sections."""

    code: Code
    title: Text
    description: Text | None = None
    show_if: Condition | None = None


class Item(msgspec.Struct, frozen=True, forbid_unknown_fields=True, omit_defaults=True):
    """One question.

    Answer types: scale types → ``int`` (1..k, or :data:`DONT_KNOW` when allowed);
    ``single`` → option code ``str`` (or :data:`DONT_KNOW_OPTION`); ``multi`` → ``list[str]`` of
    distinct option codes; ``yesno`` → ``bool``; ``text`` → ``str``; ``number`` → ``int``/``float``.
    """

    code: Code
    type: ItemType
    labels: Text
    section: Code
    ref: str = ""  # official numbering on the printed form, e.g. "Q9.II.B.2"
    required: bool = False
    allow_dont_know: bool = False
    scale: str | None = None  # key into Questionnaire.scales (scale types only)
    options: list[Option] | None = None  # single / multi only
    show_if: Condition | None = None  # may refer only to earlier items
    element: Code | None = None  # index group (Questionnaire.index.groups) this criterion counts toward
    min: int | float | None = None  # number only
    max: int | float | None = None  # number only
    integer: bool = False  # number only: reject non-integral values
    max_length: Annotated[int, msgspec.Meta(ge=1, le=100_000)] | None = None  # text only
    help: Text | None = None


class IndexGroup(msgspec.Struct, frozen=True, forbid_unknown_fields=True, omit_defaults=True):
    """An element (gen 1: E1..E5; gen 2: I_A..II_E): its index is the mean of its criteria."""

    code: Code
    labels: Text
    ref: str = ""
    part: Code | None = None


class IndexPart(msgspec.Struct, frozen=True, forbid_unknown_fields=True, omit_defaults=True):
    """A part (gen 2: I policy, II service): its index is the mean of its criteria (not of its groups)."""

    code: Code
    labels: Text
    ref: str = ""


class IndexBand(msgspec.Struct, frozen=True, forbid_unknown_fields=True, omit_defaults=True):
    """A grade of the overall index: reached when the index is at least ``min`` (on the index's scale).

    Bands are data of the questionnaire (a national rule's published grading), listed from the lowest;
    the lowest band's ``min`` is the bottom of the scale. ``source`` cites where the cut-offs come from.
    """

    code: Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9_]{1,16}$")]
    labels: Text
    min: float


class IndexSpec(msgspec.Struct, frozen=True, forbid_unknown_fields=True, omit_defaults=True):
    """How criteria combine into indices (docs/sipas.md §5; the estimators in docs/statistics.md).

    * ``top_box_share``: criterion index = share of valid answers in the scale's ``top_box``
      (don't-know excluded from the denominator); groups, parts and the overall index are
      means of their criteria, 0–100.
    * ``mean_score``: criterion = mean answer rescaled to 0–100 (lowest point 0, highest 100);
      groups, parts and the overall index are means of their criteria.
    * ``score_sum``: each criterion is a ``single`` item whose options carry scores; criterion =
      mean score, a group's (and the overall) score = the sum of its criteria's mean scores, which is
      the mean of the respondents' totals when every criterion is answered (Decree 61: nine
      indicators 0–2, maximum 18).
    * ``weighted_mean``: criterion = mean answer (scale point value, or option score); element =
      mean of its criteria; overall = Σ ``weights[element]`` × element mean × ``multiplier``
      (Indonesian IKM: nine elements, weight 1/9 each, scale 1–4, multiplier 25).

    ``bands`` grade the overall index (e.g. IKM A–D); ``source`` cites the rule.
    """

    rule: IndexRule
    groups: Annotated[list[IndexGroup], msgspec.Meta(min_length=1)]
    parts: list[IndexPart] = []
    description: Text | None = None
    weights: dict[str, float] = {}
    multiplier: Annotated[float, msgspec.Meta(gt=0)] = 1.0
    bands: list[IndexBand] = []
    source: Text | None = None


class Questionnaire(
    msgspec.Struct, frozen=True, forbid_unknown_fields=True, omit_defaults=True, weakref=True
):
    """A complete, versioned questionnaire. ``weakref=True`` lets validation cache compiled plans."""

    id: Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")]
    version: Annotated[str, msgspec.Meta(min_length=1, max_length=32)]
    instrument: Instrument
    title: Text
    sections: Annotated[list[Section], msgspec.Meta(min_length=1)]
    items: Annotated[list[Item], msgspec.Meta(min_length=1)]
    description: Text | None = None
    scales: dict[str, Scale] = {}
    index: IndexSpec | None = None
    dont_know_label: Text = DONT_KNOW_LABEL

    def item(self, code: str) -> Item:
        """The item with ``code`` (KeyError if none)."""
        for it in self.items:
            if it.code == code:
                return it
        raise KeyError(code)
