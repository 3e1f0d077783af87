"""A taxonomy import from uploaded files, the one use case behind the API's ``POST
/taxonomy/imports`` and the admin page's form: the files are saved into a fresh private folder,
refused before any job starts when they are not a bundle (or would unpack past the limit), then
imported in the background and audited."""
from __future__ import annotations

import shutil
import uuid
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import BinaryIO

from sqlalchemy.orm import Session, sessionmaker

from matcher.accounts.actors import Actor
from matcher.accounts.audit import record
from matcher.errors import Invalid
from matcher.settings import Settings
from matcher.taxonomy.errors import BundleError
from matcher.taxonomy.esco_files import check_zip
from matcher.taxonomy.jobs import start_import


def save_uploads(settings: Settings, files: Iterable[tuple[str | None, BinaryIO]]) -> list[Path]:
    """(file name, stream) pairs into a fresh private folder, under their base names; only .zip and
    .csv. The folder is deleted by the import job when it ends, or here on a refused upload."""
    folder = Path(settings.data_dir) / "uploads" / uuid.uuid4().hex[:12]
    folder.mkdir(parents=True, mode=0o700)
    paths = []
    try:
        for filename, stream in files:
            name = Path(filename or "").name
            if not name.lower().endswith((".zip", ".csv")):
                raise Invalid(f"{name or 'a file'}: upload the ESCO bundle as .zip or .csv files")
            target = folder / name
            with target.open("wb") as out:
                while chunk := stream.read(1 << 20):
                    out.write(chunk)
            if name.lower().endswith(".zip"):
                refuse_bomb(target, settings.max_unpacked_bytes)
            paths.append(target)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    if any(p.suffix.lower() == ".csv" for p in paths):
        return [folder]  # loose CSV files form one bundle folder
    return paths


def refuse_bomb(path: Path, max_unpacked: int) -> None:
    """A ZIP that would unpack past the limit is refused at upload, before any job starts."""
    try:
        with zipfile.ZipFile(path) as zf:
            check_zip(path, zf, max_unpacked)
    except zipfile.BadZipFile:
        raise Invalid(f"{path.name}: not a readable ZIP file") from None
    except BundleError as exc:
        raise Invalid(str(exc)) from None


def upload_folder(paths: list[Path]) -> Path:
    """The fresh folder save_uploads wrote into."""
    return paths[0] if paths[0].is_dir() else paths[0].parent


def import_uploads(session: Session, actor: Actor, *, settings: Settings, sessions: sessionmaker[Session],
                   files: Iterable[tuple[str | None, BinaryIO]], release: str, on_ready: Callable | None = None) -> str:
    """Save, start the background import (its job id is returned) and audit who started it."""
    paths = save_uploads(settings, files)
    job_id = start_import(settings, sessions, paths, release, cleanup=upload_folder(paths), on_ready=on_ready)
    record(session, actor, "create", "taxonomy_import", detail={"job_id": job_id, "release": release})
    session.commit()
    return job_id
