"""The interface words: one gettext catalogue per language, complete, with the same fields in every language;
another language is another catalogue file, read without a code change."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from api.web import i18n

ROOT = Path(__file__).resolve().parents[2]
API = ROOT / "api"
TEMPLATE_KEY = re.compile(r"""\bt\(\s*['"]([a-z][a-z0-9_]*)['"](?!\s*~)""")
TEMPLATE_PREFIX = re.compile(r"""\bt\(\s*['"]([a-z][a-z0-9_]*_)['"]\s*~""")
CODE_KEY = re.compile(r"""(?:\bt|\)|\bNavItem)\(\s*"([a-z][a-z0-9_]*)"[,)]""")


def fields(text: str) -> set[str]:
    """The ``{name}`` fields the program fills in (a JSON example's ``{"note": …}`` is not one)."""
    return {
        name for _, name, _, _ in string.Formatter().parse(text) if name is not None and name.isidentifier()
    }


def used_keys() -> dict[str | None, set[str]]:
    """Literal keys the templates, the kiosk script and the code pass to ``t``, by catalogue context."""
    used: dict[str | None, set[str]] = {i18n.CONSOLE: set(), i18n.PAGE: set(), i18n.KIOSK: set()}
    for path in (API / "templates" / "console").glob("*.html"):
        used[i18n.CONSOLE] |= set(TEMPLATE_KEY.findall(path.read_text(encoding="utf-8")))
    for path in (API / "templates").glob("*.html"):
        used[i18n.PAGE] |= set(TEMPLATE_KEY.findall(path.read_text(encoding="utf-8")))
    used[i18n.KIOSK] |= set(TEMPLATE_KEY.findall((API / "static" / "kiosk.js").read_text(encoding="utf-8")))
    for path in API.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        context = i18n.PAGE if re.search(r"translator\([^)]*\bPAGE\)", source) else i18n.CONSOLE
        used[context] |= set(CODE_KEY.findall(source))
    return used


def test_the_search_for_used_keys_finds_templates_script_and_code() -> None:
    used = used_keys()
    assert {"nav_home", "save", "login_title"} <= used[i18n.CONSOLE]  # NavItem, console template, code
    assert {"review", "max_chars"} <= used[i18n.PAGE]
    assert {"start", "idle_body"} <= used[i18n.KIOSK]


@pytest.mark.parametrize("lang", ["vi", "en"])  # another language may leave a message to Vietnamese
def test_every_key_used_is_in_every_catalogue(lang: str) -> None:
    catalogue = i18n.catalogues()[lang]
    missing = sorted(
        f"{context or 'console'}: {key}"
        for context, keys in used_keys().items()
        for key in keys
        if (context, key) not in catalogue
    )
    assert not missing, f"keys used but not in the {lang} catalogue: {missing}"


def test_vietnamese_and_english_have_the_same_messages() -> None:
    found = i18n.catalogues()
    assert set(found["vi"]) == set(found["en"])
    assert len(found["vi"]) > 600


def test_every_template_prefix_names_some_messages() -> None:
    prefixes = {
        prefix
        for path in (API / "templates").rglob("*.html")
        for prefix in TEMPLATE_PREFIX.findall(path.read_text(encoding="utf-8"))
    }
    keys = {key for _, key in i18n.catalogues()["vi"]}
    assert prefixes
    assert not [p for p in sorted(prefixes) if not any(k.startswith(p) for k in keys)]


def unsupplied_fields(found: dict[str, dict[tuple[str | None, str], str]]) -> list[str]:
    """Messages that use a field the program does not supply. A translation may leave a field out (the
    fieldwork console's Vietnamese problem texts are fixed sentences where the English shows the technical
    detail), but every field it uses must be one the Vietnamese or English text uses: those two are the
    languages the tests render, so the program is known to fill in exactly those."""
    return [
        f"{lang} {context or 'console'}:{key}: {sorted(fields(text))}"
        for lang, messages in found.items()
        for (context, key), text in messages.items()
        if not fields(text)
        <= fields(found["vi"].get((context, key), "")) | fields(found["en"].get((context, key), ""))
    ]


def test_placeholders_are_ones_the_program_fills_in() -> None:
    wrong = unsupplied_fields(i18n.catalogues())
    assert not wrong, wrong


def test_a_misspelt_field_in_a_third_language_is_caught() -> None:
    found: dict[str, dict[tuple[str | None, str], str]] = {
        "vi": {(None, "k"): "{n} mục"},
        "en": {(None, "k"): "{n} items"},
        "fr": {(None, "k"): "{nn} éléments"},
    }
    assert unsupplied_fields(found) == ["fr console:k: ['nn']"]


def test_contexts_keep_the_same_key_apart() -> None:
    console, page = i18n.translator("en"), i18n.translator("en", i18n.PAGE)
    assert console("not_found_title") == "Not found"
    assert page("not_found_title") == "Survey not found"
    assert i18n.translator("en", i18n.KIOSK)("required") == "This item is required."
    with pytest.raises(KeyError):
        page("login_title")  # a console message is not a page's


def test_fields_are_filled_and_unknown_languages_read_vietnamese() -> None:
    assert i18n.translator("en")("page_of", n=2, pages=5, total=93) == "Page 2 of 5 · 93 items"
    assert i18n.translator("xx")("save") == i18n.translator("vi")("save") == "Lưu"
    kiosk = i18n.texts(i18n.KIOSK)
    assert kiosk["start"] == {"vi": "Bắt đầu đánh giá", "en": "Start"}


def _write(directory: Path, lang: str, messages: dict[tuple[str | None, str], str]) -> None:
    catalogue = Catalog(locale=None, domain=i18n.DOMAIN)
    for (context, key), text in messages.items():
        catalogue.add(key, text, context=context)
    path = directory / lang / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"
    path.parent.mkdir(parents=True)
    with path.open("wb") as handle:
        write_po(handle, catalogue)


def test_a_third_language_is_a_catalogue_file(tmp_path: Path) -> None:
    _write(tmp_path, "vi", {(None, "save"): "Lưu", (None, "cancel"): "Hủy", ("page", "next"): "Tiếp tục"})
    _write(tmp_path, "en", {(None, "save"): "Save", (None, "cancel"): "Cancel", ("page", "next"): "Next"})
    _write(tmp_path, "fr", {(None, "save"): "Enregistrer", (None, "cancel"): "", ("page", "next"): "Suivant"})
    assert i18n.languages(tmp_path) == ("vi", "en", "fr")
    french = i18n.translator("fr", locale_dir=tmp_path)
    assert french("save") == "Enregistrer"
    assert french("cancel") == "Hủy"  # not translated yet: Vietnamese
    assert i18n.translator("fr", i18n.PAGE, locale_dir=tmp_path)("next") == "Suivant"
    assert i18n.texts(i18n.PAGE, tmp_path) == {"next": {"vi": "Tiếp tục", "en": "Next", "fr": "Suivant"}}
