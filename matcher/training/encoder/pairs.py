"""Training pairs for the encoder from the imported taxonomy, in every imported language: what a
person or an office writes (an alternative label, the label in another language, a first-person
text naming essential skills, a description sentence) paired with an occupation's label as the
index stores it. Occupations held out by the stable hash split (``examples.held_out``) give no
pair, so the held-out ESCO sets stay unseen; the public benchmarks' queries are never used."""
from __future__ import annotations

import random
from dataclasses import dataclass

from matcher.matching.surface_forms import split_gendered
from matcher.taxonomy.in_memory import Taxonomy
from matcher.training.examples import esco_examples


@dataclass(frozen=True)
class Pair:
    query: str  # without the "query: " prefix
    passage: str  # without the "passage: " prefix
    occupation: str
    isco: str | None
    negative: str | None = None  # a label of a look-alike of another ISCO group (``negatives``)


def forms(rec) -> list[str]:  # noqa: ANN001
    """Every preferred and alternative label, in every language, gendered forms split."""
    labels = [*rec.preferred.values(), *(a for alts in rec.alternatives.values() for a in alts)]
    return [f for label in labels for f in split_gendered(label) if f]


def taxonomy_pairs(tax: Taxonomy, seed: int = 0, per_occupation: int = 6, holdout: float = 0.1,
                   skill_pairs: int = 0) -> list[Pair]:
    """Pairs for every training occupation: the examples the ranker learns from (alternative labels,
    cross-language labels, description sentences, first-person texts) against one of the
    occupation's labels in a random language (the index matches against every label form), plus
    label-to-label pairs across languages; ``skill_pairs`` skills get alternative-to-preferred pairs."""
    rng = random.Random(seed)
    train, _ = esco_examples(tax, seed=seed, per_occupation=max(1, per_occupation // 3), holdout=holdout)
    pairs: list[Pair] = []
    for ex in train:
        rec = tax.occupations[ex.occupation]
        labels = [f for f in forms(rec) if f.casefold() != ex.text.casefold()]
        if labels:
            pairs.append(Pair(ex.text, rng.choice(labels), ex.occupation, ex.isco))
    held = {ex.occupation for ex in train}
    for uri in sorted(held):
        rec = tax.occupations[uri]
        labels = forms(rec)
        for _ in range(min(per_occupation // 2, len(labels) // 2)):
            a, b = rng.sample(labels, 2)
            if a.casefold() != b.casefold():
                pairs.append(Pair(a, b, uri, rec.isco_code))
    if skill_pairs:
        skills = sorted(tax.skills)
        for uri in rng.sample(skills, min(skill_pairs, len(skills))):
            labels = forms(tax.skills[uri])
            if len(labels) > 1:
                a, b = rng.sample(labels, 2)
                pairs.append(Pair(a, b, uri, None))
    rng.shuffle(pairs)
    return pairs
