"""Evidence units: pieces of a narrative small enough to carry one competence, with offsets.

Sentences first (pysbd's rules, which keep "2.5 anni", "Sig.ra Rossi" and "Mr. Smith" whole;
Arabic question marks split too), then clauses at ``:`` ``;`` commas (not a decimal comma: "2,5
anni") and coordinating conjunctions of the languages operators meet (it, en, fr, es, pt, ro, sq,
de, uk/ru, ar). Every unit keeps its character offsets in the original text, so evidence can be
highlighted where it was written.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import pysbd

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
_ARABIC_QUESTION = re.compile(r"(?<=؟)\s*")
_CLAUSE_BREAK = re.compile(r"\s*(?:[:;،]|(?<!\d),|,(?!\d))\s*|\s+(?:" + "|".join(re.escape(w) for w in _CONJ) + r")\s+|\s+[-–—]\s+",
                           re.IGNORECASE | re.UNICODE)
_WORD = re.compile(r"\w", re.UNICODE)


def sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans. pysbd's Italian rules (the service's language; its abbreviations list covers
    the en/fr titles seen in narratives too); a new segmenter per call, as it keeps state while it
    segments and matches run in several threads."""
    spans = []
    for span in pysbd.Segmenter(language="it", clean=False, char_span=True).segment(text):
        start = span.start
        for m in _ARABIC_QUESTION.finditer(text, span.start, span.end):
            if start < m.start() < span.end:
                spans.append((start, m.start()))
                start = m.end()
        spans.append((start, span.end))
    return spans


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
    for s0, e0 in sentences(text):
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
