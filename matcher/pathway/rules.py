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

from matcher.i18n import N_, translations

DOCUMENTED_KINDS = {"qualification", "employment_contract", "training_certificate"}
# The reasons are written in English and translated from matcher/locale/<language>/LC_MESSAGES/pathway.po.
REASON_LANGUAGES = ("it", "en")


def worded(language: str, message: str, params: dict) -> str:
    """A reason in ``language``; a parameter that is itself a (message, params) pair is translated first."""
    gettext = translations("pathway", language).gettext
    values = {k: worded(language, *v) if isinstance(v, tuple) else v for k, v in params.items()}
    return gettext(message).format(**values)


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
    said: list[tuple[str, dict]] = [(N_("Essential skills shown: {shown} of {total} ({pct}%)."),
                                     {"shown": len(shown), "total": total, "pct": pct})]
    if facts.documented:
        said.append((N_("Documents held: {kinds}."), {"kinds": ", ".join(sorted(facts.document_kinds & DOCUMENTED_KINDS))}))
    else:
        said.append((N_("No documents: the competences rest on informal experience."), {}))
    if validated:
        said.append((N_("Skills already validated: {n}."), {"n": len(validated)}))
    if by_title:
        quoted = named[0]["text"] if isinstance(named[0], dict) else named[0].text
        said.append((N_("The text names the occupation as done («{said}», {span}): an internship to observe its {n} essential "
                        "skills is advised, not training."),
                     {"said": quoted, "n": len(observe),
                      "span": (N_("{years:g} years"), {"years": years}) if years is not None
                      else (N_("for a time the profile does not give"), {})}))
    elif pathway == "certifiable":
        said.append((N_("Documented coverage {dpct}% ≥ {threshold}%: ready for certification."),
                     {"dpct": dpct, "threshold": round(100 * model.certifiable_coverage)}))
    elif pathway == "internship_validation":
        said.append((N_("Coverage {pct}% ≥ {threshold}% and {years:g} years of practice: an internship is advised to validate "
                        "{n} skills to observe."),
                     {"pct": pct, "threshold": round(100 * model.internship_coverage), "years": years or 0, "n": len(observe)}))
    elif coverage < model.internship_coverage:
        said.append((N_("Coverage {pct}% below {threshold}%: training on the missing skills is needed."),
                     {"pct": pct, "threshold": round(100 * model.internship_coverage)}))
    else:
        said.append((N_("Less than {years:g} years of practice: training is needed before an internship."),
                     {"years": model.internship_min_years}))
    return PathwayDecision(
        occupation_uri=occupation["uri"], occupation_label=occupation.get("label", ""), isco_code=occupation.get("isco_code"),
        pathway=pathway, coverage=round(coverage, 3), documented_coverage=round(documented_coverage, 3), essential_total=total,
        documented=facts.documented, years_experience=years, skills_to_observe=observe,
        missing_skills=[{"uri": u, "label": s["label"]} for u, s in missing.items()] if pathway != "certifiable" else [],
        evidence=[{"uri": u, "label": s["label"], "evidence": s.get("evidence", []), "validated": u in validated}
                  for u, s in shown.items()],
        reasons={lang: [worded(lang, message, params) for message, params in said] for lang in REASON_LANGUAGES})
