"""From a narrative to ESCO skills with evidence and to occupations, with a measure of doubt.

The scoring is a transparent fusion of three signals, each computed per evidence unit:
1. dense similarity of the unit to each occupation's surface forms (any language);
2. lexical (character n-gram) similarity to the same forms (same language only, but exact);
3. skill evidence: units similar enough to a skill's forms count as evidence for it, and an
   occupation collects the evidence of its essential (and, less, optional) skills, weighted by
   how specific each skill is (IDF over occupations).
Each signal is standardised over the occupations of one query before the weighted sum, so the
weights mean the same for every encoder.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .index import SearchIndex
from .results import Evidence, MatchResult, OccupationMatch, SkillMatch, SkillRef
from .taxonomy.model import Taxonomy
from .units import Unit, split_units

LANGUAGES = {"it", "en", "fr", "es", "pt", "de", "ro", "sq", "uk", "ru", "ar", "bn", "ur", "pa", "wo", "ti", "am",
             "so", "ha", "yo", "ig", "tr", "pl", "zh", "fa", "ps", "hi", "ta", "si", "tl", "mixed"}
_LANG = re.compile(r"^[a-z]{2,3}(?:[+-][a-z]{2,3})*$")


class MatchInputError(ValueError):
    """A text or option the matcher cannot work on; the message says why."""


@dataclass
class Weights:
    dense: float = 1.0
    lexical: float = 0.6
    skills: float = 0.4
    optional_skill: float = 0.5
    skill_threshold: float = 0.86  # dense unit-to-skill similarity that counts as evidence
    report_threshold: float = 0.87
    related_bonus: float = 0.02  # skills of the best occupations are likelier to be meant
    review_min_score: float = 2.5
    review_min_margin: float = 0.25


def check_text(text: object, max_chars: int) -> str:
    if not isinstance(text, str):
        raise MatchInputError("text must be a string")
    if not text.strip():
        raise MatchInputError("text is empty")
    if len(text) > max_chars:
        raise MatchInputError(f"text is {len(text)} characters long; the limit is {max_chars}")
    if not any(unicodedata.category(c).startswith("L") for c in text):
        raise MatchInputError("text has no words (only digits or symbols)")
    return text


def check_language(language: str | None) -> str | None:
    if language is None or language == "":
        return None
    lang = language.strip().lower()
    if not _LANG.match(lang) or any(part not in LANGUAGES for part in re.split(r"[+-]", lang)):
        raise MatchInputError(f"unknown language code {language!r}: use ISO 639-1 codes such as it, en, fr, ar (or it+en)")
    return lang


def _zscore(x: np.ndarray) -> np.ndarray:
    sd = x.std()
    return (x - x.mean()) / (sd if sd > 1e-9 else 1.0)


@dataclass
class Signals:
    units: list[Unit]
    occ_dense: np.ndarray | None  # units x occupations
    occ_lex: np.ndarray
    skill_dense: np.ndarray | None  # units x skills
    skill_lex: np.ndarray


def compute_signals(index: SearchIndex, units: list[Unit], q_dense: np.ndarray | None) -> Signals:
    q_lex = index.lexical.encode_queries([u.text for u in units])
    occ_lex = index.occupations.per_concept_max(np.asarray((q_lex @ index.occ_lex.T).todense()))
    skill_lex = index.skills.per_concept_max(np.asarray((q_lex @ index.skill_lex.T).todense()))
    occ_dense = skill_dense = None
    if q_dense is not None and index.occ_dense is not None:
        occ_dense = index.occupations.per_concept_max(q_dense @ index.occ_dense.T)
        skill_dense = index.skills.per_concept_max(q_dense @ index.skill_dense.T)
    return Signals(units, occ_dense, occ_lex, skill_dense, skill_lex)


class Scorer:
    """Turns signals into occupation and skill scores. Fixed after ``prepare`` for a taxonomy."""

    def __init__(self, index: SearchIndex, taxonomy: Taxonomy, weights: Weights):
        self.index, self.taxonomy, self.w = index, taxonomy, weights
        occ_pos = {u: i for i, u in enumerate(index.occupations.uris)}
        skill_pos = {u: i for i, u in enumerate(index.skills.uris)}
        rows, cols, vals = [], [], []
        for rel, table in (("essential", taxonomy.essential), ("optional", taxonomy.optional)):
            for o, skills in table.items():
                if o not in occ_pos:
                    continue
                for s in skills:
                    if s in skill_pos:
                        rows.append(occ_pos[o])
                        cols.append(skill_pos[s])
                        vals.append(1.0 if rel == "essential" else -1.0)
        rel = sp.csr_matrix((vals, (rows, cols)), shape=(len(occ_pos), len(skill_pos)), dtype=np.float32)
        self.essential = (rel > 0).astype(np.float32).tocsr()
        self.optional = (rel < 0).astype(np.float32).tocsr()
        df = np.asarray((self.essential + self.optional).sum(axis=0)).ravel()
        self.idf = np.log((1 + len(occ_pos)) / (1 + df)).astype(np.float32)
        self.isco = [taxonomy.occupations[u].isco_code for u in index.occupations.uris]
        self.set_weights(weights)

    def set_weights(self, weights: Weights) -> None:
        self.w = weights
        m = (self.essential + weights.optional_skill * self.optional).multiply(self.idf[None, :]).tocsr()
        norm = np.asarray(m.sum(axis=1)).ravel()
        self.skill_matrix = sp.diags(1.0 / np.sqrt(np.maximum(norm, 1.0))).dot(m).tocsr()

    def skill_evidence(self, sig: Signals) -> np.ndarray:
        """Best unit similarity per skill (dense if available, else lexical)."""
        src = sig.skill_dense if sig.skill_dense is not None else sig.skill_lex
        return src.max(axis=0)

    def occupation_scores(self, sig: Signals, skill_best: np.ndarray | None = None) -> np.ndarray:
        w = self.w
        total = np.zeros(sig.occ_lex.shape[1], dtype=np.float32)
        if sig.occ_dense is not None and w.dense:
            total += w.dense * _zscore(sig.occ_dense.max(axis=0))
        if w.lexical:
            total += w.lexical * _zscore(sig.occ_lex.max(axis=0))
        if w.skills:
            best = self.skill_evidence(sig) if skill_best is None else skill_best
            thr = w.skill_threshold if sig.skill_dense is not None else 0.5
            ev = np.maximum(best - thr, 0.0)
            if ev.any():
                total += w.skills * _zscore(self.skill_matrix @ ev)
        return total

    def skill_scores(self, skill_best: np.ndarray, top_occupations: Sequence[int]) -> np.ndarray:
        scores = skill_best.copy()
        if top_occupations and self.w.related_bonus:
            related = np.asarray((self.essential[list(top_occupations)] + self.optional[list(top_occupations)]).sum(axis=0)).ravel() > 0
            scores[related] += self.w.related_bonus
        return scores


def evidence_for(sig: Signals, skill_col: np.ndarray, best: float, tolerance: float = 0.01) -> list[Evidence]:
    """Spans of the smallest units that support a skill nearly as well as the best one."""
    order = {"clause": 0, "pair": 1, "sentence": 2, "text": 3}
    good = [i for i, u in enumerate(sig.units) if skill_col[i] >= best - tolerance]
    if not good:
        return []
    finest = min(order[sig.units[i].level] for i in good)
    spans = [sig.units[i] for i in good if order[sig.units[i].level] == finest]
    spans.sort(key=lambda u: u.start)
    out: list[Evidence] = []
    for u in spans:
        if out and u.start < out[-1].end:
            continue  # overlapping pairs: keep the first
        out.append(Evidence(u.start, u.end, u.text))
    return out


def build_result(scorer: Scorer, sig: Signals, occ_scores: np.ndarray, skill_best: np.ndarray, language: str | None,
                 top_k: int, top_skills: int, label_language: str) -> MatchResult:
    tax, index, w = scorer.taxonomy, scorer.index, scorer.w
    order = np.argsort(-occ_scores)[: max(top_k, 2)]
    skill_scores = scorer.skill_scores(skill_best, list(order[:5]))
    skill_src = sig.skill_dense if sig.skill_dense is not None else sig.skill_lex
    threshold = w.report_threshold if sig.skill_dense is not None else 0.5
    skills: list[SkillMatch] = []
    shown_by_uri: dict[str, SkillMatch] = {}
    for k in np.argsort(-skill_scores):
        if skill_scores[k] < threshold or len(skills) >= top_skills:
            break
        uri = index.skills.uris[k]
        rec = tax.skills[uri]
        m = SkillMatch(uri, rec.label(label_language), round(float(skill_scores[k]), 4),
                       evidence_for(sig, skill_src[:, k], float(skill_best[k])), rec.skill_type)
        skills.append(m)
        shown_by_uri[uri] = m
    occs: list[OccupationMatch] = []
    ev_threshold = w.skill_threshold if sig.skill_dense is not None else 0.5
    skill_pos = {u: i for i, u in enumerate(index.skills.uris)}
    for o in order[:top_k]:
        uri = index.occupations.uris[o]
        rec = tax.occupations[uri]
        shown, missing = [], []
        for s in tax.essential.get(uri, []):
            srec = tax.skills.get(s)
            if srec is None:
                continue
            k = skill_pos.get(s)
            if s in shown_by_uri:
                shown.append(shown_by_uri[s])
            elif k is not None and skill_best[k] >= ev_threshold:
                shown.append(SkillMatch(s, srec.label(label_language), round(float(skill_best[k]), 4),
                                        evidence_for(sig, skill_src[:, k], float(skill_best[k])), srec.skill_type))
            else:
                missing.append(SkillRef(s, srec.label(label_language)))
        occs.append(OccupationMatch(uri, rec.label(label_language), rec.isco_code, round(float(occ_scores[o]), 4), shown, missing))
    reasons = review_reasons(scorer, occ_scores, order)
    return MatchResult(occs, skills, bool(reasons), reasons, language)


def review_reasons(scorer: Scorer, occ_scores: np.ndarray, order: np.ndarray) -> list[str]:
    """SOCcer's rule: send to an expert when the best is weak or a different group is close behind."""
    w = scorer.w
    reasons = []
    if not len(order):
        return ["no occupation found"]
    top = float(occ_scores[order[0]])
    if top < w.review_min_score:
        reasons.append(f"best score {top:.2f} is below {w.review_min_score:.2f}")
    top_isco = scorer.isco[order[0]]
    for o in order[1:]:
        if scorer.isco[o] != top_isco:
            margin = top - float(occ_scores[o])
            if margin < w.review_min_margin:
                reasons.append(f"another occupation group ({scorer.isco[o]}) is within {margin:.2f} of the best ({top_isco})")
            break
    return reasons


def narrative_units(text: str) -> list[Unit]:
    units = split_units(text)
    if not units:
        raise MatchInputError("text has no words to match")
    return units
