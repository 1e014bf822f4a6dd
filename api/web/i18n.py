"""Interface words of the console and the citizen, interviewer and kiosk pages: one gettext catalogue.

The words live in ``api/locale/<language>/LC_MESSAGES/sipas.po``, files a translator edits with any PO
editor; Babel reads them. A message id is the key that templates and code pass to ``t(key, **values)``
(``{name}`` fields are filled with ``str.format``). The console's messages have no context; the citizen
and interviewer pages' carry the context ``page`` and the kiosk's ``kiosk``, because the same key can
read differently there (a page's "not found" speaks to a citizen, the console's to staff).

Vietnamese is the source language: a message missing or empty in another language's catalogue, or a
language without a catalogue, reads in Vietnamese. Another language is another directory with its
``sipas.po``: :data:`LANGUAGES` lists the directories found.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any, Final

from babel.messages.pofile import read_po

LOCALE_DIR: Final = Path(__file__).resolve().parent.parent / "locale"
DOMAIN: Final = "sipas"
SOURCE_LANGUAGE: Final = "vi"
CONSOLE: Final = None  # the context of the console's messages
PAGE: Final = "page"
KIOSK: Final = "kiosk"

Key = tuple[str | None, str]  # (context, message id)


@cache
def catalogues(locale_dir: Path = LOCALE_DIR) -> dict[str, dict[Key, str]]:
    """Every language's translated messages (empty translations left out), read once per process."""
    found: dict[str, dict[Key, str]] = {}
    for po in sorted(locale_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        language = po.parent.parent.name
        with po.open("rb") as handle:
            catalogue = read_po(handle, locale=None, domain=DOMAIN)
        found[language] = {
            (message.context, str(message.id)): str(message.string)
            for message in catalogue
            if message.id and message.string
        }
    if SOURCE_LANGUAGE not in found:
        raise RuntimeError(f"no {SOURCE_LANGUAGE} catalogue under {locale_dir}")
    return found


def languages(locale_dir: Path = LOCALE_DIR) -> tuple[str, ...]:
    """The languages with a catalogue, Vietnamese first."""
    return (SOURCE_LANGUAGE, *sorted(set(catalogues(locale_dir)) - {SOURCE_LANGUAGE}))


LANGUAGES: Final = languages()


def text(lang: str, key: str, context: str | None = CONSOLE, locale_dir: Path = LOCALE_DIR) -> str:
    """The words for ``key`` in ``lang``, else in Vietnamese (KeyError when Vietnamese has none either)."""
    found = catalogues(locale_dir)
    words = found.get(lang, {}).get((context, key))
    return words if words is not None else found[SOURCE_LANGUAGE][(context, key)]


def has(key: str, context: str | None = CONSOLE) -> bool:
    return (context, key) in catalogues()[SOURCE_LANGUAGE]


def translator(lang: str, context: str | None = CONSOLE, locale_dir: Path = LOCALE_DIR) -> Callable[..., str]:
    """``t(key, **values)``: the words in ``lang`` with ``{name}`` fields filled in (KeyError if unknown)."""

    def t(key: str, **values: Any) -> str:
        words = text(lang, key, context, locale_dir)
        return words.format(**values) if values else words

    return t


def texts(context: str | None, locale_dir: Path = LOCALE_DIR) -> dict[str, dict[str, str]]:
    """Every message of ``context`` in every language, ``{key: {language: words}}`` (for a page's script)."""
    source = catalogues(locale_dir)[SOURCE_LANGUAGE]
    keys = sorted(key for ctx, key in source if ctx == context)
    return {
        key: {lang: text(lang, key, context, locale_dir) for lang in languages(locale_dir)} for key in keys
    }
