"""The defects of the security audit (issue #13), one test each, and erasure by key deletion."""
from __future__ import annotations

import asyncio
import io
import logging
import os
import stat
import time
import zipfile

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, event, select, text

from api.app import BodyLimit, create_app
from matcher.accounts.users import create_organisation, create_user
from matcher.network.models import Internship, Measure, Referral
from matcher.people.models import Decision, Person, PersonKey, Profile
from tests.api_helpers import CLI, PASSWORD, login, seed
from tests.conftest import PG_URL
from tests.esco_bundle import COOK, write_bundle

SENTINEL = "Qwxzyv cucinava a Tambacounda-4471 per la mensa"
ORIGIN = {"origin": "http://testserver"}


@pytest.fixture
def net(settings, bundle, tmp_path_factory):
    s = settings.model_copy(update={"model_dir": tmp_path_factory.getbasetemp() / "shared-registry"})
    app = create_app(s, load_matcher=False)
    ids = seed(app, bundle)
    with app.state.sessions() as db:
        cas = create_organisation(db, CLI, "CAS Siena", "reception_centre", "Siena")
        ids["org_cas"] = cas.id
        ids["op_cas"] = create_user(db, CLI, "op_cas", PASSWORD, "operator", cas.id).id
    app.state.matcher._load()
    with TestClient(app) as c:
        h = {n: login(c, n) for n in ("op_cas", "op_a", "op_b", "employer", "analyst", "admin")}
        p = c.post("/api/v1/persons", json={"external_ref": "SI-2291"}, headers=h["op_cas"]).json()
        r = c.post(f"/api/v1/persons/{p['id']}/profiles", json={"narrative": SENTINEL, "years_experience": 4,
                   "municipality": "Siena", "documents": [{"kind": "none"}]}, headers=h["op_cas"])
        assert r.status_code == 201, r.text
        yield c, h, ids, p


def _refer(c, h, ids, pid, to="org_a"):
    consent = c.post(f"/api/v1/persons/{pid}/consents", json={"recipient_organisation_id": ids[to], "purpose": "referral"},
                     headers=h["op_cas"]).json()
    r = c.post(f"/api/v1/persons/{pid}/referrals", json={"to_organisation_id": ids[to], "reason": "orientamento"},
               headers=h["op_cas"])
    assert r.status_code == 201, r.text
    return r.json()["id"], consent["id"]


# ---- high -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("end", ["decline", "withdraw", "consent"])
def test_a_referral_card_ends_with_the_referral(net, end):
    c, h, ids, p = net
    rid, cid = _refer(c, h, ids, p["id"])
    pending = c.get(f"/api/v1/referrals/{rid}", headers=h["op_a"]).json()
    assert pending["card"]["profile"]["narrative"] == SENTINEL
    assert "external_ref" not in pending["card"]["person"]  # the sender's file number stays with the sender (#15)
    if end == "decline":
        c.post(f"/api/v1/referrals/{rid}/decline", json={"reason": "fuori territorio"}, headers=h["op_a"])
    elif end == "withdraw":
        c.post(f"/api/v1/referrals/{rid}/withdraw", headers=h["op_cas"])
    else:
        c.post(f"/api/v1/persons/{p['id']}/consents/{cid}/withdraw", headers=h["op_cas"])
    after = c.get(f"/api/v1/referrals/{rid}", headers=h["op_a"])
    assert after.status_code == 200 and after.json()["card"] is None and after.json()["status"] in ("declined", "withdrawn")
    assert SENTINEL not in after.text
    with c.app.state.sessions() as db:
        assert db.get(Referral, rid).card is None  # the copy is gone, not only hidden


def test_the_receiving_office_reads_but_does_not_own(net):
    c, h, ids, p = net
    pid = p["id"]
    rid, cid = _refer(c, h, ids, pid)
    assert c.post(f"/api/v1/referrals/{rid}/accept", headers=h["op_a"]).json()["status"] == "accepted"
    assert c.get(f"/api/v1/persons/{pid}/profiles", headers=h["op_a"]).json()[0]["narrative"] == SENTINEL
    for method, path, body in [
        ("DELETE", f"/api/v1/persons/{pid}", None),
        ("POST", f"/api/v1/persons/{pid}/consents", {"recipient_organisation_id": ids["org_b"], "purpose": "referral"}),
        ("POST", f"/api/v1/persons/{pid}/consents/{cid}/withdraw", None),
        ("POST", f"/api/v1/persons/{pid}/referrals", {"to_organisation_id": ids["org_b"]}),
    ]:
        r = c.request(method, path, json=body, headers=h["op_a"])
        assert r.status_code == 403 and "holds the person" in r.json()["detail"], (method, path, r.status_code, r.text)
    # the owner still has the person, its consent stands, nobody else got it
    assert c.get(f"/api/v1/persons/{pid}", headers=h["op_cas"]).status_code == 200
    assert c.get(f"/api/v1/persons/{pid}/consents", headers=h["op_cas"]).json()[0]["withdrawn_at"] is None
    assert c.get(f"/api/v1/persons/{pid}", headers=h["op_b"]).status_code == 404
    assert c.delete(f"/api/v1/persons/{pid}", headers=h["op_cas"]).status_code == 200


def test_an_import_that_cannot_be_indexed_never_becomes_active(settings, bundle, tmp_path):
    s = settings.model_copy(update={"model_dir": tmp_path / "registry"})
    app = create_app(s, load_matcher=False)
    seed(app, bundle)
    with TestClient(app) as c:
        admin = login(c, "admin")
        before = [v for v in c.get("/api/v1/taxonomy/versions", headers=admin).json() if v["is_active"]]
        # a bundle that imports, with an encoder that cannot be loaded: the index cannot be built
        app.state.settings = s.model_copy(update={"encoder": str(tmp_path / "no-such-model")})
        folder = write_bundle(tmp_path / "upload", languages=("en",))[0]
        files = [("files", (f.name, f.read_bytes(), "text/csv")) for f in sorted(folder.iterdir())]
        job_id = c.post("/api/v1/taxonomy/imports", files=files, data={"version": "broken"}, headers=admin).json()["job_id"]
        state = _wait_job(c, admin, job_id)
        assert state["status"] == "failed"
        assert str(s.data_dir) not in state["message"] and str(tmp_path) not in state["message"]  # no server paths (#14)
        versions = c.get("/api/v1/taxonomy/versions", headers=admin).json()
        assert [v["id"] for v in versions if v["is_active"]] == [v["id"] for v in before]
        assert any(v["release"] == "broken" and not v["is_active"] for v in versions)
        assert not any((s.data_dir / "uploads").iterdir())  # the upload folder went with the job (#14)


def _wait_job(c, headers, job_id, seconds=120):
    deadline = time.time() + seconds
    while time.time() < deadline:
        state = c.get(f"/api/v1/jobs/{job_id}", headers=headers).json()
        if state["status"] in ("done", "failed"):
            return state
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not end: {state}")


# ---- medium ---------------------------------------------------------------------------------------
def test_api_keys_are_made_by_their_owner(net):
    c, h, ids, p = net
    refused = c.post(f"/api/v1/users/{ids['op_cas']}/api-keys", headers=h["admin"])
    assert refused.status_code == 403 and "created by that user" in refused.json()["detail"]
    assert c.post(f"/api/v1/users/{ids['employer']}/api-keys", headers=h["admin"]).status_code == 403
    assert c.post(f"/api/v1/users/{ids['analyst']}/api-keys", headers=h["admin"]).status_code == 201  # a reporting client
    own = c.post("/api/v1/me/api-keys", headers=h["op_cas"])
    assert own.status_code == 201
    key = {"X-API-Key": own.json()["api_key"]}
    assert c.get(f"/api/v1/persons/{p['id']}", headers=key).status_code == 200
    assert c.post("/api/v1/me/api-keys", headers=key).status_code == 403  # a key makes no keys
    prefix = own.json()["api_key"].split("_")[1]
    assert [k["prefix"] for k in c.get("/api/v1/me/api-keys", headers=h["op_cas"]).json()] == [prefix]
    assert c.get("/api/v1/me/api-keys", headers=h["op_b"]).json() == []


def test_login_failures_are_limited_audited_and_worded_alike(net):
    c, h, ids, p = net
    codes = [c.post("/api/v1/auth/token", data={"username": "op_a", "password": f"wrong {i}"}).status_code for i in range(7)]
    assert codes[:5] == [401] * 5 and codes[5:] == [429, 429]
    locked = c.post("/api/v1/auth/token", data={"username": "op_a", "password": PASSWORD})
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0  # even the right password, for a while
    assert c.post("/api/v1/auth/token", data={"username": "op_b", "password": PASSWORD}).status_code == 200  # others unaffected
    unknown = c.post("/api/v1/auth/token", data={"username": "nobody", "password": "wrong"})
    wrong = c.post("/api/v1/auth/token", data={"username": "op_b", "password": "wrong"})
    assert unknown.status_code == wrong.status_code == 401 and unknown.json() == wrong.json()
    events = c.get("/api/v1/audit?action=login_failed&limit=100", headers=h["admin"]).json()
    assert {e["username"] for e in events} >= {"op_a", "nobody"} and "wrong" not in str(events)
    assert c.get("/api/v1/audit?action=login_refused", headers=h["admin"]).json()
    # the login page is limited by the same guard
    page = c.post("/login", data={"username": "op_a", "password": PASSWORD}, headers=ORIGIN, follow_redirects=False)
    assert page.status_code == 429 and "Retry-After" in page.headers


def test_many_user_names_from_one_address_are_limited(settings, bundle, tmp_path):
    s = settings.model_copy(update={"model_dir": tmp_path / "r", "login_failures_per_address": "10/15 minutes"})
    app = create_app(s, load_matcher=False)
    seed(app, bundle)
    with TestClient(app) as c:
        codes = [c.post("/api/v1/auth/token", data={"username": f"user{i}", "password": "x"}).status_code for i in range(11)]
        assert codes[:10] == [401] * 10 and codes[10] == 429


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_a_zip_bomb_is_refused_at_upload(net, tmp_path):
    c, h, ids, p = net
    bomb = _zip({"occupations_en.csv": b"\0" * 20_000_000})
    assert len(bomb) < 100_000
    r = c.post("/api/v1/taxonomy/imports", files=[("files", ("esco.zip", bomb, "application/zip"))], headers=h["admin"])
    assert r.status_code == 422 and "refused" in r.json()["detail"]
    c.app.state.settings = c.app.state.settings.model_copy(update={"max_unpacked_bytes": 10_000})
    folder = write_bundle(tmp_path / "b", languages=("en",))[0]
    big = _zip({f.name: f.read_bytes() for f in folder.iterdir()} | {"notes.txt": b"x" * 20_000})
    r = c.post("/api/v1/taxonomy/imports", files=[("files", ("esco.zip", big, "application/zip"))], headers=h["admin"])
    assert r.status_code == 422 and "SKILLMATCH_MAX_UNPACKED_BYTES" in r.json()["detail"]
    assert not any((c.app.state.settings.data_dir / "uploads").iterdir())



def test_the_admin_page_and_the_api_refuse_the_same_upload_the_same_way(net):
    """One taxonomy-import use case behind both: a file that is no bundle is refused with the same
    reason, over the API as JSON and on the page above the import form, and nothing is kept."""
    c, h, ids, p = net
    api = c.post("/api/v1/taxonomy/imports", files=[("files", ("notes.txt", b"x", "text/plain"))], headers=h["admin"])
    assert api.status_code == 422 and "upload the ESCO bundle as .zip or .csv" in api.json()["detail"]
    _page_login(c, "admin")
    page = c.post("/admin/taxonomy/imports", files=[("files", ("notes.txt", b"x", "text/plain"))], headers=ORIGIN)
    assert page.status_code == 422 and "text/html" in page.headers["content-type"]
    assert "upload the ESCO bundle as .zip or .csv" in page.text and 'id="import-error"' in page.text
    assert not any((c.app.state.settings.data_dir / "uploads").iterdir())

def test_no_person_text_and_no_traceback_in_the_log(net, caplog):
    c, h, ids, p = net

    def boom() -> None:
        with c.app.state.sessions() as db:  # a database error whose statement carries a person's text
            db.execute(text("INSERT INTO no_such_table VALUES (:x)"), {"x": SENTINEL})

    c.app.add_api_route("/api/v1/boom", boom)
    with caplog.at_level(logging.INFO):
        r = c.get("/api/v1/boom")
    assert r.status_code == 500 and r.json()["detail"] == "internal error"
    logged = "\n".join(rec.getMessage() + (str(rec.exc_info) if rec.exc_info else "") for rec in caplog.records)
    assert "unexpected ProgrammingError" in logged or "unexpected OperationalError" in logged
    assert SENTINEL not in logged and "Traceback" not in caplog.text
    assert not [rec for rec in caplog.records if rec.exc_info and rec.levelno >= logging.INFO]
    engine = create_engine(c.app.state.settings.resolved_database_url, hide_parameters=True)
    engine.dispose()


def test_the_engine_keeps_parameters_out_of_error_messages(settings):
    from matcher.db.session import make_engine

    engine = make_engine(settings.resolved_database_url)
    with pytest.raises(Exception) as err, engine.connect() as conn:
        conn.execute(text("SELECT * FROM no_such_table WHERE x = :x"), {"x": SENTINEL})
    assert SENTINEL not in str(err.value)
    engine.dispose()


def test_two_profile_versions_saved_at_once_both_land(net):
    """The second writer reads the same max(version) as the first; it must take the next number."""
    from matcher.accounts.actors import Actor
    from matcher.people.service import ProfileInput, add_profile

    c, h, ids, p = net
    sessions = c.app.state.sessions
    actor = Actor(ids["op_cas"], "op_cas", "operator", ids["org_cas"], "test")
    with sessions() as db:
        fired = []

        @event.listens_for(db, "before_flush")
        def competing_writer(session, _ctx, _inst) -> None:
            if fired:
                return
            fired.append(1)
            mine = next(o for o in session.new if isinstance(o, Profile))
            with sessions() as other:  # another request saves the same version number first
                add_profile(other, actor, p["id"], ProfileInput("Facevo il cameriere."))
                assert other.scalar(select(Profile.version).where(Profile.person_id == p["id"])
                                    .order_by(Profile.version.desc())) == mine.version

        prof = add_profile(db, actor, p["id"], ProfileInput("Facevo il cuoco."))
    assert fired and prof.version == 3
    versions = [x["version"] for x in c.get(f"/api/v1/persons/{p['id']}/profiles", headers=h["op_cas"]).json()]
    assert versions == [1, 2, 3]


def test_erasure_leaves_no_text_in_internships_decisions_or_measures(net):
    c, h, ids, p = net
    pid = p["id"]
    free = c.post(f"/api/v1/persons/{pid}/decisions", json={"target_kind": "occupation", "target_uri": "Mario Rossi 333 1234567",
                  "status": "proposed"}, headers=h["op_cas"])
    assert free.status_code == 422 and "ESCO occupation URI" in free.json()["detail"]
    assert c.post(f"/api/v1/persons/{pid}/decisions", json={"target_kind": "vacancy", "target_uri": "vacancy:12",
                  "status": "proposed"}, headers=h["op_cas"]).status_code == 201
    c.post(f"/api/v1/persons/{pid}/consents", json={"recipient_organisation_id": ids["org_e"], "purpose": "internship"},
           headers=h["op_cas"])
    skills = [{"uri": "http://data.europa.eu/esco/skill/50000000-0000-0000-0000-000000000001", "label": "prepare vegetables"}]
    iid = c.post(f"/api/v1/persons/{pid}/internships", json={"host_organisation_id": ids["org_e"], "occupation_uri": COOK,
                 "skills_to_observe": skills}, headers=h["op_cas"]).json()["id"]
    c.post(f"/api/v1/persons/{pid}/measures", json={"kind": "guidance_interview", "outcome": "ok"}, headers=h["op_cas"])
    assert c.get(f"/api/v1/internships/{iid}", headers=h["employer"]).json()["skills_to_observe"] == skills
    assert c.delete(f"/api/v1/persons/{pid}", headers=h["op_cas"]).status_code == 200
    seen = c.get(f"/api/v1/internships/{iid}", headers=h["employer"])
    assert seen.status_code == 200 and seen.json()["skills_to_observe"] == []
    with c.app.state.sessions() as db:
        assert db.get(Internship, iid).skills_to_observe == []
        assert all(m.outcome is None and m.detail is None for m in db.scalars(select(Measure)))
        assert all(d.person_id is None and d.reason is None for d in db.scalars(select(Decision)))


def test_a_nul_escape_split_across_chunks_is_refused():
    received = []

    async def app(scope, receive, send):
        while True:
            m = await receive()
            received.append(m)
            if not m.get("more_body") or m["type"] != "http.request":
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"stored"})

    for split in ([b'{"text": "abc\\u00', b'00 def"}'], [b'{"text": "abc\\', b'u0000"}'], [b'{"text": "ab\\u0', b'000"}']):
        chunks = iter([{"type": "http.request", "body": part, "more_body": i < len(split) - 1} for i, part in enumerate(split)])
        sent = []

        async def receive(chunks=chunks):
            return next(chunks)

        async def send(message, sent=sent):
            sent.append(message)

        scope = {"type": "http", "path": "/api/v1/matches", "headers": [(b"content-type", b"application/json")], "query_string": b""}
        asyncio.run(BodyLimit(app, 64_000, 1_000_000)(scope, receive, send))
        assert sent[0]["status"] == 422 and b"NUL" in sent[1]["body"], split


# ---- low ------------------------------------------------------------------------------------------
def _page_login(c, user):
    r = c.post("/login", data={"username": user, "password": PASSWORD}, headers=ORIGIN, follow_redirects=False)
    assert r.status_code == 303, r.text


def test_huge_ids_on_pages_are_not_found(net):
    c, h, ids, p = net
    _page_login(c, "op_cas")
    for path in ("/operator/persons/9223372036854775808", "/operator/persons/9223372036854775808/card"):
        r = c.get(path)
        assert r.status_code == 404, (path, r.status_code)
    _page_login(c, "employer")
    r = c.post("/employer/vacancies/99999999999999999999/close", headers=ORIGIN)
    assert r.status_code == 404


def test_state_changing_pages_need_this_origin_and_carry_security_headers(net):
    c, h, ids, p = net
    assert c.post("/login", data={"username": "op_cas", "password": PASSWORD}).status_code == 403  # login CSRF
    _page_login(c, "op_cas")
    evil = c.post(f"/operator/persons/{p['id']}/erase", data={"confirm": "yes"}, headers={"origin": "https://evil.example"},
                  follow_redirects=False)
    assert evil.status_code == 403
    assert c.post(f"/operator/persons/{p['id']}/erase", data={"confirm": "yes"}, headers={"referer": "https://evil.example/x"},
                  follow_redirects=False).status_code == 403
    assert c.get(f"/api/v1/persons/{p['id']}", headers=h["op_cas"]).status_code == 200  # not erased
    page = c.get("/operator")
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe" not in csp
    assert page.headers["x-content-type-options"] == "nosniff" and page.headers["x-frame-options"] == "DENY"
    ok = c.post(f"/operator/persons/{p['id']}/erase", data={"confirm": "yes"}, headers=ORIGIN, follow_redirects=False)
    assert ok.status_code == 303
    assert c.get(f"/api/v1/persons/{p['id']}", headers=h["op_cas"]).status_code == 404


def test_the_api_docs_work_offline(net):
    c, h, ids, p = net
    docs = c.get("/api/v1/docs")
    assert docs.status_code == 200 and "cdn" not in docs.text.lower()
    assert "/api/v1/docs-assets/swagger-ui-bundle.js" in docs.text
    js = c.get("/api/v1/docs-assets/swagger-ui-bundle.js")
    assert js.status_code == 200 and len(js.content) > 100_000
    assert c.get("/api/v1/docs-assets/swagger-ui.css").status_code == 200


def test_keys_revoked_users_deactivated_and_tokens_ended(net):
    c, h, ids, p = net
    key = c.post(f"/api/v1/users/{ids['analyst']}/api-keys", headers=h["admin"]).json()["api_key"]
    prefix = key.split("_")[1]
    assert c.get("/api/v1/me", headers={"X-API-Key": key}).status_code == 200
    assert c.delete(f"/api/v1/users/{ids['analyst']}/api-keys/{prefix}", headers=h["admin"]).json()["revoked_at"]
    assert c.get("/api/v1/me", headers={"X-API-Key": key}).status_code == 401
    # deactivation ends tokens and keys at once
    own = c.post("/api/v1/me/api-keys", headers=h["op_b"]).json()["api_key"]
    assert c.post(f"/api/v1/users/{ids['op_b']}/deactivate", headers=h["admin"]).json()["is_active"] is False
    assert c.get("/api/v1/me", headers=h["op_b"]).status_code == 401
    assert c.get("/api/v1/me", headers={"X-API-Key": own}).status_code == 401
    assert c.post("/api/v1/auth/token", data={"username": "op_b", "password": PASSWORD}).status_code == 401
    c.post(f"/api/v1/users/{ids['op_b']}/activate", headers=h["admin"])
    assert c.get("/api/v1/me", headers={"X-API-Key": own}).status_code == 200
    # logout ends this token, and only this one
    other = login(c, "op_a")
    assert c.post("/api/v1/auth/logout", headers=h["op_a"]).status_code == 204
    assert c.get("/api/v1/me", headers=h["op_a"]).status_code == 401
    assert c.get("/api/v1/me", headers=other).status_code == 200
    # a user revokes its own key
    mine = c.post("/api/v1/me/api-keys", headers=other).json()["api_key"]
    assert c.delete(f"/api/v1/me/api-keys/{mine.split('_')[1]}", headers=other).status_code == 200
    assert c.get("/api/v1/me", headers={"X-API-Key": mine}).status_code == 401
    # the page's logout ends the cookie's token on the server too
    _page_login(c, "op_cas")
    cookie = c.cookies.get("skillmatch_session")
    c.post("/logout", headers=ORIGIN)
    c.cookies.set("skillmatch_session", cookie)
    assert c.get("/operator", follow_redirects=False).status_code == 303


def test_deactivating_an_organisation_ends_its_users_access_and_keeps_new_ones_out(net):
    c, h, ids, p = net
    key = c.post("/api/v1/me/api-keys", headers=h["op_cas"]).json()["api_key"]
    r = c.post(f"/api/v1/organisations/{ids['org_cas']}/deactivate", headers=h["admin"])
    assert r.status_code == 200 and r.json()["is_active"] is False
    assert c.get("/api/v1/me", headers=h["op_cas"]).status_code == 401
    assert c.get("/api/v1/me", headers={"X-API-Key": key}).status_code == 401
    assert c.get("/api/v1/me", headers=h["op_a"]).status_code == 200  # other organisations go on
    joined = c.post("/api/v1/users", json={"username": "op_cas2", "password": "long enough pw", "role": "operator",
                                           "organisation_id": ids["org_cas"]}, headers=h["admin"])
    assert joined.status_code == 422 and "deactivated" in joined.json()["detail"]
    events = c.get("/api/v1/audit?action=deactivate", headers=h["admin"]).json()
    assert any(e["resource"] == "organisation" for e in events), events
    # activating it again lets users join; its old users come back one by one
    assert c.post(f"/api/v1/organisations/{ids['org_cas']}/activate", headers=h["admin"]).json()["is_active"] is True
    assert c.get("/api/v1/me", headers={"X-API-Key": key}).status_code == 401
    c.post(f"/api/v1/users/{ids['op_cas']}/activate", headers=h["admin"])
    assert c.get("/api/v1/me", headers={"X-API-Key": key}).status_code == 200


def test_the_sqlite_file_is_private(net):
    c, h, ids, p = net
    url = c.app.state.settings.resolved_database_url
    if not url.startswith("sqlite"):
        pytest.skip("a SQLite file only")
    mode = stat.S_IMODE(os.stat(url.split("///", 1)[1]).st_mode)
    assert mode == 0o600, oct(mode)


# ---- erasure is final: the text is sealed with the person's key, erasure deletes the key ----------
def test_text_is_sealed_and_erasure_deletes_the_key(net):
    c, h, ids, p = net
    pid = p["id"]
    assert c.get("/api/v1/persons?q=si-2291", headers=h["op_cas"]).json()[0]["id"] == pid  # found by its keyed hash
    assert c.get(f"/api/v1/persons/{pid}", headers=h["op_cas"]).json()["external_ref"] == "SI-2291"
    with c.app.state.sessions() as db:
        raw = db.execute(text("SELECT narrative FROM profiles")).scalar()
        ref = db.execute(text("SELECT external_ref FROM persons WHERE id = :i"), {"i": pid}).scalar()
        key_id = db.get(Person, pid).key_id
        assert raw.startswith("sm1:") and "Tambacounda" not in raw and ref.startswith("sm1:")
        wrapped = db.get(PersonKey, key_id).wrapped
    assert c.delete(f"/api/v1/persons/{pid}", headers=h["op_cas"]).status_code == 200
    with c.app.state.sessions() as db:
        assert db.get(PersonKey, key_id) is None
    # a copy of the sealed text kept from before (a backup) cannot be opened any more, even with the master key
    keyring = c.app.state.sessions.kw["info"]["keyring"]
    data_key = keyring.unwrap(wrapped)  # only a backup still holds the wrapped key...
    assert data_key and keyring.cached(key_id) is None  # ...the service has forgotten it
    assert c.get("/api/v1/persons?q=SI-2291", headers=h["op_cas"]).json() == []


def test_master_key_rotation_keeps_everything_readable(settings, bundle, tmp_path):
    from matcher.accounts.actors import Actor
    from matcher.db.database import open_database
    from matcher.people.service import ProfileInput, add_profile, create_person, list_persons
    from matcher.privacy.keys import new_master_key
    from matcher.privacy.rotation import rotate

    old, new = new_master_key(), new_master_key()
    s_old = settings.model_copy(update={"master_key": old})
    with open_database(s_old)() as db:
        org = create_organisation(db, CLI, "CPI Lucca", "cpi")
        actor = Actor(None, "op", "operator", org.id, "test")
        person = create_person(db, actor, "LU-7")
        add_profile(db, actor, person.id, ProfileInput(SENTINEL))
        db.execute(text("UPDATE profiles SET narrative = 'scritto prima della cifratura' WHERE id = 1"))  # as before 0005
        db.commit()
    s_new = settings.model_copy(update={"master_key": new, "master_key_previous": old})
    with open_database(s_new)() as db:
        counts = rotate(db)
        assert counts["rewrapped"] == 1 and counts["sealed"] == 1 and counts["hashes"] == 1
    with open_database(settings.model_copy(update={"master_key": new}))() as db:  # the old key is dropped
        assert db.get(Profile, 1).narrative == "scritto prima della cifratura"
        assert db.execute(text("SELECT narrative FROM profiles WHERE id = 1")).scalar().startswith("sm1:")
        assert [x.id for x in list_persons(db, actor, "LU-7")] == [person.id]


def test_the_sentinel_is_in_no_postgresql_page_wal_or_dump(net, tmp_path):
    """On PostgreSQL: after erasure and a checkpoint, the text is in no file of the data directory
    (heap, indexes, WAL) and in no pg_dump taken before the erasure."""
    if not PG_URL:
        pytest.skip("needs SKILLMATCH_TEST_DATABASE_URL (PostgreSQL); .ci/run sets it")
    import shutil
    import subprocess

    c, h, ids, p = net
    url = c.app.state.settings.resolved_database_url
    pg_dump = shutil.which("pg_dump") or next(iter(sorted(__import__("glob").glob("/usr/lib/postgresql/*/bin/pg_dump"))), None)
    assert pg_dump, "pg_dump is not installed"
    plain = url.replace("postgresql+psycopg://", "postgresql://").split("?")[0]
    dump = subprocess.run([pg_dump, "--no-owner", plain], capture_output=True, check=True).stdout
    assert b"Tambacounda" not in dump and b"SI-2291" not in dump
    assert c.delete(f"/api/v1/persons/{p['id']}", headers=h["op_cas"]).status_code == 200
    engine = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("CHECKPOINT"))
        data_dir = conn.execute(text("SHOW data_directory")).scalar()
    engine.dispose()
    found = []
    for root, _dirs, files in os.walk(data_dir):
        for name in files:
            try:
                with open(os.path.join(root, name), "rb") as fh:
                    if b"Tambacounda" in fh.read():
                        found.append(os.path.join(root, name))
            except OSError:
                pass
    assert not found, found


def test_job_errors_name_files_not_folders():
    from pathlib import Path

    from matcher.jobs import redact_paths

    msg = redact_paths("var/uploads/a1/occupations_en.csv, line 3: bad variable; model '/srv/models/e5' missing", [Path("var")])
    assert msg == "uploads/a1/occupations_en.csv, line 3: bad variable; model 'e5' missing"
