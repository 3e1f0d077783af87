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
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from matcher.matching.index import SearchIndex
from matcher.matching.language_skills import LanguageSkills
from matcher.matching.results import Evidence, MatchResult, OccupationMatch, SkillMatch, SkillRef
from matcher.matching.signals import Signals
from matcher.matching.skill_decision import SkillDecision
from matcher.matching.skill_decision import candidate_features as skill_candidates
from matcher.matching.units import Unit, split_units
from matcher.taxonomy.in_memory import Taxonomy

if TYPE_CHECKING:  # training code: the serving path never imports it
    from matcher.matching.learned_scorer import LearnedScorer

LANGUAGES = {"it", "en", "fr", "es", "pt", "de", "ro", "sq", "uk", "ru", "ar", "bn", "ur", "pa", "wo", "ti", "am",
             "so", "ha", "yo", "ig", "tr", "pl", "zh", "fa", "ps", "hi", "ta", "si", "tl", "mixed"}
_LANG = re.compile(r"^[a-z]{2,3}(?:[+-][a-z]{2,3})*$")


class MatchInputError(ValueError):
    """A text or option the matcher cannot work on; the message says why."""


@dataclass
class Weights:
    """Fusion weights and thresholds (tuned on the development set; see bench/quality.py).

    ``native`` texts are in a language the taxonomy has labels in, so lexical evidence applies;
    for ``foreign`` texts only the dense signal can see through the language, and it is
    standardised per evidence unit, since raw cosines of a cross-language pair sit lower.
    """

    dense: float = 1.0
    lexical: float = 0.3  # cosine of character n-grams
    coverage: float = 0.6  # share of a label's n-grams found in a unit: the title written out
    description: float = 0.4  # dense similarity to "label. description" of each occupation
    skills: float = 0.4
    optional_skill: float = 0.5
    skill_threshold: float = 0.86  # raw cosine unit-to-skill that counts as evidence (native texts)
    foreign_skills: float = 0.4
    foreign_skill_z: float = 2.5  # per-unit standardised similarity that counts as evidence (foreign texts)
    group_smoothing: float = 0.3  # sibling occupations of one ISCO minor group support each other
    report_z: float = 3.0  # per-unit standardised unit-to-skill similarity to report a skill
    related_bonus: float = 0.5  # skills of the best occupations are likelier to be meant (in z units)
    # needs_review when the best fused score is under review_min_score or an occupation of another
    # ISCO group is within review_min_margin of it; `skillmatch index calibrate` fits both for an index.
    review_min_score: float = 6.5
    review_min_margin: float = 2.4
    # a native text meets occupations through their labels in its own language only (dense signal);
    # cross-language neighbours of the encoder are false friends there ("patente" ~ "patent")
    dense_same_language: bool = False


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


class Scorer:
    """Turns signals into occupation and skill scores. Fixed after ``prepare`` for a taxonomy."""

    def __init__(self, index: SearchIndex, taxonomy: Taxonomy, weights: Weights):
        self.index, self.taxonomy, self.w = index, taxonomy, weights
        occ_pos = {u: i for i, u in enumerate(index.occupations.uris)}
        self.skill_pos = skill_pos = {u: i for i, u in enumerate(index.skills.uris)}
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
        groups: dict[str, list[int]] = {}
        for i, code in enumerate(self.isco):
            if code:
                groups.setdefault(code[:3], []).append(i)
        # the occupations of each ISCO minor group, one group after another
        self.group_members = np.asarray([i for m in groups.values() for i in m], dtype=np.int64)
        self.group_of_member = np.repeat(np.arange(len(groups)), [len(m) for m in groups.values()])
        self.group_sizes = np.asarray([len(m) for m in groups.values()], dtype=np.int64)
        self.learned: LearnedScorer | None = None  # a trained re-ranker, if one serves
        self.language_skills = LanguageSkills.from_taxonomy(taxonomy, index.skills.uris)
        self.skill_decision: SkillDecision | None = None  # a calibrated decision, when the index has one
        self.set_weights(weights)

    def set_weights(self, weights: Weights) -> None:
        self.w = weights
        m = (self.essential + weights.optional_skill * self.optional).multiply(self.idf[None, :]).tocsr()
        norm = np.asarray(m.sum(axis=1)).ravel()
        self.skill_matrix = sp.diags(1.0 / np.sqrt(np.maximum(norm, 1.0))).dot(m).tocsr()

    def unnamed_languages(self, sig: Signals) -> np.ndarray:
        """Language skills of languages the text does not name: never evidence (see language_skills)."""
        if "_unnamed" not in sig.__dict__:
            sig.__dict__["_unnamed"] = self.language_skills.unnamed(" ".join(u.text for u in sig.units))
        return sig.__dict__["_unnamed"]

    def skill_evidence(self, sig: Signals) -> np.ndarray:
        """Per skill, how far its best unit similarity passes the evidence threshold (0 if not)."""
        w = self.w
        if sig.skill_dense is None:
            ev = np.maximum(sig.skill_lex.max(axis=0) - 0.5, 0.0)
        elif sig.native:
            ev = np.maximum(sig.skill_dense.max(axis=0) - w.skill_threshold, 0.0)
        else:
            assert sig.skill_z is not None  # computed with skill_dense
            ev = np.maximum(sig.skill_z.max(axis=0) - w.foreign_skill_z, 0.0)
        ev[self.unnamed_languages(sig)] = 0.0
        return ev

    def components(self, sig: Signals) -> dict[str, np.ndarray]:
        """The standardised signals per occupation before they are weighted (features for a learned scorer)."""
        n = sig.occ_lex.shape[1]
        zero = np.zeros(n, dtype=np.float32)
        out = {"dense": zero, "description": zero, "lexical": zero, "coverage": zero, "skills": zero}
        if sig.occ_dense is not None:
            out["dense"] = _zscore(sig.occ_dense.max(axis=0))
        if sig.occ_desc is not None:
            out["description"] = _zscore(sig.occ_desc.max(axis=0))
        if sig.native or sig.occ_dense is None:
            out["lexical"] = _zscore(sig.occ_lex.max(axis=0))
            out["coverage"] = _zscore(sig.occ_cov.max(axis=0))
        ev = self.skill_evidence(sig)
        if ev.any():
            out["skills"] = _zscore(self.skill_matrix @ ev)
        return out

    def fused(self, sig: Signals, comp: dict[str, np.ndarray] | None = None) -> np.ndarray:
        """The hand-set fusion: a weighted sum of the components, then ISCO-group smoothing."""
        w = self.w
        comp = comp if comp is not None else self.components(sig)
        ws = w.skills if sig.native else w.foreign_skills
        total = (w.dense * comp["dense"] + w.description * comp["description"] + w.lexical * comp["lexical"]
                 + w.coverage * comp["coverage"] + ws * comp["skills"]).astype(np.float32)
        if w.group_smoothing:
            total = (total + w.group_smoothing * self._group_support(total)).astype(np.float32)
        return total

    def occupation_scores(self, sig: Signals) -> np.ndarray:
        if self.learned is not None:
            return self.learned.occupation_scores(self, sig)
        return self.fused(sig)

    def occupation_order(self, occ_scores: np.ndarray, k: int, groups: int = 0, order: np.ndarray | None = None) -> np.ndarray:
        """The ``k`` occupations to list: by score, or with the best of each of the ``groups`` best
        ISCO-4 groups first (``groups_first``). ``order``: the scores' descending argsort, when the
        caller has it."""
        order = np.argsort(-occ_scores) if order is None else order
        return groups_first(order[:max(k, GROUPS_SCAN)], self.isco, groups)[:k]

    def _group_support(self, scores: np.ndarray) -> np.ndarray:
        """Mean of the three best scores in each occupation's ISCO minor group (3 digits)."""
        out = np.zeros_like(scores)
        if not len(self.group_members):
            return out
        vals = scores[self.group_members]
        order = np.lexsort((-vals, self.group_of_member))  # by group, best first within each
        group = self.group_of_member[order]
        first = np.r_[0, np.cumsum(self.group_sizes)[:-1]]
        top = np.arange(len(order)) - first[group] < 3
        means = np.bincount(group[top], weights=vals[order][top], minlength=len(self.group_sizes)) / np.minimum(self.group_sizes, 3)
        out[self.group_members] = means[self.group_of_member]
        return out

    def skill_report_scores(self, sig: Signals) -> np.ndarray:
        """Comparable across languages: the best per-unit standardised similarity of each skill."""
        report = sig.skill_z.max(axis=0) if sig.skill_z is not None else sig.skill_lex.max(axis=0)
        report[self.unnamed_languages(sig)] = -1e6  # below any threshold
        return report

    def related_skills(self, top_occupations: Sequence[int] | np.ndarray) -> np.ndarray:
        """Per skill, whether ESCO relates it (essential or optional) to one of these occupations."""
        if not len(top_occupations):
            return np.zeros(self.essential.shape[1], dtype=bool)
        rows = list(top_occupations)
        return np.asarray((self.essential[rows] + self.optional[rows]).sum(axis=0)).ravel() > 0

    def skill_scores(self, report: np.ndarray, top_occupations: Sequence[int] | np.ndarray,
                     related: np.ndarray | None = None) -> np.ndarray:
        """``related``: ``related_skills(top_occupations)``, when the caller has it already."""
        scores = report.copy()
        if len(top_occupations) and self.w.related_bonus:
            scores[self.related_skills(top_occupations) if related is None else related] += self.w.related_bonus
        return scores


def evidence_for(sig: Signals, column: np.ndarray, tolerance: float = 0.15) -> list[Evidence]:
    """Spans of the finest units that support a skill nearly as well as its best unit."""
    order = {"clause": 0, "pair": 1, "sentence": 2, "text": 3}
    best = float(column.max())
    good = [i for i in range(len(sig.units)) if column[i] >= best - tolerance]
    finest = min(order[sig.units[i].level] for i in good)
    spans = sorted((sig.units[i] for i in good if order[sig.units[i].level] == finest), key=lambda u: u.start)
    out: list[Evidence] = []
    for u in spans:
        if out and u.start < out[-1].end:
            continue  # overlapping pairs: keep the first
        out.append(Evidence(u.start, u.end, u.text))
    return out


TITLE_COVERAGE = 0.8  # share of a label's n-grams written in one unit: the title spelled out, give or take an ending


def title_evidence(sig: Signals, occupation: int) -> list[Evidence]:
    """The finest unit that writes out one of the occupation's labels in the text's language."""
    column = sig.occ_cov[:, occupation]
    if not len(column) or column.max() < TITLE_COVERAGE:
        return []
    return evidence_for(sig, np.where(column >= TITLE_COVERAGE, 1.0, 0.0), tolerance=0.0)[:1]


def build_result(scorer: Scorer, sig: Signals, occ_scores: np.ndarray, language: str | None,
                 top_k: int, top_skills: int, label_language: str, groups_first: int = 0) -> MatchResult:
    """``groups_first``: list the best of that many ISCO-4 groups first (``Scorer.occupation_order``)."""
    tax, index, w = scorer.taxonomy, scorer.index, scorer.w
    full = np.argsort(-occ_scores)
    order = full[: max(top_k, 2)]
    report = scorer.skill_report_scores(sig)
    per_unit = sig.skill_z if sig.skill_z is not None else sig.skill_lex
    threshold = w.report_z if sig.skill_z is not None else 0.5
    skills: list[SkillMatch] = []
    shown_by_uri: dict[str, SkillMatch] = {}
    evidenced = None  # skills that count as shown for an occupation: with a decision, exactly the decided ones
    if scorer.skill_decision is not None:
        cand, X = skill_candidates(scorer, sig, order[:5], report)
        proba = scorer.skill_decision.predict_proba(X)
        evidenced = {}
        for row in np.argsort(-proba):
            if proba[row] < scorer.skill_decision.threshold_:
                break
            k = int(cand[row])
            uri = index.skills.uris[k]
            m = SkillMatch(uri, *_label(tax.skills[uri], label_language, round(float(proba[row]), 4), evidence_for(sig, per_unit[:, k])))
            evidenced[uri] = m
            if len(skills) < min(top_skills, scorer.skill_decision.max_reported):
                skills.append(m)
        shown_by_uri = evidenced
    else:
        ranked = scorer.skill_scores(report, order[:5])
        for k in np.argsort(-ranked)[: top_skills * 3]:
            if len(skills) >= top_skills or ranked[k] < threshold:
                break
            uri = index.skills.uris[k]
            rec = tax.skills[uri]
            m = SkillMatch(uri, *_label(rec, label_language, round(float(ranked[k]), 4), evidence_for(sig, per_unit[:, k])))
            skills.append(m)
            shown_by_uri[uri] = m
    skill_pos = scorer.skill_pos
    occs: list[OccupationMatch] = []
    for o in scorer.occupation_order(occ_scores, top_k, groups_first, full):
        uri = index.occupations.uris[o]
        rec = tax.occupations[uri]
        shown, missing = [], []
        for s in tax.essential.get(uri, []):
            srec, col = tax.skills.get(s), skill_pos.get(s)
            if srec is None or col is None:
                continue
            if s in shown_by_uri:
                shown.append(shown_by_uri[s])
            elif evidenced is None and report[col] >= threshold:  # evidenced, though not among the skills listed for the text
                shown.append(SkillMatch(s, *_label(srec, label_language, round(float(report[col]), 4),
                                                   evidence_for(sig, per_unit[:, col]))))
            else:
                missing.append(SkillRef(s, srec.label(label_language)))
        occs.append(OccupationMatch(uri, rec.label(label_language), rec.isco_code, round(float(occ_scores[o]), 4), shown, missing,
                                    title_evidence(sig, int(o))))
    return MatchResult(occs, skills, False, [], language)


# A person's narrative: the first five occupations listed come from five ISCO-4 groups. The text
# may fit several jobs; five variants of one ("cook", "cook of the food industry", ...) show the
# operator one option where five distinct ones would show five. Measured by cross-validation on
# the 450 training narratives (the learned ranker's own folds, nothing fitted to this): ISCO-4
# hit@5 0.742 -> 0.773, hit@3 0.671 -> 0.707, hit@1 unchanged by construction. A title (a vacancy,
# a benchmark of job titles) names one occupation, where the siblings of the best are the next
# best guesses: there the list stays in score order (MELO ita->it tune split: acc@5 0.735 with
# score order, 0.618 with groups first).
GROUPS_FIRST = 5
GROUPS_SCAN = 300  # occupations looked at for the groups (the learned ranker scores its ~50 candidates above all others)


def groups_first(order: np.ndarray, isco: list[str | None], groups: int) -> np.ndarray:
    """``order`` with the best occupation of each of its first ``groups`` ISCO-4 groups in front
    (in score order), then the others in score order. Occupations with no ISCO code count as a
    group each."""
    if groups <= 0:
        return order
    lead: list[int] = []
    seen: set[str] = set()
    for o in order:
        code = isco[o] or f"none:{o}"
        if code not in seen:
            seen.add(code)
            lead.append(int(o))
            if len(lead) == groups:
                break
    chosen = set(lead)
    return np.asarray(lead + [int(o) for o in order if int(o) not in chosen], dtype=np.int64)


def _label(rec, language: str, score: float, evidence: list[Evidence]) -> tuple:  # noqa: ANN001
    """SkillMatch fields after the uri: the label in ``language`` or the first fallback, marked with its language."""
    text, lang = rec.label_in(language)
    return text, score, evidence, rec.skill_type, lang


def review_reasons(scorer: Scorer, occ_scores: np.ndarray, order: np.ndarray) -> list[str]:
    """SOCcer's rule: send to an expert when the best is weak or a different group is close behind."""
    return [d["text"] for d in review_details(scorer, occ_scores, order)]


def review_details(scorer: Scorer, occ_scores: np.ndarray, order: np.ndarray) -> list[dict]:
    """The reasons with what a page needs to say them in words: ``code`` (low_score, close_groups,
    nothing), the figures, and the occupations concerned."""
    w = scorer.w
    if not len(order):
        return [{"code": "nothing", "text": "no occupation found"}]
    reasons = []
    top = float(occ_scores[order[0]])
    if top < w.review_min_score:
        reasons.append({"code": "low_score", "text": f"best score {top:.2f} is below {w.review_min_score:.2f}",
                        "score": round(top, 2), "threshold": w.review_min_score})
    top_isco = scorer.isco[order[0]]
    for o in order[1:]:
        if scorer.isco[o] != top_isco:
            margin = top - float(occ_scores[o])
            if margin < w.review_min_margin:
                uris = scorer.index.occupations.uris
                reasons.append({"code": "close_groups", "margin": round(margin, 2), "groups": [top_isco, scorer.isco[o]],
                                "occupations": [uris[order[0]], uris[o]],
                                "text": f"another occupation group ({scorer.isco[o]}) is within {margin:.2f} of the best ({top_isco})"})
            break
    return reasons


def narrative_units(text: str) -> list[Unit]:
    units = split_units(text)
    if not units:
        raise MatchInputError("text has no words to match")
    return units
