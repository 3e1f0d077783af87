"""The benchmark harness: fixed splits, the tuning rule, and a run on small sets in the official formats."""
from __future__ import annotations

import json

import pytest

from matcher.benchmarks.report import markdown, run_benchmarks, table_rows
from matcher.benchmarks.runner import queries
from matcher.benchmarks.splits import REPORT, TUNE, TuneOnReportError, hash_split
from matcher.db.database import open_database
from matcher.matching.matcher import SkillMatcher
from matcher.settings import load_settings
from matcher.taxonomy.esco_import import import_bundle
from matcher.taxonomy.in_memory import load_taxonomy
from tests.esco_bundle import BRICKLAYER, COOK, write_bundle


def test_the_hash_split_is_fixed_and_about_30_70():
    # fixed forever: a change here would move queries between tuning and reporting
    assert [hash_split("ita_q_it_c_it", f"Q{i:06d}") for i in range(1, 9)] == [
        REPORT, REPORT, TUNE, TUNE, REPORT, REPORT, TUNE, TUNE]
    assert hash_split("cp2011", "5.2.2.1.0") == TUNE
    share = sum(hash_split("x", str(i)) == TUNE for i in range(20_000)) / 20_000
    assert 0.28 < share < 0.32


@pytest.fixture
def bench_dir(tmp_path):
    melo = tmp_path / "melo" / "ita_q_it_c_it"
    melo.mkdir(parents=True)
    rows = [("cuoco di ristorante", COOK), ("muratore", BRICKLAYER), ("addetto alla cucina", COOK), ("posatore di mattoni", BRICKLAYER)]
    rows += [(f"cuoco {i}", COOK) for i in range(30)]
    with (melo / "gold_uris.jsonl").open("w") as fh:
        for i, (q, uri) in enumerate(rows):
            fh.write(json.dumps({"qid": f"Q{i:06d}", "query": q, "gold_occupation_uris": [uri], "gold_isco_group_uris": [],
                                 "n_relevant_surface_forms": 1}) + "\n")
    (tmp_path / "melo" / "reference_results.tsv").write_text(
        "model\tdataset\tmap\trecip_rank\tsuccess_1\n"
        "e5\tita_q_it_c_it\t0.40\t0.538\t0.420\nbm25\tita_q_it_c_it\t0.10\t0.16\t0.116\n")
    dec = tmp_path / "decorte_skill_extraction"
    dec.mkdir()
    (dec / "tech_test_annotations.csv").write_text(
        "sentence,span,sub_span,label\n"
        "you will chop and wash vegetables in our kitchen,chop,,prepare vegetables\n"
        "you will build brick walls,build,,lay bricks\n"
        "you will build brick walls,x,,LABEL NOT PRESENT\n")
    return tmp_path


def test_tuning_on_a_report_split_is_refused(bench_dir):
    with pytest.raises(TuneOnReportError):
        queries("melo-ita-it", REPORT, bench_dir, None, purpose="tune")
    tune = queries("melo-ita-it", TUNE, bench_dir, None, purpose="tune")
    report = queries("melo-ita-it", REPORT, bench_dir, None)
    assert tune and report and not {q.id for q in tune} & {q.id for q in report}


def test_the_harness_scores_a_matcher_and_puts_the_published_numbers_beside(bench_dir, tmp_path):
    settings = load_settings(database_url=f"sqlite:///{tmp_path / 'db.sqlite'}", data_dir=tmp_path / "var")
    with open_database(settings)() as s:
        import_bundle(s, write_bundle(tmp_path / "esco"), release="test")
        taxonomy = load_taxonomy(s)
    m = SkillMatcher(registry_dir=settings.registry_dir).fit(taxonomy)
    results = run_benchmarks(m, ["melo-ita-it", "decorte-tech"], REPORT, bench_dir, None)
    melo, tech = results
    assert melo.metrics["n"] == len(queries("melo-ita-it", REPORT, bench_dir, None))
    assert melo.metrics["acc@1"] >= 0.9 and melo.metrics["mrr"] >= 0.9
    assert tech.metrics["n"] == 2 and tech.metrics["mrr"] > 0.5  # gold labels mapped to URIs, specials dropped
    rows = table_rows(results, bench_dir)
    assert "acc@1 0.420 (e5)" in rows[0][-1] and "mrr 0.538 (e5)" in rows[0][-1]
    assert "ConTeXT-Match" in rows[1][-1]
    assert markdown(rows).count("\n") == 3


def test_a_malformed_benchmark_file_is_named(bench_dir):
    from matcher.benchmarks.sets import BenchmarkDataError

    path = bench_dir / "melo" / "ita_q_it_c_it" / "gold_uris.jsonl"
    path.write_text(path.read_text() + "{not json\n")
    with pytest.raises(BenchmarkDataError, match=r"gold_uris.jsonl, line 35"):
        queries("melo-ita-it", REPORT, bench_dir, None)
    (bench_dir / "decorte_skill_extraction" / "tech_test_annotations.csv").write_text("sentence,span\nx,y\n")
    with pytest.raises(BenchmarkDataError, match="expected format"):
        queries("decorte-tech", REPORT, bench_dir, None)


def test_calibrate_refuses_the_dev_narratives(tmp_path):
    """needs_review is calibrated on validation data: the dev narratives (a report set) are refused,
    also under another name."""
    from typer.testing import CliRunner

    from matcher.cli import app

    eval_dir = tmp_path / "eval"
    eval_dir.mkdir()
    line = '{"id": "d1", "lang": "it", "text": "Ho fatto il cuoco.", "isco": ["5120"]}\n'
    (eval_dir / "narratives_dev.jsonl").write_text(line, encoding="utf-8")
    copy = tmp_path / "mine.jsonl"
    copy.write_text(line, encoding="utf-8")
    env = {"SKILLMATCH_DATA_DIR": str(tmp_path / "var")}
    for path in (eval_dir / "narratives_dev.jsonl", copy):
        r = CliRunner().invoke(app, ["index", "calibrate", "--eval", str(path), "--eval-dir", str(eval_dir)], env=env)
        said = " ".join(r.output.split())
        assert r.exit_code == 1 and "a report set" in said, said
    r = CliRunner().invoke(app, ["index", "calibrate", "--set", "melo-ita-it"], env=env)
    assert r.exit_code == 1 and "not a narrative set" in " ".join(r.output.split())
