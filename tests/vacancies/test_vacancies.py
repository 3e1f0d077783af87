from __future__ import annotations

import os
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from matcher.taxonomy.in_memory import Taxonomy
from matcher.vacancies.evidence import PersonEvidence
from matcher.vacancies.geo import PlaceError, resolve
from matcher.vacancies.models import Vacancy
from matcher.vacancies.ranking import VacancyRanker
from matcher.vacancies.shortage import ShortageFileError, parse_shortage_csv
from tests.api_helpers import login, seed
from tests.esco_bundle import BRICKLAYER, COOK, skill

_ESCO = os.environ.get("SKILLMATCH_TEST_ESCO_DIR")
SHARED = (Path(_ESCO).parent if _ESCO else Path(__file__).resolve().parents[3] / "shared" / "data") / "shortage"


def tiny_taxonomy() -> Taxonomy:
    from matcher.taxonomy.in_memory import ConceptRecord

    occ = {COOK: ConceptRecord(COOK, "occupation", "5120", preferred={"it": "cuoco"}),
           BRICKLAYER: ConceptRecord(BRICKLAYER, "occupation", "7112", preferred={"it": "muratore"})}
    skills = {skill(i): ConceptRecord(skill(i), "skill", preferred={"en": f"s{i}"}) for i in range(1, 7)}
    return Taxonomy(1, "t", "x" * 64, ["it", "en"], occ, skills, {}, {COOK: [skill(1), skill(2)], BRICKLAYER: [skill(4), skill(5)]}, {})


def vacancy(i: int, place: str, occ: str = COOK, shortage: bool = False) -> Vacancy:
    p = resolve(place)
    return Vacancy(id=i, organisation_id=1, title=f"v{i}", occupation_uri=occ, isco_code=None, required_skills=[],
                   municipality=p.name, province=p.province, latitude=p.latitude, longitude=p.longitude, positions=1,
                   contract_type="seasonal", is_shortage=shortage, status="open")


def cook_in(place: str) -> PersonEvidence:
    p = resolve(place)
    return PersonEvidence({skill(1), skill(2)}, {COOK: 0}, {"5120": 0}, p.latitude, p.longitude)


def test_nearer_vacancy_beats_a_farther_equal_one():
    r = VacancyRanker().fit([vacancy(1, "Milano"), vacancy(2, "Prato")], tiny_taxonomy())
    ranked = r.rank(cook_in("Firenze"))
    assert [x["vacancy_id"] for x in ranked] == [2, 1]
    assert ranked[0]["factors"]["distance_km"] < ranked[1]["factors"]["distance_km"]
    assert ranked[0]["factors"]["skill_overlap"] == 1.0


def test_shortage_role_beats_an_equal_non_shortage_one():
    r = VacancyRanker().fit([vacancy(1, "Prato"), vacancy(2, "Prato", shortage=True)], tiny_taxonomy())
    ranked = r.rank(cook_in("Firenze"))
    assert ranked[0]["vacancy_id"] == 2 and ranked[0]["factors"]["shortage_boost"] > ranked[1]["factors"]["shortage_boost"]


def test_shortage_signal_by_isco_and_province_boosts():
    v1, v2 = vacancy(1, "Prato"), vacancy(2, "Prato")
    v1.isco_code = v2.isco_code = "5120"
    v2.occupation_uri = BRICKLAYER
    v2.isco_code = "7112"
    r = VacancyRanker().fit([v1, v2], tiny_taxonomy(), {("5120", "PO"): 0.8})
    assert r.shortage_[0] == 0.8 and r.shortage_[1] == 0.0


def test_vacancy_beyond_the_maximum_distance_is_left_out():
    r = VacancyRanker().fit([vacancy(1, "Palermo"), vacancy(2, "Prato")], tiny_taxonomy())
    assert [x["vacancy_id"] for x in r.rank(cook_in("Firenze"), max_km=100)] == [2]
    assert len(r.rank(cook_in("Firenze"))) == 2


def test_vacancy_with_no_fit_is_not_proposed():
    r = VacancyRanker().fit([vacancy(1, "Prato", occ=BRICKLAYER)], tiny_taxonomy())
    assert r.rank(cook_in("Firenze")) == []


def test_places_resolve_offline_and_unknown_ones_are_clear_errors():
    assert resolve("Prato (PO)").province == "PO"
    assert resolve("048017").name == "Firenze"
    assert resolve("FI").precision == "province"
    with pytest.raises(PlaceError, match="unknown"):
        resolve("Atlantide")
    with pytest.raises(PlaceError, match="ambiguous"):
        resolve("San Giovanni")


def test_shortage_csv_bad_line_is_named():
    good = "isco_code,territory,indicator,source,period\n5120,FI,0.7,Excelsior,2025\n7112,IT,0.5,EURES,2025-Q3\n"
    assert len(parse_shortage_csv(good)) == 2
    with pytest.raises(ShortageFileError, match="line 4, field indicator.*between 0 and 1"):
        parse_shortage_csv(good + "5120,PO,1.7,Excelsior,2025\n")
    with pytest.raises(ShortageFileError, match="line 2, field territory"):
        parse_shortage_csv("isco_code,territory,indicator,source,period\n5120,Narnia,0.7,x,2025\n")
    with pytest.raises(ShortageFileError, match="line 2, field isco_code"):
        parse_shortage_csv("isco_code,territory,indicator,source,period\n512,FI,0.7,x,2025\n")


def test_every_bad_row_of_a_shortage_file_is_reported_in_one_run():
    text = ("isco_code,territory,indicator,source,period\n5120,FI,0.7,Excelsior,2025\n512,FI,0.7,x,2025\n"
            "5120,Narnia,0.7,x,2025\n5120,FI,1.7,x,2025\n5120,FI,0.5,x,25\n")
    with pytest.raises(ShortageFileError) as err:
        parse_shortage_csv(text, "excelsior.csv")
    assert [p.split(":")[0] for p in err.value.problems] == [
        "excelsior.csv, line 3, field isco_code", "excelsior.csv, line 4, field territory",
        "excelsior.csv, line 5, field indicator", "excelsior.csv, line 6, field period"]
    assert "4 problem(s), nothing was written" in str(err.value)


def test_an_excelsior_style_workbook_reads_with_sheet_header_row_columns_and_percentages(tmp_path):
    """A published table: a title above the header, Italian column names, percentages, the
    province and period for the whole sheet given as options."""
    import pandas as pd

    from matcher.vacancies.shortage import ShortageOptions, read_shortage_table

    path = tmp_path / "excelsior_2025_10.xlsx"
    with pd.ExcelWriter(path) as xl:
        pd.DataFrame({"a": ["note"]}).to_excel(xl, sheet_name="Note", index=False)
        table = pd.DataFrame({"Codice ISCO": [5120, 7112, 9999.0], "Professione": ["Cuochi", "Muratori", "Altro"],
                              "Difficoltà di reperimento (%)": [62.5, 48, 10]})
        table.to_excel(xl, sheet_name="Tavola 5", index=False, startrow=2)  # two title rows above the header
    options = ShortageOptions(sheet="Tavola 5", header_row=3, columns={"isco_code": "Codice ISCO",
                              "indicator": "Difficoltà di reperimento (%)"}, territory="048", source="Unioncamere Excelsior",
                              period="2025-10", percent=True)
    rows = read_shortage_table(path.read_bytes(), path.name, options)
    assert [(r.isco_code, r.territory, r.indicator, r.period) for r in rows] == [
        ("5120", "FI", 0.625, "2025-10"), ("7112", "FI", 0.48, "2025-10"), ("9999", "FI", 0.1, "2025-10")]
    with pytest.raises(ShortageFileError, match="missing indicator.*Difficoltà di reperimento"):
        read_shortage_table(path.read_bytes(), path.name, ShortageOptions(sheet="Tavola 5", header_row=3, territory="FI",
                                                                         source="x", period="2025"))
    # an Italian spreadsheet's CSV: semicolons, decimal commas, a percent sign, cp1252
    csv = "isco_code;territory;indicator;source;period\n5120;PO;45,5%;Excelsior;2025\n".encode("cp1252")
    assert read_shortage_table(csv, "x.csv")[0].indicator == 0.455


def test_shortage_import_cli_reports_all_errors_and_knows_a_file_it_has_seen(settings, tmp_path):
    import subprocess
    import sys

    from sqlalchemy import func, select

    from matcher.db.database import open_database
    from matcher.vacancies.models import ShortageSignal

    env = {**os.environ, "SKILLMATCH_DATABASE_URL": settings.resolved_database_url, "SKILLMATCH_DATA_DIR": str(settings.data_dir)}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "matcher", "shortage", "import", *args], env=env, capture_output=True,
                              text=True, timeout=120)

    bad = tmp_path / "bad.csv"
    bad.write_text("isco_code,territory,indicator,source,period\n512,FI,0.7,x,2025\n5120,Narnia,0.7,x,2025\n", encoding="utf-8")
    r = run(str(bad))
    said = " ".join((r.stdout + r.stderr).split())
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "line 2, field isco_code" in said and "line 3, field territory" in said and "nothing was written" in said
    good = tmp_path / "good.csv"
    good.write_text("isco_code,territory,indicator,source,period\n5120,FI,0.7,Excelsior,2025\n", encoding="utf-8")
    first, again = run(str(good)), run(str(good))
    assert first.returncode == 0 and "imported 1 shortage signal" in first.stdout, first.stderr
    assert again.returncode == 0 and "already imported" in " ".join(again.stdout.split())
    with open_database(settings)() as db:
        assert db.scalar(select(func.count()).select_from(ShortageSignal)) == 1


def test_eures_list_from_shared_data():
    path = SHARED / "eures_shortages_surpluses_2025_ict_normalized.csv"
    if not path.exists():
        pytest.skip("the shared EURES file is not beside this checkout")
    rows = parse_shortage_csv(path.read_text(encoding="utf-8"), str(path), "eures")
    assert {r.isco_code for r in rows if r.indicator == 1.0} == {"2512", "2521", "3513", "3514"}
    assert {r.period for r in rows} == {"2025"}  # the report's year, from the file name


@pytest.fixture
def app(settings, bundle, tmp_path_factory):
    s = settings.model_copy(update={"model_dir": tmp_path_factory.getbasetemp() / "shared-registry"})
    app = create_app(s, load_matcher=False)
    app.state.ids = seed(app, bundle)
    app.state.matcher._load()
    return app


def test_employer_vacancy_appears_in_the_operator_ranking_and_card(app):
    with TestClient(app) as c:
        h = {n: login(c, n) for n in ("op_a", "employer", "analyst")}
        r = c.post("/api/v1/vacancies", json={"title": "Cuoco di ristorante", "description": "Cerchiamo un cuoco per la cucina: "
                   "preparare le verdure e cucinare la carne.", "municipality": "Prato", "contract_type": "seasonal"}, headers=h["employer"])
        assert r.status_code == 201, r.text
        v = r.json()
        assert v["occupation_uri"] == COOK and v["isco_code"] == "5120"  # suggested from the description
        far = c.post("/api/v1/vacancies", json={"title": "Cuoco", "occupation_uri": COOK, "municipality": "Palermo",
                     "contract_type": "permanent"}, headers=h["employer"]).json()
        p = c.post("/api/v1/persons", json={}, headers=h["op_a"]).json()
        c.post(f"/api/v1/persons/{p['id']}/profiles", json={"narrative": "Ho fatto il cuoco per cinque anni in un ristorante: "
               "tagliavo le verdure e cucinavo la carne alla griglia.", "years_experience": 5, "municipality": "Firenze",
               "documents": [{"kind": "none"}]}, headers=h["op_a"])
        ranked = c.get(f"/api/v1/persons/{p['id']}/vacancies?max_km=200", headers=h["op_a"]).json()
        assert [x["vacancy_id"] for x in ranked] == [v["id"]]  # Palermo is beyond 200 km
        top = ranked[0]
        assert set(top["factors"]) >= {"fit", "skill_overlap", "occupation_affinity", "shortage_boost", "distance_km", "distance_decay"}
        assert top["pathway"] in ("internship_validation", "training", "certifiable") and top["pathway_reasons"]["it"]
        both = c.get(f"/api/v1/persons/{p['id']}/vacancies", headers=h["op_a"]).json()
        assert [x["vacancy_id"] for x in both] == [v["id"], far["id"]]
        # shortage import makes itself felt, and a bad file writes nothing
        bad = c.post("/api/v1/shortage/imports", content=b"isco_code,territory,indicator,source,period\n5120,PO,0.9,Excelsior,2025\n5120,PO,x,E,2025\n",
                     headers={**h["analyst"], "content-type": "text/csv"})
        assert bad.status_code == 422 and "line 3, field indicator" in bad.json()["detail"]
        assert c.get("/api/v1/shortage", headers=h["analyst"]).json() == []
        ok = c.post("/api/v1/shortage/imports", content=b"isco_code,territory,indicator,source,period\n5120,PO,0.9,Excelsior,2025\n",
                    headers={**h["analyst"], "content-type": "text/csv"})
        assert ok.status_code == 201 and ok.json()["rows"] == 1
        again = c.post("/api/v1/shortage/imports", content=b"isco_code,territory,indicator,source,period\n5120,PO,0.9,Excelsior,2025\n",
                       headers={**h["analyst"], "content-type": "text/csv"})
        assert again.status_code == 200 and again.json() == {**ok.json(), "already_imported": True}
        boosted = c.get(f"/api/v1/persons/{p['id']}/vacancies", headers=h["op_a"]).json()
        assert boosted[0]["factors"]["shortage_indicator"] == 0.9
        # the card, as JSON and as a printable page
        card = c.get(f"/api/v1/persons/{p['id']}/card", headers=h["op_a"]).json()
        assert card["pathways"][0]["occupation_uri"] == COOK and card["vacancies"][0]["vacancy_id"] == v["id"]
        assert card["skills"] and card["skills"][0]["evidence"]
        html = c.get(f"/api/v1/persons/{p['id']}/card?format=html", headers=h["op_a"])
        assert html.status_code == 200 and "Scheda di profilatura" in html.text and "/static/card.css" in html.text
        # who issued it, when, for whom, and where to sign; pathways and documents in words, not codes
        assert card["issued"]["operator"] and card["issued"]["date"] and card["issued"]["office"]
        page = html.text.replace("&#39;", "'")
        assert card["issued"]["office"] in page and "Firma della persona" in page and "Firma dell'operatore" in page
        assert "Paese dell'esperienza" in page and "Lingue" in page
        assert "internship_validation" not in html.text.split("<body")[1].replace('class="tag internship_validation"', "")
        assert "@media print" in c.get("/static/card.css").text  # print styles, from this origin (the CSP allows no inline style)
        assert "Profiling card" in c.get(f"/api/v1/persons/{p['id']}/card?format=html&lang=en", headers=h["op_a"]).text
        # the card the person can read: Italian and French side by side, every fixed word translated,
        # labels the taxonomy lacks in French marked with their language; Arabic right to left
        fr = c.get(f"/api/v1/persons/{p['id']}/card?format=html&person_lang=fr", headers=h["op_a"]).text.replace("&#39;", "'")
        assert 'class="bilingual"' in fr and 'id="card-it"' in fr and 'id="card-fr"' in fr
        french = fr.split('id="card-fr"')[1]
        assert "Fiche de profilage" in french and "Métiers et parcours" in french and "Scheda" not in french
        assert "cuoco/cuoca (IT)" in french  # the test bundle has no French occupation labels
        app.state.matcher.get().taxonomy_.occupations[COOK].preferred["fr"] = "cuisinier/cuisinière"  # as --extra fr gives
        fr = c.get(f"/api/v1/persons/{p['id']}/card?format=html&person_lang=fr", headers=h["op_a"]).text
        assert "cuisinier/cuisinière" in fr.split('id="card-fr"')[1] and "cuisinier" not in fr.split('id="card-fr"')[0]
        assert "Signature de la personne" in fr and "Firma della persona" in fr
        ar = c.get(f"/api/v1/persons/{p['id']}/card?format=html&person_lang=ar", headers=h["op_a"]).text
        assert 'lang="ar" dir="rtl" id="card-ar"' in ar and "بطاقة التوصيف المهني" in ar
        single = c.get(f"/api/v1/persons/{p['id']}/card?format=html&person_lang=none", headers=h["op_a"]).text
        assert 'class="single"' in single and 'id="card-fr"' not in single
        assert c.get(f"/api/v1/persons/{p['id']}/card?format=html&person_lang=xx", headers=h["op_a"]).status_code == 422
        # reverse ranking: operators see their people, employers never do
        cands = c.get(f"/api/v1/vacancies/{v['id']}/candidates", headers=h["op_a"]).json()
        assert cands["candidates"][0]["pseudonym"] == p["pseudonym"]
        assert c.get(f"/api/v1/vacancies/{v['id']}/candidates", headers=h["employer"]).status_code == 403
        # closing takes it out of the ranking
        c.post(f"/api/v1/vacancies/{v['id']}/close", headers=h["employer"])
        assert [x["vacancy_id"] for x in c.get(f"/api/v1/persons/{p['id']}/vacancies", headers=h["op_a"]).json()] == [far["id"]]


def test_vacancy_validation_errors(app):
    with TestClient(app) as c:
        h = login(c, "employer")
        r = c.post("/api/v1/vacancies", json={"title": "Cuoco", "municipality": "Atlantide", "contract_type": "seasonal"}, headers=h)
        assert r.status_code == 422 and "municipality" in r.json()["detail"]
        r = c.post("/api/v1/vacancies", json={"title": "Cuoco", "municipality": "Prato", "contract_type": "forever"}, headers=h)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "contract_type"
        r = c.post("/api/v1/vacancies", json={"title": "Cuoco", "municipality": "Prato", "contract_type": "seasonal",
                   "required_skills": ["http://data.europa.eu/esco/skill/nope"]}, headers=h)
        assert r.status_code == 422 and "required_skills" in r.json()["detail"]
        other = c.post("/api/v1/vacancies", json={"title": "Cuoco", "municipality": "Prato", "contract_type": "seasonal",
                       "occupation_uri": COOK}, headers=h).json()
        op = login(c, "op_b")
        assert c.patch(f"/api/v1/vacancies/{other['id']}", json={"positions": 3}, headers=op).status_code == 403
