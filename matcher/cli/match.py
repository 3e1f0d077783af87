"""`skillmatch match`: one narrative, or a JSONL/CSV/XLSX batch of them."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer
from rich.table import Table

from matcher.cli.app import app
from matcher.cli.common import console, fail, matcher_for, out, progress_bar, settings

if TYPE_CHECKING:
    from matcher.matching.matcher import SkillMatcher


@app.command("match")
def match(text: Optional[str] = typer.Argument(None, help="the narrative to match"),
          input: Optional[Path] = typer.Option(  # noqa: A002 - the documented option
              None, "--input", help="JSONL (one {\"id\", \"text\", \"language\"?} per line), CSV, XLSX or Parquet (one row per person)"),
          output: Optional[Path] = typer.Option(None, "--output", help="results: .jsonl, .csv, .xlsx or .parquet"),
          text_column: str = typer.Option("text", help="CSV/XLSX: the narrative's column"),
          id_column: str = typer.Option("id", help="CSV/XLSX: the person's id column"),
          language_column: str = typer.Option("language", help="CSV/XLSX: the narrative language's column (optional)"),
          sheet: Optional[str] = typer.Option(None, help="XLSX: the sheet (default: the first)"),
          language: Optional[str] = typer.Option(None, help="language of the narrative (optional)"),
          top_k: int = typer.Option(10, min=1, max=100),
          groups_first: int = typer.Option(5, min=0, max=10, help="list the best occupation of this many ISCO-4 groups "
                                           "first (a narrative may fit several jobs); 0: by score alone"),
          encoder: Optional[str] = typer.Option(None, help="override SKILLMATCH_ENCODER"),
          model: str = typer.Option("serving", help="a registry version: serving (what the service serves), builtin or an id"),
          as_json: bool = typer.Option(False, "--json", help="print JSON instead of tables")) -> None:
    """Match a narrative (or a JSONL batch) to ESCO skills and occupations."""
    import json

    from matcher.matching.batch_io import result_line
    from matcher.matching.scoring import MatchInputError

    if (text is None) == (input is None):
        fail("give either a TEXT or --input FILE")
    if input is not None and output is None:
        fail("--input needs --output")
    m = matcher_for(encoder, build_if_missing=True, model=model)
    if text is not None:
        try:
            result = m.match(text, language=language, top_k=top_k, groups_first=groups_first)
        except MatchInputError as exc:
            fail(str(exc))
        if as_json:
            out.print_json(json.dumps(result_line(None, result.to_dict()), ensure_ascii=False))
            return
        _print_result(result)
        return
    assert input is not None and output is not None  # checked above
    _match_batch(m, input, output, top_k, text_column, id_column, language_column, sheet, groups_first)


def _match_batch(m: SkillMatcher, input_path: Path, output: Path, top_k: int, text_column: str = "text", id_column: str = "id",
                 language_column: str = "language", sheet: str | None = None, groups_first: int = 5) -> None:
    from matcher.matching.batch_io import BatchFileError, read_items, result_line, write_results
    from matcher.matching.scoring import MatchInputError
    from matcher.pathway.rules import PersonFacts, decide
    from matcher.pathway.serving import rules_from

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
                result = m.match(item.text or "", language=item.language, top_k=top_k, groups_first=groups_first)
                row = result_line(item.id, result.to_dict())
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
