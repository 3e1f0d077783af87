"""The active taxonomy from a snapshot file instead of ~300,000 database rows.

Reading a 7-language taxonomy from the database takes 1.4 s on a 2-core machine, which alone
made a one-off `skillmatch match` slow; unpickling the same objects takes 0.15 s. A version never
changes once imported (its checksum covers every file), so a snapshot keyed by version id and
checksum is either exact or absent: nothing to invalidate. Snapshots live with the indexes in the
model registry (the same trust as the index files themselves) and are written atomically.
"""
from __future__ import annotations

import logging
import os
import pickle
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from matcher.taxonomy.in_memory import Taxonomy, load_taxonomy
from matcher.taxonomy.models import TaxonomyVersion

log = logging.getLogger(__name__)
SNAPSHOT_FORMAT = 2  # 2: the taxonomy's classes moved to matcher.taxonomy.in_memory


def snapshot_path(folder: Path, version_id: int, checksum: str) -> Path:
    return Path(folder) / f"taxonomy-{version_id}-{checksum[:16]}.v{SNAPSHOT_FORMAT}.pickle"


def load_taxonomy_cached(session: Session, folder: Path | None, version_id: int | None = None) -> Taxonomy:
    """The taxonomy (the active one unless ``version_id``), from its snapshot when there is one."""
    if folder is None:
        return load_taxonomy(session, version_id)
    query = select(TaxonomyVersion.id, TaxonomyVersion.checksum)
    query = query.where(TaxonomyVersion.id == version_id) if version_id is not None else query.where(TaxonomyVersion.is_active.is_(True))
    row = session.execute(query).first()
    if row is None:
        return load_taxonomy(session, version_id)  # says what is missing
    path = snapshot_path(folder, row.id, row.checksum)
    if path.exists():
        try:
            with path.open("rb") as f:
                taxonomy = pickle.load(f)
            if isinstance(taxonomy, Taxonomy) and taxonomy.version_id == row.id and taxonomy.checksum == row.checksum:
                return taxonomy
        except Exception as exc:  # noqa: BLE001 - a damaged snapshot is rebuilt, never fatal
            log.warning("taxonomy snapshot %s unreadable (%s): reading the database", path, exc)
    taxonomy = load_taxonomy(session, row.id)
    _write(path, taxonomy)
    return taxonomy


def _write(path: Path, taxonomy: Taxonomy) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with tmp.open("wb") as f:
            pickle.dump(taxonomy, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError as exc:  # a read-only registry still serves, only slower to start
        log.warning("taxonomy snapshot not written to %s: %s", path, exc)
