"""The lexical encoder of a saved index, for queries, from plain files: the fitted vocabulary and
idf of its scikit-learn TfidfVectorizer (character n-grams within word boundaries, accents
stripped, sublinear tf, L2 rows).

Why not the vectorizer itself: unpickling it imports scikit-learn, which with SciPy and pandas
takes about a second on a 2-core machine — most of a one-off `skillmatch match` and of every
worker's start. The vectorizer still fits the vocabulary when an index is built; this transform is
checked against it (tests/test_matcher.py: the same matrices for a sample of texts in many
scripts).
"""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp

_WHITE_SPACES = re.compile(r"\s\s+")


def _strip_accents(text: str) -> str:
    """scikit-learn's ``strip_accents_unicode``."""
    if text.isascii():
        return text
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def char_wb_ngrams(text: str, low: int, high: int) -> list[str]:
    """scikit-learn's ``char_wb`` analyser after lower-casing and accent stripping."""
    text = _WHITE_SPACES.sub(" ", _strip_accents(text.lower()))
    out: list[str] = []
    for word in text.split():
        w = f" {word} "
        for n in range(low, high + 1):
            last = max(len(w) - n, 0)
            out.extend(w[i:i + n] for i in range(last + 1))
            if last == 0:  # a short word counts once, as scikit-learn does
                break
    return out


@dataclass
class LexicalQueries:
    vocabulary: dict[str, int]
    idf: np.ndarray  # float32, one per n-gram
    ngram_range: tuple[int, int]
    version: str
    name: str = "tfidf"
    sparse: bool = True

    @property
    def dim(self) -> int:
        return len(self.vocabulary)

    @classmethod
    def from_encoder(cls, encoder) -> LexicalQueries:  # noqa: ANN001 - a fitted encoders.TfidfEncoder
        v = encoder.vectorizer_
        return cls({k: int(i) for k, i in v.vocabulary_.items()}, np.asarray(v.idf_, dtype=np.float32),
                   tuple(v.ngram_range), encoder.version)

    def save(self, folder: Path) -> None:
        folder.mkdir()
        (folder / "vocabulary.json").write_text(json.dumps(self.vocabulary, ensure_ascii=False), encoding="utf-8")
        np.save(folder / "idf.npy", self.idf)
        (folder / "meta.json").write_text(json.dumps({"ngram_range": list(self.ngram_range), "version": self.version}),
                                          encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> LexicalQueries:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        return cls(json.loads((folder / "vocabulary.json").read_text(encoding="utf-8")), np.load(folder / "idf.npy"),
                   tuple(meta["ngram_range"]), meta["version"])

    def encode_queries(self, texts: list[str]) -> sp.csr_matrix:
        low, high = self.ngram_range
        indptr, indices, counts = [0], [], []  # type: list[int], list[int], list[float]
        for text in texts:
            row: dict[int, int] = {}
            for gram in char_wb_ngrams(text, low, high):
                j = self.vocabulary.get(gram)
                if j is not None:
                    row[j] = row.get(j, 0) + 1
            cols = sorted(row)
            indices.extend(cols)
            counts.extend(row[c] for c in cols)
            indptr.append(len(indices))
        data = np.asarray(counts, dtype=np.float32)
        cols_a = np.asarray(indices, dtype=np.int32)
        data = (np.log(data) + np.float32(1.0)) * self.idf[cols_a]  # sublinear tf x idf, in float32 as scikit-learn
        ptr = np.asarray(indptr, dtype=np.int32)
        rows = np.repeat(np.arange(len(texts)), np.diff(ptr))
        norms = np.sqrt(np.bincount(rows, weights=(data * data).astype(np.float64), minlength=len(texts)))
        data = (data / np.where(norms > 0, norms, 1.0)[rows]).astype(np.float32)
        return sp.csr_matrix((data, cols_a, ptr), shape=(len(texts), len(self.vocabulary)))

    encode_passages = encode_queries
