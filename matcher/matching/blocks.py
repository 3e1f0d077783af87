"""The forms of one language in a form table, grouped by concept, and the best form of each concept."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Block:
    """The forms of one language: rows ``start:end`` of the table, grouped by concept."""

    language: str
    start: int
    end: int
    concepts: np.ndarray  # int64, the concept of each group, increasing
    group_starts: np.ndarray  # int64, first row of each group, relative to ``start``
    # The groups' rows slot by slot (every group's first row, then the second row of the groups
    # that have one, ...), groups by decreasing size: slot k is then a prefix of slot k-1's
    # groups, and the per-group maximum is a few dozen contiguous vector maxima instead of
    # numpy's reduceat, which pays a call per group and row (~6 ns an element: 4 ms a match on
    # the 99k skill forms, against ~1.5 ms this way).
    slot_rows: np.ndarray = field(init=False, repr=False)  # int64, relative to ``start``
    slot_ends: np.ndarray = field(init=False, repr=False)  # end of each slot in ``slot_rows``
    slot_concepts: np.ndarray = field(init=False, repr=False)  # the concept of each group, in slot order

    def __post_init__(self) -> None:
        sizes = np.diff(np.r_[self.group_starts, self.size])
        by_size = np.argsort(-sizes, kind="stable")
        counts = np.bincount(sizes, minlength=int(sizes.max(initial=0)) + 1)[::-1].cumsum()[::-1][1:]  # groups with > k rows
        rows = [self.group_starts[by_size[:n]] + k for k, n in enumerate(counts)]
        object.__setattr__(self, "slot_rows", np.concatenate(rows) if rows else np.zeros(0, np.int64))
        object.__setattr__(self, "slot_ends", np.cumsum(counts))
        object.__setattr__(self, "slot_concepts", self.concepts[by_size])

    @property
    def size(self) -> int:
        return self.end - self.start

    def group_max(self, scores: np.ndarray) -> np.ndarray:
        """(units x this block's rows) -> (units x groups, in ``slot_concepts`` order), each group's best row."""
        sorted_ = np.take(scores, self.slot_rows, axis=1)  # (fancy indexing copies 3x slower)
        n = len(self.slot_concepts)
        best = sorted_[:, :n].copy()
        for start, end in zip(self.slot_ends[:-1], self.slot_ends[1:]):
            k = end - start
            np.maximum(best[:, :k], sorted_[:, start:end], out=best[:, :k])
        return best
