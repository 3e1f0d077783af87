"""Tables of the ESCO taxonomy. Every row belongs to one imported taxonomy version."""
from __future__ import annotations

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from matcher.db.base import Base, IntPk, Moment


class TaxonomyVersion(Base):
    __tablename__ = "taxonomy_versions"

    id: Mapped[IntPk]
    release: Mapped[str] = mapped_column(String(64))
    languages: Mapped[str] = mapped_column(String(200))  # comma-separated, sorted
    checksum: Mapped[str] = mapped_column(String(64), index=True)  # over all imported files
    files: Mapped[dict] = mapped_column(JSON)  # file name -> sha256
    counts: Mapped[dict] = mapped_column(JSON)
    is_active: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[Moment]
    seconds: Mapped[float | None] = mapped_column(default=None)


class Concept(Base):
    """An occupation, skill, ISCO group or skill group of one taxonomy version."""

    __tablename__ = "concepts"
    __table_args__ = (
        UniqueConstraint("version_id", "uri", name="uq_concepts_version_uri"),
        Index("ix_concepts_version_kind", "version_id", "kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version_id: Mapped[int] = mapped_column(ForeignKey("taxonomy_versions.id", ondelete="CASCADE"))
    uri: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16))  # occupation | skill | isco_group | skill_group
    code: Mapped[str | None] = mapped_column(String(32), default=None)  # ISCO code of a group, ESCO code
    isco_code: Mapped[str | None] = mapped_column(String(4), default=None)  # occupations: 4-char ISCO-08
    skill_type: Mapped[str | None] = mapped_column(String(32), default=None)  # skill/competence | knowledge
    reuse_level: Mapped[str | None] = mapped_column(String(32), default=None)


class ConceptLabel(Base):
    __tablename__ = "concept_labels"
    __table_args__ = (Index("ix_concept_labels_concept", "concept_id"),)

    id: Mapped[IntPk]
    concept_id: Mapped[int] = mapped_column(ForeignKey("concepts.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(8))
    label_type: Mapped[str] = mapped_column(String(16))  # preferred | alternative | hidden | description
    text: Mapped[str] = mapped_column(Text)


class OccupationSkill(Base):
    __tablename__ = "occupation_skills"
    __table_args__ = (Index("ix_occupation_skills_occ", "occupation_id"), Index("ix_occupation_skills_skill", "skill_id"))

    id: Mapped[IntPk]
    occupation_id: Mapped[int] = mapped_column(ForeignKey("concepts.id", ondelete="CASCADE"))
    skill_id: Mapped[int] = mapped_column(ForeignKey("concepts.id", ondelete="CASCADE"))
    relation: Mapped[str] = mapped_column(String(16))  # essential | optional


class ConceptRelation(Base):
    """Hierarchy (``broader``) and skill-to-skill relations."""

    __tablename__ = "concept_relations"
    __table_args__ = (Index("ix_concept_relations_src", "source_id"),)

    id: Mapped[IntPk]
    source_id: Mapped[int] = mapped_column(ForeignKey("concepts.id", ondelete="CASCADE"))
    target_id: Mapped[int] = mapped_column(ForeignKey("concepts.id", ondelete="CASCADE"))
    relation: Mapped[str] = mapped_column(String(32))  # broader | essential | optional (skill-skill)
