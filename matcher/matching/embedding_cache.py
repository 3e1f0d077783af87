"""Vectors of surface forms already encoded, kept per encoder version.

A new ESCO release or one more language shares most labels with the last one: with this cache
an index rebuild encodes only the labels it has not seen. Each build appends one chunk, written
to a temporary file and renamed, so a killed build never leaves a torn chunk behind.
"""
from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path

import numpy as np


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)[:120]


class EmbeddingCache:
    def __init__(self, root: Path, encoder_name: str, encoder_version: str, dim: int):
        self.dir = Path(root) / _safe(f"{encoder_name}__{encoder_version}")
        self.dim = dim
        self._rows: dict[str, tuple[int, int]] = {}
        self._chunks: list[np.ndarray] = []
        if self.dir.exists():
            for meta in sorted(self.dir.glob("chunk-*.json")):
                vec_path = meta.with_suffix(".npy")
                if not vec_path.exists():
                    continue
                texts = json.loads(meta.read_text(encoding="utf-8"))
                vecs = np.load(vec_path, mmap_mode="r")
                if vecs.shape != (len(texts), dim):
                    continue
                ci = len(self._chunks)
                self._chunks.append(vecs)
                for i, t in enumerate(texts):
                    self._rows[t] = (ci, i)

    def __len__(self) -> int:
        return len(self._rows)

    def lookup(self, texts: list[str]) -> tuple[np.ndarray, list[int]]:
        """Vectors for the texts found (zeros elsewhere) and the positions of those missing."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        missing = []
        for i, t in enumerate(texts):
            hit = self._rows.get(t)
            if hit is None:
                missing.append(i)
            else:
                out[i] = self._chunks[hit[0]][hit[1]]
        return out, missing

    def add(self, texts: list[str], vectors: np.ndarray) -> None:
        if not texts:
            return
        self.dir.mkdir(parents=True, exist_ok=True)
        n = len(list(self.dir.glob("chunk-*.json")))
        stem = self.dir / f"chunk-{n:05d}"
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        for path, write in ((stem.with_suffix(".npy"), lambda fh: np.save(fh, vectors)),
                            (stem.with_suffix(".json"), lambda fh: fh.write(json.dumps(texts, ensure_ascii=False).encode()))):
            fd, tmp = tempfile.mkstemp(dir=self.dir, suffix=".tmp")
            with os.fdopen(fd, "wb") as fh:
                write(fh)
            os.replace(tmp, path)
        ci = len(self._chunks)
        self._chunks.append(vectors)
        for i, t in enumerate(texts):
            self._rows[t] = (ci, i)
