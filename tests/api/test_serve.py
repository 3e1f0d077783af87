"""The real thing: `skillmatch users create` and `skillmatch serve` (uvicorn) on loopback."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx
import pytest

from matcher.taxonomy.esco_import import import_bundle
from tests.esco_bundle import COOK


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(settings, sessions, bundle):
    with sessions() as s:
        import_bundle(s, bundle, release="test")
    port = free_port()
    env = {**os.environ, "SKILLMATCH_DATABASE_URL": settings.resolved_database_url, "SKILLMATCH_DATA_DIR": str(settings.data_dir),
           "SKILLMATCH_NEW_PASSWORD": "a long password"}
    cli = [sys.executable, "-m", "matcher"]
    made = subprocess.run(cli + ["users", "create", "op", "--role", "operator", "--organisation", "CPI Pisa"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    dup = subprocess.run(cli + ["users", "create", "op", "--role", "operator", "--organisation", "CPI Pisa"], env=env,
                         capture_output=True, text=True, timeout=120)
    assert dup.returncode != 0 and "exists" in dup.stderr and "Traceback" not in dup.stderr
    proc = subprocess.Popen(cli + ["serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}/api/v1"
    try:
        deadline = time.time() + 120
        ready_in_a_row = 0  # readiness is per worker: several answers in a row, so that both have loaded
        while time.time() < deadline:
            try:
                ready_in_a_row = ready_in_a_row + 1 if httpx.get(f"{base}/ready", timeout=2).status_code == 200 else 0
                if ready_in_a_row >= 6:
                    break
            except httpx.HTTPError:
                ready_in_a_row = 0
            assert proc.poll() is None, proc.stderr.read()
            time.sleep(0.5)
        else:
            pytest.fail("the service did not become ready")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_serve_login_and_match_over_http(server):
    tok = httpx.post(f"{server}/auth/token", data={"username": "op", "password": "a long password"}).json()["access_token"]
    h = {"Authorization": f"Bearer {tok}"}
    # two workers share the secret: every request validates whichever worker answers
    for _ in range(4):
        assert httpx.get(f"{server}/me", headers=h).status_code == 200
    p = httpx.post(f"{server}/persons", json={}, headers=h).json()
    prof = httpx.post(f"{server}/persons/{p['id']}/profiles", json={"narrative": "Ho fatto il cuoco in un ristorante."}, headers=h).json()
    r = httpx.post(f"{server}/matches", json={"profile_id": prof["id"]}, headers=h, timeout=60)
    assert r.status_code == 200 and r.json()["occupations"][0]["uri"] == COOK
    bad = httpx.post(f"{server}/matches", content=b"{]", headers={**h, "content-type": "application/json"})
    assert bad.status_code == 422 and "detail" in bad.json()
