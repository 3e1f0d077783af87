"""The signals of a narrative's evidence units against every concept: dense similarity (an 8-bit
scan re-scored in float32, see ``dense_scan``), character n-gram cosine and label coverage, per
unit and concept, in the languages that count for the text. ``Scorer`` (``matching.py``) fuses them."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from matcher.matching.dense_scan import RESCORE
from matcher.matching.index import Block, FormTable, SearchIndex
from matcher.matching.units import Unit


@dataclass
class Signals:
    units: list[Unit]
    native: bool  # the text is in a language the labels are in
    occ_dense: np.ndarray | None  # units x occupations, raw cosine (or per-unit z for foreign texts)
    occ_lex: np.ndarray  # units x occupations, n-gram cosine
    occ_cov: np.ndarray  # units x occupations, label n-gram coverage
    skill_dense: np.ndarray | None  # units x skills, raw cosine
    skill_z: np.ndarray | None  # units x skills, per-unit standardised
    skill_lex: np.ndarray
    occ_desc: np.ndarray | None = None  # units x occupations, similarity to label + description
    text_vector: np.ndarray | None = None  # the whole text's dense vector (its first unit)


def _row_z(x: np.ndarray) -> np.ndarray:
    sd = x.std(axis=1, keepdims=True)
    return (x - x.mean(axis=1, keepdims=True)) / np.where(sd > 1e-9, sd, 1.0)


def compute_signals(index: SearchIndex, units: list[Unit], q_dense: np.ndarray | None, native: bool = True,
                    q_occ: np.ndarray | None = None, lex_languages: frozenset[str] | None = None,
                    dense_languages: frozenset[str] | None = None, scan_languages: frozenset[str] | None = None,
                    rescore: int = RESCORE, threads: int = 1) -> Signals:
    """``q_occ``: the unit vectors to compare with occupations, when a trained head adapts them
    (skills are always compared with ``q_dense``). ``lex_languages``: the languages of the text;
    character n-grams are compared with labels in those languages only, because across languages
    they find false friends (Italian "patente", a driving licence, spells English "patent").
    ``scan_languages``: the label languages the dense signal reads (None: all); the text's own and
    the service's are enough, and a taxonomy in seven languages then costs no more than in two.
    ``dense_languages``: per concept, the dense signal keeps its labels in these languages when it
    has any. ``rescore``, ``threads``: the dense scan's (``dense_scan.scan``)."""
    q_occ = q_dense if q_occ is None else q_occ
    q_lex = index.lexical.encode_queries([u.text for u in units])

    def same_language(table: FormTable, sims: np.ndarray) -> np.ndarray:
        # a kind with no label in the text's language (Italian skills, in ESCO's Italian bundle) keeps them all
        blocks = table.select(lex_languages)
        return table.per_concept_max(table.take(sims, blocks), blocks, fill=0.0)

    occ_lex = same_language(index.occupations, _dense_product(q_lex, index.occ_lex_t))
    q_bin = (q_lex > 0).astype(np.float32)
    occ_cov = same_language(index.occupations, _dense_product(q_bin, index.occ_lex_sq_t))
    skill_lex = same_language(index.skills, _dense_product(q_lex, index.skill_lex_t))
    occ_dense = skill_dense = skill_z = None
    if q_dense is not None and index.occ_dense is not None:
        assert q_occ is not None and index.skill_dense is not None  # built together with occ_dense
        occ, skills = index.occupations, index.skills
        blocks = occ.select(scan_languages)
        occ_sims = occ.scores(index.occ_dense, q_occ, blocks, index.occ_codes, rescore, threads)
        if not native:
            occ_sims = _row_z(occ_sims)
        occ_dense = _floor_missing(occ.per_concept_max(occ_sims, blocks))
        if native and dense_languages:
            occ_dense = _same_language_max(occ, occ_sims, blocks, dense_languages, occ_dense)
        sblocks = skills.select(scan_languages)
        skill_sims = skills.scores(index.skill_dense, q_dense, sblocks, index.skill_codes, rescore, threads)
        best = skills.per_concept_max(skill_sims, sblocks)
        # z-scoring a row is increasing, so the best z of a concept is the z of its best form: the
        # row's mean and spread are enough (no second pass over the 100k skill forms)
        sd = skill_sims.std(axis=1, keepdims=True)
        skill_z = _floor_missing((best - skill_sims.mean(axis=1, keepdims=True)) / np.where(sd > 1e-9, sd, 1.0))
        skill_dense = _floor_missing(best)
    occ_desc = None
    if q_dense is not None and index.occ_desc is not None:
        occ_desc = q_occ @ index.occ_desc.T
        missing = ~index.occ_desc.any(axis=1)
        if missing.any():  # occupations without a description take the mean, so they neither win nor lose
            occ_desc[:, missing] = occ_desc[:, ~missing].mean(axis=1, keepdims=True) if (~missing).any() else 0.0
    text_vector = None
    if q_dense is not None:
        text_vector = q_dense[0] if units[0].level == "text" else q_dense.mean(axis=0)
        text_vector = text_vector / max(float(np.linalg.norm(text_vector)), 1e-9)
    return Signals(units, native, occ_dense, occ_lex, occ_cov, skill_dense, skill_z, skill_lex, occ_desc, text_vector)


def _dense_product(queries: sp.csr_matrix, matrix: sp.csr_matrix) -> np.ndarray:
    """``queries @ matrix`` as a dense (queries x forms) array. A few queries use a few hundred of
    the ~74k n-grams: the rows of those are read once and multiplied into a dense result, three
    times faster than scipy's sparse product (two passes and a sparse result) and its ``toarray``."""
    used = np.unique(queries.indices)
    if not len(used):
        return np.zeros((queries.shape[0], matrix.shape[1]), dtype=np.float32)
    return (matrix[used].T @ queries[:, used].toarray().T).T  # forms x queries, C-ordered, seen transposed


def _floor_missing(x: np.ndarray) -> np.ndarray:
    """Concepts with no label among the languages read take the lowest score of their row."""
    bad = np.isneginf(x)
    if bad.any():
        x[bad] = np.broadcast_to(np.where(bad, np.inf, x).min(axis=1, keepdims=True), x.shape)[bad]
    return x


def _same_language_max(table: FormTable, sims: np.ndarray, blocks: list[Block], languages: frozenset[str],
                       any_language: np.ndarray) -> np.ndarray:
    """Per concept, the best similarity among its labels in the text's languages; a concept with no
    label in them keeps its best label in any language."""
    if not any(b.language in languages for b in blocks):
        return any_language
    same = table.per_concept_max(sims, blocks, languages=languages)
    return np.where(np.isneginf(same), any_language, same)
