"""Microdata of a wave: one row per stored submission, one column per questionnaire item, with the
design variables and weights that the estimates use, and a codebook with labels in Vietnamese and English.

Never includes phone numbers, dossier codes or their hashes, devices or IP addresses. Multi-choice answers
are joined with ";", yes/no is 1/0, "don't know" keeps its code (0 on scales, "DK" on single choice),
unanswered is empty.

Design columns: ``series`` is ``probability`` for a response linked to the wave's sample (then ``stratum``,
``psu`` = the sampled unit, ``weight`` = final weight, ``base_weight`` and ``fpc`` = stratum population come
from the weighting) and ``self-selected`` otherwise (no weight; ``psu`` = service point × day, the cluster
the self-selected estimates use).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import msgspec

from survey_engine.fieldwork.sample_units import WeightRow, weights_for_wave
from survey_engine.questionnaire import Questionnaire
from survey_engine.results.analysis import self_selected_psu, wave_of
from survey_engine.tables import Submission
from survey_engine.wave_context import WaveContext

META_COLUMNS = (
    "id",
    "wave",
    "agency",
    "service_point",
    "channel",
    "language",
    "questionnaire_version",
    "started_at",
    "submitted_at",
    "received_at",
    "duration_seconds",
    "complete",
    "series",
    "stratum",
    "psu",
    "weight",
    "base_weight",
    "fpc",
)
DESIGN_COLUMNS = frozenset({"series", "stratum", "psu", "weight", "base_weight", "fpc"})
META_LABELS: dict[str, tuple[str, str]] = {
    "id": ("Mã phiếu (do thiết bị tạo)", "Response id (client-generated UUID)"),
    "wave": ("Đợt khảo sát", "Survey wave"),
    "agency": ("Mã cơ quan", "Agency code"),
    "service_point": ("Mã điểm phục vụ", "Service point code"),
    "channel": ("Kênh (online, kiosk, phone, paper)", "Channel (online, kiosk, phone, paper)"),
    "language": ("Ngôn ngữ phiếu", "Form language"),
    "questionnaire_version": ("Phiên bản bảng hỏi", "Questionnaire version"),
    "started_at": ("Thời điểm bắt đầu", "Started at"),
    "submitted_at": ("Thời điểm gửi", "Submitted at"),
    "received_at": ("Thời điểm máy chủ nhận", "Received by the server at"),
    "duration_seconds": ("Thời gian trả lời (giây)", "Answering time (seconds)"),
    "complete": ("1 = đầy đủ, 0 = bỏ dở (kiosk)", "1 = complete, 0 = break-off (kiosk)"),
    "series": (
        "Chuỗi: probability = mẫu xác suất; self-selected = không gắn với mẫu xác suất (mọi kênh)",
        "Series: probability = the probability sample; self-selected = not linked to it (any channel)",
    ),
    "stratum": ("Tầng chọn mẫu", "Sampling stratum"),
    "psu": ("Đơn vị mẫu bậc 1 (PSU)", "Primary sampling unit"),
    "weight": ("Quyền số cuối cùng", "Final weight"),
    "base_weight": ("Quyền số cơ sở (1/π)", "Base weight (1/π)"),
    "fpc": ("Số đơn vị của tầng trong khung mẫu", "Frame units in the stratum (FPC)"),
}
CHUNK = 5000


class CodebookEntry(msgspec.Struct, frozen=True):
    """One column of the microdata: name, kind (meta, design, item), item type, labels and value labels."""

    column: str
    kind: str
    type: str
    label_vi: str
    label_en: str
    values_vi: str
    values_en: str

    def cells(self) -> tuple[str, ...]:
        """The entry's values in the order of :data:`CODEBOOK_COLUMNS`."""
        return tuple(msgspec.structs.astuple(self))


CODEBOOK_COLUMNS: tuple[str, ...] = CodebookEntry.__struct_fields__


@dataclass(frozen=True)
class WaveExport:
    wave: str
    questionnaire: Questionnaire
    columns: list[str]
    item_types: dict[str, str]
    weights: dict[str, WeightRow]

    def codebook(self) -> list[CodebookEntry]:
        """One entry per column: name, kind, type, labels vi/en, value labels vi/en."""
        q = self.questionnaire
        rows = [
            CodebookEntry(
                column=name,
                kind="design" if name in DESIGN_COLUMNS else "meta",
                type="",
                label_vi=META_LABELS[name][0],
                label_en=META_LABELS[name][1],
                values_vi="",
                values_en="",
            )
            for name in META_COLUMNS
        ]
        for item in q.items:
            values_vi: list[str] = []
            values_en: list[str] = []
            scale = q.scales.get(item.scale) if item.scale else None
            if scale is not None:
                for point in scale.points:
                    values_vi.append(f"{point.value}={point.labels.vi}")
                    values_en.append(f"{point.value}={point.labels.en or point.labels.vi}")
                if item.allow_dont_know:
                    values_vi.append(f"0={q.dont_know_label.vi}")
                    values_en.append(f"0={q.dont_know_label.en or q.dont_know_label.vi}")
            for option in item.options or []:
                values_vi.append(f"{option.code}={option.labels.vi}")
                values_en.append(f"{option.code}={option.labels.en or option.labels.vi}")
            if item.type == "yesno":
                values_vi, values_en = ["1=Có", "0=Không"], ["1=Yes", "0=No"]
            rows.append(
                CodebookEntry(
                    column=item.code,
                    kind="item",
                    type=item.type,
                    label_vi=item.labels.vi,
                    label_en=item.labels.en or item.labels.vi,
                    values_vi="; ".join(values_vi),
                    values_en="; ".join(values_en),
                )
            )
        return rows


def _cell(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "multi" and isinstance(value, list):
        return ";".join(str(v) for v in value)
    if kind == "yesno" and isinstance(value, bool):
        return int(value)
    return value


async def describe_wave(wave: str | WaveContext) -> WaveExport:
    """The export's columns and design weights of a wave (its code, or the context a request loaded)."""
    context = await wave_of(wave)
    q = context.questionnaire
    items = [item.code for item in q.items]
    weights = await weights_for_wave(context.id)
    return WaveExport(
        wave=context.code,
        questionnaire=q,
        columns=[*META_COLUMNS, *items],
        item_types={item.code: item.type for item in q.items},
        weights=weights,
    )


async def export_rows(export: WaveExport) -> AsyncIterator[list[Any]]:
    """Rows in the order of ``export.columns``, read in chunks (a wave can hold millions)."""
    last_id = 0
    while True:
        chunk = (
            await Submission.select(
                Submission.id,
                Submission.client_id,
                Submission.agency.code,
                Submission.service_point.code,
                Submission.channel,
                Submission.language,
                Submission.questionnaire_version,
                Submission.started_at,
                Submission.submitted_at,
                Submission.received_at,
                Submission.duration_seconds,
                Submission.complete,
                Submission.dossier_hash,
                Submission.service_point,
                Submission.answers,
            )
            .where((Submission.wave.code == export.wave) & (Submission.id > last_id))
            .order_by(Submission.id)
            .limit(CHUNK)
            .output(load_json=True)
        )
        if not chunk:
            return
        for r in chunk:
            answers = r["answers"] or {}
            yield [
                r["client_id"],
                export.wave,
                r["agency.code"],
                r["service_point.code"],
                r["channel"],
                r["language"],
                r["questionnaire_version"],
                r["started_at"],
                r["submitted_at"],
                r["received_at"],
                r["duration_seconds"],
                int(bool(r["complete"])),
                *_design(export, r),
                *[_cell(export.item_types[c], answers.get(c)) for c in export.columns[len(META_COLUMNS) :]],
            ]
        last_id = chunk[-1]["id"]


def _design(export: WaveExport, r: dict[str, Any]) -> list[Any]:
    """series, stratum, psu, weight, base_weight, fpc — as the estimates use them."""
    linked = export.weights.get(r["dossier_hash"]) if r["dossier_hash"] else None
    if linked is not None:
        return [
            "probability",
            linked.stratum,
            linked.psu,
            linked.final_weight,
            linked.base_weight,
            linked.fpc,
        ]
    psu = self_selected_psu(r["service_point"], r["submitted_at"], r["received_at"])
    return ["self-selected", None, psu, None, None, None]
