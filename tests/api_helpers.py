from __future__ import annotations

from fastapi.testclient import TestClient

from matcher.accounts.actors import Actor
from matcher.accounts.users import create_organisation, create_user
from matcher.taxonomy.esco_import import import_bundle

PASSWORD = "correct horse battery"
CLI = Actor(None, "test", "admin", None, "test")


def seed(app, bundle) -> dict:
    """Two CPIs, an employer, and one user of each role; the small taxonomy, active."""
    with app.state.sessions() as s:
        import_bundle(s, bundle, release="test")
    return seed_users(app)


def seed_users(app) -> dict:
    """Two CPIs, an employer, and one user of each role."""
    with app.state.sessions() as s:
        a = create_organisation(s, CLI, "CPI Firenze", "cpi", "Firenze")
        b = create_organisation(s, CLI, "CPI Prato", "cpi", "Prato")
        e = create_organisation(s, CLI, "Edilizia Rossi srl", "employer", "Prato")
        ids = {"org_a": a.id, "org_b": b.id, "org_e": e.id}
        for name, role, org in (("admin", "admin", None), ("op_a", "operator", a.id), ("op_b", "operator", b.id),
                                ("employer", "employer", e.id), ("analyst", "analyst", None)):
            ids[name] = create_user(s, CLI, name, PASSWORD, role, org).id
    return ids


def login(client: TestClient, username: str) -> dict:
    r = client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}
