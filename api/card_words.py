"""The profiling card's fixed wording in the languages the people served by a CPI often read and
that ESCO has occupation labels in (Italian, English, French, Spanish, Romanian, Portuguese,
Arabic), so that the card can be printed in Italian and in the person's language side by side. The
words are the gettext catalogs ``api/locale/<language>/LC_MESSAGES/card.po``.

Translations by the project; a mediator reading the card with the person is the check.
"""
from __future__ import annotations

from api.i18n import LOCALE_DIR, card_languages
from matcher.i18n import translations

RTL = {"ar"}
NAMES = {"it": "italiano", "en": "English", "fr": "français", "es": "español", "ro": "română", "pt": "português", "ar": "العربية"}

class CardWords:
    """The card's words in one language, read as ``W.title`` or ``W["title"]`` in the template,
    from ``api/locale/<language>/LC_MESSAGES/card.po`` (Italian where a word is missing)."""

    def __init__(self, lang: str) -> None:
        self._gettext = translations("card", lang, LOCALE_DIR, fallback="it").gettext

    def __getitem__(self, key: str) -> str:
        return self._gettext(key)

    def __getattr__(self, key: str) -> str:
        if key.startswith("_"):
            raise AttributeError(key)
        return self._gettext(key)


CARD_LANGUAGES = tuple(card_languages())
CARD_WORDS = {lang: CardWords(lang) for lang in CARD_LANGUAGES}


def person_language(profile: dict, page_language: str, asked: str | None = None) -> str | None:
    """The second language of the card: the one asked for, else the narrative's, else the first
    language the person speaks that the card has wording in; none when it is the page's own."""
    candidates = [asked] if asked else [profile.get("narrative_language"), *(profile.get("languages") or [])]
    for lang in candidates:
        code = (lang or "").split("+")[0].strip().lower()[:2]
        if code in CARD_WORDS and code != page_language:
            return code
    return None
