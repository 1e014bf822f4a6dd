"""The fieldwork console's forms and problem reports: numbers as staff type them, the plan and weights
forms read and checked, and the services' problems said in the page language.
"""

from __future__ import annotations

import re
from typing import Any

from litestar.datastructures import UploadFile

from api.web.console_base import Staff
from api.web.i18n import has
from sampling.sample_plan import ALLOCATIONS, SELECTION_METHODS
from survey_engine.errors import FieldProblem, InvalidInput
from survey_engine.fieldwork.weights import WaveWeights

_ROW = re.compile(r"^rows\[(\d+)\](?:\.(\w+))?$")
_LINE = re.compile(r"^line \d+(?::\s*|\s)")  # the English message's own line prefix


def parse_number(text: str) -> float | None:
    """A number as staff type it: ``0,5`` or ``0.5``; spaces and thousand dots in integers tolerated."""
    text = text.strip().replace(" ", "").replace("\u00a0", "")
    if not text:
        return None
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


def parse_whole(text: str) -> int | None:
    value = parse_number(text.replace(".", "")) if text.strip() else None
    return int(value) if value is not None and value == int(value) else None


def problem_text(staff: Staff, problem: FieldProblem) -> str:
    """A frame or plan problem in the page language, chosen by its reason; a problem without a known
    reason is shown as the service wrote it (English, after any "line N: ")."""
    key = f"fw_problem_{problem.reason}"
    known = bool(problem.reason) and has(key)
    text = staff.t(key, **problem.params) if known else _LINE.sub("", problem.message)
    # English starts with a capital, also where the text is the service's own ({detail})
    return _capitalised(text) if staff.lang == "en" else text


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def frame_report(staff: Staff, exc: InvalidInput) -> dict[str, Any]:
    """The per-row validation report of a rejected frame file: line, column, problem."""
    rows = []
    for problem in exc.problems:
        line = str(problem.params.get("line", ""))
        column = str(problem.params["column"]) if problem.reason == "frame_missing_column" else ""
        row = _ROW.match(problem.field)
        if row:
            column = row.group(2) or ""
            line = line or str(int(row.group(1)) + 2)
        elif problem.field == "header":
            line = "1"
        rows.append({"line": line or "—", "column": column, "text": problem_text(staff, problem)})
    return {"rows": rows, "total": exc.total, "shown": len(rows)}


def default_plan(saved: dict[str, Any] | None, lang: str) -> dict[str, str]:
    """The plan form's starting values: the plan saved with the wave, else sensible defaults."""
    form = {
        "strata": "agency",
        "target": "n",
        "n": "",
        "margin": "5",
        "allocation": "proportional",
        "power_q": plain_number(0.5, lang),
        "min_per_stratum": "",
        "max_per_stratum": "",
        "response_rate": "100",
        "deff": "1",
        "p": "50",
        "method": "srs",
    }
    if saved:
        form["strata"] = (
            "agency_field" if list(saved.get("strata") or []) == ["agency", "field"] else "agency"
        )
        if saved.get("n") is not None:
            form["target"], form["n"] = "n", str(saved["n"])
        elif saved.get("margin") is not None:
            form["target"], form["margin"] = "margin", plain_number(float(saved["margin"]) * 100, lang)
        for name in ("allocation", "method"):
            if saved.get(name):
                form[name] = str(saved[name])
        for name in ("min_per_stratum", "max_per_stratum"):
            if saved.get(name) is not None:
                form[name] = str(saved[name])
        form["power_q"] = plain_number(float(saved.get("power_q") or 0.5), lang)
        form["response_rate"] = plain_number(float(saved.get("response_rate") or 1.0) * 100, lang)
        form["deff"] = plain_number(float(saved.get("deff") or 1.0), lang)
        form["p"] = plain_number(float(saved.get("p") or 0.5) * 100, lang)
    return form


def plain_number(value: float, lang: str = "en") -> str:
    """A number for an input box, with the decimal comma Vietnamese staff type (both are accepted)."""
    text = f"{round(value, 6):g}"
    return text.replace(".", ",") if lang == "vi" else text


PLAN_FIELDS = (
    "strata", "target", "n", "margin", "allocation", "power_q", "min_per_stratum", "max_per_stratum",
    "response_rate", "deff", "p", "method",
)  # fmt: skip


def read_plan(raw: Any) -> dict[str, str]:
    return {name: str(raw.get(name) or "").strip()[:40] for name in PLAN_FIELDS}


def plan_body(form: dict[str, str], staff: Staff) -> tuple[dict[str, Any], dict[str, str]]:
    """The body ``POST …/plan`` would get from the form, and per-field messages for what is wrong."""
    t = staff.t
    errors: dict[str, str] = {}
    body: dict[str, Any] = {"strata": ["agency", "field"] if form["strata"] == "agency_field" else ["agency"]}
    if form["strata"] not in ("agency", "agency_field"):
        errors["strata"] = t("fw_err_choice")
    if form["target"] == "margin":
        margin = parse_number(form["margin"])
        if margin is None or not 0 < margin < 100:
            errors["margin"] = t("fw_err_percent")
        else:
            body["margin"] = margin / 100
    else:
        n = parse_whole(form["n"])
        if n is None or not 1 <= n <= 10_000_000:
            errors["n"] = t("fw_err_int")
        else:
            body["n"] = n
    if form["allocation"] not in ALLOCATIONS:
        errors["allocation"] = t("fw_err_choice")
    body["allocation"] = form["allocation"]
    q = parse_number(form["power_q"] or "0.5")
    if q is None or not 0 <= q <= 1:
        errors["power_q"] = t("fw_err_q")
    body["power_q"] = q if q is not None else 0.5
    for name in ("min_per_stratum", "max_per_stratum"):
        if form[name]:
            value = parse_whole(form[name])
            if value is None or value < 0:
                errors[name] = t("fw_err_int0")
            else:
                body[name] = value
    if (
        "min_per_stratum" in body
        and "max_per_stratum" in body
        and body["max_per_stratum"] < body["min_per_stratum"]
    ):
        errors["max_per_stratum"] = t("fw_err_minmax")
    rate = parse_number(form["response_rate"] or "100")
    if rate is None or not 0 < rate <= 100:
        errors["response_rate"] = t("fw_err_rate")
    else:
        body["response_rate"] = rate / 100
    deff = parse_number(form["deff"] or "1")
    if deff is None or not 1 <= deff <= 100:
        errors["deff"] = t("fw_err_deff")
    else:
        body["deff"] = deff
    p = parse_number(form["p"] or "50")
    if p is None or not 0 < p < 100:
        errors["p"] = t("fw_err_percent")
    else:
        body["p"] = p / 100
    if form["method"] not in SELECTION_METHODS:
        errors["method"] = t("fw_err_choice")
    body["method"] = form["method"]
    return body, errors


def plan_problem_errors(staff: Staff, exc: InvalidInput) -> dict[str, str]:
    """The planning service's per-field problems as form messages (Vietnamese pages say it in Vietnamese)."""
    errors: dict[str, str] = {}
    for problem in exc.problems:
        name = problem.field if problem.field in PLAN_FIELDS else "n"
        errors[name] = problem_text(staff, problem)
    return errors


async def uploaded_bytes(raw: Any, name: str) -> bytes | None:
    upload = raw.get(name)
    if not isinstance(upload, UploadFile):
        return None
    data = await upload.read()
    return data or None


def weights_defaults(weights: WaveWeights | None, lang: str) -> dict[str, Any]:
    options = (weights.options if weights else None) or {}
    return {
        "nonresponse_classes": list(options.get("nonresponse_classes") or []),
        "calibration": options.get("calibration") or "poststratify",
        "calibration_variables": list(options.get("calibration_variables") or []),
        "trim_ratio": plain_number(float(options["trim_ratio"]), lang) if options.get("trim_ratio") else "",
        "include_partials": bool(options.get("include_partials")),
    }


def read_weights_form(raw: Any) -> dict[str, Any]:
    return {
        "nonresponse_classes": [str(v) for v in raw.getall("nonresponse_classes", [])][:20],
        "calibration": str(raw.get("calibration") or "poststratify")[:20],
        "calibration_variables": [str(v) for v in raw.getall("calibration_variables", [])][:20],
        "trim_ratio": str(raw.get("trim_ratio") or "").strip()[:20],
        "include_partials": raw.get("include_partials") == "1",
    }


def weights_problem_errors(staff: Staff, problems: list[FieldProblem]) -> dict[str, str]:
    errors: dict[str, str] = {}
    for problem in problems:
        if staff.lang == "en":
            name = (
                problem.field
                if problem.field in ("nonresponse_classes", "calibration_variables", "trim_ratio")
                else "calibration"
            )
            errors[name] = problem.message[:1].upper() + problem.message[1:]
        elif problem.field in ("fieldwork", "sample"):
            errors["calibration"] = staff.t("fw_err_no_respondents")
        elif problem.field == "trim_ratio":
            errors["trim_ratio"] = staff.t("fw_err_trim")
        elif problem.field in ("nonresponse_classes", "calibration_variables"):
            errors[problem.field] = staff.t("fw_err_vars")
        else:
            errors["calibration"] = staff.t("fw_err_calibration")
    return errors
