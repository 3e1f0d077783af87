"""A projection head on the frozen encoder's query embeddings (the asymmetric-head idea of the
JobBERT family): ``q' = normalise(q + q W)``, applied only where a text is compared with
occupations; passages, skills and the index stay as they are. ``W`` starts at zero (the head
starts as the identity) and is trained with an in-batch-free softmax over every occupation
(MultipleNegativesRankingLoss with all occupations as candidates). Training uses PyTorch on the CPU;
serving needs only numpy.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

NEEDS_TORCH = "training a projection head or the encoder needs PyTorch: pip install 'skillmatch[train]' (torch==2.13.0, CPU)"


def apply_head(q: np.ndarray, W: np.ndarray) -> np.ndarray:
    out = q + q @ W
    return (out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)).astype(np.float32)


@dataclass(eq=False)
class ProjectionHead:
    """scikit-learn's estimator contract: hyper-parameters in ``__init__``; ``W_`` and ``history_``
    (the loss per epoch) set by ``fit``."""

    epochs: int = 20
    lr: float = 1e-3
    weight_decay: float = 1e-3
    scale: float = 20.0  # 1 / temperature, as in sentence-transformers' MultipleNegativesRankingLoss
    batch_size: int = 256
    seed: int = 0
    W_: np.ndarray = field(init=False, repr=False)
    history_: list = field(init=False, repr=False)
    # the share of W_ kept (chosen on validation examples by the training run) and what each share scored
    shrink_: float = field(init=False, repr=False)
    validation_: dict = field(init=False, repr=False)

    def fit(self, Q: np.ndarray, targets: np.ndarray, prototypes: np.ndarray, checkpoint: Path | None = None,
            progress: Callable[[int, int], None] | None = None) -> ProjectionHead:
        try:
            import torch
        except ImportError as exc:
            raise RuntimeError(NEEDS_TORCH) from exc
        torch.manual_seed(self.seed)
        d = Q.shape[1]
        W = torch.zeros(d, d, requires_grad=True)
        opt = torch.optim.AdamW([W], lr=self.lr, weight_decay=self.weight_decay)
        start = 0
        self.history_ = []
        if checkpoint is not None and checkpoint.exists():  # resume where a stopped run left off
            state = torch.load(checkpoint, weights_only=True)
            W.data.copy_(state["W"])
            opt.load_state_dict(state["opt"])
            start = int(state["epoch"])
            self.history_ = list(state.get("history", []))
        q = torch.from_numpy(np.ascontiguousarray(Q, dtype=np.float32))
        y = torch.from_numpy(targets.astype(np.int64))
        P = torch.from_numpy(np.ascontiguousarray(prototypes, dtype=np.float32)).T
        gen = torch.Generator().manual_seed(self.seed)
        for epoch in range(start, self.epochs):
            perm = torch.randperm(len(q), generator=gen)
            total = 0.0
            for i in range(0, len(q), self.batch_size):
                b = perm[i:i + self.batch_size]
                z = q[b] + q[b] @ W
                z = z / z.norm(dim=1, keepdim=True).clamp_min(1e-9)
                loss = torch.nn.functional.cross_entropy(self.scale * (z @ P), y[b])
                opt.zero_grad()
                loss.backward()
                opt.step()
                total += float(loss.detach()) * len(b)
            self.history_.append(round(total / len(q), 4))
            if checkpoint is not None:
                torch.save({"W": W.detach(), "opt": opt.state_dict(), "epoch": epoch + 1, "history": self.history_}, checkpoint)
            if progress:
                progress(epoch + 1, self.epochs)
        self.W_ = W.detach().numpy().astype(np.float32)
        self.shrink_, self.validation_ = 1.0, {}
        return self

    def shrink(self, share: float, validation: dict) -> ProjectionHead:
        """Keep ``share`` of the fitted head (chosen by the caller on validation examples: a full head
        fits ESCO's own wording more than narratives); ``validation`` records what each share scored."""
        self.W_ = (self.W_ * (share / self.shrink_)).astype(np.float32)
        self.shrink_, self.validation_ = share, validation
        return self

    def transform(self, Q: np.ndarray) -> np.ndarray:
        return apply_head(Q, self.W_)

    def save(self, path: Path) -> None:
        np.savez(path, W=self.W_, history=np.asarray(self.history_, dtype=np.float32))

    @staticmethod
    def load_matrix(path: Path) -> np.ndarray:
        return np.load(path)["W"].astype(np.float32)
