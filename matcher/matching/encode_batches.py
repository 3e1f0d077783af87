"""Encoder calls shared by concurrent requests (micro-batching).

The C engine concatenates the tokens of every text it is given and streams each weight once for the
whole batch, so one call for the units of several requests costs less than one call each. It also
keeps one scratch space per model, so calls must not overlap. Both are served by one rule: a caller
whose texts arrive while the encoder is busy waits, and the next call takes everything that waited
(continuous batching). Nobody waits for a batch to fill: under load batches form by themselves
while the engine works, and a lone request (the CLI, a batch worker) is as fast as before.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import cast

import numpy as np

EncodeFn = Callable[[list[str]], np.ndarray]


@dataclass
class _Request:
    texts: list[str]
    result: np.ndarray | None = None
    error: BaseException | None = None
    done: bool = False


@dataclass
class EncodeBatcher:
    """``encode(texts)`` for any number of threads; one engine call at a time, each for the texts of
    every caller then waiting (at most ``max_texts`` texts, whole requests)."""

    encode_fn: EncodeFn
    max_texts: int = 256
    calls: int = 0  # engine calls made (for benchmarks: texts per call = texts / calls)
    texts: int = 0
    _cond: threading.Condition = field(default_factory=threading.Condition, repr=False)
    _queue: list[_Request] = field(default_factory=list, repr=False)
    _busy: bool = field(default=False, repr=False)

    def encode(self, texts: list[str]) -> np.ndarray:
        request = _Request(list(texts))
        with self._cond:
            self._queue.append(request)
        while True:
            with self._cond:
                while not request.done and self._busy:
                    self._cond.wait()
                if request.done:  # a batch led by another caller carried these texts
                    return self._result(request)
                batch = self._lead()
            self._run(batch)

    def _lead(self) -> list[_Request]:
        """Called holding the lock with the encoder idle: take the queue's head for one engine call
        (this caller's request may be left for the next one when the batch is full)."""
        self._busy = True
        batch: list[_Request] = []
        size = 0
        while self._queue and (not batch or size + len(self._queue[0].texts) <= self.max_texts):
            size += len(self._queue[0].texts)
            batch.append(self._queue.pop(0))
        return batch

    def _run(self, batch: list[_Request]) -> None:
        texts = [t for r in batch for t in r.texts]
        try:
            vectors = self.encode_fn(texts)
            error = None
        except BaseException as exc:  # noqa: BLE001 - handed to each caller of the batch, raised there
            vectors, error = np.empty(0), exc
        with self._cond:
            start = 0
            for r in batch:
                if error is not None:
                    r.error = error
                else:
                    r.result = vectors[start:start + len(r.texts)]
                start += len(r.texts)
                r.done = True
            self.calls += 1
            self.texts += len(texts)
            self._busy = False
            self._cond.notify_all()

    @staticmethod
    def _result(request: _Request) -> np.ndarray:
        if request.error is not None:
            raise request.error
        return cast(np.ndarray, request.result)
