"""Storing shortage signals (one transaction per file, once per file) and reading the latest one."""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from matcher.vacancies.models import ShortageSignal
from matcher.vacancies.shortage.reading import ShortageRow


def already_imported(session: Session, checksum: str) -> tuple[str, datetime] | None:
    """(import id, when) of an earlier import of the same file read the same way."""
    row = session.execute(select(ShortageSignal.import_id, ShortageSignal.imported_at)
                          .where(ShortageSignal.file_checksum == checksum).limit(1)).first()
    return (row.import_id, row.imported_at) if row else None


def import_shortage(session: Session, rows: list[ShortageRow], checksum: str | None = None) -> str:
    """Write all rows in one transaction; returns the import id."""
    import_id = uuid.uuid4().hex[:12]
    try:
        session.add_all(ShortageSignal(isco_code=r.isco_code, occupation_uri=r.occupation_uri, territory=r.territory,
                                       indicator=r.indicator, source=r.source, period=r.period, import_id=import_id,
                                       file_checksum=checksum)
                        for r in rows)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return import_id


def _period_key(p: str) -> tuple:
    year, _, rest = p.partition("-")
    if rest.startswith("Q"):
        return int(year), (int(rest[1]) - 1) * 3 + 3
    return int(year), int(rest) if rest else 12


def latest_signals(session: Session) -> dict[tuple[str, str], float]:
    """(ISCO code or occupation URI, territory) -> the indicator of the latest period (latest import breaks ties)."""
    best: dict[tuple[str, str], tuple[tuple, int, float]] = {}
    for s in session.scalars(select(ShortageSignal)):
        key = (s.occupation_uri or s.isco_code or "", s.territory)  # a signal has one of the two (checked on import)
        rank = (_period_key(s.period), s.id, s.indicator)
        if key not in best or rank[:2] > best[key][:2]:
            best[key] = rank
    return {k: v[2] for k, v in best.items()}
