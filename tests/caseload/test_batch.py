"""The caseload batches on Ray in local mode (two workers), on the small test taxonomy."""
from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.app import create_app
from matcher.accounts.actors import Actor
from matcher.accounts.audit import query
from matcher.caseload.export_files import rematch_export
from matcher.caseload.models import BatchRun, VacancySuggestion
from matcher.caseload.rank_vacancies import rank_caseload
from matcher.caseload.ray_engine import ray_session
from matcher.caseload.rematch import rematch_caseload
from matcher.errors import Forbidden
from matcher.people.models import MatchRecord, Profile
from matcher.settings import load_settings
from tests.api_helpers import login, seed
from tests.conftest import fresh_database
from tests.esco_bundle import BRICKLAYER, COOK, write_bundle

pytest.importorskip("ray")

ADMIN = Actor(None, "cli", "admin", None, "batch")
NARRATIVES = [
    "Ho fatto il cuoco per cinque anni in un ristorante: tagliavo le verdure e cucinavo la carne alla griglia.",
    "Ho lavorato come muratore nei cantieri, costruivo muri di mattoni e preparavo la malta.",
    "J'ai travaillé comme cuisinier dans un restaurant à Dakar, je préparais les légumes.",
    "Facevo il cuoco in una mensa e cucinavo per cento persone.",
    "I worked as a bricklayer: I laid bricks and mixed mortar on building sites.",
]


class Stop(KeyboardInterrupt):
    """What a Ctrl-C (or a kill) does to a run between two chunks."""


def stop_after(chunks: int):
    seen = {"n": 0}

    def progress(stage: str, done: int, total: int) -> None:
        if done > 0:
            seen["n"] += 1
            if seen["n"] >= chunks:
                raise Stop()
    return progress


@pytest.fixture(scope="module")
def ray_local():
    with ray_session(None, workers=2) as ray:
        yield ray


@pytest.fixture(scope="module")
def office(tmp_path_factory, ray_local):
    tmp = tmp_path_factory.mktemp("caseload")
    with fresh_database(tmp) as url:
        s = load_settings(database_url=url, data_dir=tmp / "var", environment="test")
        s = s.model_copy(update={"model_dir": tmp_path_factory.getbasetemp() / "shared-registry"})
        app = create_app(s, load_matcher=False)
        app.state.ids = seed(app, write_bundle(tmp / "esco"))
        app.state.matcher._load()
        with TestClient(app) as c:
            h = login(c, "op_a")
            people = []
            for text in NARRATIVES:
                p = c.post("/api/v1/persons", json={}, headers=h).json()
                r = c.post(f"/api/v1/persons/{p['id']}/profiles", json={"narrative": text, "years_experience": 3,
                           "municipality": "Firenze"}, headers=h)
                assert r.status_code == 201, r.text
                people.append(p)
            app.state.people = people
        yield app


def _matches_of_current_profiles(app) -> dict[int, int]:
    """profile id -> how many matches it has, for every person's latest profile."""
    with app.state.sessions() as s:
        latest = {}
        for p in s.scalars(select(Profile)):
            if p.person_id not in latest or p.version > latest[p.person_id].version:
                latest[p.person_id] = p
        return {p.id: s.scalar(select(func.count()).select_from(MatchRecord).where(MatchRecord.profile_id == p.id)) or 0
                for p in latest.values()}


def test_rematch_matches_every_current_profile_once_and_a_second_run_has_nothing_to_do(office):
    s = office.state.settings
    summary = rematch_caseload(office.state.sessions, ADMIN, settings=s, workers=2, chunk=2)
    assert summary["status"] == "done" and summary["done"] == len(NARRATIVES) and summary["failed"] == 0
    assert set(_matches_of_current_profiles(office).values()) == {1}
    with office.state.sessions() as db:
        # results come back in the order the workers finish: find the first narrative's (a cook) by its person
        first = db.scalar(select(Profile.id).where(Profile.person_id == office.state.people[0]["id"]))
        rec = db.scalar(select(MatchRecord).where(MatchRecord.profile_id == first))
        assert rec is not None and rec.result["occupations"][0]["uri"] == COOK
        assert rec.pathways and rec.pathways[0]["pathway"]
        events = query(db, username="cli", action="create")
        assert sum(1 for e in events if e.resource == "match" and e.detail["batch_run"] == summary["run_id"]) == len(NARRATIVES)
    again = rematch_caseload(office.state.sessions, ADMIN, settings=s, workers=2, chunk=2)
    assert again["done"] == 0 and set(_matches_of_current_profiles(office).values()) == {1}
    # the stored matches read as the service's own: the operator sees them, sealed at rest
    with TestClient(office) as c:
        h = login(c, "op_a")
        stored = c.get(f"/api/v1/persons/{office.state.people[1]['id']}/matches", headers=h).json()
        assert stored[-1]["result"]["occupations"][0]["uri"] == BRICKLAYER


def test_a_stopped_rematch_resumes_with_no_duplicate_and_no_missing_result(office):
    s = office.state.settings
    with TestClient(office) as c:  # new profile versions: every person needs a match again
        h = login(c, "op_a")
        for p, text in zip(office.state.people, NARRATIVES):
            c.post(f"/api/v1/persons/{p['id']}/profiles", json={"narrative": text + " Parlo italiano."}, headers=h)
    assert set(_matches_of_current_profiles(office).values()) == {0}
    with pytest.raises(Stop):
        rematch_caseload(office.state.sessions, ADMIN, settings=s, workers=2, chunk=2, progress=stop_after(1))
    with office.state.sessions() as db:
        stopped = db.scalar(select(BatchRun).order_by(BatchRun.id.desc()))
        assert stopped is not None and stopped.status == "failed" and "Stop" in (stopped.error or "")
        written = stopped.done
    counts = _matches_of_current_profiles(office)
    assert 0 < written < len(NARRATIVES) and sum(counts.values()) == written
    resumed = rematch_caseload(office.state.sessions, ADMIN, settings=s, workers=2, chunk=2)
    assert resumed["resumed"] and resumed["run_id"] == stopped.id and resumed["attempts"] == 2
    assert resumed["done"] == len(NARRATIVES) and set(_matches_of_current_profiles(office).values()) == {1}


def test_only_an_administrator_runs_a_batch(office):
    operator = Actor(1, "op_a", "operator", 1, "batch")
    with pytest.raises(Forbidden):
        rematch_caseload(office.state.sessions, operator, settings=office.state.settings)
    with pytest.raises(Forbidden):
        rank_caseload(office.state.sessions, operator, settings=office.state.settings)


def test_rank_vacancies_leaves_suggestions_operators_read_and_erasure_removes_them(office):
    s = office.state.settings
    with TestClient(office) as c:
        emp = login(c, "employer")
        cook = c.post("/api/v1/vacancies", json={"title": "Cuoco", "occupation_uri": COOK, "municipality": "Prato",
                      "contract_type": "seasonal"}, headers=emp).json()
        brick = c.post("/api/v1/vacancies", json={"title": "Muratore", "occupation_uri": BRICKLAYER, "municipality": "Prato",
                       "contract_type": "permanent"}, headers=emp).json()
        first = rank_caseload(office.state.sessions, ADMIN, settings=s, workers=2, chunk=2, top_k=5)
        assert first["status"] == "done" and first["open_vacancies"] == 2 and first["suggestions_written"] >= len(NARRATIVES)
        h = login(c, "op_a")
        cook_person, brick_person = office.state.people[0]["id"], office.state.people[1]["id"]
        got = c.get(f"/api/v1/persons/{cook_person}/vacancy-suggestions", headers=h).json()
        assert got["run"]["id"] == first["run_id"] and got["suggestions"][0]["vacancy_id"] == cook["id"]
        assert set(got["suggestions"][0]["factors"]) >= {"fit", "skill_overlap", "distance_km", "shortage_boost"}
        assert c.get(f"/api/v1/persons/{brick_person}/vacancy-suggestions", headers=h).json()["suggestions"][0]["vacancy_id"] == brick["id"]
        assert c.get(f"/api/v1/persons/{cook_person}/vacancy-suggestions", headers=login(c, "op_b")).status_code == 404
        assert c.get(f"/api/v1/persons/{cook_person}/vacancy-suggestions", headers=emp).status_code == 403
        # a stopped run resumes; when one finishes, only its suggestions remain
        with pytest.raises(Stop):
            rank_caseload(office.state.sessions, ADMIN, settings=s, workers=2, chunk=2, top_k=5, progress=stop_after(1))
        second = rank_caseload(office.state.sessions, ADMIN, settings=s, workers=2, chunk=2, top_k=5)
        assert second["resumed"] and second["run_id"] != first["run_id"]
        with office.state.sessions() as db:
            runs = set(db.scalars(select(VacancySuggestion.run_id)))
            pairs = list(db.execute(select(VacancySuggestion.person_id, VacancySuggestion.vacancy_id)))
        assert runs == {second["run_id"]} and len(pairs) == len(set(pairs)) == first["suggestions_written"]
        # a closed vacancy is no longer suggested; an erased person leaves nothing behind
        c.post(f"/api/v1/vacancies/{cook['id']}/close", headers=emp)
        got = c.get(f"/api/v1/persons/{cook_person}/vacancy-suggestions", headers=h).json()
        assert cook["id"] not in [x["vacancy_id"] for x in got["suggestions"]]
        assert c.delete(f"/api/v1/persons/{cook_person}", headers=h).status_code in (200, 204)
        with office.state.sessions() as db:
            assert not db.scalar(select(func.count()).select_from(VacancySuggestion).where(VacancySuggestion.person_id == cook_person))


def test_an_export_is_matched_into_parts_and_a_stopped_run_resumes(office, tmp_path):
    rows = [{"id": f"p{i}", "text": t, "language": "", "years_experience": "2"} for i, t in enumerate(NARRATIVES)]
    rows.append({"id": "bad", "text": "Facevo il cuoco.", "language": "", "years_experience": "tanti"})
    export = tmp_path / "caseload.parquet"
    pd.DataFrame(rows).to_parquet(export, index=False)
    out = tmp_path / "results"
    s, taxonomy = office.state.settings, office.state.matcher.get().taxonomy_
    with pytest.raises(Stop):
        rematch_export(export, out, settings=s, taxonomy=taxonomy, workers=2, chunk=2, progress=stop_after(2))
    parts_before = sorted(out.glob("part-*.jsonl"))
    assert parts_before and not list(out.glob(".*.tmp"))
    summary = rematch_export(export, out, settings=s, taxonomy=taxonomy, workers=2, chunk=2)
    assert summary["skipped_as_done"] > 0
    lines = [json.loads(x) for p in sorted(out.glob("part-*.jsonl")) for x in p.read_text(encoding="utf-8").splitlines()]
    assert sorted(x["line"] for x in lines) == list(range(2, len(rows) + 2))  # every row once (the header is row 1)
    by_id = {x["id"]: x for x in lines}
    assert "years_experience" in by_id["bad"]["error"]
    assert by_id["p0"]["occupations"][0]["uri"] == COOK and by_id["p0"]["pathway"] and by_id["p0"]["model_version"]


def test_the_command_names_what_is_wrong():
    r = subprocess.run([sys.executable, "-m", "matcher", "batch", "rematch", "--input", "x.csv"], capture_output=True, text=True)
    assert r.returncode == 1 and "--input and --output go together" in r.stderr and "Traceback" not in r.stderr
