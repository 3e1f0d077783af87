"""What to do next for a person and an occupation: certify, validate through an internship, or train.

Italian law (D.Lgs. 13/2013) separates identifying and documenting competences, validating them
(an assessor checks the evidence) and certifying them. Competences learned informally and without
documents are typically validated by observing the person at work: an internship (tirocinio).
The rules here are transparent and their thresholds live in settings; any estimator with
scikit-learn's ``predict`` over ``pathway_features`` can replace them (``PathwayRules`` is one).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum

import numpy as np

DOCUMENTED_KINDS = {"qualification", "employment_contract", "training_certificate"}


class Pathway(StrEnum):
    """How a person's competences for an occupation are best recognised."""

    CERTIFIABLE = "certifiable"
    INTERNSHIP_VALIDATION = "internship_validation"
    TRAINING = "training"


PATHWAYS = tuple(Pathway)


@dataclass
class PersonFacts:
    years_experience: float | None = None
    document_kinds: set[str] = field(default_factory=set)
    validated_skills: set[str] = field(default_factory=set)  # observed in an internship or by an assessor

    @property
    def documented(self) -> bool:
        return bool(self.document_kinds & DOCUMENTED_KINDS)


@dataclass
class PathwayDecision:
    occupation_uri: str
    occupation_label: str
    isco_code: str | None
    pathway: str
    coverage: float  # essential skills shown (narrative or validated) / essential skills
    documented_coverage: float  # essential skills resting on documents or validation / essential skills
    essential_total: int
    documented: bool
    years_experience: float | None
    skills_to_observe: list[dict] = field(default_factory=list)
    missing_skills: list[dict] = field(default_factory=list)
    evidence: list[dict] = field(default_factory=list)
    reasons: dict[str, list[str]] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class PathwayRules:
    """Hyper-parameters in ``__init__``; ``fit`` learns nothing, so rules and a trained estimator
    can stand behind the same interface."""

    certifiable_coverage: float = 0.6
    internship_coverage: float = 0.3
    internship_min_years: float = 1.0

    def fit(self, X: np.ndarray | list | None = None, y: np.ndarray | list | None = None) -> PathwayRules:
        return self

    def predict(self, X: np.ndarray | list) -> np.ndarray:  # rows of pathway_features
        out = []
        for coverage, documented_coverage, _documented, years in np.asarray(X, dtype=float):
            if documented_coverage >= self.certifiable_coverage:
                out.append("certifiable")
            elif coverage >= self.internship_coverage and years >= self.internship_min_years:
                out.append("internship_validation")
            else:
                out.append("training")
        return np.asarray(out)


def pathway_features(coverage: float, documented_coverage: float, documented: bool, years: float | None) -> list[float]:
    return [coverage, documented_coverage, float(documented), float(years or 0.0)]


def decide(occupation: dict, facts: PersonFacts, close_to_shown: dict[str, str] | None = None,
           model: PathwayRules | None = None) -> PathwayDecision:
    """``occupation`` is one entry of a match result (uri, label, isco_code, essential_skills_shown,
    essential_skills_missing); ``close_to_shown`` maps a missing skill's uri to the shown skill it
    is close to (worth observing too)."""
    model = model or PathwayRules()
    close_to_shown = close_to_shown or {}
    shown = {s["uri"]: s for s in occupation.get("essential_skills_shown", [])}
    missing = {s["uri"]: s for s in occupation.get("essential_skills_missing", [])}
    for uri in list(missing):
        if uri in facts.validated_skills:
            shown[uri] = {**missing.pop(uri), "validated": True}
    total = len(shown) + len(missing)
    validated = {u for u in shown if u in facts.validated_skills}
    coverage = len(shown) / total if total else 0.0
    documented_coverage = (len(shown) if facts.documented else len(validated)) / total if total else 0.0
    pathway = str(model.predict([pathway_features(coverage, documented_coverage, facts.documented, facts.years_experience)])[0])
    named = occupation.get("title_evidence") or []
    # a short narrative cannot spell out 30 essential skills: a person who names the job as done, for
    # long enough (or for a time the profile does not say), is observed at work rather than sent to train
    by_title = (pathway == "training" and bool(named)
                and (facts.years_experience is None or facts.years_experience >= getattr(model, "internship_min_years", 1.0)))
    if by_title:
        pathway = "internship_validation"
    observe: list[dict] = []
    if by_title:
        observe = [{"uri": u, "label": s["label"], "why": "narrative"} for u, s in shown.items() if u not in validated]
        observe += [{"uri": u, "label": s["label"], "why": "title"} for u, s in missing.items()]
    elif pathway == "internship_validation":
        observe = [{"uri": u, "label": s["label"], "why": "narrative"} for u, s in shown.items() if u not in validated]
        observe += [{"uri": u, "label": s["label"], "why": "close", "close_to": close_to_shown[u]}
                    for u, s in missing.items() if u in close_to_shown]
    pct, dpct = round(100 * coverage), round(100 * documented_coverage)
    years = facts.years_experience
    it, en = [], []
    it.append(f"Competenze essenziali mostrate: {len(shown)} su {total} ({pct}%).")
    en.append(f"Essential skills shown: {len(shown)} of {total} ({pct}%).")
    if facts.documented:
        kinds = ", ".join(sorted(facts.document_kinds & DOCUMENTED_KINDS))
        it.append(f"Documenti presentati: {kinds}.")
        en.append(f"Documents held: {kinds}.")
    else:
        it.append("Nessun documento: le competenze poggiano sull'esperienza informale.")
        en.append("No documents: the competences rest on informal experience.")
    if validated:
        it.append(f"Competenze già validate: {len(validated)}.")
        en.append(f"Skills already validated: {len(validated)}.")
    if by_title:
        said = named[0]["text"] if isinstance(named[0], dict) else named[0].text
        span = f"{years:g} anni" if years is not None else "per un tempo che il profilo non dice"
        span_en = f"{years:g} years" if years is not None else "for a time the profile does not give"
        it.append(f"Il racconto nomina la professione come svolta («{said}», {span}): si consiglia un tirocinio per "
                  f"osservare le {len(observe)} competenze essenziali, non la formazione.")
        en.append(f"The text names the occupation as done («{said}», {span_en}): an internship to observe its "
                  f"{len(observe)} essential skills is advised, not training.")
    elif pathway == "certifiable":
        it.append(f"Copertura documentata {dpct}% ≥ {round(100 * model.certifiable_coverage)}%: si può procedere alla certificazione.")
        en.append(f"Documented coverage {dpct}% ≥ {round(100 * model.certifiable_coverage)}%: ready for certification.")
    elif pathway == "internship_validation":
        it.append(f"Copertura {pct}% ≥ {round(100 * model.internship_coverage)}% e {years or 0:g} anni di pratica: "
                  f"si consiglia un tirocinio per validare {len(observe)} competenze da osservare.")
        en.append(f"Coverage {pct}% ≥ {round(100 * model.internship_coverage)}% and {years or 0:g} years of practice: "
                  f"an internship is advised to validate {len(observe)} skills to observe.")
    else:
        if coverage < model.internship_coverage:
            it.append(f"Copertura {pct}% sotto il {round(100 * model.internship_coverage)}%: serve formazione sulle competenze mancanti.")
            en.append(f"Coverage {pct}% below {round(100 * model.internship_coverage)}%: training on the missing skills is needed.")
        else:
            it.append(f"Meno di {model.internship_min_years:g} anni di pratica: serve formazione prima di un tirocinio.")
            en.append(f"Less than {model.internship_min_years:g} years of practice: training is needed before an internship.")
    return PathwayDecision(
        occupation_uri=occupation["uri"], occupation_label=occupation.get("label", ""), isco_code=occupation.get("isco_code"),
        pathway=pathway, coverage=round(coverage, 3), documented_coverage=round(documented_coverage, 3), essential_total=total,
        documented=facts.documented, years_experience=years, skills_to_observe=observe,
        missing_skills=[{"uri": u, "label": s["label"]} for u, s in missing.items()] if pathway != "certifiable" else [],
        evidence=[{"uri": u, "label": s["label"], "evidence": s.get("evidence", []), "validated": u in validated}
                  for u, s in shown.items()],
        reasons={"it": it, "en": en})
