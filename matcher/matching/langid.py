"""Which language a text is in, enough to know whether lexical (character n-gram) evidence can
apply: it only can in a language the taxonomy has labels in.

The guess is lingua's (``lingua-language-detector``: offline n-gram models, in its low-accuracy
mode, which reads trigrams only and keeps a worker's memory small), among the languages people
served by Italian employment offices write in. It tells Russian from Ukrainian and Persian or
Urdu from Arabic, and says nothing (None) when a text gives too little to tell.
"""
from __future__ import annotations

import functools
import re

from lingua import IsoCode639_1, Language, LanguageDetector, LanguageDetectorBuilder

# The languages people served write in (DOMAIN.md names English, French, Arabic, Romanian, Albanian,
# Ukrainian, Spanish; the project's narratives add Bengali, Urdu, Portuguese...), and their neighbours, which a
# text could otherwise be taken for (Russian for Ukrainian, Persian for Arabic or Urdu, Hindi and Punjabi).
DETECTED = ("it", "en", "fr", "es", "pt", "ro", "de", "sq", "ar", "fa", "ur", "uk", "ru", "bn", "pa", "hi", "pl", "tr",
            "so", "tl", "zh")


@functools.cache
def detector() -> LanguageDetector:
    """Built once per process (two threads racing build it twice, harmlessly); its models load on
    first use (~0.1 s)."""
    languages = [Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper())) for code in DETECTED]
    return LanguageDetectorBuilder.from_languages(*languages).with_low_accuracy_mode().build()


def guess_language(text: str) -> str | None:
    """ISO 639-1 code, or None when the text gives too little to tell."""
    found = detector().detect_language_of(text)
    return found.iso_code_639_1.name.lower() if found is not None else None


# Names an operator may type for a language, in Italian, English and the language itself.
LANGUAGE_NAMES = {
    "it": "italiano italian", "en": "inglese english", "fr": "francese french français francais",
    "es": "spagnolo spanish español espanol", "pt": "portoghese portuguese português portugues",
    "ro": "rumeno romeno romanian română romana", "ar": "arabo arabic عربي العربية", "sq": "albanese albanian shqip",
    "uk": "ucraino ukrainian українська", "ru": "russo russian русский", "de": "tedesco german deutsch",
    "wo": "wolof", "bn": "bengalese bangla bengali", "ur": "urdu", "pa": "punjabi panjabi", "ti": "tigrino tigrinya",
    "am": "amarico amharic", "so": "somalo somali", "ha": "hausa", "tr": "turco turkish", "pl": "polacco polish",
    "zh": "cinese chinese", "fa": "persiano farsi persian", "hi": "hindi", "tl": "tagalog filipino",
}
_BY_NAME = {name: code for code, names in LANGUAGE_NAMES.items() for name in names.split()}


def language_code(value: str) -> str:
    """"Italiano" or "it" -> "it"; "italiano e inglese" -> "it+en"; anything else is returned as typed
    (lower case), for the caller's check to refuse with its message."""
    words = [w for w in re.split(r"[\s,;/+&-]+|\be\b|\band\b", value.strip().lower()) if w]
    codes = [_BY_NAME.get(w, w) for w in words]
    return "+".join(dict.fromkeys(codes)) if codes else ""
