"""Property-based fuzzing of the whole OpenAPI schema (schemathesis): nothing a client sends
may give a 5xx. Bounded examples per operation, as an operator and as an admin."""
from __future__ import annotations

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings

from api.app import create_app
from matcher.settings import load_settings
from tests.api_helpers import login, seed
from tests.conftest import fresh_database
from tests.esco_bundle import write_bundle


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory):
    root = tmp_path_factory.mktemp("fuzz")
    with fresh_database(root) as url:
        s = load_settings(database_url=url, data_dir=root / "var", environment="test",
                          model_dir=tmp_path_factory.getbasetemp() / "shared-registry")
        app = create_app(s, load_matcher=False)
        seed(app, write_bundle(root / "esco"))
        app.state.matcher._load()
        with TestClient(app) as c:
            app.state.fuzz_headers = [login(c, "op_a"), login(c, "admin")]
            person = c.post("/api/v1/persons", json={}, headers=app.state.fuzz_headers[0]).json()
            c.post(f"/api/v1/persons/{person['id']}/profiles", json={"narrative": "Facevo il cuoco."},
                   headers=app.state.fuzz_headers[0])
        yield app


def _operations():
    """Operation labels, read from a throw-away app (the schema does not depend on the data)."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(load_settings(database_url=f"sqlite:///{tmp}/x.db", data_dir=tmp, environment="test"), load_matcher=False)
        return sorted(op.ok().label for op in schemathesis.openapi.from_asgi("/api/v1/openapi.json", app).get_all_operations())


@pytest.mark.parametrize("label", _operations())
def test_no_server_error_for_any_input(fuzz_app, label):
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", fuzz_app)
    op = next(o.ok() for o in schema.get_all_operations() if o.ok().label == label)

    @given(case=op.as_strategy())
    @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None)
    def run(case):
        for headers in fuzz_app.state.fuzz_headers:
            response = case.call(headers=headers)
            assert response.status_code < 500, f"{label} {case.formatted_path} -> {response.status_code}: {response.text[:300]}"

    run()
