"""Import an ESCO CSV bundle as a new taxonomy version, in one transaction."""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.orm import Session

from matcher.taxonomy.esco_files import MAX_UNPACKED_BYTES, BundleFile, bundle_checksum, discover, discover_extra
from matcher.taxonomy.esco_parse import ParsedBundle, parse_bundle
from matcher.taxonomy.models import Concept, ConceptLabel, ConceptRelation, OccupationSkill, TaxonomyVersion

CHUNK = 5000


@dataclass
class ImportProgress:
    """Callbacks a caller (CLI progress bar, API job) gives to follow a long import."""

    on_stage: Callable[[str, int | None], None] = lambda stage, total: None
    on_advance: Callable[[int], None] = lambda n: None


@dataclass
class ImportResult:
    version_id: int
    created: bool  # False when the same files were imported before
    active: bool
    counts: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    ignored_files: list[str] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)  # per file of extra labels: merged and skipped
    seconds: float = 0.0


def _count_rows(files: list[BundleFile]) -> int:
    # A cheap upper bound for the progress bar: physical lines, quoted newlines included.
    total = 0
    for f in files:
        with f.opener() as fh:
            total += sum(1 for _ in fh) - 1
    return total


def import_bundle(session: Session, paths: list[Path], release: str = "unspecified", activate: bool = True,
                  progress: ImportProgress | None = None,
                  before_commit: Callable[[], None] | None = None, max_unpacked_bytes: int = MAX_UNPACKED_BYTES,
                  extra_paths: list[Path] | None = None) -> ImportResult:
    """``extra_paths``: folders or files of labels in more languages (other releases or
    translations, such as ESCO v1.0.8 Spanish occupations), merged into the concepts of ``paths``
    by conceptUri; they add no concept and no relation."""
    progress = progress or ImportProgress()
    t0 = time.perf_counter()
    files, ignored = discover(paths, max_unpacked_bytes)
    if extra_paths:
        extra, extra_ignored = discover_extra(extra_paths, max_unpacked_bytes)
        files += extra
        ignored += extra_ignored
    checksum = bundle_checksum(files, release)
    existing = session.scalar(select(TaxonomyVersion).where(TaxonomyVersion.checksum == checksum))
    if existing is not None:
        return ImportResult(existing.id, False, existing.is_active, dict(existing.counts), [], ignored, [], 0.0)

    progress.on_stage("reading", None)
    total = _count_rows(files)
    progress.on_stage("reading", total)
    bundle = parse_bundle(files, on_row=lambda: progress.on_advance(1))
    result = _write(session, bundle, files, release, checksum, activate, progress, before_commit)
    result.ignored_files = ignored
    result.merged = bundle.merged
    result.seconds = time.perf_counter() - t0
    return result


def _write(session: Session, bundle: ParsedBundle, files: list[BundleFile], release: str, checksum: str,
           activate: bool, progress: ImportProgress, before_commit: Callable[[], None] | None) -> ImportResult:
    counts = {
        "occupations": sum(1 for c in bundle.concepts.values() if c.kind == "occupation"),
        "skills": sum(1 for c in bundle.concepts.values() if c.kind == "skill"),
        "isco_groups": sum(1 for c in bundle.concepts.values() if c.kind == "isco_group"),
        "skill_groups": sum(1 for c in bundle.concepts.values() if c.kind == "skill_group"),
        "labels": sum(len(c.labels) for c in bundle.concepts.values()),
        "occupation_skills": len(bundle.occupation_skills),
        "essential": sum(1 for r in bundle.occupation_skills if r[2] == "essential"),
        "optional": sum(1 for r in bundle.occupation_skills if r[2] == "optional"),
        "relations": len(bundle.relations),
    }
    version = TaxonomyVersion(release=release, languages=",".join(sorted(bundle.languages)), checksum=checksum,
                              files={f.name.rsplit("/", 1)[-1]: f.sha256 for f in files}, counts=counts, is_active=False)
    try:
        if session.get_bind().dialect.name == "postgresql":
            # Concept ids are allocated here, not by the database: serialise concurrent imports.
            session.execute(text("SELECT pg_advisory_xact_lock(741852)"))
        session.add(version)
        session.flush()
        first_id = (session.scalar(select(func.max(Concept.id))) or 0) + 1
        ids = {uri: first_id + i for i, uri in enumerate(bundle.concepts)}
        progress.on_stage("writing", len(ids) + counts["labels"] + counts["occupation_skills"] + counts["relations"])
        concept_rows = [
            {"id": ids[c.uri], "version_id": version.id, "uri": c.uri, "kind": c.kind, "code": c.code,
             "isco_code": c.isco_code, "skill_type": c.skill_type, "reuse_level": c.reuse_level}
            for c in bundle.concepts.values()
        ]
        _insert(session, Concept, concept_rows, progress)
        label_rows = [
            {"concept_id": ids[c.uri], "language": lang, "label_type": typ, "text": text}
            for c in bundle.concepts.values() for (lang, typ, text) in c.labels
        ]
        _insert(session, ConceptLabel, label_rows, progress)
        _insert(session, OccupationSkill, [
            {"occupation_id": ids[o], "skill_id": ids[s], "relation": r} for o, s, r in bundle.occupation_skills
        ], progress)
        _insert(session, ConceptRelation, [
            {"source_id": ids[a], "target_id": ids[b], "relation": r} for a, b, r in bundle.relations
        ], progress)
        if activate:
            session.execute(update(TaxonomyVersion).where(TaxonomyVersion.id != version.id).values(is_active=False))
            version.is_active = True
        if before_commit:
            before_commit()
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return ImportResult(version.id, True, version.is_active, counts, bundle.warnings)


def _insert(session: Session, model: type, rows: list[dict], progress: ImportProgress) -> None:
    for i in range(0, len(rows), CHUNK):
        chunk = rows[i:i + CHUNK]
        session.execute(insert(model), chunk)
        progress.on_advance(len(chunk))


def list_versions(session: Session) -> list[TaxonomyVersion]:
    return list(session.scalars(select(TaxonomyVersion).order_by(TaxonomyVersion.id)))


def active_version(session: Session) -> TaxonomyVersion | None:
    return session.scalar(select(TaxonomyVersion).where(TaxonomyVersion.is_active.is_(True)))


def activate_version(session: Session, version_id: int) -> TaxonomyVersion:
    version = session.get(TaxonomyVersion, version_id)
    if version is None:
        raise LookupError(f"no taxonomy version {version_id}")
    try:
        session.execute(update(TaxonomyVersion).values(is_active=False))
        session.execute(update(TaxonomyVersion).where(TaxonomyVersion.id == version_id).values(is_active=True))
        session.commit()
    except BaseException:
        session.rollback()
        raise
    session.refresh(version)
    return version
