"""The active taxonomy version in memory: what the matcher reads, loaded once from the database."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from matcher.taxonomy.models import Concept, ConceptLabel, ConceptRelation, OccupationSkill, TaxonomyVersion


@dataclass
class ConceptRecord:
    uri: str
    kind: str  # occupation | skill | isco_group
    isco_code: str | None = None
    skill_type: str | None = None
    reuse_level: str | None = None
    preferred: dict[str, str] = field(default_factory=dict)  # language -> preferred label
    alternatives: dict[str, list[str]] = field(default_factory=dict)
    hidden: dict[str, list[str]] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)

    def label(self, language: str = "it", fallbacks: tuple[str, ...] = ("it", "en")) -> str:
        return self.label_in(language, fallbacks)[0]

    def label_in(self, language: str = "it", fallbacks: tuple[str, ...] = ("it", "en")) -> tuple[str, str | None]:
        """(label, its language): the asked language, else the first fallback the concept has."""
        for lang in (language, *fallbacks):
            if lang in self.preferred:
                return self.preferred[lang], lang
        if self.preferred:
            lang, text = next(iter(self.preferred.items()))
            return text, lang
        return self.uri, None


@dataclass
class Taxonomy:
    version_id: int
    release: str
    checksum: str
    languages: list[str]
    occupations: dict[str, ConceptRecord]
    skills: dict[str, ConceptRecord]
    isco_groups: dict[str, ConceptRecord]  # code -> record
    essential: dict[str, list[str]]  # occupation uri -> skill uris
    optional: dict[str, list[str]]
    # skill uri -> the skills and skill groups above it, nearest first (ESCO's skills pillar)
    skill_broader: dict[str, list[str]] = field(default_factory=dict)
    skill_group_codes: dict[str, str] = field(default_factory=dict)  # skill group uri -> code ("L", "L1", "S4.2")

    def skill_pillar(self, uri: str) -> str | None:
        """The top of a skill's hierarchy: "L" (languages), "S" (skills), "K" (knowledge), "T" (transversal)."""
        for above in reversed(self.skill_broader.get(uri, [])):
            code = self.skill_group_codes.get(above)
            if code:
                return code.split(".")[0][:1]
        return None

    @property
    def key(self) -> str:
        return f"taxonomy-{self.version_id}-{self.checksum[:12]}"


def load_taxonomy(session: Session, version_id: int | None = None) -> Taxonomy:
    if version_id is None:
        version = session.scalar(select(TaxonomyVersion).where(TaxonomyVersion.is_active.is_(True)))
        if version is None:
            raise LookupError("no active taxonomy: import one with `skillmatch taxonomy import PATH`")
    else:
        version = session.get(TaxonomyVersion, version_id)
        if version is None:
            raise LookupError(f"no taxonomy version {version_id}")
    by_id: dict[int, ConceptRecord] = {}
    occupations: dict[str, ConceptRecord] = {}
    skills: dict[str, ConceptRecord] = {}
    groups: dict[str, ConceptRecord] = {}
    rows = session.execute(
        select(Concept.id, Concept.uri, Concept.kind, Concept.code, Concept.isco_code, Concept.skill_type, Concept.reuse_level)
        .where(Concept.version_id == version.id, Concept.kind.in_(("occupation", "skill", "isco_group")))
    )
    for cid, uri, kind, code, isco, stype, reuse in rows:
        rec = ConceptRecord(uri, kind, isco_code=isco if kind == "occupation" else code, skill_type=stype, reuse_level=reuse)
        by_id[cid] = rec
        if kind == "occupation":
            occupations[uri] = rec
        elif kind == "skill":
            skills[uri] = rec
        else:
            groups[code] = rec
    labels = session.execute(
        select(ConceptLabel.concept_id, ConceptLabel.language, ConceptLabel.label_type, ConceptLabel.text)
        .join(Concept, Concept.id == ConceptLabel.concept_id).where(Concept.version_id == version.id)
        .order_by(ConceptLabel.id)
    )
    for cid, lang, typ, text in labels:
        labelled = by_id.get(cid)
        if labelled is None:
            continue
        if typ == "preferred":
            labelled.preferred[lang] = text
        elif typ == "alternative":
            labelled.alternatives.setdefault(lang, []).append(text)
        elif typ == "hidden":
            labelled.hidden.setdefault(lang, []).append(text)
        elif typ == "description":
            labelled.descriptions[lang] = text
    essential: dict[str, list[str]] = defaultdict(list)
    optional: dict[str, list[str]] = defaultdict(list)
    rels = session.execute(
        select(OccupationSkill.occupation_id, OccupationSkill.skill_id, OccupationSkill.relation)
        .join(Concept, Concept.id == OccupationSkill.occupation_id).where(Concept.version_id == version.id)
    )
    for oid, sid, rel in rels:
        o, s = by_id.get(oid), by_id.get(sid)
        if o and s:
            (essential if rel == "essential" else optional)[o.uri].append(s.uri)
    broader, group_codes = _skill_hierarchy(session, version.id)
    return Taxonomy(version.id, version.release, version.checksum, version.languages.split(","), occupations, skills,
                    groups, dict(essential), dict(optional), broader, group_codes)


def _skill_hierarchy(session: Session, version_id: int) -> tuple[dict[str, list[str]], dict[str, str]]:
    uri_of: dict[int, str] = {cid: uri for cid, uri in session.execute(
        select(Concept.id, Concept.uri).where(Concept.version_id == version_id, Concept.kind.in_(("skill", "skill_group"))))}
    codes = {uri: code for uri, code in session.execute(
        select(Concept.uri, Concept.code).where(Concept.version_id == version_id, Concept.kind == "skill_group")) if code}
    parent: dict[str, str] = {}
    for src, dst in session.execute(select(ConceptRelation.source_id, ConceptRelation.target_id)
                                    .where(ConceptRelation.relation == "broader", ConceptRelation.source_id.in_(
                                        select(Concept.id).where(Concept.version_id == version_id)))):
        if src in uri_of and dst in uri_of:
            parent.setdefault(uri_of[src], uri_of[dst])  # the first broader concept: ESCO lists the main one first
    chains: dict[str, list[str]] = {}
    for uri in parent:
        chain, seen, u = [], {uri}, uri
        while u in parent and parent[u] not in seen:
            u = parent[u]
            seen.add(u)
            chain.append(u)
        chains[uri] = chain
    return chains, codes
