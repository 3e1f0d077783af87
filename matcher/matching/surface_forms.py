"""Surface forms: every label of a concept becomes its own searchable entry.

Italian ESCO labels often pair the masculine and feminine forms in one label
("cuoco/cuoca", "direttore tecnico/direttrice tecnica"); each form is a surface form of
its own, because a narrative uses one of them, never the pair.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_WS = re.compile(r"\s+")


def normalise(text: str) -> str:
    return _WS.sub(" ", text).strip()


def split_gendered(label: str) -> list[str]:
    """Split "cuoco/cuoca" into its forms; labels such as "TCP/IP" stay whole.

    A slash separates gendered forms only when both sides are words of three or more
    letters; otherwise it is part of the term.
    """
    label = normalise(label)
    if "/" not in label:
        return [label] if label else []
    parts = [normalise(p) for p in label.split("/")]
    if all(len(p) >= 3 and not p.isupper() for p in parts):
        return parts
    return [label]


@dataclass(frozen=True)
class SurfaceForm:
    concept_uri: str
    kind: str  # "occupation" | "skill"
    language: str
    text: str
    source: str  # "preferred" | "alternative" | "hidden"


def forms_for_labels(
    concept_uri: str, kind: str, language: str, preferred: str | None, alternatives: list[str], hidden: list[str]
) -> list[SurfaceForm]:
    seen: set[str] = set()
    out: list[SurfaceForm] = []
    for source, labels in (("preferred", [preferred] if preferred else []), ("alternative", alternatives), ("hidden", hidden)):
        for label in labels:
            for form in split_gendered(label):
                key = form.casefold()
                if form and key not in seen:
                    seen.add(key)
                    out.append(SurfaceForm(concept_uri, kind, language, form, source))
    return out
