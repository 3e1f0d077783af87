"""Hard negatives for the encoder's pairs: for an occupation, a label of an occupation that the
untrained encoder finds close but that ESCO puts in another ISCO-4 group (a truck driver's
look-alikes: a delivery driver is the same group, a patent agent is not). In-batch negatives are
mostly easy (a cook against a tax adviser); these teach the distinctions the matcher gets wrong."""
from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from matcher.taxonomy.in_memory import Taxonomy
from matcher.training.encoder.pairs import Pair, forms

Encode = Callable[[list[str]], np.ndarray]  # texts -> L2-normalised vectors (passages)


def look_alikes(tax: Taxonomy, encode: Encode, k: int = 8) -> dict[str, list[str]]:
    """For each occupation with an ISCO code, the ``k`` nearest occupations of another ISCO-4 group
    (cosine of the mean of their preferred labels in every imported language)."""
    uris = sorted(u for u, rec in tax.occupations.items() if rec.isco_code and rec.preferred)
    if len(uris) < 2:
        return {}
    texts, owner = [], []
    for i, uri in enumerate(uris):
        for label in tax.occupations[uri].preferred.values():
            texts.append(label)
            owner.append(i)
    vectors = np.asarray(encode(texts), dtype=np.float32)
    means = np.zeros((len(uris), vectors.shape[1]), dtype=np.float32)
    np.add.at(means, np.asarray(owner), vectors)
    means /= np.maximum(np.linalg.norm(means, axis=1, keepdims=True), 1e-9)
    groups = np.asarray([(tax.occupations[u].isco_code or "")[:4] for u in uris])
    out: dict[str, list[str]] = {}
    for start in range(0, len(uris), 1024):  # bounded memory on a full taxonomy
        sims = means[start:start + 1024] @ means.T
        for row, i in enumerate(range(start, min(start + 1024, len(uris)))):
            order = np.argsort(-sims[row])
            other = [j for j in order if groups[j] != groups[i]][:k]
            out[uris[i]] = [uris[j] for j in other]
    return out


def with_hard_negatives(pairs: list[Pair], tax: Taxonomy, alikes: dict[str, list[str]], seed: int = 0) -> list[Pair]:
    """Every pair with a negative: a label of one of its occupation's look-alikes; skill pairs (and
    occupations without look-alikes) get a label of another pair's concept, an ordinary negative."""
    if len({p.occupation for p in pairs}) < 2:
        return pairs
    rng = random.Random(seed)
    out = []
    for p in pairs:
        choices = alikes.get(p.occupation)
        negative = None
        if choices:
            negative = rng.choice(forms(tax.occupations[rng.choice(choices)]) or [None])
        for _ in range(50):  # a tiny taxonomy may have no fitting negative for a pair: it keeps none
            if negative is not None and negative.casefold() not in (p.query.casefold(), p.passage.casefold()):
                break
            other = rng.choice(pairs)
            negative = other.passage if other.occupation != p.occupation else None
        else:
            negative = None
        out.append(replace(p, negative=negative))
    return out
