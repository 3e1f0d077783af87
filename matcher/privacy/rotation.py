"""Master-key rotation: every person's data key re-wrapped under the current master key, text
written before sealing existed sealed, and the file-number hashes recomputed.

Run it after setting the new key as ``SKILLMATCH_MASTER_KEY`` and the old one as
``SKILLMATCH_MASTER_KEY_PREVIOUS``; once it has run, drop the old key. Backups taken under the old
key then hold only wrapped keys nobody can unwrap: the erasures made since are final there too.
"""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Select, func, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Mapper, Session, attributes

from matcher.people.models import Person, PersonKey
from matcher.privacy.sealed import LEGACY, SEALED, keyring_of

CHUNK = 500


def rotate(session: Session, progress: Callable[[str, int, int], None] = lambda stage, done, total: None) -> dict:
    keyring = keyring_of(session)
    if keyring is None:
        raise RuntimeError("no keyring: open the database with open_database(settings)")
    counts = {"rewrapped": 0, "sealed": 0, "hashes": 0}
    keys = list(session.scalars(select(PersonKey)))
    for i, row in enumerate(keys, 1):
        if not keyring.wrapped_by_current(row.wrapped):
            row.wrapped = keyring.wrap(keyring.unwrap(row.wrapped))
            counts["rewrapped"] += 1
        if i % CHUNK == 0:
            session.commit()
        progress("re-wrapping data keys", i, len(keys))
    session.commit()
    for model in SEALED:
        total = session.scalar(select(func.count()).select_from(model)) or 0
        mapper: Mapper = sa_inspect(model)
        pk = mapper.primary_key[0]
        last, done = None, 0
        while True:
            stmt: Select = select(model).order_by(pk).limit(CHUNK)
            if last is not None:
                stmt = stmt.where(pk > last)
            session.info.pop(LEGACY, None)
            rows = list(session.scalars(stmt))
            if not rows:
                break
            for obj, attr in session.info.pop(LEGACY, []):
                attributes.flag_modified(obj, attr)  # sealed by the flush
                counts["sealed"] += 1
            if model is Person:
                for person in rows:
                    digest = keyring.search_hash(person.external_ref)
                    if person.external_ref_hash != digest:
                        person.external_ref_hash = digest
                        counts["hashes"] += 1
            session.commit()
            session.expunge_all()
            last, done = getattr(rows[-1], str(pk.key)), done + len(rows)
            progress(f"sealing {getattr(mapper.local_table, 'name', model.__name__)}", done, total)
    return counts
