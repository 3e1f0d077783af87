"""Sealing a person's free text on its way to the database and opening it as rows load.

The columns listed in ``SEALED`` are encrypted with the data key of the person the row belongs to
(see ``keys``) in the session's ``before_flush``, and decrypted by the ``load``/``refresh`` events,
so service code reads and writes plain values. The keyring travels in ``session.info`` (set by
``open_database``); a session without one refuses to write these columns rather than write them
in clear. Bulk ``update()`` statements bypass the ORM: they may only clear these columns.

Values written before sealing existed (no ``sm1:`` prefix) load as they are, until
``skillmatch keys rotate`` seals them.
"""
from __future__ import annotations

import json

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import delete, event, select
from sqlalchemy.orm import Session, attributes
from sqlalchemy.orm.attributes import set_committed_value

from matcher.network.models import Internship, InternshipAssessment, Referral
from matcher.people.models import Decision, MatchRecord, Person, PersonKey, Profile, ValidatedSkill
from matcher.privacy.keys import Keyring, is_sealed, new_key_id

# model -> {attribute: stored as JSON}
SEALED: dict[type, dict[str, bool]] = {
    Person: {"external_ref": False},
    Profile: {"narrative": False, "documents": True},  # documents: kinds and titles the person gave
    MatchRecord: {"result": True, "pathways": True},  # both hold evidence spans: words of the narrative
    Decision: {"reason": False},
    Referral: {"reason": False, "decline_reason": False, "card": True},
    ValidatedSkill: {"note": False},
    InternshipAssessment: {"note": False},
}
_PENDING = "sealed_pending"
LEGACY = "sealed_legacy"


class NoKeyring(RuntimeError):
    pass


def keyring_of(session: Session) -> Keyring | None:
    return session.info.get("keyring")


def _person_of(session: Session, obj: object) -> Person | None:
    if isinstance(obj, Person):
        return obj
    if isinstance(obj, InternshipAssessment):
        internship = session.get(Internship, obj.internship_id)
        return session.get(Person, internship.person_id) if internship is not None else None
    person_id = getattr(obj, "person_id", None)
    return session.get(Person, person_id) if person_id is not None else None


def _data_key(session: Session, keyring: Keyring, key_id: str, create: bool = False):  # noqa: ANN202
    """The unwrapped data key (from the cache, else from person_keys), or None when it was erased."""
    aead = keyring.cached(key_id)
    if aead is not None:
        return aead
    wrapped = session.connection().execute(select(PersonKey.wrapped).where(PersonKey.key_id == key_id)).scalar()
    if wrapped is not None:
        return keyring.remember(key_id, keyring.unwrap(wrapped))
    if not create:
        return None
    data_key = AESGCM.generate_key(bit_length=256)
    session.add(PersonKey(key_id=key_id, wrapped=keyring.wrap(data_key)))
    return keyring.remember(key_id, data_key)


def person_key(session: Session, keyring: Keyring, person: Person):  # noqa: ANN201
    """The person's data key, made on first need (people created before sealing have none)."""
    if person.key_id is None:
        person.key_id = new_key_id()
    return person.key_id, _data_key(session, keyring, person.key_id, create=True)


def _where(obj: object, attr: str) -> str:
    return f"{obj.__table__.name}.{attr}"  # type: ignore[attr-defined]


@event.listens_for(Session, "before_flush")
def _seal(session: Session, _context, _instances) -> None:  # noqa: ANN001
    keyring = keyring_of(session)
    pending = session.info.setdefault(_PENDING, [])
    with session.no_autoflush:
        for obj in [*session.new, *session.dirty]:
            spec = SEALED.get(type(obj))
            if spec is None:
                continue
            new = obj in session.new
            for attr, as_json in spec.items():
                value = getattr(obj, attr)
                if is_sealed(value) or (not new and not attributes.get_history(obj, attr).has_changes()):
                    continue
                if attr == "external_ref" and keyring is not None:
                    obj.external_ref_hash = keyring.search_hash(value)
                if value is None:
                    continue
                if keyring is None:
                    raise NoKeyring("personal data cannot be written by a session without the keyring (open_database)")
                person = _person_of(session, obj)
                if person is None:
                    raise NoKeyring(f"{_where(obj, attr)}: no person to seal it for")
                key_id, aead = person_key(session, keyring, person)
                plain = json.dumps(value, ensure_ascii=False) if as_json else str(value)
                setattr(obj, attr, Keyring.seal_with(aead, key_id, plain, _where(obj, attr)))
                pending.append((obj, attr, value))


@event.listens_for(Session, "after_flush_postexec")
def _show_plain(session: Session, _context) -> None:  # noqa: ANN001
    """The objects in memory keep their plain values; only the database holds the sealed ones."""
    for obj, attr, value in session.info.pop(_PENDING, []):
        set_committed_value(obj, attr, value)


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session: Session, _previous) -> None:  # noqa: ANN001
    session.info.pop(_PENDING, None)


def _open(target: object, session: Session | None, attrs=None) -> None:  # noqa: ANN001
    spec = SEALED[type(target)]
    keyring = keyring_of(session) if session is not None else None
    for attr, as_json in spec.items():
        if attrs is not None and attr not in attrs:
            continue
        raw = target.__dict__.get(attr)
        if not is_sealed(raw):
            if raw is not None and session is not None:
                session.info.setdefault(LEGACY, []).append((target, attr))  # written before sealing: `keys rotate` seals it
            continue
        plain = None
        if keyring is not None and session is not None:
            aead = _data_key(session, keyring, Keyring.key_id_of(raw))
            plain = Keyring.open_with(aead, raw, _where(target, attr)) if aead is not None else None
        # an erased person's key is gone: what was sealed with it reads as nothing
        set_committed_value(target, attr, (json.loads(plain) if as_json else plain) if plain is not None else None)


def _install() -> None:
    for model in SEALED:
        event.listen(model, "load", lambda target, context: _open(target, context.session))
        event.listen(model, "refresh", lambda target, context, attrs: _open(target, context.session, attrs))


_install()


def erase_key(session: Session, person: Person) -> None:
    """Crypto-shredding: the person's data key goes, in the caller's transaction."""
    if person.key_id is None:
        return
    session.execute(delete(PersonKey).where(PersonKey.key_id == person.key_id))
    keyring = keyring_of(session)
    if keyring is not None:
        keyring.forget(person.key_id)
