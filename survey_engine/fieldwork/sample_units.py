"""A wave's drawn sample as stored: each sampled unit's fieldwork status, and the weights it was given.

Read by fieldwork progress (``survey_engine.fieldwork.samples``), by the weighting
(``survey_engine.fieldwork.weights``)
and by estimates and exports. It imports none of them, so the imports stay one-way:
samples → weights → sample_units.

Fieldwork status of a sampled unit (AAPOR *Standard Definitions*, 2023, categories in brackets; the rates
are in :mod:`sampling.response_rates`)
    ``complete`` [I] — a complete submission of the wave with the unit's dossier hash (any channel), or its
    phone contact is complete; ``partial`` [P] — an incomplete submission (kiosk break-off) or a partial
    phone interview; ``refusal`` [R] (refusals and break-offs); ``non_contact`` [NC] (incl. callbacks);
    ``other`` [O]; ``unknown`` [U] — unknown eligibility, incl. units not yet attempted (``pending``) and
    units without a phone that have not answered; ``ineligible`` [NE]. A paper copy printed for the unit
    and recorded as ``refused`` makes an otherwise unresolved unit a refusal (see
    :mod:`survey_engine.paper.tracking` for the mail dispositions).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from survey_engine.fieldwork.frames import BATCH
from survey_engine.tables import Contact, PaperCopy, SampleUnit, Submission

CONTACT_PREFIX = "SMP-"
# Contact.status (phone module outcomes) → fieldwork status.
CONTACT_STATUS = {
    "complete": "complete",
    "partial": "partial",
    "refusal": "refusal",
    "non_contact": "non_contact",
    "callback": "non_contact",
    "other": "other",
    "unknown": "unknown",
    "pending": "unknown",
    "ineligible": "ineligible",
}


@dataclass(frozen=True)
class WeightRow:
    """Design variables of one sampled unit for estimation (see :func:`weights_for_wave`).

    ``psu`` is the sampled unit itself (the design is stratified, unclustered); ``fpc`` is N_h, the
    number of frame units in the stratum, as R's ``fpc`` argument.
    """

    stratum: str
    psu: str
    final_weight: float
    fpc: int
    base_weight: float
    inclusion_probability: float
    nonresponse_class: str | None
    agency: str


async def weights_for_wave(wave_id: int) -> dict[str, WeightRow]:
    """Weights and design variables of the wave's weighted respondents, keyed by dossier hash.

    Only sampled units with a final weight > 0 (respondents at the last weighting) are returned; a
    submission of the same wave with the same ``dossier_hash`` takes the row's weight and design variables.
    Empty when the wave has no sample or its weights were never computed.
    """
    rows = await SampleUnit.select(
        SampleUnit.id,
        SampleUnit.dossier_hash,
        SampleUnit.stratum,
        SampleUnit.final_weight,
        SampleUnit.stratum_population,
        SampleUnit.base_weight,
        SampleUnit.inclusion_probability,
        SampleUnit.nonresponse_class,
        SampleUnit.agency.code.as_alias("agency"),
    ).where((SampleUnit.wave == wave_id) & (SampleUnit.final_weight > 0))
    return {
        r["dossier_hash"]: WeightRow(
            stratum=r["stratum"],
            psu=str(r["id"]),
            final_weight=float(r["final_weight"]),
            fpc=int(r["stratum_population"]),
            base_weight=float(r["base_weight"]),
            inclusion_probability=float(r["inclusion_probability"]),
            nonresponse_class=r["nonresponse_class"],
            agency=r["agency"],
        )
        for r in rows
    }


@dataclass(frozen=True)
class SampledUnit:
    """One sampled unit with its frame variables and its current fieldwork status (see the module)."""

    id: int
    dossier_hash: str
    agency: str
    stratum: str
    stratum_population: int
    stratum_sample: int
    inclusion_probability: float
    base_weight: float
    contact_code: str | None
    field: str
    demographics: dict[str, str]
    status: str

    def weighting_row(self) -> dict[str, Any]:
        """The unit as :func:`survey_engine.fieldwork.weights.compute_weights` reads it (a plain row,
        like the frame rows it is weighted against)."""
        return {
            "agency": self.agency,
            "field": self.field,
            "stratum": self.stratum,
            "demographics": self.demographics,
            "status": self.status,
            "inclusion_probability": self.inclusion_probability,
        }


def unit_status(contact_status: str | None, submission_complete: bool | None) -> str:
    """The fieldwork status of a sampled unit from its phone contact and its submission (if any)."""
    if submission_complete is True or contact_status == "complete":
        return "complete"
    if submission_complete is False or contact_status == "partial":
        return "partial"
    if contact_status is None:
        return "unknown"
    return CONTACT_STATUS.get(contact_status, "unknown")


async def sampled_units(wave_id: int) -> list[SampledUnit]:
    """Every sampled unit of the wave with its frame variables and current fieldwork status."""
    units = (
        await SampleUnit.select(
            SampleUnit.id,
            SampleUnit.dossier_hash,
            SampleUnit.agency.code.as_alias("agency"),
            SampleUnit.stratum,
            SampleUnit.stratum_population,
            SampleUnit.stratum_sample,
            SampleUnit.inclusion_probability,
            SampleUnit.base_weight,
            SampleUnit.contact_code,
            SampleUnit.frame_unit.field.as_alias("field"),
            SampleUnit.frame_unit.demographics.as_alias("demographics"),
        )
        .where(SampleUnit.wave == wave_id)
        .order_by(SampleUnit.id)
        .output(load_json=True)
    )
    contacts = {
        r["code"]: r["status"]
        for r in await Contact.select(Contact.code, Contact.status).where(
            (Contact.wave == wave_id) & Contact.code.like(CONTACT_PREFIX + "%")
        )
    }
    paper_refused = {
        r["sample_unit"]
        for r in await PaperCopy.select(PaperCopy.sample_unit).where(
            (PaperCopy.wave == wave_id)
            & (PaperCopy.status == "refused")
            & PaperCopy.sample_unit.is_not_null()
        )
    }
    answered: dict[str, bool] = {}
    hashes = [u["dossier_hash"] for u in units]
    for start in range(0, len(hashes), BATCH):
        rows = await Submission.select(Submission.dossier_hash, Submission.complete).where(
            (Submission.wave == wave_id) & Submission.dossier_hash.is_in(hashes[start : start + BATCH])
        )
        for r in rows:
            answered[r["dossier_hash"]] = bool(r["complete"]) or answered.get(r["dossier_hash"], False)
    sampled: list[SampledUnit] = []
    for unit in units:
        contact = contacts.get(unit["contact_code"]) if unit["contact_code"] else None
        if unit["id"] in paper_refused and contact in (None, "pending", "unknown"):
            contact = "refusal"
        demographics = unit["demographics"]
        if isinstance(demographics, str):  # joined JSON columns are not always decoded
            demographics = json.loads(demographics or "{}")
        sampled.append(
            SampledUnit(
                **{**unit, "demographics": demographics or {}},
                status=unit_status(contact, answered.get(unit["dossier_hash"])),
            )
        )
    return sampled
