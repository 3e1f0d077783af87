"""Find the files of an ESCO CSV bundle in folders or ZIP files, as the ESCO portal ships them."""
from __future__ import annotations

import dataclasses
import hashlib
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, TextIO

from matcher.taxonomy.errors import BundleError

# File stem (without language suffix) -> kind of content.
KINDS = {
    "occupations": "occupations",
    "skills": "skills",
    "iscogroups": "isco_groups",
    "skillgroups": "skill_groups",
    "occupationskillrelations": "occupation_skill",
    "skillskillrelations": "skill_skill",
    "broaderrelationsoccpillar": "broader_occupations",
    "broaderrelationsskillpillar": "broader_skills",
    "skillshierarchy": "skills_hierarchy",
}
_NAME = re.compile(r"^(?P<stem>[A-Za-z]+?)(?:_(?P<lang>[a-z]{2,3}(?:-[A-Za-z]+)?))?\.csv$", re.IGNORECASE)


@dataclass(frozen=True)
class BundleFile:
    name: str  # shown in messages: "PATH/occupations_it.csv" or "bundle.zip:occupations_it.csv"
    kind: str
    language: str | None  # None for language-independent files (relations)
    sha256: str
    opener: Callable[[], TextIO]
    # a file of another ESCO release or translation that only adds labels to the concepts of the
    # main bundle (merged by conceptUri); it creates no concept and no relation
    extra: bool = False


def classify(filename: str) -> tuple[str, str | None] | None:
    m = _NAME.match(Path(filename).name)
    if not m:
        return None
    kind = KINDS.get(m.group("stem").lower())
    if kind is None:
        return None
    lang = m.group("lang")
    return kind, (lang.lower() if lang else None)


def _text_of(data: bytes) -> Callable[[], TextIO]:
    # utf-8-sig drops the BOM that some releases carry; newline="" keeps quoted newlines for csv.
    return lambda: io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")


# The full English bundle unpacks to ~41 MB; a ZIP that says it unpacks to far more, or that packs
# text far tighter than CSV ever packs, is a decompression bomb, refused before anything is read.
MAX_UNPACKED_BYTES = 200_000_000
MAX_RATIO = 100


def check_zip(path: Path, zf: zipfile.ZipFile, max_unpacked: int) -> None:
    """Refuse a ZIP by what its directory declares; reading stops at the declared size anyway
    (zipfile checks the length and the CRC), so the declared figures bound the memory used."""
    total = 0
    for info in zf.infolist():
        total += info.file_size
        if info.file_size > 1_000_000 and info.file_size > MAX_RATIO * max(1, info.compress_size):
            raise BundleError(f"{path.name}:{info.filename}", None, None,
                              f"compressed {info.file_size // max(1, info.compress_size)}:1, which no CSV file is: refused")
    if total > max_unpacked:
        raise BundleError(path.name, None, None, f"unpacks to {total / 1e6:.0f} MB, over the limit of "
                          f"{max_unpacked / 1e6:.0f} MB (SKILLMATCH_MAX_UNPACKED_BYTES)")


def discover(paths: list[Path], max_unpacked: int = MAX_UNPACKED_BYTES,
             require_occupations: bool = True) -> tuple[list[BundleFile], list[str]]:
    """Return the recognised files and the names of files that were ignored."""
    files: list[BundleFile] = []
    ignored: list[str] = []
    for path in paths:
        if not path.exists():
            raise BundleError(str(path), None, None, "no such file or folder")
        if path.is_dir():
            members = sorted(p for p in path.rglob("*") if p.is_file())
            if not members:
                raise BundleError(str(path), None, None, "the folder is empty")
            for p in members:
                kind = classify(p.name)
                if kind is None:
                    ignored.append(str(p))
                    continue
                data = p.read_bytes()
                files.append(BundleFile(str(p), kind[0], kind[1], hashlib.sha256(data).hexdigest(), _text_of(data)))
        elif zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as zf:
                check_zip(path, zf, max_unpacked)
                for info in zf.infolist():
                    if info.is_dir():
                        continue
                    kind = classify(info.filename)
                    if kind is None:
                        ignored.append(f"{path}:{info.filename}")
                        continue
                    data = zf.read(info)
                    files.append(
                        BundleFile(f"{path}:{info.filename}", kind[0], kind[1], hashlib.sha256(data).hexdigest(), _text_of(data))
                    )
        elif path.suffix.lower() == ".csv":
            kind = classify(path.name)
            if kind is None:
                raise BundleError(str(path), None, None, "not a file name of the ESCO CSV bundle (such as occupations_it.csv)")
            data = path.read_bytes()
            files.append(BundleFile(str(path), kind[0], kind[1], hashlib.sha256(data).hexdigest(), _text_of(data)))
        else:
            raise BundleError(str(path), None, None, "not a folder, a ZIP file or a CSV file of the ESCO bundle")
    if require_occupations and not any(f.kind == "occupations" for f in files):
        where = ", ".join(str(p) for p in paths)
        raise BundleError(where, None, None, "no occupations file (occupations_<lang>.csv) found: is this the ESCO CSV bundle?")
    return files, ignored


LABEL_KINDS = {"occupations", "skills", "isco_groups", "skill_groups"}


def discover_extra(paths: list[Path], max_unpacked: int = MAX_UNPACKED_BYTES) -> tuple[list[BundleFile], list[str]]:
    """Files that add labels in more languages: only concept files count; relation files in them
    are listed as ignored, because relations come from the main bundle only."""
    files: list[BundleFile] = []
    found, ignored = discover(paths, max_unpacked, require_occupations=False)
    for f in found:
        if f.kind in LABEL_KINDS and f.language:
            files.append(dataclasses.replace(f, extra=True))
        else:
            ignored.append(f.name)
    return files, ignored


def bundle_checksum(files: list[BundleFile], release: str) -> str:
    h = hashlib.sha256(release.encode())
    for f in sorted(files, key=lambda f: (f.extra, f.kind, f.language or "", f.sha256)):
        h.update(f"{'extra:' if f.extra else ''}{f.kind}:{f.language}:{f.sha256}".encode())
    return h.hexdigest()
