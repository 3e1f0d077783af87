"""Per-person data keys, wrapped by a master key: erasure deletes the person's key, and every copy
of their text that may survive — the WAL, freed pages, a backup, a dump — can no longer be read.

- A person's free text (narrative, file number, reasons, notes, the referral card, the stored
  match with its evidence spans) is sealed with AES-GCM under a random 256-bit data key of that
  person. The sealed value reads ``sm1:<key id>:<base64(nonce + ciphertext)>``; the table and
  column are the associated data, so a value cannot be moved to another column.
- Data keys live in ``person_keys``, each wrapped (AES-GCM) by the master key of the settings
  (``SKILLMATCH_MASTER_KEY``), which never enters the database. A backup holds only wrapped keys:
  once the master key it was taken under is rotated away (``skillmatch keys rotate``), a key
  erased since then is gone from it too.
- The file number is searched by an HMAC of it (a key derived from the master key), never by its text.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import threading
from collections import OrderedDict
from pathlib import Path
from typing import TypeGuard

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from matcher.settings import SettingsError

PREFIX = "sm1:"
_WRAP_AAD = b"skillmatch person data key"


class MasterKeyError(SettingsError):
    """A master key is missing or malformed; the message names the setting."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def parse_master_key(value: str, name: str) -> bytes:
    try:
        key = _unb64(value.strip())
    except (ValueError, TypeError):
        key = b""
    if len(key) != 32:
        raise MasterKeyError(f"{name}: must be 32 random bytes in URL-safe base64 "
                        "(make one with: python -c 'import secrets; print(secrets.token_urlsafe(32))')")
    return key


def new_master_key() -> str:
    return secrets.token_urlsafe(32)


def master_key_id(key: bytes) -> str:
    return hashlib.sha256(b"skillmatch master key id" + key).hexdigest()[:8]


def new_key_id() -> str:
    return secrets.token_hex(16)


class Keyring:
    """The master key(s) and a bounded cache of unwrapped data keys, shared by a process's sessions."""

    CACHE = 10_000

    def __init__(self, master: bytes, previous: list[bytes] | None = None):
        self.current_id = master_key_id(master)
        self._masters = {master_key_id(k): AESGCM(k) for k in [*(previous or []), master]}
        self._search_key = HKDF(SHA256(), 32, salt=None, info=b"skillmatch file-number search").derive(master)
        self._cache: OrderedDict[str, AESGCM] = OrderedDict()
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings) -> Keyring:  # noqa: ANN001
        """The configured master key; in development and tests one generated once and kept in the
        data folder, like the token secret. Outside development a missing key is fatal."""
        if settings.master_key:
            master = parse_master_key(settings.master_key, "SKILLMATCH_MASTER_KEY")
        elif settings.environment == "production":
            raise MasterKeyError("SKILLMATCH_MASTER_KEY: must be set in production (32 random bytes, URL-safe base64); "
                            "keep it outside the database and its backups")
        else:
            path = Path(settings.data_dir) / ".master_key"
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists():
                try:
                    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                    with os.fdopen(fd, "w") as fh:
                        fh.write(new_master_key())
                except FileExistsError:  # another worker wrote it first
                    pass
            master = parse_master_key(path.read_text(), str(path))
        previous = [parse_master_key(v, "SKILLMATCH_MASTER_KEY_PREVIOUS") for v in (settings.master_key_previous or "").split(",")
                    if v.strip()]
        return cls(master, previous)

    # ---- data keys ---------------------------------------------------------------------------
    def wrap(self, data_key: bytes) -> str:
        nonce = os.urandom(12)
        return f"{self.current_id}:{_b64(nonce + self._masters[self.current_id].encrypt(nonce, data_key, _WRAP_AAD))}"

    def unwrap(self, wrapped: str) -> bytes:
        kid, _, body = wrapped.partition(":")
        master = self._masters.get(kid)
        if master is None:
            raise MasterKeyError(f"a data key is wrapped by master key {kid}, which is not configured: set it as "
                            "SKILLMATCH_MASTER_KEY_PREVIOUS and run `skillmatch keys rotate`")
        raw = _unb64(body)
        return master.decrypt(raw[:12], raw[12:], _WRAP_AAD)

    def wrapped_by_current(self, wrapped: str) -> bool:
        return wrapped.partition(":")[0] == self.current_id

    def remember(self, key_id: str, data_key: bytes) -> AESGCM:
        aead = AESGCM(data_key)
        with self._lock:
            self._cache[key_id] = aead
            self._cache.move_to_end(key_id)
            while len(self._cache) > self.CACHE:
                self._cache.popitem(last=False)
        return aead

    def cached(self, key_id: str) -> AESGCM | None:
        with self._lock:
            return self._cache.get(key_id)

    def forget(self, key_id: str) -> None:
        with self._lock:
            self._cache.pop(key_id, None)

    # ---- sealing -----------------------------------------------------------------------------
    @staticmethod
    def seal_with(aead: AESGCM, key_id: str, plaintext: str, where: str) -> str:
        nonce = os.urandom(12)
        body = aead.encrypt(nonce, plaintext.encode("utf-8"), f"{where}:{key_id}".encode())
        return f"{PREFIX}{key_id}:{_b64(nonce + body)}"

    @staticmethod
    def key_id_of(token: str) -> str:
        return token[len(PREFIX):].partition(":")[0]

    @staticmethod
    def open_with(aead: AESGCM, token: str, where: str) -> str | None:
        key_id, _, body = token[len(PREFIX):].partition(":")
        raw = _unb64(body)
        try:
            return aead.decrypt(raw[:12], raw[12:], f"{where}:{key_id}".encode()).decode("utf-8")
        except InvalidTag:
            return None

    def search_hash(self, value: str | None) -> str | None:
        """The keyed hash a file number is found by (trimmed, case-insensitive)."""
        if value is None or not value.strip():
            return None
        return hmac.new(self._search_key, value.strip().upper().encode("utf-8"), hashlib.sha256).hexdigest()


def is_sealed(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and value.startswith(PREFIX)
