"""Training examples: (text, occupation) pairs made from the taxonomy itself and from outcomes.

From ESCO, in every imported language: an occupation's alternative labels, its labels in another
language, its description, and short first-person texts that name a few of its essential skills
(with or without a title), which is how people describe work they learned informally. From the
operators' outcomes: the evidence of a confirmed occupation is a positive, of a rejected one a hard
negative. Occupations are split once, by a hash of their URI, so the held-out part (title linking
and skill texts for occupations never trained on) is the same in every run.
"""
from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass

from matcher.matching.surface_forms import split_gendered
from matcher.taxonomy.in_memory import Taxonomy

OPENINGS = {
    "it": ["Ho lavorato come {t}", "Facevo il {t}", "Per tre anni ho lavorato come {t}", "Lavoravo come {t} nel mio paese",
           "Sono {t}"],
    "en": ["I worked as a {t}", "Back home I was a {t}", "For some years I worked as {t}", "My job was {t}"],
}
TASK_OPENINGS = {
    "it": ["Nel mio lavoro dovevo", "Mi occupavo di", "Ogni giorno", "Sapevo"],
    "en": ["In my last job I had to", "I used to", "Every day I would", "I know how to"],
}
JOIN = {"it": " e ", "en": " and "}


@dataclass(frozen=True)
class Example:
    text: str
    occupation: str  # uri of the occupation meant
    isco: str | None
    kind: str  # alt_label | cross_language | description | title_skills | skills | outcome
    language: str
    positive: bool = True
    accepted: tuple[str, ...] = ()  # every ISCO-4 group accepted for the text (narratives), when more than ``isco``


def held_out(uri: str, share: float) -> bool:
    """Stable split by occupation: the same URIs are held out in every run and on every machine."""
    h = int(hashlib.sha1(uri.encode("utf-8")).hexdigest()[:8], 16)
    return h / 0xFFFFFFFF < share


def _first_sentence(text: str) -> str:
    m = re.match(r"(.+?[.!?])(\s|$)", text.strip())
    return (m.group(1) if m else text.strip())[:300]


def _skill_phrase(tax: Taxonomy, uri: str, rng: random.Random) -> str | None:
    rec = tax.skills.get(uri)
    if rec is None:
        return None
    langs = [lang for lang in rec.preferred if lang in ("it", "en")] or list(rec.preferred)
    if not langs:
        return None
    lang = rng.choice(langs)
    forms = [rec.preferred[lang], *rec.alternatives.get(lang, [])]
    return rng.choice(forms)


def _titles(rec, lang: str) -> list[str]:  # noqa: ANN001
    out = []
    for label in [rec.preferred.get(lang, ""), *rec.alternatives.get(lang, [])]:
        out += [f for f in split_gendered(label) if f]
    return out


def esco_examples(tax: Taxonomy, seed: int = 0, per_occupation: int = 2, holdout: float = 0.1,
                  kinds: tuple[str, ...] = ("alt_label", "cross_language", "description", "title_skills", "skills"),
                  ) -> tuple[list[Example], list[Example]]:
    """(training examples, held-out examples); each occupation's examples fall on one side only."""
    rng = random.Random(seed)
    train: list[Example] = []
    test: list[Example] = []
    for uri in sorted(tax.occupations):
        rec = tax.occupations[uri]
        side = test if held_out(uri, holdout) else train
        langs = [lang for lang in rec.preferred if lang in OPENINGS] or list(rec.preferred)
        ess = [s for s in tax.essential.get(uri, []) if s in tax.skills]
        if "alt_label" in kinds:
            for lang in langs:
                alts = [f for a in rec.alternatives.get(lang, []) for f in split_gendered(a)]
                for a in rng.sample(alts, min(len(alts), 1)):
                    side.append(Example(a, uri, rec.isco_code, "alt_label", lang))
        if "cross_language" in kinds and len(rec.preferred) > 1:
            lang = rng.choice(sorted(rec.preferred))
            side.append(Example(rec.preferred[lang], uri, rec.isco_code, "cross_language", lang))
        if "description" in kinds:
            for lang, desc in rec.descriptions.items():
                if desc and lang in ("it", "en"):
                    side.append(Example(_first_sentence(desc), uri, rec.isco_code, "description", lang))
        for _ in range(per_occupation):
            if len(ess) < 2:
                break
            lang = rng.choice([lang for lang in ("it", "en") if lang in OPENINGS])
            picked = [p for p in (_skill_phrase(tax, s, rng) for s in rng.sample(ess, min(len(ess), rng.randint(2, 4)))) if p]
            if not picked:
                continue
            tasks = ", ".join(picked[:-1]) + JOIN[lang] + picked[-1] if len(picked) > 1 else picked[0]
            titles = _titles(rec, lang)
            if "title_skills" in kinds and titles and rng.random() < 0.6:
                opening = rng.choice(OPENINGS[lang]).format(t=rng.choice(titles))
                side.append(Example(f"{opening}: {tasks}.", uri, rec.isco_code, "title_skills", lang))
            elif "skills" in kinds:
                side.append(Example(f"{rng.choice(TASK_OPENINGS[lang])} {tasks}.", uri, rec.isco_code, "skills", lang))
    return train, test


_CAPITALISED = re.compile(r"(?<![.!?:]\s)(?<!^)\b[A-ZÀ-Ý][\wÀ-ÿ'’]+")
_NUMBERS = re.compile(r"\d[\d .\-/]{4,}\d")


def pseudonymise(text: str, names: Sequence[str] = ()) -> str:
    """Drop what can name a person from a narrative kept for training: the names the service knows,
    capitalised words inside sentences (names, places) and long digit runs (phones, file numbers)."""
    for name in names:
        if name:
            text = re.sub(re.escape(name), "", text, flags=re.IGNORECASE)
    text = _NUMBERS.sub("", text)
    text = _CAPITALISED.sub("", text)
    return re.sub(r"\s{2,}", " ", text).strip()
