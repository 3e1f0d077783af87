"""Texts with accepted ISCO groups kept as vectors: what a new text's nearest coded examples say.

SOCcer and the coding tools of statistical offices learn from texts coded before; narratives
written like the real ones (``narratives_train.jsonl``) and, later, outcomes carry what ESCO's
titles cannot: how people describe their work ("facevo la badante", "I drove a taxi in Lagos").
For each candidate occupation the learned ranker reads two numbers from the memory: the best
similarity of the text to an example of the candidate's ISCO group, and the share of the text's
nearest examples that belong to that group. The memory holds vectors and ISCO codes only, never
the texts.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class ExampleMemory:
    vectors: np.ndarray  # examples x dim, L2-normalised (E5 query vectors of the whole text)
    codes: list[tuple[str, ...]]  # accepted ISCO-4 groups of each example
    k: int = 10  # neighbours that vote
    temperature: float = 0.05  # softmax temperature of the vote over cosine similarities

    def __post_init__(self) -> None:
        self.vectors = np.asarray(self.vectors, dtype=np.float32)
        groups = sorted({c for cs in self.codes for c in cs})
        self.group_index = {g: i for i, g in enumerate(groups)}
        # examples x groups, 1 where the example is coded with the group
        self.member = np.zeros((len(self.codes), len(groups)), dtype=np.float32)
        for i, cs in enumerate(self.codes):
            for c in cs:
                self.member[i, self.group_index[c]] = 1.0

    def __len__(self) -> int:
        return len(self.codes)

    def group_scores(self, vector: np.ndarray, exclude: np.ndarray | None = None) -> tuple[dict[str, float], dict[str, float]]:
        """(best similarity per group, vote share per group) for one text; ``exclude``: example rows
        that must not answer (the text itself, when it is in the memory: leave-one-out)."""
        if not len(self.codes):
            return {}, {}
        sims = self.vectors @ np.asarray(vector, dtype=np.float32)
        if exclude is not None and len(exclude):
            sims = sims.copy()
            sims[exclude] = -np.inf
        best = np.where(self.member > 0, sims[:, None], -np.inf).max(axis=0)
        top = np.argsort(-sims)[: self.k]
        top = top[np.isfinite(sims[top])]
        w = np.exp((sims[top] - sims[top].max()) / self.temperature) if len(top) else np.zeros(0)
        vote = (w[:, None] * self.member[top]).sum(axis=0) / max(float(w.sum()), 1e-9)
        groups = list(self.group_index)
        return ({g: float(best[i]) for i, g in enumerate(groups) if np.isfinite(best[i])},
                {g: float(vote[i]) for i, g in enumerate(groups) if vote[i] > 0})

    def subset(self, rows: np.ndarray) -> ExampleMemory:
        return ExampleMemory(self.vectors[rows], [self.codes[i] for i in rows], self.k, self.temperature)

    def to_arrays(self) -> dict[str, np.ndarray]:
        return {"vectors": self.vectors, "codes": np.asarray(["+".join(c) for c in self.codes]),
                "params": np.asarray([self.k, self.temperature], dtype=np.float64)}

    @classmethod
    def from_arrays(cls, d) -> ExampleMemory:  # noqa: ANN001
        k, t = d["params"]
        return cls(d["vectors"], [tuple(str(c).split("+")) for c in d["codes"]], int(k), float(t))
