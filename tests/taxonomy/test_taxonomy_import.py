from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from matcher.taxonomy.errors import BundleError
from matcher.taxonomy.esco_import import activate_version, active_version, import_bundle
from matcher.taxonomy.in_memory import load_taxonomy
from matcher.taxonomy.models import Concept, ConceptLabel, ConceptRelation, OccupationSkill, TaxonomyVersion
from tests.esco_bundle import BRICKLAYER, COOK, SHEPHERD, WEBDEV

TABLES = (TaxonomyVersion, Concept, ConceptLabel, OccupationSkill, ConceptRelation)


def counts(session) -> dict[str, int]:
    return {t.__tablename__: session.scalar(select(func.count()).select_from(t)) for t in TABLES}


def test_small_bundle_imports_with_labels_per_language(sessions, bundle):
    with sessions() as s:
        result = import_bundle(s, bundle, release="v1.2.0")
        assert result.created and result.active
        assert result.counts["occupations"] == 5
        assert result.counts["skills"] == 50
        assert result.counts["isco_groups"] == 5
        assert result.counts["essential"] == 9 and result.counts["optional"] == 2
        tax = load_taxonomy(s)
    cook = tax.occupations[COOK]
    assert cook.isco_code == "5120"
    assert cook.preferred == {"en": "cook", "it": "cuoco/cuoca"}
    assert "cuoca di ristorante" in cook.alternatives["it"] and "line cook" in cook.alternatives["en"]
    assert cook.hidden["it"] == ["cucinière"]
    assert cook.descriptions["en"] == "Cooks prepare and present food."
    assert tax.occupations[SHEPHERD].preferred == {"it": "pastore/pastora"}
    assert tax.occupations[WEBDEV].preferred == {"en": "web developer"}
    # ISCO codes stay 4-character strings: "0110" keeps its leading zero
    assert "0110" in tax.isco_groups
    assert any(o.isco_code == "0110" for o in tax.occupations.values())
    assert len(tax.essential[COOK]) == 3 and len(tax.optional[COOK]) == 1
    assert tax.skills[tax.essential[BRICKLAYER][0]].skill_type == "skill/competence"
    assert sorted(tax.languages) == ["en", "it"]


def test_reimport_is_a_noop(sessions, bundle):
    with sessions() as s:
        first = import_bundle(s, bundle, release="v1.2.0")
        before = counts(s)
        again = import_bundle(s, bundle, release="v1.2.0")
        assert not again.created and again.version_id == first.version_id
        assert counts(s) == before


def test_zip_bundle_and_language_suffixed_relations(sessions, tmp_path):
    from tests.esco_bundle import write_bundle

    dirs = write_bundle(tmp_path / "b", bare_relations=False, bom=False)
    zpath = tmp_path / "ESCO dataset - v1.2.0 - classification - en - csv.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        for f in dirs[1].iterdir():
            zf.write(f, f.name)
    with sessions() as s:
        result = import_bundle(s, [dirs[0], zpath], release="v1.2.0")
        assert result.counts["occupation_skills"] == 11


def test_versions_list_and_activate(sessions, bundle, tmp_path):
    from tests.esco_bundle import write_bundle

    with sessions() as s:
        v1 = import_bundle(s, bundle, release="v1.1.0")
        v2 = import_bundle(s, write_bundle(tmp_path / "other", languages=("en",)), release="v1.2.0")
        assert active_version(s).id == v2.version_id
        activate_version(s, v1.version_id)
        assert active_version(s).id == v1.version_id
        assert load_taxonomy(s).version_id == v1.version_id
        with pytest.raises(LookupError):
            activate_version(s, 999)


def _edit(path: Path, fn) -> None:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    rows = fn(rows)
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)


def _set(rows, line, column, value):  # line is 1-based, like the error messages
    rows[line - 1][rows[0].index(column)] = value
    return rows


BAD_INPUTS = [
    ("missing file", None, None, r"no such file or folder"),
    ("missing column", "en/occupations_en.csv", lambda r: [row[:1] + row[2:] for row in r], r"occupations_en\.csv, line 1, column 'conceptUri'.*missing column"),
    ("malformed uri", "en/skills_en.csv", lambda r: _set(r, 3, "conceptUri", "http://example.org/skill/1"), r"skills_en\.csv, line 4, column 'conceptUri'.*malformed ESCO URI"),
    ("duplicate", "en/skills_en.csv", lambda r: r + [r[2]], r"skills_en\.csv, line 55, column 'conceptUri'.*duplicate concept"),
    ("isco not 4 digits", "en/occupations_en.csv", lambda r: _set(r, 2, "iscoGroup", "512"), r"occupations_en\.csv, line 2, column 'iscoGroup'.*not 4 digits"),
    ("isco lost zero", "en/ISCOGroups_en.csv", lambda r: _set(r, 2, "code", "110"), r"ISCOGroups_en\.csv, line 2, column 'code'.*leading zeros"),
    ("unknown concept", "en/occupationSkillRelations.csv",
     lambda r: _set(r, 4, "skillUri", "http://data.europa.eu/esco/skill/ffffffff-0000-0000-0000-000000000000"),
     r"occupationSkillRelations\.csv, line 4, column 'skillUri'.*unknown concept"),
    ("bad relation type", "en/occupationSkillRelations.csv", lambda r: _set(r, 2, "relationType", "mandatory"), r"line 2, column 'relationType'"),
    ("ragged row", "en/skills_en.csv", lambda r: r[:5] + [r[5][:3]] + r[6:], r"skills_en\.csv, line 8: 3 fields"),
]


@pytest.mark.parametrize("name,file,edit,message", BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_input_names_file_line_column_and_writes_nothing(sessions, bundle, tmp_path, name, file, edit, message):
    from tests.esco_bundle import write_bundle

    with sessions() as s:
        import_bundle(s, write_bundle(tmp_path / "good", languages=("en",)), release="v0")
        before = counts(s)
        paths = list(bundle)
        if file is None:
            paths.append(tmp_path / "nowhere")
        else:
            _edit(bundle[0].parent / file, edit)
        with pytest.raises(BundleError, match=message):
            import_bundle(s, paths, release="v1")
        assert counts(s) == before
        assert active_version(s).release == "v0"


def test_cli_reports_bad_input_without_traceback(settings, bundle, tmp_path):
    _edit(bundle[1] / "occupations_en.csv", lambda r: _set(r, 3, "iscoGroup", "12345"))
    env = {**os.environ, "SKILLMATCH_DATABASE_URL": settings.resolved_database_url, "SKILLMATCH_DATA_DIR": str(tmp_path / "var")}
    proc = subprocess.run([sys.executable, "-m", "matcher", "taxonomy", "import", *map(str, bundle)], env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert "occupations_en.csv, line 4, column 'iscoGroup'" in proc.stderr.replace("\n", "")
    assert "Traceback" not in proc.stderr + proc.stdout


KILLER = """
import sys, time
from pathlib import Path
from matcher.db.database import open_database
from matcher.settings import load_settings
from matcher.taxonomy.esco_import import import_bundle

def stall():
    print("WRITING", flush=True)
    time.sleep(60)

s = load_settings(database_url=sys.argv[1])
with open_database(s)() as session:
    import_bundle(session, [Path(p) for p in sys.argv[3:]], release=sys.argv[2], before_commit=stall)
"""


def test_kill_during_import_leaves_previous_version_active(sessions, settings, bundle, tmp_path):
    from tests.esco_bundle import write_bundle

    with sessions() as s:
        v1 = import_bundle(s, write_bundle(tmp_path / "first", languages=("en",)), release="v1")
        before = counts(s)
    script = tmp_path / "killer.py"
    script.write_text(KILLER)
    proc = subprocess.Popen([sys.executable, str(script), settings.resolved_database_url, "v2", *map(str, bundle)],
                            stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[2])
    try:
        line = proc.stdout.readline()
        assert "WRITING" in line  # every row of v2 is written, not yet committed
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    with sessions() as s:
        assert counts(s) == before
        assert active_version(s).id == v1.version_id


@pytest.mark.full_esco
def test_full_shared_bundle_imports_with_documented_counts(sessions, esco_dir):
    with sessions() as s:
        t0 = time.perf_counter()
        result = import_bundle(s, [esco_dir / "it", esco_dir / "en"], release="v1.1.1")
        seconds = time.perf_counter() - t0
        c = result.counts
        # SOURCES.md: 3,007 EN occupations (+3 only in the Italian v1.0.8 file), 13,896 skills,
        # 619 ISCO groups, 640 skill groups, 64,946 essential + 58,909 optional relations.
        assert c["occupations"] == 3010
        assert c["skills"] == 13896
        assert c["isco_groups"] == 619
        assert c["skill_groups"] == 640
        assert c["essential"] == 64946 and c["optional"] == 58909
        tax = load_taxonomy(s)
        assert sum(1 for o in tax.occupations.values() if "it" in o.preferred) == 2942
        assert all(len(o.isco_code) == 4 for o in tax.occupations.values() if o.isco_code)
        assert tax.isco_groups["0110"].preferred["it"] == "Ufficiali delle forze armate"
    print(f"full it+en import: {seconds:.1f} s")


def _write_rows(path: Path, header: list[str], rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=header)
        w.writeheader()
        w.writerows(rows)


def test_extra_labels_merge_by_uri_and_skip_unknown_concepts(sessions, bundle, tmp_path):
    """Labels of another release (esco-extra: v1.0.8 Spanish occupations, v1.0.x French skills) join
    the main bundle's concepts by URI; concepts it does not have are skipped and counted, never added."""
    from tests.esco_bundle import OCC_HEADER, skill

    extra = tmp_path / "extra"
    (extra / "es").mkdir(parents=True)
    (extra / "fr").mkdir()
    withdrawn = "http://data.europa.eu/esco/occupation/d0000000-0000-0000-0000-00000000dead"
    _write_rows(extra / "es" / "occupations_es.csv", OCC_HEADER, [
        {"conceptType": "Occupation", "conceptUri": COOK, "iscoGroup": "9999", "preferredLabel": "cocinero/cocinera",
         "altLabels": "cocinero de restaurante\ncocinero/cocinera", "description": "Los cocineros preparan comida."},
        {"conceptType": "Occupation", "conceptUri": withdrawn, "iscoGroup": "5120", "preferredLabel": "pinche"},
    ])
    # the reduced v1.0.x skills layout: 7 columns, no hiddenLabels
    _write_rows(extra / "fr" / "skills_fr.csv",
                ["conceptType", "conceptUri", "skillType", "reuseLevel", "preferredLabel", "altLabels", "description"],
                [{"conceptType": "KnowledgeSkillCompetence", "conceptUri": skill(1), "skillType": "skill/competence",
                  "reuseLevel": "sector-specific", "preferredLabel": "préparer des légumes", "altLabels": "", "description": ""}])
    (extra / "fr" / "occupationSkillRelations.csv").write_text("occupationUri,relationType,skillType,skillUri\n")
    with sessions() as s:
        result = import_bundle(s, bundle, release="v1.2.0", extra_paths=[extra / "es", extra / "fr"])
        tax = load_taxonomy(s)
        assert s.scalar(select(func.count()).select_from(Concept).where(Concept.uri == withdrawn)) == 0
    assert result.counts["occupations"] == 5 and result.counts["skills"] == 50  # nothing added
    assert sorted(tax.languages) == ["en", "es", "fr", "it"]
    cook = tax.occupations[COOK]
    assert cook.preferred["es"] == "cocinero/cocinera" and cook.isco_code == "5120"  # the main bundle's group stays
    assert cook.alternatives["es"] == ["cocinero de restaurante"]  # the preferred label is not repeated
    assert cook.descriptions["es"] == "Los cocineros preparan comida."
    assert tax.skills[skill(1)].preferred["fr"] == "préparer des légumes"
    notes = "\n".join(result.merged)
    assert "occupations_es.csv: es labels merged into 1 occupations; 1 row(s) skipped" in notes
    assert "skills_fr.csv: fr labels merged into 1 skills" in notes
    assert any(f.endswith("occupationSkillRelations.csv") for f in result.ignored_files)  # relations come from the main bundle


def test_same_labels_twice_are_stored_once(sessions, bundle):
    """The Italian occupations of two sources (MELO's and the official file) overlap: no repeated label."""
    with sessions() as s:
        import_bundle(s, bundle, release="once", extra_paths=[bundle[0]])
        tax = load_taxonomy(s)
    cook = tax.occupations[COOK]
    assert len(cook.alternatives["it"]) == len(set(cook.alternatives["it"]))
    assert cook.preferred["it"] == "cuoco/cuoca"


def test_extra_labels_cli_reports_what_was_merged(tmp_path, bundle):
    from typer.testing import CliRunner

    from matcher.cli import app

    env = {"SKILLMATCH_DATA_DIR": str(tmp_path / "var")}
    runner = CliRunner()
    r = runner.invoke(app, ["db", "upgrade"], env=env)
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["taxonomy", "import", *map(str, bundle), "--extra", str(bundle[0])], env=env)
    assert r.exit_code == 0, r.output
    assert "it labels merged into 4 occupations" in r.output
    r = runner.invoke(app, ["taxonomy", "import", *map(str, bundle), "--extra", str(bundle[0])], env=env)
    assert r.exit_code == 0 and "already imported" in r.output.lower(), r.output  # the same files again: nothing to merge
    r = runner.invoke(app, ["taxonomy", "import", *map(str, bundle), "--extra", str(tmp_path / "nowhere")], env=env)
    said = " ".join(r.output.split())  # the console wraps long lines
    assert r.exit_code == 1 and "nowhere: no such file or folder" in said and "nothing was written" in said
