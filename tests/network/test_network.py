from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from matcher.accounts.users import create_organisation, create_user
from tests.api_helpers import CLI, PASSWORD, login, seed
from tests.esco_bundle import COOK

NARRATIVE = ("Ho fatto il cuoco per quattro anni in un ristorante a Dakar: tagliavo le verdure e cucinavo la carne alla griglia.")


@pytest.fixture
def net(settings, bundle, tmp_path_factory):
    s = settings.model_copy(update={"model_dir": tmp_path_factory.getbasetemp() / "shared-registry",
                                    "pathway_internship_coverage": 0.3, "pathway_certifiable_coverage": 0.6})
    app = create_app(s, load_matcher=False)
    ids = seed(app, bundle)
    with app.state.sessions() as db:
        cas = create_organisation(db, CLI, "CAS Siena", "reception_centre", "Siena")
        ids["org_cas"] = cas.id
        create_user(db, CLI, "op_cas", PASSWORD, "operator", cas.id)
    app.state.matcher._load()
    with TestClient(app) as c:
        h = {n: login(c, n) for n in ("op_cas", "op_a", "op_b", "employer", "analyst", "admin")}
        p = c.post("/api/v1/persons", json={}, headers=h["op_cas"]).json()
        r = c.post(f"/api/v1/persons/{p['id']}/profiles", json={"narrative": NARRATIVE, "years_experience": 4,
                   "municipality": "Siena", "documents": [{"kind": "none"}]}, headers=h["op_cas"])
        assert r.status_code == 201, r.text
        yield c, h, ids, p


def test_referral_needs_consent_then_gives_access_to_the_receiver_only(net):
    c, h, ids, p = net
    pid = p["id"]
    r = c.post(f"/api/v1/persons/{pid}/referrals", json={"to_organisation_id": ids["org_a"], "reason": "orientamento al lavoro"},
               headers=h["op_cas"])
    assert r.status_code == 409 and "consent" in r.json()["detail"]
    consent = c.post(f"/api/v1/persons/{pid}/consents", json={"recipient_organisation_id": ids["org_a"], "purpose": "referral"},
                     headers=h["op_cas"]).json()
    assert c.get(f"/api/v1/persons/{pid}", headers=h["op_a"]).status_code == 404  # not before acceptance
    ref = c.post(f"/api/v1/persons/{pid}/referrals", json={"to_organisation_id": ids["org_a"], "reason": "orientamento"},
                 headers=h["op_cas"])
    assert ref.status_code == 201, ref.text
    rid = ref.json()["id"]
    incoming = c.get("/api/v1/referrals?status=pending", headers=h["op_a"]).json()
    assert [x["id"] for x in incoming] == [rid]
    detail = c.get(f"/api/v1/referrals/{rid}", headers=h["op_a"]).json()
    assert detail["card"]["pathways"] and detail["card"]["person"]["pseudonym"] == p["pseudonym"]  # the card as it stood
    assert c.get(f"/api/v1/referrals/{rid}", headers=h["op_b"]).status_code == 404
    assert c.post(f"/api/v1/referrals/{rid}/accept", headers=h["op_cas"]).status_code == 403  # the sender cannot accept
    assert c.post(f"/api/v1/referrals/{rid}/accept", headers=h["op_a"]).json()["status"] == "accepted"
    # the receiving CPI now reads the person; the sender keeps access; a third organisation still gets 404
    assert c.get(f"/api/v1/persons/{pid}", headers=h["op_a"]).status_code == 200
    assert c.get(f"/api/v1/persons/{pid}/profiles", headers=h["op_a"]).json()[0]["narrative"] == NARRATIVE
    assert pid in [x["id"] for x in c.get("/api/v1/persons", headers=h["op_a"]).json()]
    assert c.get(f"/api/v1/persons/{pid}", headers=h["op_cas"]).status_code == 200
    assert c.get(f"/api/v1/persons/{pid}", headers=h["op_b"]).status_code == 404
    assert pid not in [x["id"] for x in c.get("/api/v1/persons", headers=h["op_b"]).json()]
    # withdrawing the referral ends the access it gave
    assert c.post(f"/api/v1/referrals/{rid}/withdraw", headers=h["op_cas"]).json()["status"] == "withdrawn"
    assert c.get(f"/api/v1/persons/{pid}", headers=h["op_a"]).status_code == 404
    # withdrawn consent: no further sharing
    c.post(f"/api/v1/persons/{pid}/consents/{consent['id']}/withdraw", headers=h["op_cas"])
    again = c.post(f"/api/v1/persons/{pid}/referrals", json={"to_organisation_id": ids["org_a"]}, headers=h["op_cas"])
    assert again.status_code == 409 and "consent" in again.json()["detail"]
    # every step is in the audit trail
    events = c.get(f"/api/v1/audit?pseudonym={p['pseudonym']}&limit=200", headers=h["admin"]).json()
    steps = {(e["action"], e["resource"]) for e in events}
    assert {("create", "consent"), ("create", "referral"), ("accept", "referral"), ("withdraw", "referral"),
            ("withdraw", "consent"), ("read", "referral")} <= steps


def test_declined_referral_needs_a_reason_and_gives_no_access(net):
    c, h, ids, p = net
    c.post(f"/api/v1/persons/{p['id']}/consents", json={"recipient_organisation_id": ids["org_a"], "purpose": "referral"}, headers=h["op_cas"])
    rid = c.post(f"/api/v1/persons/{p['id']}/referrals", json={"to_organisation_id": ids["org_a"]}, headers=h["op_cas"]).json()["id"]
    assert c.post(f"/api/v1/referrals/{rid}/decline", json={}, headers=h["op_a"]).status_code == 422
    d = c.post(f"/api/v1/referrals/{rid}/decline", json={"reason": "fuori dal nostro territorio"}, headers=h["op_a"]).json()
    assert d["status"] == "declined"
    assert c.get(f"/api/v1/persons/{p['id']}", headers=h["op_a"]).status_code == 404


def test_internship_with_observed_skills_turns_the_pathway_certifiable(net):
    c, h, ids, p = net
    pid = p["id"]
    card = c.get(f"/api/v1/persons/{pid}/card", headers=h["op_cas"]).json()
    cook = next(x for x in card["pathways"] if x["occupation_uri"] == COOK)
    assert cook["pathway"] == "internship_validation", cook["reasons"]["en"]
    assert cook["skills_to_observe"]
    r = c.post(f"/api/v1/persons/{pid}/internships", json={"host_organisation_id": ids["org_e"], "occupation_uri": COOK},
               headers=h["op_cas"])
    assert r.status_code == 409 and "consent" in r.json()["detail"]
    c.post(f"/api/v1/persons/{pid}/consents", json={"recipient_organisation_id": ids["org_e"], "purpose": "internship"}, headers=h["op_cas"])
    r = c.post(f"/api/v1/persons/{pid}/internships", json={"host_organisation_id": ids["org_e"], "occupation_uri": COOK},
               headers=h["op_cas"])
    assert r.status_code == 201, r.text
    intern = r.json()
    listed = [s["uri"] for s in intern["skills_to_observe"]]
    assert set(listed) == {s["uri"] for s in cook["skills_to_observe"]}
    # the host employer sees the internship (pseudonym and skills), never the person's profile
    seen = c.get(f"/api/v1/internships/{intern['id']}", headers=h["employer"]).json()
    assert seen["pseudonym"] == p["pseudonym"] and "narrative" not in str(seen)
    assert c.get(f"/api/v1/persons/{pid}/profiles", headers=h["employer"]).status_code == 403
    bad = c.post(f"/api/v1/internships/{intern['id']}/assessment", json={"assessments": [
        {"skill_uri": listed[0], "observed": True}]} if len(listed) > 1 else {"assessments": [{"skill_uri": "x", "observed": True}]},
        headers=h["employer"])
    assert bad.status_code == 422
    done = c.post(f"/api/v1/internships/{intern['id']}/assessment", json={"assessments": [
        {"skill_uri": u, "observed": True, "note": "osservato in cucina"} for u in listed]}, headers=h["employer"])
    assert done.status_code == 200 and done.json()["status"] == "completed"
    after = c.get(f"/api/v1/persons/{pid}/card", headers=h["op_cas"]).json()
    cook_after = next(x for x in after["pathways"] if x["occupation_uri"] == COOK)
    assert cook_after["pathway"] == "certifiable", cook_after["reasons"]["en"]
    assert set(after["validated_skills"]) == set(listed)
    # one timeline across organisations
    kinds = [(m["kind"], m["organisation_id"]) for m in c.get(f"/api/v1/persons/{pid}/measures", headers=h["op_cas"]).json()]
    assert ("profiling", ids["org_cas"]) in kinds and ("internship_started", ids["org_cas"]) in kinds
    assert ("skills_validation", ids["org_e"]) in kinds
    events = c.get(f"/api/v1/audit?pseudonym={p['pseudonym']}&limit=200", headers=h["admin"]).json()
    assert {("create", "internship"), ("assess", "internship")} <= {(e["action"], e["resource"]) for e in events}


def test_analyst_statistics_hold_no_person_identifiers(net):
    c, h, ids, p = net
    c.post(f"/api/v1/persons/{p['id']}/measures", json={"kind": "guidance_interview"}, headers=h["op_cas"])
    c.post(f"/api/v1/persons/{p['id']}/decisions", json={"target_kind": "occupation", "target_uri": COOK, "status": "hired"},
           headers=h["op_cas"])
    stats = c.get("/api/v1/stats/measures", headers=h["analyst"])
    assert stats.status_code == 200
    body = stats.text
    assert p["pseudonym"] not in body and "person" not in body and NARRATIVE[:20] not in body
    data = stats.json()
    assert data["first_contact_to_hiring"]["people"] == 1
    assert {x["kind"] for x in data["counts"]} >= {"profiling", "guidance_interview", "hiring"}
    assert c.get("/api/v1/stats/measures", headers=h["op_cas"]).status_code == 403


def test_erasure_removes_the_card_carried_by_a_referral(net):
    c, h, ids, p = net
    c.post(f"/api/v1/persons/{p['id']}/consents", json={"recipient_organisation_id": ids["org_a"], "purpose": "referral"}, headers=h["op_cas"])
    rid = c.post(f"/api/v1/persons/{p['id']}/referrals", json={"to_organisation_id": ids["org_a"], "reason": "Dakar"},
                 headers=h["op_cas"]).json()["id"]
    assert c.delete(f"/api/v1/persons/{p['id']}", headers=h["op_cas"]).status_code == 200
    with c.app.state.sessions() as db:
        from matcher.network.models import Referral

        r = db.get(Referral, rid)
        assert r.card is None and r.reason is None and r.status == "withdrawn"
