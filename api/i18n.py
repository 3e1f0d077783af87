"""The words of the web pages, Italian by default and English, from the gettext catalogs in
``api/locale/<language>/LC_MESSAGES/pages.po``.

The message ids are short keys (``t("wrong_login")`` in the templates), not English sentences: the
pages are written in Italian first, and a key keeps each catalog independent of the others. The
English catalog is the reference for translators; a word missing in a catalog falls back to Italian.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from matcher.i18n import catalog_languages, translations

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
PAGE_LANGUAGES = ("it", "en")


def translator(lang: str) -> Callable[[str], str]:
    """The page's ``t(key)``: the word in ``lang`` (Italian when the page has no such language)."""
    return translations("pages", lang if lang in PAGE_LANGUAGES else "it", LOCALE_DIR, fallback="it").gettext


def card_languages() -> list[str]:
    return catalog_languages("card", LOCALE_DIR)
