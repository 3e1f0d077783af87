"""Fine-tuning a sentence-transformers model on ESCO pairs with its own trainer and
MultipleNegativesRankingLoss (in-batch negatives). The result is a sentence-transformers model
folder that loads by path like any other; the index is then built with it."""
from __future__ import annotations

import os
from pathlib import Path

from matcher.matching.encoders import EncoderError, resolve_st_path
from matcher.training.examples import Example


def passage_for(tax, uri: str) -> str:  # noqa: ANN001
    rec = tax.occupations[uri]
    for lang in ("en", "it", *sorted(rec.preferred)):
        if lang in rec.preferred:
            desc = rec.descriptions.get(lang)
            return f"{rec.preferred[lang]}. {desc}" if desc else rec.preferred[lang]
    return uri


def finetune(base: str, examples: list[Example], tax, out_dir: Path, epochs: int = 1, batch_size: int = 32,  # noqa: ANN001
             lr: float = 2e-5, seed: int = 0, resume: bool = False) -> Path:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        from datasets import Dataset
        from sentence_transformers import SentenceTransformer, SentenceTransformerTrainer, SentenceTransformerTrainingArguments
        try:
            from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss
        except ImportError:  # sentence-transformers < 5.x
            from sentence_transformers.losses import MultipleNegativesRankingLoss  # type: ignore[no-redef]
    except ImportError as exc:
        raise EncoderError("fine-tuning needs sentence-transformers and datasets: pip install 'skillmatch[train]'") from exc
    path = resolve_st_path(base)
    if not (path / "modules.json").exists():
        raise EncoderError(f"{base}: {path} is not a sentence-transformers model (no modules.json); fine-tuning needs one")
    model = SentenceTransformer(str(path), device="cpu")
    pairs = [e for e in examples if e.positive]
    data = Dataset.from_dict({"anchor": [e.text for e in pairs], "positive": [passage_for(tax, e.occupation) for e in pairs]})
    ckpt = out_dir.parent / (out_dir.name + ".checkpoints")
    args = SentenceTransformerTrainingArguments(
        output_dir=str(ckpt), num_train_epochs=epochs, per_device_train_batch_size=batch_size, learning_rate=lr,
        seed=seed, save_strategy="steps", save_steps=200, save_total_limit=1, logging_steps=50, report_to=[],
        use_cpu=True, dataloader_num_workers=0, disable_tqdm=False,
        batch_sampler="no_duplicates")  # two anchors of one occupation in a batch would be false negatives
    trainer = SentenceTransformerTrainer(model=model, args=args, train_dataset=data, loss=MultipleNegativesRankingLoss(model))
    has_ckpt = resume and ckpt.exists() and any(p.name.startswith("checkpoint-") for p in ckpt.iterdir())
    trainer.train(resume_from_checkpoint=True if has_ckpt else None)
    model.save(str(out_dir))
    return out_dir


def ir_evaluation(model_dir: Path, examples: list[Example], tax, name: str = "esco-heldout") -> dict:  # noqa: ANN001
    """sentence-transformers' InformationRetrievalEvaluator: held-out texts as queries, every
    occupation's "label. description" as the corpus."""
    from sentence_transformers import SentenceTransformer
    try:
        from sentence_transformers.sentence_transformer.evaluation import InformationRetrievalEvaluator
    except ImportError:  # sentence-transformers < 5.x
        from sentence_transformers.evaluation import InformationRetrievalEvaluator  # type: ignore[no-redef]

    queries = {f"q{i}": e.text for i, e in enumerate(examples) if e.positive}
    if not queries:
        return {}
    corpus = {uri: passage_for(tax, uri) for uri in tax.occupations}
    relevant = {f"q{i}": {e.occupation} for i, e in enumerate(examples) if e.positive}
    ev = InformationRetrievalEvaluator(queries, corpus, relevant, name=name, show_progress_bar=False,
                                       accuracy_at_k=[1, 5], precision_recall_at_k=[5], mrr_at_k=[10], ndcg_at_k=[10], map_at_k=[10])
    return {k: round(float(v), 4) for k, v in ev(SentenceTransformer(str(model_dir), device="cpu")).items()}
