"""Evidence units: pieces of a narrative small enough to carry one competence, with offsets.

Sentences first, then clauses at ``:`` ``;`` commas and coordinating conjunctions of the
languages operators meet (it, en, fr, es, pt, ro, sq, de, uk/ru, ar). Every unit keeps its
character offsets in the original text, so evidence can be highlighted where it was written.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

CONJUNCTIONS = {
    "it": ["e", "ed", "o", "oppure", "ma", "poi", "anche", "mentre"],
    "en": ["and", "or", "but", "then", "while"],
    "fr": ["et", "ou", "mais", "puis"],
    "es": ["y", "e", "o", "pero", "luego"],
    "pt": ["e", "ou", "mas"],
    "ro": ["și", "şi", "si", "sau", "dar", "apoi"],
    "sq": ["dhe", "ose", "por", "edhe"],
    "de": ["und", "oder", "aber"],
    "uk": ["і", "й", "та", "або", "але", "и", "или", "но"],
}
_CONJ = sorted({w for ws in CONJUNCTIONS.values() for w in ws}, key=len, reverse=True)
_SENTENCE = re.compile(r"[^.!?。؟\n]+[.!?。؟]*", re.UNICODE)
_CLAUSE_BREAK = re.compile(r"\s*[:;,،]\s*|\s+(?:" + "|".join(re.escape(w) for w in _CONJ) + r")\s+|\s+[-–—]\s+",
                           re.IGNORECASE | re.UNICODE)
_WORD = re.compile(r"\w", re.UNICODE)


@dataclass(frozen=True)
class Unit:
    start: int
    end: int
    text: str
    level: str  # "text" | "sentence" | "clause" | "pair"


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and not (text[start].isalnum()):
        start += 1
    while end > start and not (text[end - 1].isalnum() or text[end - 1] in ")'’"):
        end -= 1
    return start, end


def split_units(text: str, min_chars: int = 3, pairs: bool = False) -> list[Unit]:
    """The whole text, its sentences (those not split further) and their clauses; a unit is kept
    once even if several levels produce it.

    ``pairs`` adds neighbouring clauses joined, for competences whose verb and object fall in two
    clauses ("piantavo, innaffiavo e raccoglievo fragole"). Off by default: on the development
    set they changed no ISCO-4 hit and cost a quarter more encoder time (bench/quality.py).
    """
    units: list[Unit] = []
    seen: set[tuple[int, int]] = set()

    def add(s: int, e: int, level: str) -> None:
        s, e = _strip(text, s, e)
        if e - s >= min_chars and _WORD.search(text[s:e]) and (s, e) not in seen:
            seen.add((s, e))
            units.append(Unit(s, e, text[s:e], level))

    add(0, len(text), "text")
    for m in _SENTENCE.finditer(text):
        s0, e0 = m.start(), m.end()
        clauses: list[tuple[int, int]] = []
        pos = s0
        for b in _CLAUSE_BREAK.finditer(text, s0, e0):
            if b.start() > pos:
                clauses.append((pos, b.start()))
            pos = b.end()
        if pos < e0:
            clauses.append((pos, e0))
        if len(clauses) <= 1:
            # a sentence split into clauses is left out: the whole text above and its clauses
            # below carry it (same dev-set scores, fewer units to encode)
            add(s0, e0, "sentence")
        else:
            for s, e in clauses:
                add(s, e, "clause")
            if pairs:
                for (s, _), (_, e) in zip(clauses, clauses[1:]):
                    add(s, e, "pair")
    return units
