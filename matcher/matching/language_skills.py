"""Language skills ("understand spoken Albanian", "Javanese") only for languages a text names.

ESCO's language skills are many (354) and short, so a dense or n-gram match finds one for almost any
text: a shepherd's story gave fifteen of them, «J'ai travaillé» gave "Javanese". A person shows a
language skill by naming the language ("parlo albanese", "I speak Wolof"), so a language skill is
reported only when one of its language's names is in the text: the labels of the language concept
in every imported language, and the common Italian, English and own names of the language.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from matcher.matching.langid import LANGUAGE_NAMES
from matcher.matching.surface_forms import split_gendered
from matcher.taxonomy.in_memory import Taxonomy

_WORD = re.compile(r"\w+", re.UNICODE)
_NAMES_BY_ENGLISH = {names.split()[1]: set(names.split()) for names in LANGUAGE_NAMES.values() if len(names.split()) > 1}


def _key(text: str) -> str:
    return " ".join(_WORD.findall(text.casefold()))


def _grams(text: str, longest: int = 3) -> set[str]:
    words = _WORD.findall(text.casefold())
    return {" ".join(words[i:i + n]) for n in range(1, longest + 1) for i in range(len(words) - n + 1)}


@dataclass
class LanguageSkills:
    positions: np.ndarray  # positions (in the skill table) of the language skills
    names: list[frozenset[str]]  # per position, the names of its language

    @classmethod
    def from_taxonomy(cls, taxonomy: Taxonomy, skill_uris: list[str]) -> LanguageSkills:
        positions, names = [], []
        for i, uri in enumerate(skill_uris):
            if taxonomy.skill_pillar(uri) != "L":
                continue
            # the language itself: the nearest concept above that is a skill ("Javanese" above
            # "understand spoken Javanese"), or the skill itself when a group is right above it
            concept = next((a for a in taxonomy.skill_broader.get(uri, []) if a in taxonomy.skills), uri)
            rec = taxonomy.skills[concept]
            found = {_key(form) for lang in rec.preferred for form in split_gendered(rec.preferred[lang])}
            found |= {_key(a) for alts in rec.alternatives.values() for a in alts}
            english = _key(rec.preferred.get("en", ""))
            found |= _NAMES_BY_ENGLISH.get(english, set())
            positions.append(i)
            names.append(frozenset(n for n in found if n))
        return cls(np.asarray(positions, dtype=np.int64), names)

    def unnamed(self, text: str) -> np.ndarray:
        """Positions of the language skills whose language the text does not name."""
        grams = _grams(text)
        return np.asarray([p for p, n in zip(self.positions, self.names) if not (n & grams)], dtype=np.int64)
