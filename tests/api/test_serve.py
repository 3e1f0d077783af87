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
def served(settings, sessions, bundle):
    """The base URL of `skillmatch serve --workers 2`, and its process."""
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
        yield base, proc
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture
def server(served):
    return served[0]


def test_each_worker_listens_on_its_own_socket(served):
    """With one shared socket the first worker to accept kept every keep-alive client (bench/load.py:
    46 CPU seconds against 3); a socket each lets the kernel spread connections over the workers."""
    import psutil

    base, proc = served
    port = int(base.rsplit(":", 1)[1].split("/")[0])
    listening = []
    for child in psutil.Process(proc.pid).children(recursive=True):
        conns = child.net_connections(kind="tcp") if hasattr(child, "net_connections") else child.connections(kind="tcp")
        listening += [child.pid for c in conns if c.status == psutil.CONN_LISTEN and c.laddr.port == port]
    assert len(listening) == len(set(listening)) == 2


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


def test_a_port_already_taken_is_a_clear_error_and_a_stop_stops_every_worker(settings, served):
    env = {**os.environ, "SKILLMATCH_DATABASE_URL": settings.resolved_database_url, "SKILLMATCH_DATA_DIR": str(settings.data_dir)}
    with socket.socket() as taken:  # another program's socket, without SO_REUSEPORT
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        proc = subprocess.run([sys.executable, "-m", "matcher", "serve", "--host", "127.0.0.1", "--port", str(port),
                               "--workers", "2"], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0 and f"cannot listen on 127.0.0.1:{port}" in proc.stderr
    assert "Traceback" not in proc.stderr
    import psutil

    _, service = served
    workers = psutil.Process(service.pid).children(recursive=True)
    assert workers
    service.terminate()
    service.wait(timeout=60)
    _, alive = psutil.wait_procs(workers, timeout=30)
    assert not alive
