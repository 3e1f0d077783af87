"""A small language guess from function words and script, enough to know whether lexical
(character n-gram) evidence can apply: it only can in a language the taxonomy has labels in."""
from __future__ import annotations

import re
import unicodedata

STOPWORDS = {
    "it": "il lo la i gli le un una di da in con su per tra fra e ed o ma che non ho ha abbiamo sono era ero facevo lavoravo "
          "del della dei delle nel nella nei al alla ai ho anche come mio mia poi dove anni anno lavorato fatto",
    "en": "the a an of to in on for with and or but i was were have has had my at as from worked did back home years year "
          "he she him her it is this that",
    "fr": "le la les un une des du de et ou mais je j ai été était dans avec pour sur au aux comme mon ma mes travaillais "
          "faisais ans",
    "es": "el la los las un una de del y o pero en con por para como mi trabajé trabajaba años yo",
    "ro": "și si în la cu pe un o de am lucrat ca pentru era îi o pe din ani",
    "sq": "dhe në një si për me kam punuar ishte te të nga vjet",
    "pt": "o a os as um uma de do da e ou mas em com para trabalhei anos eu",
    "de": "der die das und oder aber ich habe war mit für in auf als jahre",
}
_SETS = {lang: set(words.split()) for lang, words in STOPWORDS.items()}
_TOKEN = re.compile(r"\w+", re.UNICODE)


def script_of(text: str) -> str:
    counts: dict[str, int] = {}
    for ch in text:
        if ch.isalpha():
            name = unicodedata.name(ch, "")
            script = name.split(" ")[0] if name else "?"
            counts[script] = counts.get(script, 0) + 1
    return max(counts, key=lambda s: counts[s]) if counts else "?"


# Letters that only one of the languages sharing a script writes (Arabic has none of these).
_PERSIAN = set("پچژگکی")
_URDU = set("ٹڈڑںےھ")
_UKRAINIAN = set("іїєґІЇЄҐ")
_RUSSIAN = set("ыэъёЫЭЪЁ")


def _arabic_script(text: str) -> str:
    letters = set(text)
    if letters & _URDU:
        return "ur"
    return "fa" if letters & _PERSIAN else "ar"


def _cyrillic(text: str) -> str:
    """Russian only on Russian-only letters; otherwise Ukrainian (as before), so that a short text
    still reads as a language the taxonomy has no labels in, never as an unknown one."""
    letters = set(text)
    return "ru" if letters & _RUSSIAN and not letters & _UKRAINIAN else "uk"


def guess_language(text: str) -> str | None:
    """ISO 639-1 code, or None when the text gives too little to tell."""
    script = script_of(text)
    if script == "ARABIC":
        return _arabic_script(text)
    if script == "CYRILLIC":
        return _cyrillic(text)
    if script not in ("LATIN", "?"):
        return None
    tokens = [t.lower() for t in _TOKEN.findall(text)]
    scores = {lang: sum(t in words for t in tokens) for lang, words in _SETS.items()}
    best = max(scores, key=lambda lang: scores[lang])
    return best if scores[best] > 0 else None


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
